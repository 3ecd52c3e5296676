"""Arithmetic inside the narrative: year-on-year rates, direction words, shares, completion rates,
sums of listed parts and the same quantity stated twice."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shared.knowledge.subjects import MAIN_TOPICS, subject_zh
from shared.models import Category, Claim, Finding, ParsedDocument, Quantity, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import claim_evidence, make_finding
from ..tolerance import (
    fmt,
    half_unit,
    interval,
    percent_consistent,
    ratio_interval,
    same_value,
    sum_consistent,
)

UP = ("增加", "增长", "上升", "增")
DOWN = ("减少", "下降", "降低", "减少了")


def _claims(doc: ParsedDocument, kind: str) -> list[Claim]:
    return [c for c in doc.claims if c.kind == kind]


def _pct(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01'))}%"


def prev_interval(cur: Quantity, chg: Quantity, up: bool) -> tuple[Decimal, Decimal]:
    """The interval of last year's value implied by this year's and the stated change."""
    hc, hd = half_unit(cur.places), half_unit(chg.places)
    if up:
        return cur.value - hc - (chg.value + hd), cur.value + hc - (chg.value - hd)
    return cur.value - hc + chg.value - hd, cur.value + hc + chg.value + hd


@rule(
    "A401",
    "change_rate",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "增减幅度计算错误",
    "“较上年增加/减少 X 万元，增长/下降 Y%”：上年数 = 本年数 − X（增加）或 本年数 + X（减少），Y 应等于 X ÷ 上年数；"
    "按各数显示精度的区间判断，尾差不报（百分比末位差 1 个单位视为尾差）。下降幅度不可能超过 100%。",
    "增减幅度是读者理解变化的关键数字，算错会误导判断。",
    "本年支出合计 291.19 万元，较上年减少 40.10 万元，减少 8.73%（应为 40.10 ÷ 331.29 = 12.10%）。",
)
def change_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _claims(doc, "change") if "percent" in c.values]
    if not claims:
        raise NotApplicable("说明中未找到“较上年增加/减少…增长/下降…%”的表述")
    for c in claims:
        cur, chg, pct = c.values["current"], c.values["change"], c.values["percent"]
        if chg.value == 0 and pct.value == 0:
            continue
        up = (c.direction or "") in UP
        prev = prev_interval(cur, chg, up)
        allowed = ratio_interval(interval(chg.value, chg.places), prev)
        if allowed is None:
            continue
        ctx.tick()
        impossible = not up and pct.value > 100
        # one unit of the stated last place is tolerated, as for shares (A403): 3.66% for 3.67% is a
        # computing slip no reader is misled by, and experts do not count it
        if percent_consistent(pct, allowed, slack_units=1) and not impossible:
            continue
        prev_mid = cur.value - chg.value if up else cur.value + chg.value
        expected = chg.value / prev_mid * 100 if prev_mid > 0 else None
        msg = (
            f"{subject_zh(c.subject)}本年 {cur.raw} 万元，较上年{c.direction} {chg.raw} 万元，上年应为 {fmt(prev_mid)} 万元，"
            f"变动幅度应为 {_pct(expected) if expected is not None else '（无法计算）'}，说明写作 {pct.raw}%。"
        )
        if impossible:
            msg += "减少额不可能超过上年数的 100%。"
        f = make_finding(
            rule,
            ctx,
            msg,
            [claim_evidence(c)],
            [f"{pct.raw}%"],
            _pct(expected) if expected is not None else None,
            f"{chg.raw} ÷ ({cur.raw} {'−' if up else '+'} {chg.raw}) × 100%",
        )
        if f:
            yield f


@rule(
    "A402",
    "direction_words",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "增减方向用词矛盾",
    "同一句中金额的增减词（增加/减少）与幅度的增减词（增长/下降）必须一致。",
    "方向词矛盾让读者无法判断数据是增是减。",
    "较 2019 年减少 19.11 万元，增长 4.43%。",
)
def direction_words(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _claims(doc, "change") if c.direction and c.rate_word]
    if not claims:
        raise NotApplicable("说明中未找到同时含增减金额和增减幅度的表述")
    for c in claims:
        rw = c.rate_word or ""
        if rw == "增下降" or c.values["change"].value == 0:
            continue
        ctx.tick()
        d_up, r_up = c.direction in UP, rw in UP
        if d_up == r_up:
            continue
        f = make_finding(
            rule,
            ctx,
            f"{subject_zh(c.subject)}：金额写“{c.direction}”，幅度却写“{rw}”，方向相互矛盾。",
            [claim_evidence(c)],
            [f"{c.direction}…{rw}"],
            f"{c.direction}…{'增长' if d_up else '下降'}",
            "金额增减词与幅度增减词应同向",
        )
        if f:
            yield f


def _base_value(doc: ParsedDocument, share: Claim) -> Quantity | None:
    key = share.base or {
        "income": "income_current",
        "expenditure": "expenditure_current",
        "fiscal": "fiscal_total",
    }.get(share.topic)
    if not key:
        return None
    part = share.values["part"]
    candidates = [
        c for c in doc.claims if c.kind == "amount" and c.subject == key and c.values["amount"] is not part
    ]
    # the base is stated where the quantity is introduced (e.g. 项目支出 in the 支出 section)
    home = {"project": "expenditure", "basic": "expenditure"}.get(key, share.topic)
    found = [c for c in candidates if c.topic == home] or [c for c in candidates if c.topic in MAIN_TOPICS]
    return found[0].values["amount"] if found else None


@rule(
    "A403",
    "share_percent",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "占比计算错误",
    "“X 万元，占 Y%”：Y 应等于 X ÷ 所占总额（收入构成占本年收入合计，支出构成占本年支出合计，或句中写明的总额）。"
    "允许末位 1 个单位的凑整差（各项占比凑成 100%）。",
    "占比错误会歪曲收支结构。",
    "授予中小企业合同金额 0 万元，占政府采购支出总额的 100%。",
)
def share_percent(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in _claims(doc, "share") if "percent" in c.values and "part" in c.values]
    if not claims:
        raise NotApplicable("说明中未找到“占…%”的表述")
    for c in claims:
        base = _base_value(doc, c)
        part, pct = c.values["part"], c.values["percent"]
        if base is None or base.value <= 0:
            ctx.skip("未找到占比的基数")
            continue
        allowed = ratio_interval(interval(part.value, part.places), interval(base.value, base.places))
        if allowed is None:
            continue
        ctx.tick()
        if percent_consistent(pct, allowed, slack_units=1):
            continue
        expected = part.value / base.value * 100
        perf = c.topic == "performance"
        f = make_finding(
            rule,
            ctx,
            f"{subject_zh(c.subject)} {part.raw} 万元占{subject_zh(c.base or '') or '总额'} {base.raw} 万元的比例应为 {_pct(expected)}，说明写作 {pct.raw}%。",
            [claim_evidence(c)],
            [f"{pct.raw}%"],
            _pct(expected),
            f"{part.raw} ÷ {base.raw} × 100%",
            severity=Severity.WARNING if perf else None,
            note="绩效部分的涉及资金可能按预算数统计，而项目支出为决算数，请核实口径。" if perf else None,
        )
        if f:
            yield f


@rule(
    "A404",
    "completion_rate",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "预算完成率计算错误",
    "“年初（全年）预算数 B 万元，决算数 A 万元，完成预算的 R%”：R 应等于 A ÷ B。年初预算为 0 而决算数不为 0 时不能称完成某个百分比。",
    "完成率反映预算执行的准确性，是人大和财政审查的重点。",
    "年初预算数 302.43 万元，决算数 354.63 万元，完成年初预算的 106.86%（应为 117.26%）。",
)
def completion_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = _claims(doc, "completion")
    if not claims:
        raise NotApplicable("说明中未找到“完成预算的…%”的表述")
    for c in claims:
        b, a, r = c.values["budget"], c.values["actual"], c.values["rate"]
        who = subject_zh(c.subject)
        ctx.tick()
        if b.value == 0:
            if a.value > 0 and r.value > 0:
                msg = f"{who}{c.base or '年初预算数'}为 0，决算数 {a.raw} 万元，完成率无法计算，说明却称完成{c.base or '预算'}的 {r.raw}%。"
                other = c.values.get("budget_other")
                if other is not None and other.value > 0:
                    alt = a.value / other.value * 100
                    msg += f"{r.raw}% 是决算数 {a.raw} ÷ {c.detail or '全年预算'} {other.raw} 的比率（{_pct(alt)}），应表述为完成{c.detail or '全年预算'}的 {_pct(alt)}。"
                f = make_finding(
                    rule,
                    ctx,
                    msg,
                    [claim_evidence(c)],
                    [f"{r.raw}%"],
                    "（年初预算为0，不适用）",
                    "完成率 = 决算数 ÷ 预算数，预算数为 0 时无意义",
                )
                if f:
                    yield f
            continue
        allowed = ratio_interval(interval(a.value, a.places), interval(b.value, b.places))
        # one unit of the last place: a rate cut off instead of rounded (95.457% written 95.45%)
        if allowed is None or percent_consistent(r, allowed, slack_units=1):
            continue
        expected = a.value / b.value * 100
        f = make_finding(
            rule,
            ctx,
            f"{who}{c.base or '预算数'} {b.raw} 万元，决算数 {a.raw} 万元，完成率应为 {_pct(expected)}，说明写作 {r.raw}%。",
            [claim_evidence(c)],
            [f"{r.raw}%"],
            _pct(expected),
            f"{a.raw} ÷ {b.raw} × 100%",
        )
        if f:
            yield f


SUMS: list[tuple[str, str, list[str], int]] = [
    # (topic, total subject, part subjects, minimum parts stated)
    ("income", "income_total", ["carryover_begin", "nonfiscal_balance_used", "income_current"], 2),
    (
        "income",
        "income_current",
        [
            "income_fiscal",
            "income_superior",
            "income_business",
            "income_operating",
            "income_affiliated",
            "income_other",
        ],
        2,
    ),
    ("expenditure", "expenditure_total", ["expenditure_current", "balance_distribution", "carryover_end"], 2),
    (
        "expenditure",
        "expenditure_current",
        ["basic", "project", "operating_expenditure", "remit_superior", "subsidy_affiliated"],
        2,
    ),
    ("basic", "basic", ["econ:301", "econ:302", "econ:303", "econ:310"], 3),
    ("three_public", "tp:total", ["tp:abroad", "tp:vehicle", "tp:reception"], 3),
    ("three_public", "tp:vehicle", ["tp:vehicle_purchase", "tp:vehicle_operation"], 2),
    ("procurement", "proc:total", ["proc:goods", "proc:works", "proc:services"], 2),
]


def _first_amount(doc: ParsedDocument, topic: str, subject: str) -> Claim | None:
    return next(
        (c for c in doc.claims if c.kind == "amount" and c.topic == topic and c.subject == subject), None
    )


@rule(
    "A405",
    "sum_of_parts",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "说明中分项之和与总数不符",
    "说明列出总数及其组成时，各组成之和应等于总数：收入总计 = 年初结转和结余 + 本年收入合计；本年收入 = 各项收入；"
    "支出总计 = 本年支出 + 年末结转和结余；基本支出 = 工资福利 + 商品和服务 + 对个人和家庭补助 + 资本性支出；"
    "财政拨款支出的年初预算数、决算数 = 各类之和；“三公”经费 = 三项之和；公务用车购置及运行维护费 = 购置费 + 运行维护费；"
    "政府采购总额 = 货物 + 工程 + 服务。",
    "分项之和与总数不符说明至少有一个数字写错。",
    "基本支出 239.48 万元，其中工资福利 192.61、商品和服务 66.52、对个人和家庭补助 16.22、资本性支出 5.50 万元，合计 280.85 万元。",
)
def sum_of_parts(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.claims:
        raise NotApplicable("说明中未找到金额表述")
    for topic, total_key, part_keys, min_parts in SUMS:
        total = _first_amount(doc, topic, total_key)
        parts = [p for k in part_keys if (p := _first_amount(doc, topic, k))]
        if total is None or len(parts) < min_parts:
            continue
        yield from _sum_finding(rule, ctx, total, parts, f"{subject_zh(total_key)}", doc=doc)
    # 财政拨款支出: total budget/actual against the 类 listed under it
    comp = [c for c in doc.claims if c.kind == "completion" and c.topic == "fiscal"]
    total = next((c for c in comp if c.subject == "fiscal_total"), None)
    cats = [
        c
        for c in doc.claims
        if c.kind == "amount" and c.topic == "fiscal" and c.subject.startswith("category:")
    ]
    cat_budgets = [c for c in comp if c.subject.startswith("category:")]
    if total and len(cats) >= 2:
        actual = list(_sum_finding(rule, ctx, total, cats, "财政拨款本年支出决算数", key="actual"))
        budget: list[Finding] = []
        if len(cat_budgets) == len({c.subject for c in cats}):
            budget = list(
                _sum_finding(rule, ctx, total, cat_budgets, "财政拨款本年支出年初预算数", key="budget")
            )
        if actual and budget:  # one defect (a 类 missing or misstated) shows in both: report once
            actual[0].message += "另，" + budget[0].message
            actual[0].stated += budget[0].stated
        yield from actual or budget


def _value(c: Claim, key: str | None) -> Quantity:
    if key and key in c.values:
        return c.values[key]
    return c.values.get("amount") or c.values.get("actual") or next(iter(c.values.values()))


def _explained_by_table(doc: ParsedDocument, parts: list[Claim], gap: Decimal) -> bool:
    """The gap is exactly one part's own disagreement with its table (N301 reports that part):
    one typo, one finding."""
    from .narrative_table import _lookup

    for p in parts:
        fact, _ = _lookup(doc, p)
        if (
            fact is not None
            and fact.cell.state == "number"
            and "amount" in p.values
            and abs((p.values["amount"].value - fact.value) - gap) <= Decimal("0.01")
        ):
            return True
    return False


def _sum_finding(
    rule: Rule,
    ctx: CheckContext,
    total: Claim,
    parts: list[Claim],
    what: str,
    key: str | None = None,
    doc: ParsedDocument | None = None,
) -> Iterable[Finding]:
    tq = _value(total, key)
    pq = [_value(p, key) for p in parts]
    ctx.tick()
    if sum_consistent(tq.value, tq.places, [(q.value, q.places) for q in pq]):
        return
    s = sum((q.value for q in pq), Decimal(0))
    if doc is not None and key is None and _explained_by_table(doc, parts, s - tq.value):
        return
    f = make_finding(
        rule,
        ctx,
        f"{what} {tq.raw} 万元，说明所列各组成之和为 {fmt(s)} 万元，相差 {fmt(tq.value - s)} 万元。",
        [claim_evidence(total), *[claim_evidence(p) for p in parts]],
        [tq.raw],
        fmt(s),
        " + ".join(f"{subject_zh(p.subject)} {q.raw}" for p, q in zip(parts, pq)) + f" = {fmt(s)}",
    )
    if f:
        yield f


def _unit_of(subject: str) -> str:
    return (
        "辆"
        if subject.startswith("vehicle")
        else "人次"
        if subject.endswith("persons")
        else "批"
        if "batches" in subject
        else "个"
        if "groups" in subject
        else ""
    )


@rule(
    "A406",
    "restated_value",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "同一数据前后表述不一致",
    "同一部分中同一个量（金额、批次、人次、车辆数）被陈述两次时，数值必须相同。",
    "前后矛盾的数字让读者无法知道哪一个是真的。",
    "公务用车保有量 1 辆；本部门共有一般公务用车 2 辆。",
)
def restated_value(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    groups: dict[tuple[str, str, str], list[Claim]] = {}
    for c in doc.claims:
        if c.kind in ("amount", "count") and c.topic in MAIN_TOPICS and not c.subject.startswith("unknown"):
            groups.setdefault((c.kind, c.topic, c.subject), []).append(c)
    if not groups:
        raise NotApplicable("说明中未找到可比对的金额或数量表述")
    for (kind, _topic, subject), claims in groups.items():
        if len(claims) < 2:
            continue
        key = "amount" if kind == "amount" else "count"
        first = claims[0]
        for other in claims[1:]:
            a, b = first.values[key], other.values[key]
            ctx.tick()
            if a.unit != b.unit or same_value(a.value, a.places, b.value, b.places):
                continue
            f = make_finding(
                rule,
                ctx,
                f"{subject_zh(subject)}在同一部分先写作 {a.raw}{a.unit or _unit_of(subject)}，后写作 {b.raw}{b.unit or _unit_of(subject)}。",
                [claim_evidence(first), claim_evidence(other)],
                [f"{a.raw}{a.unit or _unit_of(subject)}", f"{b.raw}{b.unit or _unit_of(subject)}"],
                None,
                "同一数据应只有一个数值",
            )
            if f:
                yield f
            break


@rule(
    "A407",
    "vehicle_purchase_cost_vs_count",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "公务用车购置费与购置数量矛盾",
    "说明中公务用车购置费决算数大于 0 而“全年购置公务用车 0 辆”，或购置了车辆而购置费为 0。",
    "有支出无车辆（或有车辆无支出）说明金额或数量至少一处错误，也是审计关注的风险点。",
    "公务用车购置年初预算数为5.18万元，决算数为5.17万元……全年购置公务用车0辆。",
)
def vehicle_purchase_cost_vs_count(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    cost = next((c for c in doc.claims if c.kind == "amount" and c.subject == "tp:vehicle_purchase"), None)
    count = next((c for c in doc.claims if c.kind == "count" and c.subject == "vehicles_purchased"), None)
    if cost is None or count is None:
        raise NotApplicable("说明中未同时写明公务用车购置费和购置数量")
    ctx.tick()
    money, n = cost.values["amount"].value, count.values["count"].value
    if (money > 0) == (n > 0):
        return
    msg = (
        f"公务用车购置费决算数 {cost.values['amount'].raw} 万元，但全年购置公务用车 {count.values['count'].raw} 辆。"
        if money > 0
        else f"全年购置公务用车 {count.values['count'].raw} 辆，但购置费决算数为 0。"
    )
    f = make_finding(
        rule,
        ctx,
        msg,
        [claim_evidence(cost), claim_evidence(count)],
        [f"{cost.values['amount'].raw}万元", f"{count.values['count'].raw}辆"],
        None,
        "有购置支出应有购置车辆，反之亦然",
    )
    if f:
        yield f


@rule(
    "A408",
    "procurement_sme_breakdown",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "中小企业合同金额与分类占比矛盾",
    "“货物（工程、服务）采购授予中小企业合同金额占货物（工程、服务）支出金额的 X%”意味着中小企业合同金额 = Σ 各类支出 × 各自占比；"
    "它应等于说明中的“授予中小企业合同金额”（按各数显示精度的区间判断）。",
    "分类占比与总额对不上，说明总额或占比至少有一处是错的。",
    "授予中小企业合同金额 5.02 万元；货物 5.07 万元 × 100% + 服务 35.57 万元 × 89.05% ≈ 36.75 万元。",
)
def procurement_sme_breakdown(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    shares = [c for c in doc.claims if c.kind == "share" and c.subject.startswith("proc:sme_of:")]
    sme = _first_amount(doc, "procurement", "proc:sme")
    if not shares or sme is None:
        raise NotApplicable("说明中未找到政府采购中小企业合同金额及分类占比")
    lo = hi = Decimal(0)
    parts = []
    for c in shares:
        amount = _first_amount(doc, "procurement", c.base or "")
        if amount is None:
            return
        a, p = amount.values["amount"], c.values["percent"]
        a_lo, a_hi = interval(a.value, a.places)
        p_lo, p_hi = interval(p.value, p.places)
        lo += max(a_lo, Decimal(0)) * max(p_lo, Decimal(0)) / 100
        hi += a_hi * p_hi / 100
        parts.append(f"{subject_zh(c.base or '')} {a.raw} × {p.raw}%")
    q = sme.values["amount"]
    s_lo, s_hi = interval(q.value, q.places)
    ctx.tick()
    if s_hi >= lo and s_lo <= hi:
        return
    mid = (lo + hi) / 2
    f = make_finding(
        rule,
        ctx,
        f"授予中小企业合同金额 {q.raw} 万元，而按分类占比计算应为 {fmt(mid)} 万元（{'；'.join(parts)}）。",
        [claim_evidence(sme), *[claim_evidence(c) for c in shares]],
        [f"{q.raw}万元"],
        f"{fmt(mid)}万元",
        " + ".join(parts),
    )
    if f:
        yield f
