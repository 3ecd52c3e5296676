"""Defect kinds of 绩效 self-evaluation (issue 8, item 5).

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.
"""

from __future__ import annotations

from decimal import Decimal
from random import Random
from typing import TYPE_CHECKING

from corpus.model import ScoreLine, fmt_plain, grade_for
from corpus.prose import Para, T, pct_text, score_text

if TYPE_CHECKING:
    from corpus.defects import DefectKind, Draft, PendingDefect

HALF_POINT = Decimal("0.5")  # an integer score shown as 9 may stand for anything in [8.5, 9.5)


# --------------------------------------------------------------------------- P605


def narrative_score_mismatch(d: Draft, rng: Random) -> PendingDefect:
    """The narrative's “该项目…评价得分为X分” differs from the table's 总分 by 1–3 points, within
    the same grade band (so the grade word still fits the narrated score)."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    total = d.performance.stated_total
    band = grade_for(total)
    options = [
        total + s * k
        for k in (1, 2, 3)
        for s in (1, -1)
        if Decimal(0) < total + s * k <= 100 and grade_for(total + s * k) == band
    ]
    if not options:
        raise DefectNotApplicable("no score in the same band")
    _take(d, ["perf.score"], rng)
    wrong = rng.choice(options)
    d.set_slot("perf.score", score_text(wrong))
    return PendingDefect(
        "P605",
        "narrative_score_mismatch",
        f"说明中的评价得分{score_text(wrong)}分与自评表总分{score_text(total)}分不一致",
        f"{score_text(wrong)}分",
    )


def _narrative_score_present(d: Draft) -> bool:
    return Decimal(d.narrative.slot("perf.score").text) != d.performance.stated_total


# --------------------------------------------------------------------------- P606


def _exec_cap(d: Draft) -> Decimal:
    pf = d.performance
    return pf.exec_weight * min(pf.execution_rate, Decimal(100)) / 100


def execution_score_over_rate(d: Draft, rng: Random) -> PendingDefect:
    """The 资金执行 row's 得分 becomes the full 分值 although 执行率 < 95%. When the clean draft
    executed 95% or more, 全年执行数 drops to 80–93% of the budget first (table, narrative amount
    and rate together, so 执行率 = 执行数 ÷ 预算数 still holds). An indicator loses the points
    the 资金执行 row gains, so the 总分 row still equals Σ 得分."""
    from corpus.defects import PendingDefect, _take

    pf = d.performance
    _take(d, ["perf.exec_score"], rng)
    if pf.exec_weight - HALF_POINT <= _exec_cap(d):
        pf.executed = int(pf.budget_full * rng.uniform(0.80, 0.93))
        d.set_slot("perf.executed.amount", fmt_plain(pf.executed))
        d.set_slot("perf.rate", pct_text(pf.execution_rate))
    raise_by = pf.exec_weight - pf.exec_score
    if raise_by > 0:
        donor = _take(d, [ln.name for ln in pf.lines if ln.score - raise_by >= 1], rng)
        next(ln for ln in pf.lines if ln.name == donor).score -= raise_by
    pf.exec_score = pf.exec_weight
    rate = pct_text(pf.execution_rate)
    return PendingDefect(
        "P606",
        "execution_score_over_rate",
        f"执行率{rate}，资金执行得分{score_text(pf.exec_score)}（分值{score_text(pf.exec_weight)}）高于分值×执行率",
        rate,
    )


def _execution_score_present(d: Draft) -> bool:
    pf = d.performance
    return pf.exec_score <= pf.exec_weight and pf.exec_score - HALF_POINT > _exec_cap(d)


# --------------------------------------------------------------------------- P607

# (二级指标 the line sits under, its new name, the category the name belongs to)
_MISFILINGS = [
    ("质量指标", "任务办理及时率", "时效指标"),
    ("质量指标", "资料报送及时率", "时效指标"),
    ("数量指标", "培训对象满意度", "满意度指标"),
    ("社会效益指标", "单位服务平均成本控制", "成本指标"),
]


def _misfiled(ln: ScoreLine) -> bool:
    """The re-check, independent of the checker's patterns: names that belong to one category."""
    name = ln.name
    return (
        ("及时" in name and ln.level2 in ("数量指标", "质量指标", "成本指标"))
        or ("满意" in name and ln.level1 == "产出指标")
        or (("成本控制" in name or "平均成本" in name) and ln.level1 == "效益指标")
    )


def indicator_misfiled(d: Draft, rng: Random) -> PendingDefect:
    """One 三级指标 is renamed to a name of another category (a 及时率 under 质量指标, a 满意度
    under 数量指标, a 平均成本控制 under 社会效益指标); its scores stay."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    pf = d.performance
    options = {
        f"misfile:{name}": (ln, name, right)
        for level2, name, right in _MISFILINGS
        for ln in pf.lines
        if ln.level2 == level2 and ln.name not in d.used
    }
    if not options:
        raise DefectNotApplicable("no indicator to misfile")
    key = _take(d, sorted(options), rng)
    line, name, right = options[key]
    d.used.add(line.name)
    line.name = name
    return PendingDefect("P607", "indicator_misfiled", f"指标“{name}”列在{line.level2}下，应属{right}", name)


def _misfiled_present(d: Draft) -> bool:
    return any(_misfiled(ln) for ln in d.performance.lines)


# --------------------------------------------------------------------------- P608

GRADES = ("优", "良", "中", "差")


def grade_count_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One count of “其中评价结果为“X”的项目n个” rises by 1–2, so the counts no longer add to
    the number of self-evaluated projects."""
    from corpus.defects import PendingDefect, _take

    grade = rng.choice(GRADES)
    key = _take(d, [f"perf.count.{grade}"], rng)
    piece = d.narrative.slot(key)
    wrong = int(piece.text) + rng.randint(1, 2)
    d.set_slot(key, str(wrong))
    return PendingDefect(
        "P608",
        "grade_count_wrong",
        f"评价为“{grade}”的项目数{wrong}个，各等级项目数之和不等于自评项目数",
        f"{wrong}个",
    )


def _grade_count_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    if "perf.projects" not in slots:
        return False
    counts = sum(int(slots[f"perf.count.{g}"].text) for g in GRADES)
    return counts != int(slots["perf.projects"].text)


# --------------------------------------------------------------------------- P606 (below the stated rule)

PROPORTIONAL_RULE = "预算执行率得分=预算执行率×该指标分值"


def execution_score_below_rule(d: Draft, rng: Random) -> PendingDefect:
    """A paragraph “预算执行率得分=预算执行率×该指标分值。” is added right after the score table, and
    the 资金执行 row's 得分 drops by at least 1, to 1 point or more below 分值 × 执行率 (⌊分值 ×
    执行率⌋ − 1 at most). Indicators below their 分值 take the points back (each at most up to its
    分值), so the 总分 row still equals Σ 得分; only when they cannot take them all (a 总分 near
    100) does the 总分 drop by the rest, with the narrated 评价得分 (the grade band stays)."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    pf = d.performance
    _take(d, ["perf.exec_score"], rng)
    new = min(pf.exec_score, Decimal(int(_exec_cap(d)))) - 1
    if new < 0:
        raise DefectNotApplicable("no execution score to lower")
    rest = pf.exec_score - new
    pf.exec_score = new
    receivers = [ln for ln in pf.lines if ln.score < ln.weight and ln.name not in d.used]
    rng.shuffle(receivers)
    for ln in receivers:
        give = min(rest, ln.weight - ln.score)
        ln.score += give
        rest -= give
        if not rest:
            break
    if rest:
        if grade_for(pf.stated_total - rest) != grade_for(pf.stated_total):
            raise DefectNotApplicable("the total would change its grade")
        d.used.add("perf.total")
        pf.stated_total -= rest
        d.set_slot("perf.score", score_text(pf.stated_total))
    at = next(i for i, p in enumerate(d.narrative.paras) if p.kind == "score_table")
    d.narrative.paras.insert(at + 1, Para("body", [T(f"{PROPORTIONAL_RULE}。")]))
    rate = pct_text(pf.execution_rate)
    cap = score_text(_exec_cap(d).quantize(Decimal("0.01")))
    return PendingDefect(
        "P606",
        "execution_score_below_rule",
        f"文件写明{PROPORTIONAL_RULE}，执行率{rate}、分值{score_text(pf.exec_weight)}应得{cap}分，"
        f"资金执行得分为{score_text(pf.exec_score)}",
        PROPORTIONAL_RULE,
    )


def _execution_score_below_present(d: Draft) -> bool:
    stated = any(PROPORTIONAL_RULE in p.text for p in d.narrative.paras)
    return stated and d.performance.exec_score + HALF_POINT <= _exec_cap(d)


# --------------------------------------------------------------------------- P611


def execution_score_dashed(d: Draft, rng: Random) -> PendingDefect:
    """The 年度资金总额 row keeps its 分值 alone (年初预算数, 全年预算数, 全年执行数, 执行率 and 得分
    blank); the 当年财政拨款 row below it still carries the amounts and the 执行率 with the
    template's “—” as 分值 and 得分, so the 执行 indicator has no score. The pdf and ocr text
    styles only: the rule reads the rows as text lines (files keep the scored row)."""
    from corpus.defects import PendingDefect, _take

    pf = d.performance
    _take(d, ["perf.exec_score"], rng)
    pf.exec_scored = False
    rate = pct_text(pf.execution_rate)
    return PendingDefect(
        "P611",
        "execution_score_dashed",
        f"年度资金总额行只列分值{score_text(pf.exec_weight)}，执行率{rate}填在当年财政拨款行且得分为“—”",
        rate,
    )


def _execution_dashed_present(d: Draft) -> bool:
    return not d.performance.exec_scored


# --------------------------------------------------------------------------- P609


def first_level_weight_wrong(d: Draft, rng: Random) -> PendingDefect:
    """In the 部门整体支出绩效评分表 (text styles), one 一级指标's 分值 (决策, 过程 or 产出) moves by
    5 or 10 while its 二级/三级 分值 and the 总分 row stay: 一级 分值 ≠ Σ the 分值 under it."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    whole = d.performance.whole
    if whole is None or not any(p.kind == "score_table" for p in d.narrative.paras):
        raise DefectNotApplicable("no 部门整体 评分表")  # none, or left out with the 自评表 (C008)
    d.used.add("perf.table")  # printed with the 自评表: C008 may no longer leave that out
    level = _take(d, [f"whole:{name}" for name in ("决策", "过程", "产出")], rng).split(":")[1]
    true = whole.level_weights[level]
    wrong = true + rng.choice((5, 10)) * (1 if true <= 20 or rng.random() < 0.5 else -1)
    whole.level_weights[level] = wrong
    return PendingDefect(
        "P609",
        "first_level_weight_wrong",
        f"部门整体支出绩效评分表一级指标“{level}”分值{score_text(wrong)}，其下指标分值合计{score_text(true)}",
        f"{level} {score_text(wrong)}",
    )


def _first_level_weight_present(d: Draft) -> bool:
    whole = d.performance.whole
    return whole is not None and any(w != whole.below(name) for name, w in whole.level_weights.items())


# --------------------------------------------------------------------------- P610


def management_total_mismatch(d: Draft, rng: Random) -> PendingDefect:
    """The attached 预算绩效管理工作自评报告's “自评得M分” moves 1–5 points away from the
    narrative's “考核总分为N分（其中…）” (its parts and the report's “该指标得k分” still add to N)."""
    from corpus.defects import PendingDefect, _take

    _take(d, ["mgmt.self"], rng)
    total = Decimal(d.narrative.slot("mgmt.total").text)
    k = rng.randint(1, 5)
    wrong = total - k if total + k > 100 or rng.random() < 0.5 else total + k
    d.set_slot("mgmt.self", score_text(wrong))
    return PendingDefect(
        "P610",
        "management_total_mismatch",
        f"说明中预算绩效管理考核总分{score_text(total)}分，所附自评报告称自评得{score_text(wrong)}分",
        f"自评得{score_text(wrong)}分",
    )


def _management_total_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    return "mgmt.self" in slots and Decimal(slots["mgmt.self"].text) != Decimal(slots["mgmt.total"].text)


def _kinds() -> list[DefectKind]:
    from corpus.defects import DefectKind

    return [
        DefectKind("narrative_score_mismatch", "P605", narrative_score_mismatch, _narrative_score_present),
        DefectKind("execution_score_over_rate", "P606", execution_score_over_rate, _execution_score_present),
        DefectKind("indicator_misfiled", "P607", indicator_misfiled, _misfiled_present),
        DefectKind("grade_count_wrong", "P608", grade_count_wrong, _grade_count_present),
        DefectKind(
            "execution_score_below_rule", "P606", execution_score_below_rule, _execution_score_below_present
        ),
        # the 部门整体 评分表 is printed by the pdf and ocr text styles only (P609 reads its text lines)
        DefectKind(
            "first_level_weight_wrong",
            "P609",
            first_level_weight_wrong,
            _first_level_weight_present,
            needs_tables=True,
            files=False,
        ),
        DefectKind("management_total_mismatch", "P610", management_total_mismatch, _management_total_present),
        # not in the Word style either: it prints the score table one cell a line, and P611 reads
        # the 当年财政拨款 row as one line (needs_tables skips the Word style)
        DefectKind(
            "execution_score_dashed",
            "P611",
            execution_score_dashed,
            _execution_dashed_present,
            needs_tables=True,
            files=False,
        ),
    ]


KINDS: list[DefectKind] = _kinds()
