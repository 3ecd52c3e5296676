"""绩效 score checks: 得分 ≤ 分值, parts add to stated totals, the grade matches its band, and the
stated 执行率 equals 执行数 ÷ 预算数."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shared.models import Category, Evidence, Finding, ParsedDocument, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import claim_evidence, make_finding
from ..tolerance import interval, percent_consistent, ratio_interval

GRADE_BANDS = [(Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差")]


def _ev(src) -> Evidence:
    return Evidence(quote=src.quote, prov=src.prov)


@rule(
    "P601",
    "score_within_weight",
    Category.PERFORMANCE,
    Severity.ERROR,
    "指标得分超过分值",
    "绩效自评表中每项指标的得分不得超过其分值。",
    "得分超分值会虚增绩效总分。",
    "指标1：因公出境出访 分值 2，得分 4。",
)
def score_within_weight(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.score_tables:
        raise NotApplicable("未找到绩效自评表")
    for t in doc.score_tables:
        for it in t.items:
            if it.weight is None or it.score is None:
                continue
            ctx.tick()
            if it.score <= it.weight:
                continue
            f = make_finding(
                rule,
                ctx,
                f"《{t.title}》“{it.name}”分值 {it.weight}，得分 {it.score}，得分超过分值。",
                [_ev(it.source)],
                [str(it.score)],
                f"≤ {it.weight}",
                "得分 ≤ 分值",
            )
            if f:
                yield f


@rule(
    "P602",
    "score_total",
    Category.PERFORMANCE,
    Severity.ERROR,
    "评分合计不符",
    "绩效自评表各指标得分之和应等于表列总分（只在各项分值之和等于总分值、确认指标读取完整时下结论）；"
    "说明中“总分 N 分（其中 a 分、b 分…）”的各部分之和应等于 N；部门评价中各方面“共设置 S 分，得 G 分”应等于所列各指标满分、得分之和。",
    "合计错误使评价结论失去依据。",
    "总分为 98 分（其中 19 分、25 分、14 分、25 分），四项合计 83 分。",
)
def score_total(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    sums = [c for c in doc.claims if c.kind == "sum"]
    if not doc.score_tables and not sums:
        raise NotApplicable("未找到绩效评分表或评分合计表述")
    for t in doc.score_tables:
        if t.total_score is None or t.total_weight is None:
            continue
        weights = sum((i.weight or Decimal(0) for i in t.items), Decimal(0))
        scores = sum((i.score or Decimal(0) for i in t.items), Decimal(0))
        if weights != t.total_weight:
            ctx.skip(
                f"《{t.title}》各项分值之和 {weights} ≠ 总分值 {t.total_weight}，指标可能未读全，不作结论"
            )
            continue
        ctx.tick()
        if scores == t.total_score:
            continue
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》各项得分之和为 {scores}，表列总分为 {t.total_score}。",
            [_ev(t.total_source or t.source)],
            [str(t.total_score)],
            str(scores),
            f"{len(t.items)} 项指标得分相加（分值合计 {weights}，与总分值一致）",
        )
        if f:
            yield f
    for c in sums:
        ctx.tick()
        if c.subject == "score_total":
            total = c.values["total"].value
            parts = sum((q.value for _, q in c.parts), Decimal(0))
            if parts == total:
                continue
            msg = f"总分 {c.values['total'].raw} 分，括号内各部分 {'、'.join(q.raw for _, q in c.parts)} 分合计 {parts} 分。"
            stated, expected = c.values["total"].raw, str(parts)
        else:
            w = sum((q.value for k, q in c.parts if k == "weight"), Decimal(0))
            s = sum((q.value for k, q in c.parts if k == "score"), Decimal(0))
            bad = []
            if w != c.values["weight"].value:
                bad.append(f"共设置 {c.values['weight'].raw} 分而各指标满分合计 {w} 分")
            if s != c.values["score"].value:
                bad.append(f"得 {c.values['score'].raw} 分而各指标得分合计 {s} 分")
            if not bad:
                continue
            msg = f"部门评价“{c.subject_text}”方面：" + "；".join(bad) + "。"
            stated, expected = f"{c.values['weight'].raw}/{c.values['score'].raw}", f"{w}/{s}"
        f = make_finding(rule, ctx, msg, [claim_evidence(c)], [stated], expected, "各部分分数相加")
        if f:
            yield f


def band(score: Decimal) -> str:
    return next(g for lo, g in GRADE_BANDS if score >= lo)


@rule(
    "P603",
    "grade_band",
    Category.PERFORMANCE,
    Severity.ERROR,
    "评价等级与得分不符",
    "评价等级应与得分所在档次一致：90 分（含）以上为优，80–89 分为良，60–79 分为中，60 分以下为差。",
    "等级是绩效结论，与得分不符会误导预算安排。",
    "评价得分为 85 分，评价为“优”。",
)
def grade_band(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    grades = [c for c in doc.claims if c.kind == "grade" and c.grade]
    if not grades:
        raise NotApplicable("未找到“得分…评价为…”的表述")
    for c in grades:
        score = c.values["score"].value
        ctx.tick()
        expected = band(score)
        stated = (c.grade or "")[:1]
        if stated == expected or (stated == "合" and expected in ("中",)):
            continue
        f = make_finding(
            rule,
            ctx,
            f"得分 {c.values['score'].raw} 分对应等级应为“{expected}”，说明写作“{c.grade}”。",
            [claim_evidence(c)],
            [c.grade or ""],
            expected,
            "≥90 优；80–89 良；60–79 中；<60 差",
        )
        if f:
            yield f


@rule(
    "P604",
    "execution_rate",
    Category.PERFORMANCE,
    Severity.ERROR,
    "预算执行率计算错误",
    "绩效自评表的执行率应等于全年执行数 ÷ 全年预算数。",
    "执行率决定预算执行得分。",
    "全年预算数 9 万元，执行数 7.36 万元，执行率 91.78%（应为 81.78%）。",
)
def execution_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.score_tables if t.budget and t.executed and t.execution_rate]
    if not tables:
        raise NotApplicable("绩效自评表中未找到预算数、执行数和执行率")
    for t in tables:
        b, e, r = t.budget, t.executed, t.execution_rate
        assert b and e and r
        allowed = ratio_interval(interval(e.value, e.places), interval(b.value, b.places))
        if allowed is None:
            continue
        ctx.tick()
        if percent_consistent(r, allowed):
            continue
        expected = e.value / b.value * 100
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》全年预算数 {b.raw}，执行数 {e.raw}，执行率应为 {expected:.2f}%，表列 {r.raw}%。",
            [_ev(t.execution_source or t.source)],
            [f"{r.raw}%"],
            f"{expected:.2f}%",
            f"{e.raw} ÷ {b.raw} × 100%",
        )
        if f:
            yield f
