"""Draws one consistent :class:`FinalAccounts` from a seeded RNG.

Order of construction (each step only uses what came before, so every identity holds by
construction): table 06 economic lines → 基本支出 of the function rows (personnel-linked 项
equal their 06 lines, the rest goes to the main 款) → 项目支出 → carry-overs and income →
三公 (from 06 lines 30212/31013/30231/30217) → assets (车辆数 = 保有量) → budgets, previous-year
values, procurement, the 绩效 score table. Finally amounts are nudged by 0.01 until the two
narrated compositions (收入 and 支出 构成) have rounded shares adding to exactly 100.00%.
"""

from __future__ import annotations

from decimal import Decimal
from random import Random

from corpus.catalog import FUNCTION_NAMES, PERSONNEL_ITEM_CODES
from corpus.departments import CITIES, DEPARTMENTS, INDICATORS
from corpus.model import (
    VEHICLE_ROWS,
    Assets,
    Department,
    Fen,
    FinalAccounts,
    Leaf,
    Performance,
    Procurement,
    ScoreLine,
    ThreePublic,
    ThreePublicItem,
    grade_for,
    percent,
    shares_add_up,
)

INDICATOR_WEIGHTS = (10, 10, 10, 10, 10, 10, 8, 7, 5, 10)  # + 10 for 资金执行 = 100


def _wan(rng: Random, lo: float, hi: float) -> Fen:
    """A random amount between lo and hi 万元, in fen."""
    return rng.randint(int(lo * 100), int(hi * 100))


def _maybe(rng: Random, p: float, value: Fen) -> Fen:
    return value if rng.random() < p else 0


def _econ_lines(rng: Random, staff: int, cars: int) -> dict[str, Fen]:
    s = staff
    e: dict[str, Fen] = {}
    e["30101"] = _wan(rng, 3.0 * s, 5.5 * s)
    e["30102"] = _wan(rng, 2.5 * s, 5.0 * s)
    e["30103"] = _maybe(rng, 0.5, _wan(rng, 0.3 * s, 1.2 * s))
    e["30106"] = _maybe(rng, 0.2, _wan(rng, 0.1 * s, 0.4 * s))
    e["30107"] = _wan(rng, 3.0 * s, 9.0 * s)
    wages = e["30101"] + e["30102"] + e["30103"] + e["30107"]
    e["30108"] = int(wages * rng.uniform(0.14, 0.16))
    e["30109"] = _maybe(rng, 0.85, int(wages * rng.uniform(0.06, 0.08)))
    e["30110"] = int(wages * rng.uniform(0.06, 0.09))
    e["30111"] = _maybe(rng, 0.6, int(wages * rng.uniform(0.01, 0.02)))
    e["30112"] = _maybe(rng, 0.5, int(wages * rng.uniform(0.002, 0.006)))
    e["30113"] = int(wages * rng.uniform(0.10, 0.12))
    e["30114"] = _maybe(rng, 0.1, _wan(rng, 0.5, 5))
    e["30199"] = _maybe(rng, 0.5, _wan(rng, 0.2 * s, 2.0 * s))
    e["30301"] = _maybe(rng, 0.1, _wan(rng, 5, 30))
    e["30302"] = _maybe(rng, 0.4, _wan(rng, 0.5, 15))
    e["30304"] = _maybe(rng, 0.25, _wan(rng, 2, 40))
    e["30305"] = _maybe(rng, 0.35, _wan(rng, 0.5, 8))
    e["30309"] = _maybe(rng, 0.15, _wan(rng, 0.5, 6))
    e["30399"] = _maybe(rng, 0.3, _wan(rng, 0.5, 30))
    e["30201"] = _wan(rng, 0.2 * s, 0.8 * s)
    e["30202"] = _maybe(rng, 0.5, _wan(rng, 0.3, 3))
    e["30205"] = _maybe(rng, 0.4, _wan(rng, 0.3, 4))
    e["30206"] = _maybe(rng, 0.5, _wan(rng, 1, 12))
    e["30207"] = _maybe(rng, 0.7, _wan(rng, 0.5, 6))
    e["30209"] = _maybe(rng, 0.6, _wan(rng, 2, 45))
    e["30211"] = _wan(rng, 0.1 * s, 0.5 * s)
    e["30212"] = _maybe(rng, 0.25, _wan(rng, 2, 15))
    e["30213"] = _maybe(rng, 0.6, _wan(rng, 0.5, 8))
    e["30215"] = _maybe(rng, 0.5, _wan(rng, 0.3, 4))
    e["30216"] = _maybe(rng, 0.6, _wan(rng, 0.3, 5))
    e["30217"] = _wan(rng, 0.3, 6)
    e["30226"] = _maybe(rng, 0.4, _wan(rng, 0.5, 10))
    e["30228"] = _maybe(rng, 0.8, int(wages * 0.02))
    e["30229"] = _maybe(rng, 0.5, _wan(rng, 0.5, 0.1 * s + 1))
    e["30231"] = sum(_wan(rng, 1.2, 4.5) for _ in range(cars))
    e["30239"] = _maybe(rng, 0.6, _wan(rng, 0.3 * s, 1.5 * s))
    e["30299"] = _maybe(rng, 0.6, _wan(rng, 0.5, 30))
    e["31002"] = _maybe(rng, 0.35, _wan(rng, 0.5, 12))
    e["31007"] = _maybe(rng, 0.15, _wan(rng, 1, 20))
    e["31013"] = _wan(rng, 12, 30) if cars and rng.random() < 0.12 else 0
    return {k: v for k, v in e.items() if v > 0}


def _leaves(rng: Random, tmpl_index: int, econ: dict[str, Fen]) -> list[Leaf]:
    tmpl = DEPARTMENTS[tmpl_index]
    leaves: list[Leaf] = []
    linked_total = 0
    for code, lines in PERSONNEL_ITEM_CODES.items():
        amount = sum(econ.get(c, 0) for c in lines)
        if amount:
            leaves.append(Leaf(code, FUNCTION_NAMES[code], basic=amount))
            linked_total += amount
    rest = sum(econ.values()) - linked_total
    main = tmpl.main_item
    run_basic = int(rest * rng.uniform(0.80, 0.93))
    scale = max(1.0, sum(econ.values()) / 100 / 300)  # bigger departments, bigger projects
    leaves.append(Leaf(main + "01", "行政运行", basic=run_basic, project=_wan(rng, 1, 25 * scale)))
    leaves.append(
        Leaf(main + "02", "一般行政管理事务", basic=rest - run_basic, project=_wan(rng, 10, 150 * scale))
    )
    for code in tmpl.extra_items:
        if rng.random() < 0.6:
            leaves.append(Leaf(code, FUNCTION_NAMES[code], project=_wan(rng, 5, 90 * scale)))
    if tmpl.side_item and rng.random() < 0.4:
        leaves.append(Leaf(tmpl.side_item, FUNCTION_NAMES[tmpl.side_item], project=_wan(rng, 3, 40)))
    if rng.random() < 0.35:  # spending paid by 其他收入: shown in 02/03 only
        leaves.append(Leaf("2299999", "其他支出", basic=_wan(rng, 0.3, 20), fiscal=False))
    leaves.sort(key=lambda lf: lf.code)
    return leaves


def _three_public_item(rng: Random, actual: Fen, prev_p: float = 0.9) -> ThreePublicItem:
    if actual == 0:
        prev = _maybe(rng, 0.3, _wan(rng, 0.5, 10))
        return ThreePublicItem(0, 0, 0, prev)
    initial = max(100, round(actual * rng.uniform(0.8, 1.3) / 100) * 100)
    full_year = actual if rng.random() < 0.5 else max(actual, initial)
    prev = _maybe(rng, prev_p, int(actual * rng.uniform(0.4, 1.6)) + 1)
    return ThreePublicItem(initial, full_year, actual, prev)


def _vehicles(rng: Random, cars: int) -> dict[str, int]:
    counts = dict.fromkeys(VEHICLE_ROWS, 0)
    for i in range(cars):
        if i == 0 and rng.random() < 0.7:
            counts["主要负责人用车"] += 1
        else:
            counts[rng.choice(VEHICLE_ROWS[2:])] += 1
    return counts


def _performance(rng: Random, project: str) -> Performance:
    budget = rng.randint(5, 300) * 100
    initial = budget if rng.random() < 0.7 else rng.randint(budget // 200, budget // 100) * 100
    executed = budget if rng.random() < 0.4 else int(budget * rng.uniform(0.85, 0.999))
    rate = percent(executed, budget)
    exec_score = Decimal(10) if rate >= 100 else Decimal(int(rate // 10))
    lines = [
        ScoreLine(l1, l2, name, target, actual, Decimal(w), Decimal(w))
        for (l1, l2, name, target, actual), w in zip(INDICATORS, INDICATOR_WEIGHTS, strict=True)
    ]
    band = rng.random()
    deduction = Decimal(rng.randint(0, 8) if band < 0.7 else rng.randint(11, 18) if band < 0.95 else 25)
    deduction -= Decimal(10) - exec_score
    steps = (Decimal("0.5"), Decimal(1), Decimal(1), Decimal(2))
    while deduction > 0:
        line = rng.choice(lines)
        step = min(rng.choice(steps), deduction, line.score - 1)
        if step > 0:
            line.score -= step
            deduction -= step
    perf = Performance(project, initial, budget, executed, Decimal(10), exec_score, lines, Decimal(0), "")
    perf.stated_total = perf.score_sum
    perf.stated_grade = grade_for(perf.stated_total)
    return perf


def _procurement(rng: Random) -> Procurement:
    goods = _maybe(rng, 0.75, _wan(rng, 0.3, 60))
    works = _maybe(rng, 0.15, _wan(rng, 5, 80))
    services = _maybe(rng, 0.5, _wan(rng, 1, 60))
    if goods + works + services == 0:
        goods = _wan(rng, 0.3, 10)

    def sme(x: Fen) -> Fen:
        return x if rng.random() < 0.5 else int(x * rng.uniform(0.5, 1.0))

    p = Procurement(goods, works, services, sme(goods), sme(works), sme(services), 0)
    p.small_micro = int(p.sme * rng.uniform(0.5, 1.0))
    return p


def build_accounts(rng: Random) -> FinalAccounts:
    """A random, internally consistent department-year."""
    tmpl_index = rng.randrange(len(DEPARTMENTS))
    tmpl = DEPARTMENTS[tmpl_index]
    city = rng.choice(CITIES)
    year = rng.randint(2019, 2024)
    staff = rng.randint(8, 90)
    cars = rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 6))
    retirees = rng.randint(0, staff // 3)
    dept = Department(
        name=city + tmpl.suffix,
        city=city,
        short=tmpl.short,
        duties=tmpl.duties,
        inner_units=rng.randint(2, 9),
        staff_quota=staff + rng.randint(-3, 5),
        staff_actual=staff,
        retirees=retirees,
        pensioners=rng.randint(0, staff),
    )
    econ = _econ_lines(rng, staff, cars)
    leaves = _leaves(rng, tmpl_index, econ)
    admin = next(lf for lf in leaves if lf.code == tmpl.main_item + "02")
    carry_in = _maybe(rng, 0.5, rng.randint(0, admin.project * 7 // 10))
    carry_out = _maybe(rng, 0.5, _wan(rng, 1, 0.5 * admin.project / 100 + 2))
    admin.income_adjust = carry_out - carry_in
    names = {c: FUNCTION_NAMES[c] for lf in leaves for c in (lf.code[:3], lf.code[:5])}
    names.update({lf.code: lf.name for lf in leaves})

    tp = ThreePublic(
        abroad=_three_public_item(rng, econ.get("30212", 0)),
        car_purchase=_three_public_item(rng, econ.get("31013", 0), prev_p=0.0),
        car_running=_three_public_item(rng, econ.get("30231", 0)),
        reception=_three_public_item(rng, econ["30217"], prev_p=1.0),
        abroad_groups=0,
        abroad_people=0,
        cars_bought=1 if econ.get("31013") else 0,
        cars_held=cars,
        reception_batches=rng.randint(3, 80),
        reception_people=0,
        show_full_year=rng.random() < 0.5,
    )
    if tp.abroad.actual:
        tp.abroad_groups = rng.randint(1, 3)
        tp.abroad_people = tp.abroad_groups * rng.randint(1, 4)
    tp.reception_people = tp.reception_batches * rng.randint(2, 6)
    equipment = (
        [("单价50万元（含）以上通用设备（台、套）", rng.choice((0, 0, 1, 2))),
         ("单价100万元（含）以上专用设备（台、套）", rng.choice((0, 0, 0, 1)))]
        if year <= 2021
        else [("单价100万元（含）以上设备（不含车辆）（台、套）", rng.choice((0, 0, 1, 2, 3)))]
    )  # fmt: skip
    accounts = FinalAccounts(
        dept=dept,
        year=year,
        leaves=leaves,
        names=names,
        econ=econ,
        carry_in=carry_in,
        carry_out=carry_out,
        budgets={},
        previous={},
        three_public=tp,
        assets=Assets(_vehicles(rng, cars), equipment),
        procurement=_procurement(rng),
        performance=_performance(rng, rng.choice(tmpl.projects)),
        table_order=rng.choice("AB"),
        compare_word="比上年" if rng.random() < 0.5 else f"较{year - 1}年",
        text_seed=rng.randrange(2**31),
    )
    _balance_shares(accounts, admin)
    _budgets_and_history(rng, accounts)
    return accounts


def _balance_shares(a: FinalAccounts, admin: Leaf) -> None:
    """Nudge the 一般行政管理事务 project by 0.01 until both narrated compositions add to 100.00%."""
    for _ in range(500):
        if shares_add_up([a.fiscal_income, a.other_income]) and shares_add_up([a.basic, a.project]):
            return
        admin.project += 1
    raise RuntimeError("could not balance composition shares")


def _budgets_and_history(rng: Random, a: FinalAccounts) -> None:
    for cat in a.categories(fiscal_only=True):
        actual = a.sum_prefix(cat, True)
        roll = rng.random()
        if roll < 0.3:
            a.budgets[cat] = actual
        elif roll < 0.36 and cat not in ("208", "210", "221"):
            a.budgets[cat] = 0  # 年初未安排预算, 年中追加
        else:
            a.budgets[cat] = max(1, int(actual * rng.uniform(0.7, 1.1)))
    prev = a.previous
    prev["income"] = int(a.income * rng.uniform(0.75, 1.25))
    prev["carry_in"] = _maybe(rng, 0.7, _wan(rng, 1, 0.3 * a.income / 100 + 2))
    prev["expenditure"] = int(a.expenditure * rng.uniform(0.75, 1.25))
    prev["carry_out"] = a.carry_in  # last year's closing balance is this year's opening
    # last year balanced too: 收入总计 = 支出总计 (the draw above is kept, so the stream of
    # random numbers, and so every other value, is unchanged)
    prev["expenditure"] = prev["carry_in"] + prev["income"] - prev["carry_out"]
    if prev["expenditure"] <= 0:
        prev["income"] += 1 - prev["expenditure"]
        prev["expenditure"] = 1
    for cls in ("301", "302", "303"):
        prev[cls] = int(a.econ_class(cls) * rng.uniform(0.7, 1.3)) + rng.randint(1, 3000)
    prev["310"] = _maybe(rng, 0.5, _wan(rng, 0.5, 30))
    prev["admin_cost"] = int(a.public * rng.uniform(0.7, 1.3)) + 1
