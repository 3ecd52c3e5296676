"""Rounding tolerance by interval arithmetic on displayed precision (cf. Arelle's Calc 1.1).

A figure shown with p decimals stands for every true value that rounds (half up) to it: the
half-open interval [value − ½·10^-p, value + ½·10^-p). Two displays are of one quantity when their
intervals intersect; a total agrees with its parts when its interval meets the sum of theirs; a
ratio's interval comes from its operands'. :class:`Interval` is the one type for all of this: no
rule compares rounded figures or uses a tolerance constant of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shared.models import Quantity

ZERO = Decimal(0)


def half_unit(places: int) -> Decimal:
    """Half a unit of the last displayed place: the rounding error a figure can carry."""
    return Decimal(5).scaleb(-(places + 1))


def places_of(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


@dataclass(frozen=True)
class Interval:
    """The true values a displayed figure (or an expression of them) can stand for: [lo, hi),
    or the single point lo when lo == hi (an exact value such as a count)."""

    lo: Decimal
    hi: Decimal

    @classmethod
    def shown(cls, value: Decimal, places: int) -> Interval:
        """The interval behind a figure displayed with ``places`` decimals."""
        h = half_unit(places)
        return cls(value - h, value + h)

    @classmethod
    def of(cls, q: Quantity) -> Interval:
        return cls.shown(q.value, q.places)

    @classmethod
    def exact(cls, value: Decimal) -> Interval:
        return cls(value, value)

    @classmethod
    def total(cls, parts: Iterable[Interval]) -> Interval:
        lo = hi = ZERO
        for p in parts:
            lo, hi = lo + p.lo, hi + p.hi
        return cls(lo, hi)

    @property
    def mid(self) -> Decimal:
        return (self.lo + self.hi) / 2

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def widen(self, by: Decimal) -> Interval:
        return Interval(self.lo - by, self.hi + by)

    def meets(self, other: Interval) -> bool:
        """Do the two share a value? (Half-open: 326.71 and 326.72 do not.)"""
        if self.lo == self.hi:
            return other.contains(self.lo)
        if other.lo == other.hi:
            return self.contains(other.lo)
        return self.lo < other.hi and other.lo < self.hi

    def contains(self, v: Decimal) -> bool:
        return self.lo <= v < self.hi or self.lo == self.hi == v

    def percent_of(self, den: Interval) -> Interval | None:
        """self / den × 100 for a positive denominator; None when it may be 0."""
        if den.lo <= 0:
            return None
        return Interval(max(self.lo, ZERO) / den.hi * 100, self.hi / den.lo * 100)


def interval(value: Decimal, places: int) -> tuple[Decimal, Decimal]:
    i = Interval.shown(value, places)
    return i.lo, i.hi


def sum_consistent(total: Decimal, total_places: int, parts: list[tuple[Decimal, int]]) -> bool:
    """Can the rounded ``total`` be the rounding of the sum of the true values behind ``parts``?"""
    return Interval.shown(total, total_places).meets(Interval.total(Interval.shown(v, p) for v, p in parts))


def same_value(a: Decimal, a_places: int, b: Decimal, b_places: int, slack_units: int = 0) -> bool:
    """Two displays of one quantity agree when their intervals meet (573.9 and 573.95 can both
    show 573.949). ``slack_units`` widens them by units of the coarser last place: an aggregate
    (a 类 total, a table total) is a sum of rounded parts, and another table's rounding of the same
    quantity may differ from it by one unit (326.71 vs 326.72)."""
    extra = Decimal(slack_units).scaleb(-min(a_places, b_places))
    return Interval.shown(a, a_places).widen(extra).meets(Interval.shown(b, b_places))


def ratio_interval(
    num: tuple[Decimal, Decimal], den: tuple[Decimal, Decimal]
) -> tuple[Decimal, Decimal] | None:
    """Interval of num/den × 100 for positive intervals; None when the denominator may be 0."""
    r = Interval(*num).percent_of(Interval(*den))
    return None if r is None else (r.lo, r.hi)


def percent_consistent(stated: Quantity, allowed: tuple[Decimal, Decimal], slack_units: int = 0) -> bool:
    """Can the stated percentage be the rounding of a value in ``allowed`` (closed: a computed
    range's ends are attainable)? ``slack_units`` widens it by units of the stated last place."""
    extra = Decimal(slack_units) * Decimal(1).scaleb(-stated.places)
    shown = Interval.of(stated).widen(extra)
    return shown.lo <= allowed[1] and allowed[0] <= shown.hi


def rounded(value: Decimal, places: int = 2) -> Decimal:
    """For display only: comparisons go through :class:`Interval`."""
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def fmt(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "（空）"
    return f"{rounded(value, places):,.{places}f}".replace(",", "")


def qplaces(q: Quantity) -> int:
    return q.places
