"""The narrative restates the tables: every amount and count it states must equal the table's."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.knowledge.subjects import subject_zh
from shared.knowledge.tables import TableKind
from shared.models import Category, Claim, Finding, ParsedDocument, Quantity, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..facts import Fact, coded_fact, economic_fact, group_fact, summary_fact, three_public_actual_column
from ..findings import SUSPECT_UNKNOWN, claim_evidence, make_finding
from ..tolerance import Interval, fmt, same_value

S01, S04 = TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY
Lookup = Callable[[ParsedDocument], tuple[Fact | None, str | None]]


def _first(
    *options: Callable[[], Fact | None], note_if_later: str | None = None
) -> tuple[Fact | None, str | None]:
    for i, opt in enumerate(options):
        f = opt()
        if f is not None and f.cell.state != "text":
            return f, (note_if_later if i > 0 else None)
    return None, None


def _fiscal_income(doc: ParsedDocument) -> Fact | None:
    return summary_fact(doc, S01, "income", "一般公共预算财政拨款收入") or summary_fact(
        doc, S04, "income", "本年收入合计"
    )


SCOPE_04 = "收入支出决算总表（01表）未找到，改与财政拨款收入支出决算总表比较；两表口径不同（01表含非财政拨款资金），差异可能来自口径。"

# (topic, subject) → lookup of the table fact that states the same quantity
AMOUNT_SOURCES: dict[tuple[str, str], Lookup] = {
    ("overview", "income_expenditure_total"): lambda d: _first(
        lambda: summary_fact(d, S01, "income", "总计")
    ),
    ("fiscal_overview", "fiscal_grand_total"): lambda d: _first(
        lambda: summary_fact(d, S04, "income", "总计")
    ),
    ("fiscal_overview", "income_current"): lambda d: _first(
        lambda: summary_fact(d, S04, "income", "本年收入合计")
    ),
    ("fiscal_overview", "expenditure_current"): lambda d: _first(
        lambda: summary_fact(d, S04, "expenditure", "本年支出合计")
    ),
    ("basic", "personnel"): lambda d: _first(lambda: economic_fact(d, "人员经费合计")),
    ("basic", "public_funds"): lambda d: _first(lambda: economic_fact(d, "公用经费合计")),
    ("income", "income_total"): lambda d: _first(
        lambda: summary_fact(d, S01, "income", "总计"),
        lambda: summary_fact(d, S04, "income", "总计"),
        note_if_later=SCOPE_04,
    ),
    ("income", "carryover_begin"): lambda d: _first(lambda: summary_fact(d, S01, "income", "年初结转和结余")),
    ("income", "income_current"): lambda d: _first(
        lambda: summary_fact(d, S01, "income", "本年收入合计"),
        lambda: coded_fact(d, TableKind.INCOME, None, "本年收入合计"),
    ),
    ("income", "income_fiscal"): lambda d: _first(lambda: _fiscal_income(d)),
    ("income", "income_other"): lambda d: _first(lambda: summary_fact(d, S01, "income", "其他收入")),
    ("income", "income_business"): lambda d: _first(lambda: summary_fact(d, S01, "income", "事业收入")),
    ("income", "income_operating"): lambda d: _first(lambda: summary_fact(d, S01, "income", "经营收入")),
    ("income", "income_superior"): lambda d: _first(lambda: summary_fact(d, S01, "income", "上级补助收入")),
    ("expenditure", "expenditure_total"): lambda d: _first(
        lambda: summary_fact(d, S01, "expenditure", "总计"),
        lambda: summary_fact(d, S04, "expenditure", "总计"),
        note_if_later=SCOPE_04,
    ),
    ("expenditure", "expenditure_current"): lambda d: _first(
        lambda: summary_fact(d, S01, "expenditure", "本年支出合计"),
        lambda: coded_fact(d, TableKind.EXPENDITURE, None, "本年支出合计"),
    ),
    ("expenditure", "carryover_end"): lambda d: _first(
        lambda: summary_fact(d, S01, "expenditure", "年末结转和结余")
    ),
    ("expenditure", "basic"): lambda d: _first(
        lambda: coded_fact(d, TableKind.EXPENDITURE, None, "基本支出")
    ),
    ("expenditure", "project"): lambda d: _first(
        lambda: coded_fact(d, TableKind.EXPENDITURE, None, "项目支出")
    ),
    ("fiscal", "fiscal_total"): lambda d: _first(lambda: summary_fact(d, S04, "expenditure", "本年支出合计")),
    ("basic", "basic"): lambda d: _first(
        lambda: coded_fact(d, TableKind.GENERAL_BUDGET_EXPENDITURE, None, "基本支出")
    ),
    ("basic", "econ:301"): lambda d: _first(lambda: economic_fact(d, "301")),
    ("basic", "econ:302"): lambda d: _first(lambda: economic_fact(d, "302")),
    ("basic", "econ:303"): lambda d: _first(lambda: economic_fact(d, "303")),
    ("basic", "econ:310"): lambda d: _first(lambda: economic_fact(d, "310")),
}
THREE_PUBLIC_SUBJECTS = {
    "tp:total": "total",
    "tp:abroad": "abroad",
    "tp:vehicle": "vehicle",
    "tp:vehicle_purchase": "vehicle_purchase",
    "tp:vehicle_operation": "vehicle_operation",
    "tp:reception": "reception",
}


# A second table that states the same quantity in the same scope: when the narrative disagrees
# with the first, the second tells which side is likely wrong.
SECOND_SOURCES: dict[tuple[str, str], Callable[[ParsedDocument], Fact | None]] = {
    # 收入总计 = 支出总计: the other side of the same summary table
    ("income", "income_total"): lambda d: summary_fact(d, S01, "expenditure", "总计"),
    ("expenditure", "expenditure_total"): lambda d: summary_fact(d, S01, "income", "总计"),
    ("overview", "income_expenditure_total"): lambda d: summary_fact(d, S01, "expenditure", "总计"),
    ("fiscal_overview", "fiscal_grand_total"): lambda d: summary_fact(d, S04, "expenditure", "总计"),
    ("income", "income_current"): lambda d: coded_fact(d, TableKind.INCOME, None, "本年收入合计"),
    ("expenditure", "expenditure_current"): lambda d: coded_fact(
        d, TableKind.EXPENDITURE, None, "本年支出合计"
    ),
    ("expenditure", "basic"): lambda d: coded_fact(d, TableKind.EXPENDITURE, None, "基本支出"),
    ("expenditure", "project"): lambda d: coded_fact(d, TableKind.EXPENDITURE, None, "项目支出"),
}


def suspect_side(doc: ParsedDocument, c: Claim, q: Quantity, fact: Fact) -> str:
    """Which side of a narrative-vs-table mismatch is likely wrong, if another table shows it."""
    lookup = SECOND_SOURCES.get((c.topic, c.subject))
    second = lookup(doc) if lookup else None
    if second is None or second.cell.state != "number" or second.cell is fact.cell:
        return SUSPECT_UNKNOWN
    slack = int(fact.is_aggregate or second.is_aggregate)
    if same_value(fact.value, fact.places, second.value, second.places, slack_units=slack):
        both = (
            f"{fact.label}收入、支出两方" if second.label == fact.label else f"{fact.label}与{second.label}"
        )
        return f"{both}一致（{fmt(second.value)} 万元），说明中的数字可能有误"
    if same_value(q.value, q.places, second.value, second.places, slack_units=int(second.is_aggregate)):
        return f"说明与{second.label}一致（{fmt(second.value)} 万元），{fact.label}可能有误"
    return SUSPECT_UNKNOWN


# Subjects that name one quantity whatever section states them
ANY_TOPIC = {"income_expenditure_total": "overview", "fiscal_grand_total": "fiscal_overview"}


def _lookup(doc: ParsedDocument, c: Claim) -> tuple[Fact | None, str | None]:
    fn = AMOUNT_SOURCES.get((c.topic, c.subject)) or AMOUNT_SOURCES.get(
        (ANY_TOPIC.get(c.subject, ""), c.subject)
    )
    if fn:
        return fn(doc)
    if c.subject in THREE_PUBLIC_SUBJECTS and c.topic in ("three_public", "expenditure"):
        key = THREE_PUBLIC_SUBJECTS[c.subject]
        return group_fact(doc, TableKind.THREE_PUBLIC, key, three_public_actual_column(doc)), None
    if c.topic == "fiscal" and c.subject.startswith("category:"):
        code = c.subject.split(":", 1)[1]
        t04 = doc.table(S04)
        row = next((r for r in t04.rows if r.side == "expenditure" and r.code == code), None) if t04 else None
        if row is not None:
            from ..facts import fact

            return fact(t04, row, "小计"), None
        return coded_fact(doc, TableKind.GENERAL_BUDGET_EXPENDITURE, code, "本年支出合计"), None
    return None, None


@rule(
    "N301",
    "narrative_amount_matches_table",
    Category.NARRATIVE_TABLE,
    Severity.ERROR,
    "说明金额与报表不一致",
    "决算情况说明中陈述的金额（收支总计、本年收支、结转结余、基本/项目支出、各经济分类、各功能类、“三公”经费各项）"
    "必须与相应报表的数字完全一致（说明少写小数位时按四舍五入比较）。",
    "说明是多数读者唯一会读的部分，与报表不一致会使公开失去可信度。",
    "说明“收入总计 819.04 万元”，收入支出决算总表总计 818.10 万元。",
)
def narrative_amount_matches_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.tables:
        raise NotApplicable("未读取到任何决算表，无法与说明比对")
    amounts = [c for c in doc.claims if c.kind == "amount"]
    if not amounts:
        raise NotApplicable("说明中未找到金额表述")
    seen: set[tuple[str, str, str]] = set()
    for c in amounts:
        fact, note = _lookup(doc, c)
        if fact is None:
            continue
        q = c.values["amount"]
        table_value = fact.value
        key = (c.subject, q.raw, fmt(table_value))  # one misstatement, one finding
        if key in seen:
            continue
        seen.add(key)
        ctx.tick()
        if q.unit == "元" or same_value(
            q.value, q.places, table_value, fact.places, slack_units=int(fact.is_aggregate)
        ):
            continue  # a 元 slip is reported by U501
        if note:
            # only a table of another scope states this quantity: a gap proves nothing
            gap = Interval.of(q) - Interval.shown(table_value, fact.places)
            why = "，差额恰等于说明所列非财政拨款收入" if _explained_by_other_income(doc, gap) else ""
            ctx.skip(
                f"说明中{subject_zh(c.subject)} {q.raw} 万元与{fact.label} {fmt(table_value)} 万元口径不同"
                f"（收入支出决算总表未找到{why}），无法核对"
            )
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明中{subject_zh(c.subject)}为 {q.raw} 万元，{fact.label} 为 {fmt(table_value)} 万元，相差 {fmt(q.value - table_value)} 万元。",
            [claim_evidence(c), fact.evidence()],
            [f"{q.raw}万元"],
            f"{fmt(table_value)}万元",
            f"与{fact.label}比对",
            fact.confidence,
            suspect=suspect_side(doc, c, q, fact),
        )
        if f:
            yield f


def _explained_by_other_income(doc: ParsedDocument, diff: Interval) -> bool:
    """Is the gap between the narrative's figure and the appropriations-only table the 其他收入
    the narrative itself states (so the difference is one of scope)?"""
    others = [
        Interval.of(c.values["amount"])
        for c in doc.claims
        if c.kind == "amount" and c.subject == "income_other" and c.values["amount"].value
    ]
    return any(o.meets(diff) or o.meets(-diff) for o in others)


COUNT_SOURCES = {
    "reception_batches": (TableKind.THREE_PUBLIC, "reception_batches"),
    "reception_persons": (TableKind.THREE_PUBLIC, "reception_persons"),
    "fa_batches": (TableKind.THREE_PUBLIC, "fa_batches"),
    "fa_persons": (TableKind.THREE_PUBLIC, "fa_persons"),
    "abroad_groups": (TableKind.THREE_PUBLIC, "abroad_groups"),
    "abroad_persons": (TableKind.THREE_PUBLIC, "abroad_persons"),
    "vehicles_held": (TableKind.THREE_PUBLIC, "vehicles_held"),
    "vehicles_purchased": (TableKind.THREE_PUBLIC, "vehicles_purchased"),
    "vehicles_total": (TableKind.STATE_ASSETS, "vehicles_total"),
}


@rule(
    "N302",
    "narrative_count_matches_table",
    Category.NARRATIVE_TABLE,
    Severity.ERROR,
    "说明数量与报表不一致",
    "说明中的公务接待批次/人次、因公出国团组/人次、公务用车保有量/购置数、车辆总数必须与“三公”经费表、国有资产占用表一致。",
    "这些数量是社会关注的焦点，前后不一会引发质疑。",
    "说明“国内公务接待 11 批，累计接待 65 人次”，“三公”经费表为 10 批、57 人次。",
)
def narrative_count_matches_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    counts = [c for c in doc.claims if c.kind == "count" and c.subject in COUNT_SOURCES]
    if not counts:
        raise NotApplicable("说明中未找到批次、人次、车辆等数量表述")
    if not (doc.table(TableKind.THREE_PUBLIC) or doc.table(TableKind.STATE_ASSETS)):
        raise NotApplicable("未找到“三公”经费表或国有资产占用表")
    seen: set[str] = set()
    for c in counts:
        kind, key = COUNT_SOURCES[c.subject]
        t = doc.table(kind)
        if t is None or c.subject in seen:
            continue
        col = three_public_actual_column(doc) if kind == TableKind.THREE_PUBLIC else "决算数"
        fact = group_fact(doc, kind, key, col) if col else None
        if fact is None:
            continue
        seen.add(c.subject)
        stated = c.values["count"].value
        cell = fact.cell
        table_value = fact.value
        ctx.tick()
        if stated == table_value or stated in cell.alternatives:
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明中{subject_zh(c.subject)}为 {c.values['count'].raw}，{fact.label} 为 {int(table_value) if cell.state == 'number' else '空'}。",
            [claim_evidence(c), fact.evidence()],
            [c.values["count"].raw],
            str(int(table_value)),
            f"与{fact.label}比对",
            fact.confidence,
        )
        if f:
            yield f
