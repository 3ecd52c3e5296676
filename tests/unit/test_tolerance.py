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
