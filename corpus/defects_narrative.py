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
from corpus.prose import N, Para, T, pct_text


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


# --------------------------------------------------------------------------- A416


def staff_parts_wrong(d: Draft, rng: Random) -> PendingDefect:
    """概况's “年末实有人数N人，其中在职人员a人，离休人员0人，退休人员c人（不含…）”: 退休人员 (slot
    ``staff.retirees``) rises by 1–3, so 在职 + 离休 + 退休 ≠ 实有人数, and adding the 由养老保险基金发放
    养老金的离退休人员 listed after the semicolon does not reach it either (a rise never equal to
    that count is drawn)."""
    _take(d, ["staff.retirees"], rng)
    dept = d.accounts.dept
    rises = [k for k in (1, 2, 3) if k != dept.pensioners]
    wrong = dept.retirees + rng.choice(rises)
    d.set_slot("staff.retirees", str(wrong))
    total = dept.staff_actual + dept.retirees + dept.pensioners
    return PendingDefect("A416", "staff_parts_wrong",
                         f"年末实有人数{total}人，其中在职人员{dept.staff_actual}人、离休人员0人、退休人员{wrong}人，"
                         f"所列之和（另加养老保险基金发放养老金的离退休人员{dept.pensioners}人）与实有人数不符",
                         "退休人员")  # fmt: skip


def _staff_parts_present(d: Draft) -> bool:
    piece = d.narrative.slots().get("staff.retirees")
    dept = d.accounts.dept
    if piece is None:
        return False
    listed = dept.staff_actual + int(piece.text)  # 在职 + 离休 (0) + 退休
    total = dept.staff_actual + dept.retirees + dept.pensioners
    return listed != total and listed + dept.pensioners != total


# --------------------------------------------------------------------------- A417


def whole_evaluation_amount_wrong(d: Draft, rng: Random) -> PendingDefect:
    """九(一)'s “开展整体支出绩效评价，涉及一般公共预算支出X万元” (slot ``perf.whole.amount``, clean: the
    财政拨款支出决算数) states either the 收支总计 (more than 本年支出合计: an error; 本年支出合计 +
    1.00–50.00 万元 when there is no 年末结转和结余 of at least 0.10) or 项目支出 alone (none of 本年支出合计,
    财政拨款支出决算数 or 年初预算数: a warning); both are A417."""
    _take(d, ["perf.whole.amount"], rng)
    a, slots = d.accounts, d.narrative.slots()
    known = {
        _fen(slots[k].text)
        for k in ("expenditure.current.amount", "fiscal.total.actual", "fiscal.total.budget")
    }
    part = a.project
    if rng.random() < 0.5 and part > 0 and all(abs(part - v) >= 10 for v in known):
        stated, what = part, "项目支出之和，与本年支出合计、财政拨款支出决算数和年初预算数都不相符"
    else:
        stated = a.grand_total if a.carry_out >= 10 else a.expenditure + rng.randint(100, 5000)
        what = f"大于本年支出合计{fmt_plain(a.expenditure)}万元"
    text = d.set_slot("perf.whole.amount", fmt_plain(stated)).text
    return PendingDefect("A417", "whole_evaluation_amount_wrong",
                         f"部门整体支出绩效评价涉及一般公共预算支出{text}万元，{what}", f"{text}万元")  # fmt: skip


def _whole_evaluation_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    if "perf.whole.amount" not in slots:
        return False
    stated = _fen(slots["perf.whole.amount"].text)
    total = _fen(slots["expenditure.current.amount"].text)
    known = {total, _fen(slots["fiscal.total.actual"].text), _fen(slots["fiscal.total.budget"].text)}
    return stated > total or stated not in known


# --------------------------------------------------------------------------- A413 (other quantities)

_GENERAL_CARS = re.compile(r"一般公务用车(\d+)辆")


def general_cars_over_held(d: Draft, rng: Random) -> PendingDefect:
    """After 八、国有资产占用情况说明's paragraph a new one, “年末一般公务用车N辆。”, with N = the 三公
    section's 公务用车保有量 (slot ``3p.cars_held``) + 1–2: a part of the cars held larger than all
    of them."""
    _take(d, ["assets.general_cars"], rng)
    held = int(d.narrative.slot("3p.cars_held").text)
    n = held + rng.randint(1, 2)
    paras = d.narrative.paras
    at = next(i for i, p in enumerate(paras) if any(pc.slot == "assets.vehicles" for pc in p.pieces)) + 1
    paras.insert(at, Para("body", [T("年末一般公务用车"), N(str(n), "assets.general_cars"), T("辆。")]))
    return PendingDefect("A413", "general_cars_over_held",
                         f"国有资产部分写年末一般公务用车{n}辆，多于“三公”经费部分的公务用车保有量{held}辆",
                         "年末一般公务用车")  # fmt: skip


def _general_cars_present(d: Draft) -> bool:
    held = int(d.narrative.slot("3p.cars_held").text)
    return any(int(m.group(1)) > held for p in d.narrative.paras for m in _GENERAL_CARS.finditer(p.text))


def quota_part_restated(d: Draft, rng: Random) -> PendingDefect:
    """The 绩效 section's restatement of 编制数's 行政编制 (slot ``perf.quota.admin``) differs by 1–3
    from the 概况's (``staff.quota.admin``); 编制数 itself is unchanged."""
    _take(d, ["perf.quota.admin"], rng)
    right = int(d.narrative.slot("staff.quota.admin").text)
    wrong = right + rng.choice([-1, 1]) * rng.randint(1, 3)
    if wrong <= 0:
        wrong = right + rng.randint(1, 3)
    d.set_slot("perf.quota.admin", str(wrong))
    return PendingDefect("A413", "quota_part_restated",
                         f"部门概况行政编制{right}人，绩效部分写作{wrong}人", "行政编制")  # fmt: skip


def _quota_part_present(d: Draft) -> bool:
    slots = d.narrative.slots()
    return any(
        f"perf.quota.{k}" in slots and slots[f"perf.quota.{k}"].text != slots[f"staff.quota.{k}"].text
        for k in ("admin", "public")
    )


# --------------------------------------------------------------------------- N307

# (area, words) as N306/N307 read a 项's 用途 (services/validate/rules/narrative_items.py)
_AREAS = (("住房", ("住房", "公积金", "购房", "提租")), ("医疗", ("医疗", "医保")),
          ("养老", ("养老", "离退休", "退休", "年金")))  # fmt: skip


def _area(text: str) -> str | None:
    return next((area for area, words in _AREAS if any(w in text for w in words)), None)


def _items(d: Draft) -> list[tuple[str, str, str, str]]:
    """(code, 款 name, 项 name, 用途) of the 五(三)-style item list, in order."""
    a, slots = d.accounts, d.narrative.slots()
    return [
        (lf.code, a.names[lf.code[:5]], lf.name, slots[f"items.{lf.code}.usage"].text)
        for lf in a.leaves
        if f"items.{lf.code}.usage" in slots
    ]


def _own_area(kuan: str, xiang: str) -> str | None:
    return _area(xiang) or _area(kuan)


def usage_copied(d: Draft, rng: Random) -> PendingDefect:
    """The item list's 用途 of 一般行政管理事务 (it names no 住房/医疗/养老, so N306 stays silent)
    replaces the 用途 (slot ``items.<code>.usage``) of a 项 of another 款 and another area: two
    different 科目 with one description."""
    items = _items(d)
    source = next((it for it in items if it[2] == "一般行政管理事务"), None)
    if source is None or _area(source[3]) is not None:
        raise DefectNotApplicable("no domain-free 一般行政管理事务 用途")
    own = _own_area(source[1], source[2])
    targets = [
        it for it in items
        if it[1] != source[1] and it[2] != source[2] and (own is None or _own_area(it[1], it[2]) != own)
    ]  # fmt: skip
    if not targets:
        raise DefectNotApplicable("no 项 of another 款 and area")
    key = _take(d, sorted(f"items.{it[0]}.usage" for it in targets), rng)
    code = key.split(".")[1]
    target = next(it for it in targets if it[0] == code)
    d.set_slot(key, source[3])
    amount = d.narrative.slot(f"items.{code}.amount").text
    return PendingDefect("N307", "usage_copied",
                         f"“{target[2]}（项）”的用途照抄“{source[2]}（项）”：“{source[3]}”", f"{amount}万元")  # fmt: skip


def _copied_present(d: Draft) -> bool:
    items = _items(d)
    for j, (_, kuan_b, xiang_b, b) in enumerate(items):
        for _, kuan_a, xiang_a, a in items[:j]:
            area_a, area_b = _own_area(kuan_a, xiang_a), _own_area(kuan_b, xiang_b)
            if a == b and xiang_a != xiang_b and kuan_a != kuan_b and (area_a is None or area_a != area_b):
                return True
    return False


KINDS: list[DefectKind] = [
    DefectKind("staff_restated_differently", "A413", staff_restated_differently, _staff_present),
    DefectKind("carryover_discontinuity", "A414", carryover_discontinuity, _carryover_present),
    DefectKind("previous_year_unbalanced", "A415", previous_year_unbalanced, _unbalanced_present),
    DefectKind("reason_against_change", "A450", reason_against_change, _against_present),
    DefectKind("staff_parts_wrong", "A416", staff_parts_wrong, _staff_parts_present),
    DefectKind(
        "whole_evaluation_amount_wrong", "A417", whole_evaluation_amount_wrong, _whole_evaluation_present
    ),
    DefectKind("general_cars_over_held", "A413", general_cars_over_held, _general_cars_present),
    DefectKind("quota_part_restated", "A413", quota_part_restated, _quota_part_present),
    DefectKind("usage_copied", "N307", usage_copied, _copied_present),
]
