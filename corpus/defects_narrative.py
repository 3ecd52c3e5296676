"""Defect kinds of the narrative agreeing with itself (issue 8, item 2): restated quantities, carry-over continuity, previous-year balance, copied descriptions.

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from random import Random

from corpus.defects import DefectKind, DefectNotApplicable, Draft, PendingDefect, _take
from corpus.model import fmt_plain, percent
from corpus.prose import pct_text


def _staff_in_service(d: Draft) -> int:
    return d.accounts.dept.staff_actual


def staff_restated_differently(d: Draft, rng: Random) -> PendingDefect:
    """The 绩效 section's restatement of 在职人员 (slot ``perf.staff.in_service``) differs by 1–3
    from the 概况's."""
    _take(d, ["perf.staff.in_service"], rng)
    right = _staff_in_service(d)
    wrong = right + rng.choice([-1, 1]) * rng.randint(1, 3)
    if wrong < 0:
        wrong = right + rng.randint(1, 3)
    d.set_slot("perf.staff.in_service", str(wrong))
    return PendingDefect("A413", "staff_restated_differently",
                         f"部门概况在职人员{right}人，绩效部分写作{wrong}人", "在职人员")  # fmt: skip


def _staff_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    piece = slots.get("perf.staff.in_service")
    return piece is not None and piece.text != str(_staff_in_service(d))


def _fen(text: str) -> int:
    return int(Decimal(text) * 100)


def carryover_discontinuity(d: Draft, rng: Random) -> PendingDefect:
    """年末结转和结余's year-on-year change (slot ``expenditure.carry_out.change``, and ``.pct``
    kept consistent with it) implies a previous closing balance that differs by 1.50–12.00 万元
    from this year's 年初结转和结余; the direction word stays as it was. A reason saying the
    balance was taken back (“财政收回结转结余资金”, which explains such a break) becomes the other
    reason for a decrease."""
    a = d.accounts
    slots = d.narrative.slots()
    _take(d, ["expenditure.carry_out.change"], rng)
    if "expenditure.carry_out.change" not in slots:
        return _flat_carryover_changed(d, rng)
    cur, prev = a.carry_out, a.carry_in
    up = cur > prev
    for _ in range(50):
        delta = rng.randint(150, 1200) * rng.choice([-1, 1])
        new_prev = prev + delta
        if new_prev > 0 and (cur > new_prev) == up and cur != new_prev:
            break
    else:
        raise DefectNotApplicable("no previous balance keeps the direction")
    change = abs(cur - new_prev)
    d.set_slot("expenditure.carry_out.change", fmt_plain(change))
    if "expenditure.carry_out.pct" in slots:
        d.set_slot("expenditure.carry_out.pct", pct_text(percent(change, new_prev)))
    para = next(p for p in d.narrative.paras if slots["expenditure.carry_out.change"] in p.pieces)
    for piece in para.pieces:
        piece.text = piece.text.replace("财政收回结转结余资金", "加快预算执行进度，结转资金减少")
    return PendingDefect("A414", "carryover_discontinuity",
                         f"由年末结转和结余的增减额推得上年年末{fmt_plain(new_prev)}万元，"
                         f"与本年年初结转和结余{fmt_plain(prev)}万元不衔接", "年末结转和结余")  # fmt: skip


def _flat_carryover_changed(d: Draft, rng: Random) -> PendingDefect:
    """年末结转和结余 was “与上年持平” (and equals 年初): it becomes a change of 1.50–12.00 万元
    with its rate and a reason (slot ``expenditure.carry_out.yoy``)."""
    a = d.accounts
    amount = d.narrative.slot("expenditure.carry_out.amount")
    para = next(p for p in d.narrative.paras if amount in p.pieces)
    flat = next(p for p in para.pieces[para.pieces.index(amount) :] if p.text == "与上年持平")
    cur = a.carry_out
    change = rng.randint(150, 1200)
    up = cur - change > 0
    prev = cur - change if up else cur + change
    reason = "部分项目跨年度实施，资金结转下年使用" if up else "加快预算执行进度，结转资金减少"
    flat.text = (f"{a.compare_word}{'增加' if up else '减少'}{fmt_plain(change)}万元，{'增长' if up else '下降'}"
                 f"{pct_text(percent(change, prev))}，主要原因：{reason}")  # fmt: skip
    flat.slot, flat.fixed = "expenditure.carry_out.yoy", True
    return PendingDefect("A414", "carryover_discontinuity",
                         f"由年末结转和结余的增减额推得上年年末{fmt_plain(prev)}万元，"
                         f"与本年年初结转和结余{fmt_plain(a.carry_in)}万元不衔接", "年末结转和结余")  # fmt: skip


def _carryover_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    if (yoy := slots.get("expenditure.carry_out.yoy")) is not None:
        m = re.search(r"(增加|减少)(\d+\.\d+)万元", yoy.text)
        if m is None:
            return False
        cur = d.accounts.carry_out
        prev = cur - _fen(m.group(2)) if m.group(1) == "增加" else cur + _fen(m.group(2))
        return prev != d.accounts.carry_in
    change, word = slots.get("expenditure.carry_out.change"), slots.get("expenditure.carry_out.dir")
    if change is None or word is None:
        return False
    cur = d.accounts.carry_out
    prev = cur - _fen(change.text) if word.text == "增加" else cur + _fen(change.text)
    return prev != d.accounts.carry_in


KINDS: list[DefectKind] = [
    DefectKind("staff_restated_differently", "A413", staff_restated_differently, _staff_present),
    # carryover_discontinuity (A414) is not registered yet: where the clean 年末结转和结余 is
    # “与上年持平” the defect needs a new piece, which the one-place check of the corpus tests
    # does not count (see the report of issue 8, item 2)
]
