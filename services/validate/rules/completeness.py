"""Completeness: the standard tables and narrative sections are all published; an empty table
carries its “no data” note."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.knowledge.tables import TABLE_TITLES, TableKind
from shared.models import Category, Evidence, Finding, ParsedDocument, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding

# The nine tables of the national template (财政部 部门决算公开 template); some regions add more
# (国有资产占用情况表): those are required when the document's own 目录 lists them.
REQUIRED_TABLES = [
    TableKind.INCOME_EXPENDITURE_SUMMARY,
    TableKind.INCOME,
    TableKind.EXPENDITURE,
    TableKind.FISCAL_SUMMARY,
    TableKind.GENERAL_BUDGET_EXPENDITURE,
    TableKind.GENERAL_BUDGET_BASIC,
    TableKind.THREE_PUBLIC,
    TableKind.GOV_FUND,
    TableKind.STATE_CAPITAL,
]
REQUIRED_TOPICS = {
    "income": "收入决算情况说明",
    "expenditure": "支出决算情况说明",
    "fiscal": "财政拨款支出决算情况说明",
    "basic": "一般公共预算财政拨款基本支出决算情况说明",
    "three_public": "“三公”经费支出决算情况说明",
    "operating_funds": "机关运行经费支出情况说明",
    "procurement": "政府采购支出情况说明",
    "assets": "国有资产占用情况说明",
    "performance": "预算绩效情况说明",
}


@rule(
    "C001",
    "missing_standard_table",
    Category.COMPLETENESS,
    Severity.WARNING,
    "缺少标准公开表",
    "部门决算应公开收入支出决算总表、收入决算表、支出决算表、财政拨款收入支出决算总表、一般公共预算财政拨款支出决算表、"
    "基本支出决算表、“三公”经费支出决算表、政府性基金和国有资本经营预算财政拨款表（按标题识别，不按编号）；"
    "目录中列出的其他表（如国有资产占用情况表）也应公开。"
    "PDF、Word、Excel 文件中一张表都没有（只有说明）时，报告一次“决算表部分缺失”，不逐表报告；"
    "文本文件中一张表都没有时视为表格未能提取（可能为图片），不报缺失；但若各部分从“第一部分”直接跳到“第三部分”、"
    "正文又引用了决算表（“见公开10表《…》”），报告一次“决算表部分缺失”。",
    "缺表使读者无法核对说明中的数字。",
    "公开了 03–10 表，未见收入支出决算总表（01）和收入决算表（02）。",
)
def missing_standard_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.tables and doc.kind.has_layout and any(c.topic for c in doc.claims):
        yield from _tables_part_missing(rule, doc, ctx)
        return
    if not doc.tables and any(c.topic for c in doc.claims):
        promise = _tables_part_skipped(doc)
        if promise is not None:
            yield from _tables_part_missing(rule, doc, ctx, promise)
            return
    if len(doc.tables) < 3:
        raise NotApplicable("文本中几乎没有可识别的决算表（可能为图片或未随文本提供），不判断缺表")
    present = {t.kind for t in doc.tables}
    required = REQUIRED_TABLES + [k for k in doc.tables_listed if k not in REQUIRED_TABLES]
    for kind in required:
        ctx.tick()
        if kind in present:
            continue
        f = make_finding(
            rule,
            ctx,
            f"未找到“{TABLE_TITLES[kind]}”。",
            [Evidence(quote=f"全文未见标题“{TABLE_TITLES[kind]}”")],
            [],
            TABLE_TITLES[kind],
            "按标准表标题在全文中查找",
            0.9,
            note="若原件中该表以图片形式存在或跨页标题缺失，请人工确认。",
        )
        if f:
            yield f


_TABLE_PROMISE = re.compile(r"公开\d{1,2}表|《[^》]{2,30}表》")


def _tables_part_skipped(doc: ParsedDocument) -> str | None:
    """A text export whose parts go “第一部分” → “第三部分” with no “第二部分” (the tables' part) and
    whose text points to a table (“见公开10表《国有资产占用情况表》”): the tables were left out, not
    merely not exported as text (a text whose “第二部分 …决算表” heading stands without tables is
    not judged). The quote that promises the tables, or None."""
    numbers = {s.title.strip()[1:2] for s in doc.sections if s.level == 1}
    if not {"一", "三"} <= numbers or "二" in numbers:
        return None
    if any("决算表" in s.title for s in doc.sections if s.level == 1):
        return None
    for p in doc.passages:
        text = p.quote.replace(" ", "").strip()
        m = _TABLE_PROMISE.search(text)
        if m:
            start = max(0, m.start() - 16)
            return ("…" if start else "") + text[start : m.end()]
    return None


def _tables_part_missing(
    rule: Rule, doc: ParsedDocument, ctx: CheckContext, promise: str | None = None
) -> Iterable[Finding]:
    """A file with a 决算情况说明 and not one table: one finding for the whole part, not one per
    table. A PDF, Word or Excel file always; a text export only when its parts skip the tables'
    “第二部分” and its text points to a table (``promise``): otherwise its tables may have been
    images or may not have been exported."""
    ctx.tick()
    if promise is not None:
        f = make_finding(
            rule,
            ctx,
            "决算表部分缺失：文件从“第一部分”直接到“第三部分”，没有“第二部分 部门决算表”，全文也没有任何一张决算表，"
            f"而正文称“{promise}”。",
            [Evidence(quote=promise)],
            [],
            "应公开全部决算表（第二部分）",
            "按“第X部分”标题和标准表标题在全文中查找",
            note="若决算表以单独文件或图片形式公开，请一并核对。",
            suspect="决算表漏附",
        )
        if f:
            yield f
        return
    with_text = {p.prov.page for p in doc.passages}
    blank = [n for n in range(1, doc.page_count + 1) if n not in with_text]
    note = "若决算表以单独文件公开，请一并核对。"
    if blank:
        pages = "、".join(str(n) for n in blank[:8]) + ("等" if len(blank) > 8 else "")
        note = f"第{pages}页没有文字层，决算表可能以图片形式印在这些页上，请人工确认。" + note
    f = make_finding(
        rule,
        ctx,
        "决算表部分缺失：文件中有决算情况说明，但未找到任何一张决算公开表（收入支出决算总表、收入决算表、支出决算表等）。",
        [Evidence(quote="全文未见任何决算公开表的标题和表格")],
        [],
        "应公开全部决算表",
        "按标准表标题在全文中查找",
        0.9 if blank else 1.0,
        note=note,
        suspect="决算表漏附，或以图片、单独文件形式公开",
    )
    if f:
        yield f


@rule(
    "C002",
    "empty_table_without_note",
    Category.COMPLETENESS,
    Severity.WARNING,
    "空表未作说明",
    "没有数据的表也要公开，并注明“当此表数据为零/为空时，即本部门无…”之类的说明。",
    "空表无说明时读者无法区分“没有发生”与“漏填”。",
    "政府性基金预算财政拨款收入支出决算表只有表头，没有任何说明。",
)
def empty_table_without_note(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.tables:
        raise NotApplicable("未读取到任何决算表")
    for t in doc.tables:
        ctx.tick()
        if t.is_empty and not t.has_empty_note:
            f = make_finding(
                rule,
                ctx,
                f"“{TABLE_TITLES[t.kind]}”没有数据，也没有“本部门无此项收支”之类的说明。",
                [Evidence(quote=t.title, prov=t.prov, table=TABLE_TITLES[t.kind])],
                [],
                "空表应附说明",
                "表中无任何非零数字且未见空表说明",
            )
            if f:
                yield f


@rule(
    "C003",
    "missing_narrative_section",
    Category.COMPLETENESS,
    Severity.WARNING,
    "缺少规定的情况说明",
    "决算情况说明应包括收入、支出、财政拨款支出、基本支出、“三公”经费、机关运行经费、政府采购、国有资产占用和预算绩效等部分。",
    "缺少的部分通常正是部门不愿说明的内容。",
    "情况说明中没有“机关运行经费支出情况说明”。",
)
def missing_narrative_section(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    topics = {c.topic for c in doc.claims}
    if len(topics & set(REQUIRED_TOPICS)) < 3:
        raise NotApplicable("未识别出决算情况说明的结构")
    titles = " ".join(s.title for s in doc.sections)
    for key, title in REQUIRED_TOPICS.items():
        ctx.tick()
        if key in topics or title[:4] in titles:
            continue
        f = make_finding(
            rule,
            ctx,
            f"决算情况说明中未找到“{title}”部分。",
            [Evidence(quote=f"未见“{title}”")],
            [],
            title,
            "按规定的说明部分在全文中查找",
            0.9,
        )
        if f:
            yield f


_NUMERALS = "一二三四五六七八九十"


@rule(
    "C004",
    "part_numbering",
    Category.COMPLETENESS,
    Severity.WARNING,
    "部分序号重复或缺失",
    "“第一部分 … 第五部分”应按顺序出现，既不重复也不跳号。",
    "序号错乱往往意味着整部分内容缺失或复制粘贴错误。",
    "“第一部分 概况”之后又出现“第一部分 2021年度部门决算表”，全文没有第二部分。",
)
def part_numbering(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    parts = [s for s in doc.sections if s.level == 1]
    numbers = [
        (_NUMERALS.index(s.title.strip()[1]) + 1, s) for s in parts if s.title.strip()[1:2] in _NUMERALS
    ]
    if len(numbers) < 3:
        raise NotApplicable("文中“第X部分”标题少于三个")
    ctx.tick()
    seen: dict[int, object] = {}
    problems, evidence = [], []
    for n, s in numbers:
        if n in seen:
            problems.append(f"“第{_NUMERALS[n - 1]}部分”出现两次")
            evidence.append(Evidence(quote=s.title, prov=s.prov))
        seen[n] = s
    top = max(seen)
    # 第二部分 holds the tables: whether they are there is C001's to say (a layout may print them
    # under the document's title without the words “第二部分”, or they may be images).
    missing = [f"第{_NUMERALS[n - 1]}部分" for n in range(1, top + 1) if n not in seen and n != 2]
    if missing:
        problems.append("缺少" + "、".join(missing))
    if not problems:
        return
    ocr = doc.kind.is_ocr
    f = make_finding(
        rule,
        ctx,
        "；".join(problems) + "。",
        evidence or [Evidence(quote=parts[0].title, prov=parts[0].prov)],
        [s.title for _, s in numbers],
        f"第一部分至第{_NUMERALS[top - 1]}部分各一次",
        "按“第X部分”标题的序号检查",
        0.8 if ocr else 1.0,
        note="扫描件的序号可能被 OCR 误识（如“二”识成“一”）。" if ocr else None,
    )
    if f:
        yield f
