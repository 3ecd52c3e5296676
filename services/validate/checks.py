"""Comparison helpers shared by rules: a total against its parts, and two displays of one
quantity, both with interval tolerance and evidence."""

from __future__ import annotations

from decimal import Decimal

from shared.models import Finding

from .catalogue import CheckContext, Rule
from .facts import Fact
from .findings import make_finding
from .tolerance import fmt, same_value, sum_consistent


def check_sum(
    rule: Rule,
    ctx: CheckContext,
    total: Fact | None,
    parts: list[Fact],
    what: str,
    parts_label: str,
    confidence: float = 1.0,
) -> Finding | None:
    """``total`` must equal Σ ``parts`` within the rounding of every displayed figure.
    ``confidence``: how sure the sum's make-up is (its figures' own confidences come on top)."""
    if total is None or not parts:
        return None
    involved = [total, *parts]
    if all(f.cell.state != "number" for f in involved):
        return None
    if any(f.cell.state == "text" for f in involved):
        return None
    ctx.tick()
    if sum_consistent(total.value, total.places, [(p.value, p.places) for p in parts]):
        return None
    expected = sum((p.value for p in parts), Decimal(0))
    diff = total.value - expected
    conf = min(confidence, *(f.confidence for f in involved))
    return make_finding(
        rule,
        ctx,
        f"{what}：列示 {fmt(total.value)}，{parts_label}合计为 {fmt(expected)}，相差 {fmt(diff)}。",
        [total.evidence(), *[p.evidence() for p in parts if p.cell.state == "number"][:8]],
        [fmt(total.value)],
        fmt(expected),
        f"{parts_label}："
        + " + ".join(fmt(p.value) for p in parts if p.cell.state == "number")
        + f" = {fmt(expected)}；"
        f"容差按各数显示精度（每个数 ±0.005）计算",
        conf,
    )


def check_equal(
    rule: Rule,
    ctx: CheckContext,
    a: Fact | None,
    b: Fact | None,
    what: str,
    note: str | None = None,
) -> Finding | None:
    """Two tables state the same quantity: they must show the same figure."""
    if a is None or b is None:
        return None
    if a.cell.state == "text" or b.cell.state == "text":
        return None
    if a.cell.state == "empty" and b.cell.state == "empty":
        return None
    ctx.tick()
    if same_value(a.value, a.places, b.value, b.places, slack_units=int(a.is_aggregate or b.is_aggregate)):
        return None
    conf = min(a.confidence, b.confidence)
    return make_finding(
        rule,
        ctx,
        f"{what}：{a.label} 为 {fmt(a.value)}，{b.label} 为 {fmt(b.value)}，相差 {fmt(a.value - b.value)}。",
        [a.evidence(), b.evidence()],
        [fmt(a.value), fmt(b.value)],
        fmt(b.value),
        "同一数据在两张表中应一致",
        conf,
        note=note,
    )
