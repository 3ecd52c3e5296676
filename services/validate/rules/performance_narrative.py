"""What the narrative says about the 绩效 score tables: the stated 自评得分 equals the table's 总分,
an average equals the tables' mean, and the counts of projects by grade add up."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from shared.models import Category, Finding, ParsedDocument, ScoreTable, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import SUSPECT_UNKNOWN, make_finding
from ..tolerance import half_unit, interval, places_of, same_value
from .performance_text import (
    GRADE_WORD,
    NUM,
    DocText,
    canon,
    doc_text,
    ev,
    fmt_score,
    project_tables,
    self_evaluated_count,
)

# --------------------------------------------------------------------------- narrative vs table

# “自评得分92.97分” / “绩效自评得分为 95分” / “评分得分92.97分” / “评价得分为 98分” / “总得分为 98 分”
_SCORE_STATED_RE = re.compile(
    rf"(?:自评|评价|评分|总)得分\s*为?\s*[“\"]?\s*(?P<s>{NUM})\s*[”\"]?\s*分"
    r"(?!\s*(?:[（(]含[）)])?\s*(?:及|以)(?:以上|以下|上|下)|\s*[-－—~～至到])"  # a band, not a score
)
_AVERAGE_RE = re.compile(rf"平均得分\s*为?\s*(?P<s>{NUM})\s*分")
# the nearest of these before a score says which evaluation it belongs to
_SELF_RE = re.compile(r"自评")
_OTHER_RE = re.compile(r"部门(?:绩效)?评价|评价报告|第三方|重点(?:绩效)?评价|财政评价")
_YEAR_PUNCT_RE = re.compile(r"20\d{2}\s*年度?|[“”\"'《》：:（）()\s]|项目$")


def _title_key(t: ScoreTable) -> str:
    if "整体" in t.title:
        return "部门整体"
    return _YEAR_PUNCT_RE.sub("", t.title)


def _is_self_evaluation(text: DocText, pos: int, end: int) -> bool:
    """The score at ``pos`` is a 自评 score: its own sentence says 自评, or the nearest marker
    before it is 自评 rather than 部门评价 / 评价报告 / 第三方."""
    sent_start = max(text.text.rfind("。", 0, pos), text.text.rfind("\n", 0, pos)) + 1
    if _SELF_RE.search(text.text, sent_start, end):
        return True
    if _OTHER_RE.search(text.text, sent_start, end):
        return False
    last_self = max((m.start() for m in _SELF_RE.finditer(text.text, max(0, pos - 3000), pos)), default=-1)
    last_other = max((m.start() for m in _OTHER_RE.finditer(text.text, max(0, pos - 3000), pos)), default=-1)
    return last_self > last_other


def _table_for(text: DocText, pos: int, tables: list[ScoreTable]) -> ScoreTable | None:
    """The table a score at ``pos`` speaks of: the one whose project name is nearest before it
    (within 300 characters); else the only project table when the sentence says 该项目."""
    window = text.text[max(0, pos - 300) : pos]
    best, best_pos = None, -1
    for t in tables:
        key = _title_key(t)
        at = window.rfind(key) if len(key) >= 4 else -1
        if at > best_pos:
            best, best_pos = t, at
    if best is not None:
        return best
    projects = [t for t in tables if "整体" not in t.title]
    if len(projects) == 1 and "该项目" in window[-60:]:
        return projects[0]
    return None


@rule(
    "P605",
    "stated_score_vs_table",
    Category.PERFORMANCE,
    Severity.ERROR,
    "说明中的自评得分与自评表总分不符",
    "说明中某项目（或部门整体）的绩效自评得分（“自评得分98分”）应等于该项目绩效自评表的总分；"
    "“平均得分X分”在所列自评表数量等于自评项目数时应等于各表总分的平均数（警告）。"
    "部门评价、第三方评价的得分与自评得分本可不同，不比较。",
    "同一自评结论出现两个得分，读者无法判断哪个为准。",
    "说明“自评得分95分”，《项目支出绩效自评表》总分 92.97。",
)
def stated_score_vs_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.score_tables if t.total_score is not None]
    if not tables:
        raise NotApplicable("未找到列有总分的绩效自评表")
    text = doc_text(doc)
    for m in _SCORE_STATED_RE.finditer(text.text):
        if not _is_self_evaluation(text, m.start(), m.end()):
            continue
        t = _table_for(text, m.start(), tables)
        if t is None or t.total_score is None:
            continue
        ctx.tick()
        raw = m.group("s")
        stated = Decimal(raw)
        if same_value(stated, places_of(stated), t.total_score, places_of(t.total_score)):
            continue
        items = sum((i.score or Decimal(0) for i in t.items), Decimal(0))
        weights = sum((i.weight or Decimal(0) for i in t.items), Decimal(0))
        complete = t.total_weight is not None and weights == t.total_weight
        if complete and items == t.total_score:
            suspect = f"说明中的得分 {raw} 分（自评表各项得分之和与表列总分 {fmt_score(t.total_score)} 一致）"
        elif complete and items == stated:
            suspect = (
                f"自评表总分 {fmt_score(t.total_score)}（各项得分之和为 {fmt_score(items)}，与说明一致）"
            )
        else:
            suspect = SUSPECT_UNKNOWN
        evidence = [ev(text.quote(m.start(), m.end())), ev(t.total_source or t.source)]
        f = make_finding(
            rule,
            ctx,
            f"说明中《{t.title}》的自评得分为 {raw} 分，自评表总分为 {fmt_score(t.total_score)} 分。",
            evidence,
            [raw],
            fmt_score(t.total_score),
            "说明中的自评得分与自评表“总分”行对照",
            suspect=suspect,
        )
        if f:
            yield f
    projects = project_tables(doc)
    for m in _AVERAGE_RE.finditer(text.text):
        n = self_evaluated_count(text, m.start())
        scored = [t.total_score for t in projects if t.total_score is not None]
        if n is None or n[0] < 2 or len(scored) != n[0] or len(projects) != n[0]:
            continue
        ctx.tick()
        raw = m.group("s")
        mean = sum(scored, Decimal(0)) / len(scored)
        slack = max((half_unit(places_of(s)) for s in scored), default=Decimal(0))
        lo, hi = interval(Decimal(raw), places_of(Decimal(raw)))
        if lo - slack <= mean <= hi + slack:
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明称 {n[0]} 个自评项目平均得分 {raw} 分，所附 {len(scored)} 张自评表总分"
            f"（{'、'.join(fmt_score(s) for s in scored)}）的平均数为 {mean:.2f} 分。",
            [ev(text.quote(m.start(), m.end()))] + [ev(t.total_source or t.source) for t in projects],
            [raw],
            f"{mean:.2f}",
            "各自评表总分之和 ÷ 项目数",
            severity=Severity.WARNING,
            suspect=SUSPECT_UNKNOWN,
        )
        if f:
            yield f


# --------------------------------------------------------------------------- counts by grade

# “2个项目评价结果为“优”” / “绩效评级为“优”的项目39个”
_COUNT_A_RE = re.compile(
    rf"(?P<n>\d+)\s*个\s*(?:项目)?\s*(?:评价结果|评价等级|绩效评级|等级)?为\s*[“\"]\s*(?P<g>{GRADE_WORD})\s*[”\"]"
)
_COUNT_B_RE = re.compile(
    rf"(?:评价结果|评价等级|绩效评级|等级|评价)为\s*[“\"]\s*(?P<g>{GRADE_WORD})\s*[”\"]\s*的项目\s*(?P<n>\d+)\s*个"
)


@rule(
    "P608",
    "grade_counts",
    Category.PERFORMANCE,
    Severity.ERROR,
    "按等级统计的项目数不符",
    "说明中“开展绩效自评的项目 N 个，其中评价为优的 a 个、良的 b 个、中（合格）的 c 个、差（不合格）的 d 个”"
    "应满足 a + b + c + d = N（错误）；所附项目支出绩效自评表多于 N 张时提示（警告）。",
    "分等级的项目数是自评结论的汇总，合计不符说明统计有误。",
    "绩效自评的项目39个（其中，评级为“优”的项目38个；“良”的项目0个；“合格”的项目0个；“不合格”的项目0个）。",
)
def grade_counts(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    text = doc_text(doc)
    hits = sorted(
        [
            (m.start(), m.end(), int(m.group("n")), canon(m.group("g")))
            for m in _COUNT_A_RE.finditer(text.text)
        ]
        + [
            (m.start(), m.end(), int(m.group("n")), canon(m.group("g")))
            for m in _COUNT_B_RE.finditer(text.text)
        ]
    )
    clusters: list[list[tuple[int, int, int, str]]] = []
    for h in hits:
        if clusters and h[0] - clusters[-1][-1][1] <= 40 and h[3] not in {x[3] for x in clusters[-1]}:
            clusters[-1].append(h)
        else:
            clusters.append([h])
    clusters = [c for c in clusters if len(c) >= 2]
    projects = project_tables(doc)
    counted = False
    for c in clusters:
        n = self_evaluated_count(text, c[0][0])
        if n is None:
            continue
        counted = True
        ctx.tick()
        total = sum(x[2] for x in c)
        if total != n[0]:
            parts = "、".join(f"“{x[3]}”{x[2]}个" for x in c)
            f = make_finding(
                rule,
                ctx,
                f"说明称开展绩效自评的项目 {n[0]} 个，按等级列出 {parts}，合计 {total} 个。",
                [ev(text.quote(n[1], c[-1][1]))],
                [str(n[0])],
                str(total),
                "各等级项目数相加",
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f
        if len(projects) > n[0]:
            f = make_finding(
                rule,
                ctx,
                f"说明称开展绩效自评的项目 {n[0]} 个，文件附项目支出绩效自评表 {len(projects)} 张。",
                [ev(text.quote(n[1], c[-1][1]))] + [ev(t.source) for t in projects],
                [str(n[0])],
                f"≥ {len(projects)}",
                "自评表张数与自评项目数对照",
                severity=Severity.WARNING,
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f
    if not counted:
        raise NotApplicable("未找到“开展绩效自评的项目N个，其中评价为优的…个”的表述")


# --------------------------------------------------------------------------- one evaluation, two totals

# “整体支出绩效总分为98分（其中基础工作管理指标19分、绩效目标管理指标25分、…）”
_COMPONENT_TOTAL_RE = re.compile(
    rf"总分\s*为?\s*(?P<n>{NUM})\s*分\s*[（(]\s*其中[:：]?(?P<parts>[^）)]{{4,200}})[）)]"
)
_COMPONENT_RE = re.compile(rf"(?P<name>[\u4e00-\u9fff]{{2,12}}?)(?:指标)?\s*(?P<s>{NUM})\s*分")
# “联络处自评得100分” / “自评得分为100分”
_SELF_TOTAL_RE = re.compile(rf"自评得分?\s*为?\s*(?P<m>{NUM})\s*分")
_HEADING_RE = re.compile(r"[一二三四五六七八九十]{1,2}、\s*(?P<h>[\u4e00-\u9fff]{2,12})")
_ITEM_SCORE_RE = re.compile(rf"该(?:项)?指标得\s*(?P<k>{NUM})\s*分")
_REPORT_REACH = 6000  # characters after the self-evaluated total a report's sections can span
_ITEM_GAP = 1500  # an item score further than this from the previous one belongs to something else


def _report_sections(text: str, start: int, names: list[str]) -> dict[str, Decimal]:
    """The per-heading sums of “该指标得k分” in the report that follows ``start`` (its headings
    “一、基础工作管理 …”), a heading named by the component of ``names`` it starts with (the
    passages are joined, so a heading runs on into the next line's text)."""
    end = min(len(text), start + _REPORT_REACH)
    headings = [
        (m.start(), next((n for n in names if m.group("h").startswith(n)), m.group("h")))
        for m in _HEADING_RE.finditer(text, start, end)
    ]
    sums: dict[str, Decimal] = {}
    last = start
    for m in _ITEM_SCORE_RE.finditer(text, start, end):
        if m.start() - last > _ITEM_GAP:
            break
        head = next((h for at, h in reversed(headings) if at < m.start()), None)
        if head is not None:
            sums[head] = sums.get(head, Decimal(0)) + Decimal(m.group("k"))
        last = m.end()
    return sums


def _key(name: str) -> str:
    return re.sub(r"指标$", "", name)


@rule(
    "P610",
    "evaluation_total_stated_twice",
    Category.PERFORMANCE,
    Severity.WARNING,
    "同一评价的总分两处表述不一致",
    "说明中“总分为 N 分（其中 甲 a 分、乙 b 分…）”与所附自评报告的“自评得 M 分”所指为同一评价"
    "（报告的各部分标题与括号内各部分名称相同，至少两项）时，N 应等于 M；报告逐项“该指标得 k 分”"
    "之和可印证哪一处有误。",
    "同一评价出现两个总分，读者无法判断哪个为准。",
    "说明“总分为98分（其中基础工作管理指标19分、…）”，所附绩效管理报告“自评得100分”。",
)
def evaluation_total_stated_twice(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    text = doc_text(doc)
    totals = list(_COMPONENT_TOTAL_RE.finditer(text.text))
    selfs = list(_SELF_TOTAL_RE.finditer(text.text)) if totals else []
    if not totals or not selfs:
        raise NotApplicable("未找到分部分列出的总分与自评报告的自评得分")
    for t in totals:
        parts = [
            (_key(m.group("name")), Decimal(m.group("s"))) for m in _COMPONENT_RE.finditer(t.group("parts"))
        ]
        if len(parts) < 2:
            continue
        for s in selfs:
            if t.start() <= s.start() < t.end():
                continue
            sections = _report_sections(text.text, s.end(), [name for name, _ in parts])
            shared = [name for name, _ in parts if name in sections]
            if len(shared) < 2:
                continue
            ctx.tick()
            n, m = Decimal(t.group("n")), Decimal(s.group("m"))
            if n == m:
                continue
            itemized = sum(sections.values(), Decimal(0))
            by_part = "、".join(
                f"{name} {fmt_score(v)} 分（报告 {fmt_score(sections[name])} 分）"
                for name, v in parts
                if name in sections
            )
            if itemized == m:
                suspect = f"说明中的总分 {t.group('n')} 分（报告逐项得分合计 {fmt_score(itemized)} 分，与“自评得{s.group('m')}分”一致）"
            elif itemized == n:
                suspect = (
                    f"报告的“自评得{s.group('m')}分”（报告逐项得分合计 {fmt_score(itemized)} 分，与说明一致）"
                )
            else:
                suspect = SUSPECT_UNKNOWN
            f = make_finding(
                rule,
                ctx,
                f"说明称总分为 {t.group('n')} 分，所附报告称自评得 {s.group('m')} 分；"
                f"两者按相同的部分（{'、'.join(shared)}）评分，应为同一评价。各部分：{by_part}。",
                [ev(text.quote(t.start(), t.end())), ev(text.quote(s.start(), s.end()))],
                [t.group("n")],
                s.group("m"),
                f"报告逐项“该指标得k分”合计 {fmt_score(itemized)} 分",
                suspect=suspect,
            )
            if f:
                yield f
