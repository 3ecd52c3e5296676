"""The narrative's item-by-item statements against the tables: each 项 of 五(三) (its amount and
what it says the money was for) and the composition lists of 六 (“人员经费…主要包括：…”)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from shared.knowledge.classification import category_code
from shared.knowledge.subjects import ITEM_PREFIX
from shared.knowledge.tables import ECONOMIC_COLUMN, TableKind
from shared.models import Category, Claim, Finding, ParsedDocument, Row, Severity, Table

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..facts import fact
from ..findings import claim_evidence, make_finding
from ..tolerance import fmt, same_value


def _squash(text: str) -> str:
    return re.sub(r"[\s（）()]", "", text)


def _name_key(text: str) -> str:
    """An economic item's name for matching a list against the table: “其他社会保障缴费支出” in
    the text is “其他社会保障缴费” in the table."""
    return re.sub(r"(支出|费用)$", "", _squash(text)) or _squash(text)


def _child(table: Table, parent: str, length: int, name: str) -> Row | None:
    rows = [r for r in table.rows if r.code and len(r.code) == length and r.code.startswith(parent)]
    key = _squash(name)
    exact = [r for r in rows if _squash(r.name) == key]
    if exact:
        return exact[0]
    names = [_squash(r.name) for r in rows]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.85)
    return rows[names.index(close[0])] if close else None


def resolve_item(doc: ParsedDocument, subject: str) -> tuple[Table, Row] | None:
    """The table row of an item named “类名|款名|项名”: in 一般公共预算财政拨款支出决算表 (the
    section is about it), else in 支出决算表."""
    if not subject.startswith(ITEM_PREFIX):
        return None
    lei, kuan, xiang = subject[len(ITEM_PREFIX) :].split("|")
    code = category_code(lei)
    if code is None:
        return None
    for kind in (TableKind.GENERAL_BUDGET_EXPENDITURE, TableKind.EXPENDITURE):
        table = doc.table(kind)
        if table is None:
            continue
        k = _child(table, code, 5, kuan)
        x = _child(table, k.code, 7, xiang) if k is not None and k.code else None
        if x is not None:
            return table, x
    return None


def _items(doc: ParsedDocument, kind: str) -> list[Claim]:
    return [c for c in doc.claims if c.kind == kind and c.subject.startswith(ITEM_PREFIX)]


@rule(
    "N303",
    "item_amount_matches_table",
    Category.NARRATIVE_TABLE,
    Severity.ERROR,
    "说明中分项支出与报表不一致",
    "决算情况说明逐项说明的功能分类“项”（“…（类）…（款）…（项）…支出决算为 X 万元”）必须等于一般公共预算财政拨款支出决算表"
    "（无此表时为支出决算表）中同名科目的决算数。",
    "逐项说明是读者了解每笔钱去向的地方，数字与报表不符会直接误导。",
    "“行政运行（项）…支出决算为 1,511.98 万元”，一般公共预算财政拨款支出决算表 2010601 行政运行 1,511.89 万元。",
)
def item_amount_matches_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _items(doc, "amount") if "amount" in c.values]
    if not claims:
        raise NotApplicable("说明中没有逐项（类/款/项）列示的支出决算数")
    for c in claims:
        found = resolve_item(doc, c.subject)
        if found is None:
            ctx.skip("说明所列科目在报表中未找到同名的项级科目")
            continue
        table, row = found
        f_total = fact(table, row, "本年支出合计")
        if f_total is None or f_total.cell.state == "text":
            continue
        q = c.values["amount"]
        ctx.tick()
        if same_value(q.value, q.places, f_total.value, f_total.places):
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明中“{row.name}（项）”支出决算为 {q.raw} 万元，{f_total.label} 为 {fmt(f_total.value)} 万元，相差 {fmt(q.value - f_total.value)} 万元。",
            [claim_evidence(c), f_total.evidence()],
            [f"{q.raw}万元"],
            f"{fmt(f_total.value)}万元",
            f"按类、款、项名称对应到 {row.code} {row.name}，与{f_total.label}比对",
            f_total.confidence,
        )
        if f:
            yield f


_BASIC_RE = re.compile(r"基本支出(等)?$")
_PROJECT_RE = re.compile(r"项目支出(等)?$|项目经费(等)?$")


@rule(
    "N304",
    "item_usage_contradicts_table",
    Category.NARRATIVE_TABLE,
    Severity.WARNING,
    "分项用途说明与报表支出性质不符",
    "逐项说明写明某“项”的钱用于基本支出（或项目支出），而报表中该科目的基本支出（或项目支出）栏为空、金额全部在另一栏。",
    "基本支出与项目支出的划分是预算管理的基本口径，说明与报表相反会误导读者对经费性质的判断。",
    "“一般行政管理事务（项）主要用于：业务指导与宣传等基本支出”，报表中该项基本支出为空、项目支出 10.00 万元。",
)
def item_usage_contradicts_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _items(doc, "usage") if c.detail]
    if not claims:
        raise NotApplicable("说明中没有逐项的用途说明（“主要用于：…”）")
    for c in claims:
        text = re.sub(r"[。；;，,\s]+$", "", c.detail or "")
        says = "基本支出" if _BASIC_RE.search(text) else "项目支出" if _PROJECT_RE.search(text) else None
        if says is None:
            continue
        found = resolve_item(doc, c.subject)
        if found is None:
            ctx.skip("说明所列科目在报表中未找到同名的项级科目")
            continue
        table, row = found
        basic, project = fact(table, row, "基本支出"), fact(table, row, "项目支出")
        if basic is None or project is None:
            continue
        ctx.tick()
        said, other = (basic, project) if says == "基本支出" else (project, basic)
        if said.value != 0 or other.value <= 0 or said.cell.state == "text":
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明称“{row.name}（项）”用于{says}，但{table.number_label or ''}{table.title} {row.code} {row.name} 的{says}为"
            f"{'空' if said.cell.state == 'empty' else fmt(said.value)}，{other.column} {fmt(other.value)} 万元。",
            [claim_evidence(c), said.evidence(), other.evidence()],
            [c.detail or ""],
            f"{other.column} {fmt(other.value)} 万元",
            f"报表中该科目支出全部列在“{other.column}”栏",
            min(said.confidence, other.confidence),
        )
        if f:
            yield f


def _economic_rows(doc: ParsedDocument) -> tuple[Table, dict[str, Row]] | None:
    table = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    if table is None:
        return None
    return table, {_name_key(r.name): r for r in table.rows if r.code and len(r.code) == 5}


@rule(
    "N305",
    "composition_list_vs_table",
    Category.NARRATIVE_TABLE,
    Severity.WARNING,
    "经费构成列举与报表不符",
    "基本支出说明中“人员经费…主要包括：…；公用经费…主要包括：…”列举的经济分类科目，在一般公共预算财政拨款基本支出决算表中应有金额；"
    "列举了报表中为空（0）的科目，说明列举与报表不符（常见于套用模板或上年文本）。",
    "构成列举是读者了解经费用途的依据，列出没有发生的科目会误导读者。",
    "“人员经费…主要包括：…退休费、个人农业生产补贴”，基本支出决算表中 30310 个人农业生产补贴为空，而 30309 奖励金 0.31 万元未列出。",
)
def composition_list_vs_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    lists = [c for c in doc.claims if c.kind == "list" and c.items]
    rows = _economic_rows(doc)
    if not lists or rows is None:
        raise NotApplicable("说明中没有经费构成列举，或未找到基本支出决算表")
    table, by_name = rows
    for c in lists:
        listed = [(name, by_name.get(_name_key(name))) for name in c.items]
        known = [(n, r) for n, r in listed if r is not None]
        if not known:
            continue
        ctx.tick(len(known))
        zero = [
            (n, r)
            for n, r in known
            if (cell := r.cells.get(ECONOMIC_COLUMN)) is not None and cell.state != "text" and not cell.value
        ]
        if not zero:
            continue
        classes = {r.code[:3] for _, r in zero if r.code}
        listed_codes = {r.code for _, r in known}
        unlisted = [
            r
            for r in table.rows
            if r.code
            and len(r.code) == 5
            and r.code[:3] in classes
            and r.code not in listed_codes
            and (cell := r.cells.get(ECONOMIC_COLUMN)) is not None
            and cell.value
        ]
        class_rows = [r for r in table.rows if r.code in classes]
        zeros = "、".join(f"{r.code} {r.name}" for _, r in zero)
        msg = f"说明列举的{c.subject_text}构成中，{zeros} 在基本支出决算表中为空（0）。"
        if unlisted:
            msg += (
                "同类中有金额而未列举的是："
                + "、".join(f"{r.code} {r.name} {fmt(r.cells[ECONOMIC_COLUMN].value)} 万元" for r in unlisted)
                + "。"
            )
        if class_rows:
            msg += (
                "（"
                + "；".join(
                    f"{r.code} {r.name} 合计 {fmt(r.cells[ECONOMIC_COLUMN].value)} 万元"
                    for r in class_rows
                    if r.cells[ECONOMIC_COLUMN].value
                )
                + "）"
            )
        evidence = [claim_evidence(c)] + [
            fc.evidence() for _, r in zero if (fc := fact(table, r, ECONOMIC_COLUMN))
        ]
        f = make_finding(
            rule,
            ctx,
            msg,
            evidence[:6],
            [n for n, _ in zero],
            "列举的科目在报表中应有金额",
            "按科目名称对应基本支出决算表的经济分类款级科目",
            min(min(r.cells[ECONOMIC_COLUMN].confidence, r.confidence) for _, r in zero),
        )
        if f:
            yield f


# What a 项 pays for, by words of its name, and the words its 用途 should then use
USAGE_DOMAINS: list[tuple[str, tuple[str, ...]]] = [
    ("住房", ("住房", "公积金", "购房", "提租")),
    ("医疗", ("医疗", "医保")),
    ("养老", ("养老", "离退休", "退休", "年金")),
]


def domain_of(text: str) -> str | None:
    """The kind of spending (住房/医疗/养老) a name or a description speaks of, if any."""
    return next((d for d, words in USAGE_DOMAINS if any(w in text for w in words)), None)


def usage_names_other_domain(c: Claim) -> tuple[str, str] | None:
    """(the item's own kind, the kind its 用途 speaks of) when they differ: N306's finding."""
    _lei, kuan, xiang = c.subject[len(ITEM_PREFIX) :].split("|")
    own = domain_of(xiang) or domain_of(kuan)
    said = domain_of(c.detail or "")
    if own is None or said is None:
        return None
    if said == own or any(w in (c.detail or "") for w in dict(USAGE_DOMAINS)[own]):
        return None
    return own, said


@rule(
    "N306",
    "item_usage_names_another_item",
    Category.NARRATIVE_TABLE,
    Severity.WARNING,
    "分项用途说明与科目不符",
    "逐项说明中某“项”的用途（“主要用于：…”）说的是另一类支出（如住房公积金（项）写成“事业单位医疗保险支出”），"
    "通常是从相邻一项复制而未修改。",
    "用途与科目不符，读者无法知道这笔钱实际用在哪里。",
    "住房保障支出（类）住房改革支出（款）住房公积金（项）。主要用于：事业单位医疗保险支出。",
)
def item_usage_names_another_item(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _items(doc, "usage") if c.detail]
    if not claims:
        raise NotApplicable("说明中没有逐项的用途说明（“主要用于：…”）")
    for c in claims:
        _lei, kuan, xiang = c.subject[len(ITEM_PREFIX) :].split("|")
        if (domain_of(xiang) is None and domain_of(kuan) is None) or domain_of(c.detail or "") is None:
            continue
        ctx.tick()
        mismatch = usage_names_other_domain(c)
        if mismatch is None:
            continue
        own, said = mismatch
        f = make_finding(
            rule,
            ctx,
            f"“{xiang}（项）”的用途写作“{c.detail}”，说的是{said}方面的支出，与科目（{kuan}—{xiang}）不符，疑为从其他项复制。",
            [claim_evidence(c)],
            [c.detail or ""],
            f"{xiang}的用途",
            f"科目名称属{own}类，用途说明属{said}类",
        )
        if f:
            yield f
