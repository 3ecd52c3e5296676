"""The generator's internal model of one department's final accounts (the clean truth).

Every amount is an ``int`` in 分 of 万元 (0.01 万元), so every total is the exact sum of its
displayed parts and no rounding difference can arise. Percentages are computed with
``Decimal`` from those displayed figures, ROUND_HALF_UP to 2 places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from corpus.catalog import PERSONNEL_CLASSES, PUBLIC_CLASSES

Fen = int  # an amount in 0.01 万元

CENT = Decimal("0.01")


def to_wan(fen: Fen) -> Decimal:
    """The displayed 万元 value of an amount."""
    return (Decimal(fen) / 100).quantize(CENT)


def fmt_plain(fen: Fen) -> str:
    """2695.61 — narrative form (no thousands separator)."""
    return f"{to_wan(fen):.2f}"


def fmt_grouped(fen: Fen) -> str:
    """2,695.61 — born-digital PDF table form."""
    return f"{to_wan(fen):,.2f}"


def percent(part: int, whole: int) -> Decimal:
    """part / whole × 100, ROUND_HALF_UP to 0.01 (whole must be > 0)."""
    if whole <= 0:
        raise ValueError("percentage of a non-positive whole")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def shares_add_up(parts: list[int]) -> bool:
    """True when the rounded shares of ``parts`` add to exactly 100.00%."""
    total = sum(parts)
    return total > 0 and sum(percent(p, total) for p in parts) == Decimal("100.00")


@dataclass
class Leaf:
    """A 项 (7-digit function code) row. ``fiscal`` rows are paid by 一般公共预算财政拨款 and
    appear in tables 04/05; non-fiscal rows (paid by 其他收入) appear only in 02/03."""

    code: str
    name: str
    basic: Fen = 0
    project: Fen = 0
    fiscal: bool = True
    income_adjust: Fen = 0  # 本年收入 − 本年支出 on this row (carry-over movements)

    @property
    def total(self) -> Fen:
        return self.basic + self.project

    @property
    def income(self) -> Fen:
        return self.total + self.income_adjust


@dataclass
class ThreePublicItem:
    """One 三公 line: 年初预算数, 全年预算数, 决算数 and the previous year's 决算数."""

    initial: Fen
    full_year: Fen
    actual: Fen
    previous: Fen


@dataclass
class ThreePublic:
    abroad: ThreePublicItem  # 因公出国（境）费 = 06 line 30212
    car_purchase: ThreePublicItem  # 公务用车购置费 = 06 line 31013
    car_running: ThreePublicItem  # 公务用车运行维护费 = 06 line 30231
    reception: ThreePublicItem  # 公务接待费 = 06 line 30217
    abroad_groups: int
    abroad_people: int
    cars_bought: int
    cars_held: int  # 公务用车保有量 = 国有资产 车辆数合计
    reception_batches: int
    reception_people: int
    show_full_year: bool  # three-column table (年初/全年/决算) and narrative on 全年预算数

    def items(self) -> list[ThreePublicItem]:
        return [self.abroad, self.car_purchase, self.car_running, self.reception]

    def total(self, attr: str) -> Fen:
        return sum(getattr(i, attr) for i in self.items())


VEHICLE_ROWS = (
    "副部（省）级及以上领导用车",
    "主要负责人用车",
    "机要通信用车",
    "应急保障用车",
    "执法执勤用车",
    "特种专业技术用车",
    "离退休干部服务用车",
    "其他用车",
)


@dataclass
class Assets:
    vehicles: dict[str, int]  # by VEHICLE_ROWS
    equipment: list[tuple[str, int]]  # (row label, count)

    @property
    def vehicle_total(self) -> int:
        return sum(self.vehicles.values())


@dataclass
class Procurement:
    goods: Fen
    works: Fen
    services: Fen
    sme_goods: Fen
    sme_works: Fen
    sme_services: Fen
    small_micro: Fen

    @property
    def total(self) -> Fen:
        return self.goods + self.works + self.services

    @property
    def sme(self) -> Fen:
        return self.sme_goods + self.sme_works + self.sme_services


@dataclass
class ScoreLine:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal


# the 部门整体支出绩效 评分表's framework: (一级指标, 二级指标, 三级指标, 分值)
WHOLE_INDICATORS: tuple[tuple[str, str, str, int], ...] = (
    ("决策", "项目立项", "立项依据充分性", 5),
    ("决策", "项目立项", "立项程序规范性", 5),
    ("决策", "绩效目标", "绩效目标合理性", 5),
    ("决策", "绩效目标", "绩效指标明确性", 5),
    ("过程", "资金管理", "资金到位率", 4),
    ("过程", "资金管理", "预算执行率", 4),
    ("过程", "资金管理", "资金使用合规性", 4),
    ("过程", "组织实施", "管理制度健全性", 4),
    ("过程", "组织实施", "制度执行有效性", 4),
    ("产出", "产出数量", "重点工作完成数量", 15),
    ("产出", "产出质量", "重点工作完成合格率", 15),
    ("效益", "社会效益", "政策知晓率", 20),
    ("效益", "满意度", "服务对象满意度", 10),
)


@dataclass
class WholeEvaluation:
    """The 部门整体支出绩效 评分表 (一级/二级/三级指标 with their 分值; printed by the text styles
    only, after the document): its 三级 lines and each 一级指标's 分值 as printed (clean: the sum
    of the 分值 of its lines, P609)."""

    lines: list[ScoreLine]
    level_weights: dict[str, Decimal]

    def below(self, level1: str) -> Decimal:
        return sum((ln.weight for ln in self.lines if ln.level1 == level1), Decimal(0))

    @property
    def total_weight(self) -> Decimal:
        return sum((ln.weight for ln in self.lines), Decimal(0))

    @property
    def score_sum(self) -> Decimal:
        return sum((ln.score for ln in self.lines), Decimal(0))


def whole_evaluation(seed: int) -> WholeEvaluation:
    """The clean 部门整体 评分表: 0–1 point off a few 三级 scores (from ``seed``)."""
    rng = Random(f"whole:{seed}")
    lines = [
        ScoreLine(l1, l2, name, "", "", Decimal(w), Decimal(w - rng.choice((0, 0, 0, 1))))
        for l1, l2, name, w in WHOLE_INDICATORS
    ]
    stated = {ln.level1: Decimal(0) for ln in lines}
    for ln in lines:
        stated[ln.level1] += ln.weight
    return WholeEvaluation(lines, stated)


@dataclass
class Performance:
    """A project self-evaluation (项目支出绩效自评表) with its 资金执行情况 row."""

    project: str
    budget_initial: Fen
    budget_full: Fen
    executed: Fen
    exec_weight: Decimal
    exec_score: Decimal
    lines: list[ScoreLine]
    stated_total: Decimal  # the 总分 row as printed
    stated_grade: str  # the narrative's grade word
    # False: the 年度资金总额 row shows its 分值 alone and the 执行率 sits on the 当年财政拨款 row
    # with 得分 “—” (P611; the text styles print it, the files keep the scored row)
    exec_scored: bool = True
    whole: WholeEvaluation | None = None  # the 部门整体 评分表 (set on the draft, text styles only)

    @property
    def execution_rate(self) -> Decimal:
        return percent(self.executed, self.budget_full)

    @property
    def total_weight(self) -> Decimal:
        return self.exec_weight + sum((ln.weight for ln in self.lines), Decimal(0))

    @property
    def score_sum(self) -> Decimal:
        return self.exec_score + sum((ln.score for ln in self.lines), Decimal(0))


def grade_for(score: Decimal) -> str:
    """The band: ≥90 优, 80–89 良, 60–79 中, <60 差."""
    if score >= 90:
        return "优"
    if score >= 80:
        return "良"
    if score >= 60:
        return "中"
    return "差"


@dataclass
class Department:
    name: str
    city: str
    short: str
    duties: tuple[str, ...]
    inner_units: int
    staff_quota: int
    staff_actual: int
    retirees: int
    pensioners: int  # 由养老保险基金发放养老金的离退休人员


@dataclass
class FinalAccounts:
    """One department-year, internally consistent by construction."""

    dept: Department
    year: int
    leaves: list[Leaf]
    names: dict[str, str]  # 类 / 款 / 项 code → name
    econ: dict[str, Fen]  # table 06 detail lines (5-digit codes) → amount
    carry_in: Fen  # 年初结转和结余 (all fiscal)
    carry_out: Fen  # 年末结转和结余 (all fiscal)
    budgets: dict[str, Fen]  # 类 code → 年初预算数 of 财政拨款 expenditure
    previous: dict[str, Fen]  # previous-year values for the YoY sentences
    three_public: ThreePublic
    assets: Assets
    procurement: Procurement
    performance: Performance
    table_order: str  # "A": 三公 is 07; "B": 三公 is 09 (as some regions print)
    compare_word: str  # 比上年 / 较2022年
    text_seed: int = 0  # drives the choice of explanatory phrases (主要原因)

    # --- function-classification aggregates --------------------------------------
    def rows(self, fiscal_only: bool) -> list[Leaf]:
        return [lf for lf in self.leaves if lf.fiscal or not fiscal_only]

    def categories(self, fiscal_only: bool) -> list[str]:
        return sorted({lf.code[:3] for lf in self.rows(fiscal_only)})

    def sum_prefix(self, prefix: str, fiscal_only: bool, attr: str = "total") -> Fen:
        return sum(getattr(lf, attr) for lf in self.rows(fiscal_only) if lf.code.startswith(prefix))

    # --- totals ------------------------------------------------------------------------
    @property
    def fiscal_expenditure(self) -> Fen:
        return self.sum_prefix("", True)

    @property
    def fiscal_basic(self) -> Fen:
        return self.sum_prefix("", True, "basic")

    @property
    def expenditure(self) -> Fen:  # 本年支出合计 (all funds)
        return self.sum_prefix("", False)

    @property
    def basic(self) -> Fen:
        return self.sum_prefix("", False, "basic")

    @property
    def project(self) -> Fen:
        return self.sum_prefix("", False, "project")

    @property
    def other_income(self) -> Fen:
        return sum(lf.income for lf in self.leaves if not lf.fiscal)

    @property
    def fiscal_income(self) -> Fen:
        return sum(lf.income for lf in self.leaves if lf.fiscal)

    @property
    def income(self) -> Fen:  # 本年收入合计
        return self.fiscal_income + self.other_income

    @property
    def grand_total(self) -> Fen:  # 收入总计 = 支出总计
        return self.income + self.carry_in

    # --- economic classification -------------------------------------------------------
    def econ_class(self, cls: str) -> Fen:
        return sum(v for k, v in self.econ.items() if k.startswith(cls))

    @property
    def personnel(self) -> Fen:  # 人员经费合计
        return sum(self.econ_class(c) for c in PERSONNEL_CLASSES)

    @property
    def public(self) -> Fen:  # 公用经费合计 (= 机关运行经费)
        return sum(self.econ_class(c) for c in PUBLIC_CLASSES)
