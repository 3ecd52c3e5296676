"""Statements the narrative cannot make, whatever the tables say: growth on a base of zero, “持平”
while the document's own figures changed, 中小企业 contract amounts larger than all procurement."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from shared.knowledge.subjects import Subject, Topic, subject_zh
from shared.knowledge.tables import FUNDS, TableKind
from shared.models import Category, Claim, Evidence, Finding, ParsedDocument, Quantity, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..facts import Fact, summary_fact
from ..findings import SUSPECT_UNKNOWN, claim_evidence, make_finding
from ..tolerance import Interval, fmt, half_unit, sum_consistent
from .narrative_arith import UP, prev_interval
from .narrative_consistency import JoinedText, joined_text


@rule(
    "A409",
    "growth_on_zero_base",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "上年基数为零仍写增长率",
    "“增加 X 万元，增长 Y%”中，若本年数减去增加额为 0（上年没有这项收支，如新成立单位），增长率无法计算，不应写出百分比（如 100%），"
    "应说明上年无可比数。",
    "以零为基数的增长率没有意义，写成 100% 会被误读为翻了一番。",
    "收入支出总计 307.82 万元，较上年增加 307.82 万元，增长 100.00%。",
)
def growth_on_zero_base(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in doc.claims if c.kind == "change" and "percent" in c.values and "current" in c.values]
    if not claims:
        raise NotApplicable("说明中没有“较上年增加…增长…%”的表述")
    for c in claims:
        cur, chg, pct = c.values["current"], c.values["change"], c.values["percent"]
        if (c.direction or "") not in UP or chg.value <= 0:
            continue
        ctx.tick()
        lo, hi = prev_interval(cur, chg, up=True)
        if not (lo <= 0 <= hi) or pct.value == 0:
            continue
        f = make_finding(
            rule,
            ctx,
            f"{subject_zh(c.subject)}为 {cur.raw} 万元，较上年增加 {chg.raw} 万元，上年数为 {fmt(cur.value - chg.value)}，"
            f"以零为基数的增长率无法计算，说明却写作增长 {pct.raw}%。",
            [claim_evidence(c)],
            [f"{pct.raw}%"],
            "不适用（上年无可比数）",
            f"上年数 = {cur.raw} − {chg.raw} = {fmt(cur.value - chg.value)}；增长率 = 增加额 ÷ 上年数，上年数为 0 时无意义",
        )
        if f:
            yield f


def _stated_previous(doc: ParsedDocument, subject: str) -> tuple[Decimal, Claim] | None:
    """Last year's value of ``subject`` implied by a non-flat change statement about it."""
    for c in doc.claims:
        if (
            c.kind == "change"
            and c.subject == subject
            and c.direction not in ("持平", "基本持平")
            and "current" in c.values
        ):
            cur, chg = c.values["current"], c.values["change"]
            up = (c.direction or "") in UP
            return (cur.value - chg.value if up else cur.value + chg.value), c
    return None


def _only_general_budget(doc: ParsedDocument) -> bool:
    """财政拨款 = 一般公共预算 alone: no 政府性基金 or 国有资本经营 money in 财政拨款总表."""
    t = doc.table(TableKind.FISCAL_SUMMARY)
    if t is None:
        return False
    for r in t.rows:
        for fund in FUNDS[1:]:
            cell = r.cells.get(fund)
            if cell is not None and cell.state == "number" and cell.value:
                return False
        if r.side == "income" and any(f[:6] in r.name for f in FUNDS[1:]) and r.num("决算数"):
            return False
    return True


def _fiscal_total_previous(doc: ParsedDocument) -> tuple[Decimal, Fact, Fact, str, list[Claim]] | None:
    """Last year's 财政拨款收入支出总计 = last year's 财政拨款支出 + last year's 年末结转和结余
    (= this year's 年初结转和结余), when the narrative states how 财政拨款支出 changed."""
    if not _only_general_budget(doc):
        return None
    stated = _stated_previous(doc, Subject.FISCAL_TOTAL)
    total = summary_fact(doc, TableKind.FISCAL_SUMMARY, "income", "总计")
    begin = summary_fact(doc, TableKind.FISCAL_SUMMARY, "income", "年初财政拨款结转和结余", "年初结转和结余")
    if stated is None or total is None or begin is None:
        return None
    prev_spend, claim = stated
    prev_total = prev_spend + begin.value
    how = (
        f"上年财政拨款支出 {fmt(prev_spend)}（本年 {claim.values['current'].raw} 与“{claim.direction}{claim.values['change'].raw}万元”推得）"
        f" + 上年年末结转和结余 {fmt(begin.value)}（即本年年初结转和结余）= {fmt(prev_total)}"
    )
    return prev_total, total, begin, how, [claim]


_REASON_START = re.compile(r"[。，,；;]?(?:其|其中)?主要原因(?:是|为)?[:：]?")
_REASON_DOWN = re.compile(r"减少|下降|降低|压减|缩减|减支|调减|收回")
_REASON_UP = re.compile(r"增加|增长|上升|提高|增支|追加|扩大|新增")


def flat_reason(joined: JoinedText, claim: Claim) -> tuple[str, str] | None:
    """(the stated reason, 增加 or 减少) when a “持平” is followed by a 主要原因 that speaks of one
    direction only (“主要原因：…等原因减少支付”)."""
    end = joined.after_claim(claim)
    if end is None:
        return None
    m = _REASON_START.match(joined.text, end)
    if m is None:
        return None
    stop = joined.text.find("。", m.end())
    reason = joined.text[m.end() : stop if stop != -1 else m.end() + 80]
    down, up = bool(_REASON_DOWN.search(reason)), bool(_REASON_UP.search(reason))
    if down == up:
        return None
    return reason, "减少" if down else "增加"


@rule(
    "A410",
    "flat_while_changed",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "称“持平”而数据已变化",
    "说明称某项与上年“持平”，但同一文件中的数据表明它发生了变化：同一数据另有增减表述，或可由说明中其他数据推算出上年数"
    "（如财政拨款收入支出总计 = 财政拨款支出 + 年末结转和结余，上年年末结转和结余即本年年初结转和结余）。",
    "把变化说成持平，会掩盖需要解释的增减。",
    "“财政拨款收入支出总计持平”，而一般公共预算财政拨款支出减少 63.14 万元、年初年末结转均为 21.63 万元，总计实际减少 63.14 万元。",
)
def flat_while_changed(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    # “基本持平” (roughly unchanged) is a judgement, not a figure: only an exact “持平” is checked
    flats = [
        c for c in doc.claims if c.kind == "change" and c.direction == "持平" and c.topic != Topic.PERFORMANCE
    ]
    if not flats:
        raise NotApplicable("说明中没有“与上年持平”的表述")
    joined = joined_text(doc)
    for c in flats:
        reason = flat_reason(joined, c)
        said = f"所述主要原因“{reason[0]}”说的也是{reason[1]}。" if reason else ""
        if c.subject == Subject.FISCAL_GRAND_TOTAL and (derived := _fiscal_total_previous(doc)):
            prev, total, _begin, how, sources = derived
            ctx.tick()
            diff = total.value - prev
            if abs(diff) <= Decimal("0.02"):
                continue
            f = make_finding(
                rule,
                ctx,
                f"说明称财政拨款收入支出总计与上年持平，但本年总计 {fmt(total.value)} 万元（{total.label}），"
                f"按说明推算上年为 {fmt(prev)} 万元，{'增加' if diff > 0 else '减少'} {fmt(abs(diff))} 万元"
                f"（{'增长' if diff > 0 else '下降'} {fmt(abs(diff) / prev * 100)}%）。{said}",
                [claim_evidence(c), total.evidence(), *[claim_evidence(s) for s in sources]],
                ["持平"],
                f"{'增加' if diff > 0 else '减少'}{fmt(abs(diff))}万元",
                how,
                total.confidence,
                suspect="“持平”与推算的增减"
                + ("及所述原因" if reason else "")
                + "不符，“持平”的表述可能有误",
            )
            if f:
                yield f
            continue
        other = next(
            (
                o
                for o in doc.claims
                if o.kind == "change"
                and o.subject == c.subject
                and o.direction not in (None, "持平", "基本持平")
                and o.topic == c.topic
                and o.values["change"].value != 0
            ),
            None,
        )
        if other is not None:
            ctx.tick()
            f = make_finding(
                rule,
                ctx,
                f"说明称{subject_zh(c.subject)}与上年持平，同一部分又称其{other.direction} {other.values['change'].raw} 万元。{said}",
                [claim_evidence(c), claim_evidence(other)],
                ["持平"],
                f"{other.direction}{other.values['change'].raw}万元",
                "同一数据的增减表述应一致",
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f
            continue
        ctx.tick()  # the reason after the “持平”, if any, was read
        if reason is not None:
            # the figures cannot tell here; the reason given says it changed: a reading is needed
            f = make_finding(
                rule,
                ctx,
                f"说明称{subject_zh(c.subject)}与上年持平，但随后所述主要原因“{reason[0]}”说的是{reason[1]}，二者矛盾。",
                [claim_evidence(c), Evidence(quote=reason[0], prov=c.source.prov)],
                ["持平"],
                f"（与原因一致的）{reason[1]}",
                "“持平”表示无变化，不需要也不应有增减原因；原因写明了增减方向",
                severity=Severity.WARNING,
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f


@rule(
    "A411",
    "sme_awards_exceed_procurement",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "中小企业中标金额超过政府采购总额",
    "面向中小企业预留项目中由中小企业中标（成交）的金额，加上其他采购项目中由中小企业中标（成交）的金额，"
    "不能超过政府采购金额总额（两部分互不重叠）；面向中小企业预留项目的金额也不能超过总额。",
    "中小企业金额超出采购总额，说明至少有一个金额重复填报或填错。",
    "政府采购金额 21.07 万元；预留项目中中小企业中标 21.07 万元，其他项目中中小企业中标 21.07 万元，合计 42.14 万元。",
)
def sme_awards_exceed_procurement(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    def first(subject: str) -> Claim | None:
        return next((c for c in doc.claims if c.kind == "amount" and c.subject == subject), None)

    total = first(Subject.PROC_TOTAL)
    reserved = first(Subject.PROC_SME_RESERVED_AWARDED)
    other = first(Subject.PROC_SME_OTHER_AWARDED)
    if total is None or (reserved is None and other is None):
        raise NotApplicable("说明中没有政府采购总额及中小企业中标（成交）金额")
    parts = [p for p in (reserved, other) if p is not None]
    t = total.values["amount"]
    qs = [p.values["amount"] for p in parts]
    s = sum((q.value for q in qs), Decimal(0))
    ctx.tick()
    if s <= t.value or sum_consistent(t.value, t.places, [(q.value, q.places) for q in qs]):
        return
    labels = " + ".join(f"{subject_zh(p.subject)} {q.raw}" for p, q in zip(parts, qs))
    f = make_finding(
        rule,
        ctx,
        f"政府采购金额共 {t.raw} 万元，而{labels} = {fmt(s)} 万元，超过采购总额 {fmt(s - t.value)} 万元；"
        f"两部分互不重叠，{subject_zh(parts[-1].subject)}最多为 {fmt(max(t.value - (s - qs[-1].value), Decimal(0)))} 万元。",
        [claim_evidence(total), *[claim_evidence(p) for p in parts]],
        [f"{q.raw}万元" for q in qs],
        f"≤ {t.raw}万元",
        f"{labels} = {fmt(s)} > {t.raw}",
    )
    if f:
        yield f


def _compares(word: str, budget: Quantity, actual: Quantity) -> bool:
    """Does “决算数 <word> 预算数” hold for these displayed figures (up to their rounding)?"""
    slack = half_unit(budget.places) + half_unit(actual.places)
    diff = actual.value - budget.value
    if word in LESS:
        return diff < slack
    if word in MORE:
        return diff > -slack
    return abs(diff) <= slack


LESS = ("小于", "低于")
MORE = ("大于", "高于", "超过")
EQUAL = ("持平", "等于", "一致", "相等", "相同")


@rule(
    "A412",
    "budget_comparison_word",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "决算与预算比较用词与数字不符",
    "说明写了预算数和决算数后，称“决算数小于（大于）预算数”或“决算数与预算数持平”，用词必须与两个数的大小一致"
    "（“基本持平”是判断，不检查）；同时写了年初和全年预算的，与其中之一相符即可。",
    "比较用词与数字相反，说明要么数字错、要么原因说明是套用的。",
    "年初预算为 135.90 万元，支出决算为 136.25 万元。决算数小于预算数的主要原因：……",
)
def budget_comparison_word(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [
        c for c in doc.claims if c.kind == "compare" and c.direction and not c.direction.startswith("基本")
    ]
    if not claims:
        raise NotApplicable("说明中没有“决算数小于（大于）预算数”之类的比较表述")
    for c in claims:
        actual = c.values["actual"]
        budgets = [b for k in ("budget", "budget_other") if (b := c.values.get(k)) is not None]
        word = c.direction or ""
        ctx.tick()

        if any(_compares(word, b, actual) for b in budgets):
            continue
        b = budgets[0]
        real = "小于" if actual.value < b.value else "大于" if actual.value > b.value else "等于"
        f = make_finding(
            rule,
            ctx,
            f"{subject_zh(c.subject)}预算数 {b.raw} 万元、决算数 {actual.raw} 万元，决算数{real}预算数，说明却称决算数{word}预算数。",
            [claim_evidence(c)],
            [word],
            real,
            f"决算数 {actual.raw} 与预算数 {b.raw} 比较",
        )
        if f:
            yield f


# “年末实有人数 28 人，其中在职人员 18 人，离休人员 0 人，退休人员 0 人（不含…）”: the status parts
_STAFF_TOTAL = re.compile(r"实有人数(?:为|是|共)?[:：]?(\d+)[人名][,，]?其中[:：]?")
_STAFF_PART = re.compile(
    r"(在职人员|在职人数|离退休人员|离休人员|退休人员|其他人员)(?:为|共)?[:：]?(\d+)[人名]"
)
_STAFF_OUTSIDE = re.compile(r"(?:年末)?(其他人员|由养老保险基金发放养老金的离退休人员)(?:为)?(\d+)[人名]")
_SUBORDINATE = re.compile(r"下属|所属|本级|中心|分别|各单位")


@rule(
    "A416",
    "staff_status_parts",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "实有人数与其中所列人员之和不符",
    "“年末实有人数 N 人，其中在职人员 a 人，离休人员 b 人，退休人员 c 人（，其他人员 d 人）”：“其中”按人员身份把实有人数分完"
    "（模板口径：实有人数 = 在职 + 离休 + 退休；“年末其他人员”“由养老保险基金发放养老金的离退休人员”在分号之后另列，不在其中），"
    "所列各类之和应等于 N。只在“其中”同时列出在职人员和离休（或退休、离退休）人员时检查；按编制类别、性别等其他口径的列举，"
    "或只列出一部分的，不检查；下属单位的人数不检查。",
    "实有人数是部门人员经费的依据；总数与构成对不上，说明总数或某一类人数写错，或把不属于实有人数的人员计入了总数。",
    "年末实有人数 8 人，其中在职人员 8 人，离休人员 0 人，退休人员 3 人（8 + 0 + 3 = 11）。",
)
def staff_status_parts(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    joined = joined_text(doc)
    found = False
    for total in _STAFF_TOTAL.finditer(joined.text):
        if _SUBORDINATE.search(joined.sentence_prefix(total.start())):
            continue
        stop = re.search(r"[;；。(（]", joined.text[total.end() : total.end() + 80])
        end = total.end() + (stop.start() if stop else 80)
        parts = [(m.group(1), int(m.group(2))) for m in _STAFF_PART.finditer(joined.text, total.end(), end)]
        names = [n for n, _ in parts]
        retired = [n for n in names if n in ("离休人员", "退休人员", "离退休人员")]
        if not any(n.startswith("在职") for n in names) or not retired:
            continue
        if "离退休人员" in names and len(retired) > 1:
            continue  # 离退休 with 离休 / 退休: overlapping parts
        found = True
        ctx.tick()
        n_total = int(total.group(1))
        s = sum(v for _, v in parts)
        if s == n_total:
            continue
        listed = " + ".join(f"{n} {v}" for n, v in parts)
        msg = f"年末实有人数 {n_total} 人，而“其中”所列{listed} = {s} 人，与实有人数不符。"
        # the people the template lists outside 实有人数, stated right after (“；年末其他人员 2 人；…”)
        tail = joined.text[end : end + 160].split("。")[0]
        outside = [(m.group(1), int(m.group(2))) for m in _STAFF_OUTSIDE.finditer(tail)]
        outside = [(n, v) for n, v in outside if n not in names]
        if outside and s + sum(v for _, v in outside) == n_total:
            # the total counts the people listed after it (其他人员, 由养老保险基金发放养老金的离退休人员):
            # a scope question the document answers itself; the generated corpus writes it this way
            ctx.skip("实有人数等于“其中”所列再加另列人员，口径问题留待人工判断")
            continue
        suspect = (
            "所列各类人数之和大于实有人数：实有人数或某一类人数（如退休人员）有误"
            if s > n_total
            else SUSPECT_UNKNOWN
        )
        f = make_finding(
            rule,
            ctx,
            msg,
            [joined.evidence(total.start(), end)],
            [f"{n_total}人"],
            f"{s}人",
            f"{listed} = {s}；实有人数 = 在职 + 离休 + 退休（+ “其中”所列其他人员）",
            suspect=suspect,
        )
        if f:
            yield f
    if not found:
        raise NotApplicable("说明中没有“实有人数…其中在职人员…离休（退休）人员…”的表述")


_WHOLE_EVALUATION = re.compile(
    r"整体支出绩效评价[^。]{0,8}?涉及一般公共预算(?:财政拨款)?(?:支出|经费|资金)?(\d+(?:\.\d+)?)万元"
)


def _stated_amount(doc: ParsedDocument, subject: str, topic: str | None = None) -> Claim | None:
    for c in doc.claims:
        if c.subject != subject or (topic is not None and c.topic != topic):
            continue
        if c.kind == "amount" or (c.kind == "change" and "current" in c.values):
            return c
    return None


def _amount(c: Claim) -> Quantity:
    return c.values.get("amount") or c.values.get("actual") or c.values["current"]


@rule(
    "A417",
    "whole_evaluation_amount",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "部门整体支出绩效评价涉及金额与本年支出不符",
    "“组织开展部门整体支出绩效评价，涉及一般公共预算支出 X 万元”：一般公共预算支出是本年支出的一部分，X 不能大于说明中的"
    "本年支出合计（错误）；部门整体支出评价的对象是部门全部支出，X 既不等于本年支出合计，也不等于财政拨款支出的决算数或"
    "年初预算数时（如只是项目支出之和），提示核实（警告）。",
    "评价涉及的金额是评价范围的依据；大于全年支出不可能，远小于全年支出则不是“整体”评价，读者会误解评价覆盖的资金。",
    "本年支出合计 366.52 万元；组织开展整体支出绩效评价试点，涉及一般公共预算支出 450.98 万元（为收支总计）。",
)
def whole_evaluation_amount(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    joined = joined_text(doc)
    m = _WHOLE_EVALUATION.search(joined.text)
    spending = _stated_amount(doc, Subject.EXPENDITURE_CURRENT, Topic.EXPENDITURE) or _stated_amount(
        doc, Subject.EXPENDITURE_CURRENT
    )
    if m is None or spending is None:
        raise NotApplicable("说明中没有部门整体支出绩效评价涉及的金额，或没有本年支出合计")
    raw = m.group(1)
    evaluated = Interval.shown(Decimal(raw), len(raw.split(".")[1]) if "." in raw else 0)
    total = _amount(spending)
    fiscal = next(
        (c for c in doc.claims if c.kind == "completion" and c.subject == Subject.FISCAL_TOTAL), None
    )
    ctx.tick()
    evidence = [joined.evidence(m.start(), m.end()), claim_evidence(spending)]
    if evaluated.lo >= Interval.of(total).hi:
        f = make_finding(
            rule,
            ctx,
            f"部门整体支出绩效评价涉及一般公共预算支出 {raw} 万元，大于本年支出合计 {total.raw} 万元；"
            f"一般公共预算支出是本年支出的一部分，不可能超过全部本年支出。",
            evidence,
            [f"{raw}万元"],
            f"≤ {total.raw}万元",
            f"{raw} > 本年支出合计 {total.raw}",
            suspect=f"{raw} 万元可能是收入（支出）总计或预算数，而非一般公共预算支出",
        )
        if f:
            yield f
        return
    candidates = [("本年支出合计", total)]
    if fiscal is not None:
        candidates += [
            ("财政拨款支出决算数", fiscal.values["actual"]),
            ("财政拨款支出年初预算数", fiscal.values["budget"]),
        ]
        evidence.append(claim_evidence(fiscal))
    if any(evaluated.meets(Interval.of(q)) for _, q in candidates):
        return
    shown = "、".join(f"{n} {q.raw} 万元" for n, q in candidates)
    f = make_finding(
        rule,
        ctx,
        f"部门整体支出绩效评价涉及一般公共预算支出 {raw} 万元，与说明中的{shown}都不相符；"
        f"整体支出评价的对象是部门的全部支出，{raw} 万元可能只是部分（如项目）支出，请核实评价范围或金额。",
        evidence,
        [f"{raw}万元"],
        f"{_amount(fiscal).raw if fiscal is not None else total.raw}万元",
        f"{raw} 与 {shown} 逐一比对",
        severity=Severity.WARNING,
        suspect=SUSPECT_UNKNOWN,
    )
    if f:
        yield f
