"""Ties between tables. Pairs that must be equal are compared for equality; pairs whose scopes
legitimately differ (03 counts all funds, 05 only general-budget appropriations; 06 is basic
expenditure only while the 三公 table includes project spending; the asset table counts every
vehicle) are compared as inequalities only."""

from __future__ import annotations

from collections.abc import Iterable

from shared.knowledge.tables import THREE_PUBLIC_ECONOMIC, TableKind
from shared.models import Category, Finding, ParsedDocument, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..checks import check_equal, check_sum
from ..facts import (
    Fact,
    coded_fact,
    economic_fact,
    fact,
    group_fact,
    summary_fact,
    three_public_actual_column,
)
from ..findings import make_finding
from ..tolerance import fmt, half_unit

S01, S04 = TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY
EXP, GB, INC = TableKind.EXPENDITURE, TableKind.GENERAL_BUDGET_EXPENDITURE, TableKind.INCOME


def _need(doc: ParsedDocument, *kinds: TableKind) -> None:
    missing = [k for k in kinds if doc.table(k) is None]
    if len(missing) == len(kinds) or (len(kinds) == 2 and missing):
        from shared.knowledge.tables import TABLE_TITLES

        raise NotApplicable("未找到" + "、".join(TABLE_TITLES[k] for k in missing))


@rule(
    "X201",
    "summary_vs_detail",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "总表与收入/支出决算表不一致",
    "收入支出决算总表的本年收入合计、本年支出合计及各类支出，应分别等于收入决算表、支出决算表的合计及对应类级科目。",
    "总表由明细表汇总而来，二者不一致说明汇总或填报有误。",
    "总表本年支出合计 2,695.61，支出决算表合计 2,695.62。",
)
def summary_vs_detail(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, S01, EXP)
    pairs = [
        (
            summary_fact(doc, S01, "income", "本年收入合计"),
            coded_fact(doc, INC, None, "本年收入合计"),
            "本年收入合计",
        ),
        (
            summary_fact(doc, S01, "expenditure", "本年支出合计"),
            coded_fact(doc, EXP, None, "本年支出合计"),
            "本年支出合计",
        ),
    ]
    t01 = doc.table(S01)
    if t01:
        for r in t01.rows:
            if r.side == "expenditure" and r.level == "类" and r.code:
                pairs.append(
                    (fact(t01, r, "决算数"), coded_fact(doc, EXP, r.code, "本年支出合计"), f"{r.name}")
                )
    for a, b, what in pairs:
        if a and b is None and a.value:
            b_table = doc.table(EXP)
            if b_table and what not in ("本年收入合计", "本年支出合计"):
                ctx.tick()
                f = make_finding(
                    rule,
                    ctx,
                    f"总表列有{what} {fmt(a.value)}，支出决算表中没有对应的类级科目。",
                    [a.evidence()],
                    [fmt(a.value)],
                    "支出决算表应有该类科目",
                    "按科目类级比对",
                    a.confidence,
                )
                if f:
                    yield f
            continue
        f = check_equal(rule, ctx, a, b, what)
        if f:
            yield f


@rule(
    "X202",
    "fiscal_vs_general_budget",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "财政拨款总表与一般公共预算支出表不一致",
    "财政拨款收入支出决算总表“一般公共预算财政拨款”栏的本年支出合计及各类支出，应等于一般公共预算财政拨款支出决算表的合计及各类；"
    "其本年收入应等于收入支出决算总表的一般公共预算财政拨款收入。",
    "两表反映同一笔一般公共预算资金。",
    "04表一般公共预算支出 586.91，05表合计 586.19。",
)
def fiscal_vs_general_budget(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, S04, GB)
    col = "一般公共预算财政拨款"
    pairs = [
        (
            summary_fact(doc, S04, "expenditure", "本年支出合计", column=col),
            coded_fact(doc, GB, None, "本年支出合计"),
            "一般公共预算财政拨款本年支出",
        )
    ]
    t04 = doc.table(S04)
    if t04:
        for r in t04.rows:
            if r.side == "expenditure" and r.level == "类" and r.code:
                b = coded_fact(doc, GB, r.code, "本年支出合计")
                a = fact(t04, r, col)
                if b is None and (a is None or not a.value):
                    continue
                pairs.append((a, b, r.name))
    inc01 = summary_fact(doc, S01, "income", "一般公共预算财政拨款收入")
    inc04 = summary_fact(doc, S04, "income", "一般公共预算财政拨款")
    pairs.append((inc01, inc04, "一般公共预算财政拨款收入"))
    for a, b, what in pairs:
        f = check_equal(rule, ctx, a, b, what)
        if f:
            yield f


@rule(
    "X203",
    "basic_vs_economic",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "基本支出与经济分类明细不一致",
    "一般公共预算财政拨款支出决算表的基本支出合计 = 基本支出决算表的人员经费合计 + 公用经费合计。",
    "两表是同一笔基本支出的功能分类与经济分类两种视角。",
    "05表基本支出 253.72，06表人员经费 231.93 + 公用经费 11.78 = 243.71。",
)
def basic_vs_economic(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, GB, TableKind.GENERAL_BUDGET_BASIC)
    basic = coded_fact(doc, GB, None, "基本支出")
    parts = [p for n in ("人员经费合计", "公用经费合计") if (p := economic_fact(doc, n))]
    if basic and len(parts) == 2:
        f = check_sum(
            rule, ctx, basic, parts, "05表基本支出与06表人员经费、公用经费", "06表人员经费合计 + 公用经费合计"
        )
        if f:
            yield f


def _at_most(
    rule: Rule, ctx: CheckContext, part: Fact | None, whole: Fact | None, what: str, why: str
) -> Finding | None:
    if part is None or whole is None or part.cell.state != "number":
        return None
    ctx.tick()
    slack = half_unit(part.places) + half_unit(whole.places)
    if part.value <= whole.value + slack:
        return None
    return make_finding(
        rule,
        ctx,
        f"{what}：{part.label} {fmt(part.value)} 大于 {whole.label} {fmt(whole.value)}。{why}",
        [part.evidence(), whole.evidence()],
        [fmt(part.value)],
        f"≤ {fmt(whole.value)}",
        why,
        min(part.confidence, whole.confidence),
    )


@rule(
    "X204",
    "three_public_vs_basic",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "“三公”经费与基本支出经济分类不匹配",
    "基本支出决算表的 30212 因公出国（境）费用、30217 公务接待费、30231 公务用车运行维护费、31013 公务用车购置，"
    "不应大于“三公”经费表对应决算数（“三公”表还含项目支出，可以更大，不能更小）。",
    "“三公”经费表漏报基本支出中的“三公”开支，是常见且敏感的错误。",
    "06表 30217 公务接待费 1.50，“三公”表公务接待费 1.10。",
)
def three_public_vs_basic(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, TableKind.THREE_PUBLIC, TableKind.GENERAL_BUDGET_BASIC)
    col = three_public_actual_column(doc)
    for code, key in THREE_PUBLIC_ECONOMIC:
        f = _at_most(
            rule,
            ctx,
            economic_fact(doc, code),
            group_fact(doc, TableKind.THREE_PUBLIC, key, col),
            "基本支出中的“三公”开支超过“三公”经费决算数",
            "“三公”经费决算数应包含基本支出中的相应开支。",
        )
        if f:
            yield f


@rule(
    "X205",
    "vehicles_vs_assets",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "公务用车保有量与资产表车辆数矛盾",
    "“三公”经费表的公务用车保有量不应大于国有资产占用情况表的车辆数合计（资产表含全部车辆，可以更多）。",
    "车辆数是公众最易核对的数字之一。",
    "“三公”表公务用车保有量 4 辆，资产表车辆数合计 3 辆。",
)
def vehicles_vs_assets(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, TableKind.THREE_PUBLIC, TableKind.STATE_ASSETS)
    held = group_fact(doc, TableKind.THREE_PUBLIC, "vehicles_held", three_public_actual_column(doc))
    total = group_fact(doc, TableKind.STATE_ASSETS, "vehicles_total", "决算数")
    f = _at_most(rule, ctx, held, total, "公务用车保有量超过车辆总数", "保有的公务用车应计入资产表车辆数。")
    if f:
        yield f


@rule(
    "X206",
    "general_budget_within_total",
    Category.CROSS_TABLE,
    Severity.ERROR,
    "一般公共预算支出超过全部支出",
    "一般公共预算财政拨款支出决算表的各科目金额不应大于支出决算表同一科目（后者含全部资金来源）。",
    "子集大于全集说明至少一张表有误。",
    "05表 2010301 行政运行 130.62，03表同科目 120.62。",
)
def general_budget_within_total(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    _need(doc, GB, EXP)
    t05 = doc.table(GB)
    for r in t05.rows if t05 else []:
        for col in ("本年支出合计", "基本支出", "项目支出"):
            f = _at_most(
                rule,
                ctx,
                fact(t05, r, col),
                coded_fact(doc, EXP, r.code, col),
                "一般公共预算财政拨款支出大于同科目全部支出",
                "05表是03表的一部分。",
            )
            if f:
                yield f
