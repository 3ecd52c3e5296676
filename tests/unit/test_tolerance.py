"""Interval arithmetic on displayed precision: rounding never produces a finding; real errors do."""

from __future__ import annotations

from decimal import Decimal as D

from services.validate.tolerance import (
    interval,
    percent_consistent,
    ratio_interval,
    same_value,
    sum_consistent,
)
from shared.models import Quantity


def q(raw: str) -> Quantity:
    return Quantity(value=D(raw), raw=raw, places=len(raw.split(".")[1]) if "." in raw else 0)


def test_sum_of_rounded_parts_within_n_half_units():
    # 253.72 + 333.20 = 586.92, table total 586.91: two parts of ±0.005 and the total's ±0.005
    assert sum_consistent(D("586.91"), 2, [(D("253.72"), 2), (D("333.20"), 2)])
    assert not sum_consistent(D("586.91"), 2, [(D("253.72"), 2), (D("333.30"), 2)])


def test_same_value_is_interval_intersection():
    assert same_value(D("573.9"), 1, D("573.90"), 2)
    assert same_value(D("573.9"), 1, D("573.95"), 2)  # 573.949 shown both ways
    assert same_value(D("1.5"), 1, D("1.50"), 2)
    assert not same_value(D("326.71"), 2, D("326.72"), 2)
    assert not same_value(D(1), 0, D(2), 0)  # counts are exact
    # an aggregate against another table's rounding of it: one unit of the last place is rounding
    assert same_value(D("326.71"), 2, D("326.72"), 2, slack_units=1)
    assert not same_value(D("253.71"), 2, D("253.73"), 2, slack_units=1)
    assert not same_value(D("13.91"), 2, D("13.09"), 2, slack_units=1)


def test_percentage_checked_against_the_interval_its_inputs_allow():
    # 16.81 / 4.08 = 412.01%, but with ±0.005 on each input anything in ~[410.9, 413.1] is possible
    allowed = ratio_interval(interval(D("16.81"), 2), interval(D("4.08"), 2))
    assert percent_consistent(q("411.73"), allowed)
    assert not percent_consistent(q("400.00"), allowed)


def test_zero_denominator_is_not_computed():
    assert ratio_interval(interval(D(1), 2), interval(D(0), 2)) is None


def test_one_interval_type_behind_every_comparison():
    from services.validate.tolerance import Interval

    a, b = Interval.shown(D("573.9"), 1), Interval.shown(D("573.95"), 2)
    assert a.meets(b) and b.meets(a)
    # half-open: 326.71 stands for [326.705, 326.715), 326.72 for [326.715, 326.725)
    assert not Interval.shown(D("326.71"), 2).meets(Interval.shown(D("326.72"), 2))
    # a sum of n rounded parts carries n half-units: 4 parts of 2 decimals meet a total 0.02 away
    parts = [Interval.shown(D(v), 2) for v in ("2112.86", "326.72", "60.99", "445.69")]
    assert Interval.total(parts).meets(Interval.shown(D("2946.25"), 2))
    assert not Interval.total(parts).meets(Interval.shown(D("2946.20"), 2))
    # exact values (counts) are points
    assert Interval.exact(D(10)).meets(Interval.exact(D(10)))
    assert not Interval.exact(D(10)).meets(Interval.exact(D(11)))
    assert Interval.shown(D("0.3"), 1).contains(D("0.25")) and not Interval.shown(D("0.3"), 1).contains(
        D("0.35")
    )
    # a difference of intervals widens; a ratio against a possibly-zero base is undefined
    assert (Interval.shown(D("1.00"), 2) - Interval.shown(D("1.00"), 2)).contains(D(0))
    assert Interval.shown(D(1), 2).percent_of(Interval.shown(D("0.00"), 2)) is None
    growth = Interval.shown(D("2.55"), 2).percent_of(Interval.shown(D("182.10"), 2))
    assert growth is not None and growth.lo < D("1.40") < growth.hi
