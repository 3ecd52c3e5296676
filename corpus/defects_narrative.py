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
    """年末结转和结余 was “与上年持平” (and equals 年初): its slot ``expenditure.carry_out.yoy``
    becomes a change of 1.50–12.00 万元 with its rate and a reason."""
    a = d.accounts
    flat = d.narrative.slot("expenditure.carry_out.yoy")
    cur = a.carry_out
    change = rng.randint(150, 1200)
    up = cur - change > 0
    prev = cur - change if up else cur + change
    reason = "部分项目跨年度实施，资金结转下年使用" if up else "加快预算执行进度，结转资金减少"
    flat.text = (f"{a.compare_word}{'增加' if up else '减少'}{fmt_plain(change)}万元，{'增长' if up else '下降'}"
                 f"{pct_text(percent(change, prev))}，主要原因：{reason}")  # fmt: skip
    flat.fixed = True
    return PendingDefect("A414", "carryover_discontinuity",
                         f"由年末结转和结余的增减额推得上年年末{fmt_plain(prev)}万元，"
                         f"与本年年初结转和结余{fmt_plain(a.carry_in)}万元不衔接", "年末结转和结余")  # fmt: skip


def _previous(d: Draft, key: str) -> int | None:
    """Last year's value of a narrated line (``key`` = ``income.current`` …) from its stated
    current amount and its 较上年 change (or “与上年持平”); None when the text does not fix it."""
    slots = d.narrative.slots()
    if f"{key}.amount" not in slots:
        return None
    cur = _fen(slots[f"{key}.amount"].text)
    if f"{key}.dir" in slots:
        change = _fen(slots[f"{key}.change"].text)
        return cur - change if slots[f"{key}.dir"].text == "增加" else cur + change
    yoy = slots.get(f"{key}.yoy")
    if yoy is None:
        return None
    if yoy.text == "与上年持平":
        return cur
    m = re.search(r"(增加|减少)(\d+\.\d+)万元", yoy.text)
    if m is None:
        return None
    return cur - _fen(m.group(2)) if m.group(1) == "增加" else cur + _fen(m.group(2))


def _carryover_present(d: Draft) -> bool:
    prev = _previous(d, "expenditure.carry_out")
    return prev is not None and prev != d.accounts.carry_in


# --------------------------------------------------------------------------- A415

INCOME_LINES = ("income.carry_in", "income.current", "income.nonfiscal_used")
EXPENDITURE_LINES = ("expenditure.current", "expenditure.distribution", "expenditure.carry_out")


def previous_year_unbalanced(d: Draft, rng: Random) -> PendingDefect:
    """本年收入合计's 较上年 change (slot ``income.current.change``, with ``.pct`` kept consistent)
    implies a previous 本年收入 5.00–15.00 万元 away from the one that balances last year (more than
    “0万元” lines, read as ±0.5, allow), so
    上年收入总计 (Σ previous income lines) ≠ 上年支出总计; the direction word stays."""
    slots = d.narrative.slots()
    if "income.current.change" not in slots:
        raise DefectNotApplicable("本年收入合计 与上年持平")
    _take(d, ["income.current.change"], rng)
    cur = _fen(slots["income.current.amount"].text)
    prev = _previous(d, "income.current")
    assert prev is not None
    up = slots["income.current.dir"].text == "增加"
    for _ in range(50):
        new_prev = prev + rng.randint(500, 1500) * rng.choice([-1, 1])
        if new_prev > 0 and (cur > new_prev) == up and cur != new_prev:
            break
    else:
        raise DefectNotApplicable("no previous income keeps the direction")
    change = abs(cur - new_prev)
    stated = d.set_slot("income.current.change", fmt_plain(change)).text
    if "income.current.pct" in slots:
        d.set_slot("income.current.pct", pct_text(percent(change, new_prev)))
    return PendingDefect("A415", "previous_year_unbalanced",
                         f"本年收入合计较上年{'增加' if up else '减少'}{stated}万元（应为{fmt_plain(abs(cur - prev))}万元），"
                         "由增减额推得的上年收入总计与支出总计不相等", stated)  # fmt: skip


def _unbalanced_present(d: Draft) -> bool:
    income = [_previous(d, k) for k in INCOME_LINES]
    spending = [_previous(d, k) for k in EXPENDITURE_LINES]
    if any(v is None for v in income + spending):
        return False
    return sum(v or 0 for v in income) != sum(v or 0 for v in spending)


# --------------------------------------------------------------------------- A450

_AGAINST = {
    "增加": "，主要原因：厉行节约，严控公用经费",
    "减少": "，主要原因：公务活动有所增加",
}
_DOWN_WORDS = ("节约", "压减", "严控", "减少", "下降")
_UP_WORDS = ("增加", "新增", "提高", "追加")


def reason_against_change(d: Draft, rng: Random) -> PendingDefect:
    """The 机关运行经费 sentence keeps its “比上年增加/减少X万元，增长/下降P%” and its reason
    (slot ``admin_cost.reason``) is one for the other direction: an increase “主要原因：厉行节约，
    严控公用经费”, a decrease “主要原因：公务活动有所增加”."""
    slots = d.narrative.slots()
    if "admin_cost.dir" not in slots or not slots["admin_cost.reason"].text:
        raise DefectNotApplicable("机关运行经费 unchanged")
    _take(d, ["admin_cost.reason"], rng)
    word = slots["admin_cost.dir"].text
    d.set_slot("admin_cost.reason", _AGAINST[word])
    change = d.set_slot("admin_cost.change", slots["admin_cost.change"].text).text  # printed as is
    return PendingDefect("A450", "reason_against_change",
                         f"机关运行经费较上年{word}{change}万元，所述原因“{_AGAINST[word][6:]}”只讲相反方向",
                         change)  # fmt: skip


def _against_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    if "admin_cost.dir" not in slots:
        return False
    reason = slots["admin_cost.reason"].text
    down = any(w in reason for w in _DOWN_WORDS)
    up = any(w in reason for w in _UP_WORDS)
    return (down and not up) if slots["admin_cost.dir"].text == "增加" else (up and not down)


KINDS: list[DefectKind] = [
    DefectKind("staff_restated_differently", "A413", staff_restated_differently, _staff_present),
    DefectKind("carryover_discontinuity", "A414", carryover_discontinuity, _carryover_present),
    DefectKind("previous_year_unbalanced", "A415", previous_year_unbalanced, _unbalanced_present),
    DefectKind("reason_against_change", "A450", reason_against_change, _against_present),
]
