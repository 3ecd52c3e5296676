"""Rounding tolerance by interval arithmetic on displayed precision (cf. Arelle's Calc 1.1):
a figure shown with p decimals stands for the interval value ± 0.5·10^-p. No magic constants."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.models import Quantity


def half_unit(places: int) -> Decimal:
    return Decimal(5).scaleb(-(places + 1))


def places_of(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def interval(value: Decimal, places: int) -> tuple[Decimal, Decimal]:
    h = half_unit(places)
    return value - h, value + h


def sum_consistent(total: Decimal, total_places: int, parts: list[tuple[Decimal, int]]) -> bool:
    """Can the rounded ``total`` be the rounding of the sum of the true values behind ``parts``?"""
    slack = half_unit(total_places) + sum((half_unit(p) for _, p in parts), Decimal(0))
    return abs(total - sum((v for v, _ in parts), Decimal(0))) <= slack


def same_value(a: Decimal, a_places: int, b: Decimal, b_places: int, slack_units: int = 0) -> bool:
    """Two displays of one quantity agree when their intervals overlap (573.9 and 573.95 can both
    show 573.949). ``slack_units`` widens them by units of the coarser last place: an aggregate
    (a 类 total, a table total) is a sum of rounded parts, and another table's rounding of the same
    quantity may differ from it by one unit (326.71 vs 326.72)."""
    extra = Decimal(slack_units).scaleb(-min(a_places, b_places))
    a_lo, a_hi = interval(a, a_places)
    b_lo, b_hi = interval(b, b_places)
    return a_lo - extra < b_hi and b_lo < a_hi + extra


def ratio_interval(
    num: tuple[Decimal, Decimal], den: tuple[Decimal, Decimal]
) -> tuple[Decimal, Decimal] | None:
    """Interval of num/den × 100 for positive intervals; None when the denominator may be 0."""
    if den[0] <= 0:
        return None
    lo = max(num[0], Decimal(0)) / den[1] * 100
    hi = num[1] / den[0] * 100
    return lo, hi


def percent_consistent(stated: Quantity, allowed: tuple[Decimal, Decimal], slack_units: int = 0) -> bool:
    lo, hi = interval(stated.value, stated.places)
    extra = Decimal(slack_units) * Decimal(1).scaleb(-stated.places)
    return not (hi + extra < allowed[0] or lo - extra > allowed[1])


def rounded(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def fmt(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "（空）"
    return f"{rounded(value, places):,.{places}f}".replace(",", "")


def qplaces(q: Quantity) -> int:
    return q.places
