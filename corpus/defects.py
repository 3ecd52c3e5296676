"""Defect injection: each defect changes the clean draft in one place so that one kind of
inconsistency appears (each injector's docstring says exactly what it changes).

Injectors work on the draft (tables, narrative, score table) *before* rendering, so the rendered
defective document differs from its clean twin only where the defect is. Two defects cannot
avoid touching a second identity, because the changed figure is restated elsewhere:
narrative_total_mismatch (the changed 收入总计 no longer equals 年初结转和结余 + 本年收入合计
of the same sentence) and basic_vs_economic_mismatch (机关运行经费 restates 公用支出合计).
:func:`corpus.verify.violations` reports those as ``SUM`` and ``N301``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from corpus.model import FinalAccounts, Performance, fmt_plain, grade_for
from corpus.prose import Narrative, Piece, pct_text, score_text
from corpus.tables import Count, Money, TableData


@dataclass
class Draft:
    """Everything that is rendered; defects mutate it."""

    accounts: FinalAccounts
    tables: list[TableData]
    narrative: Narrative
    performance: Performance
    used: set[str] = field(default_factory=set)  # targets already taken by a defect

    def table(self, kind: str) -> TableData:
        return next(t for t in self.tables if t.kind == kind)

    def set_slot(self, key: str, text: str) -> Piece:
        piece = self.narrative.slot(key)
        piece.text = text
        piece.fixed = True
        return piece


@dataclass
class PendingDefect:
    """A defect as injected; ``hint`` is in plain form (the renderer maps its glyphs/spacing)."""

    code: str
    kind: str
    description: str
    hint: str


class DefectNotApplicable(Exception):
    """The draft has no place where this defect can be injected."""


Injector = Callable[[Draft, Random], PendingDefect]


@dataclass(frozen=True)
class DefectKind:
    """A defect kind defined outside this module (``corpus/defects_<family>.py``): its injector,
    the rule code it must raise, and ``present`` — the re-check on the structured draft that
    :func:`corpus.verify.violations` runs (True when the draft shows this kind of defect; a clean
    draft must give False). ``needs_tables``: skipped by the Word style, which has no tables.
    ``files``: also injected in the PDF/DOCX/XLSX files (False: the rule reads text lines only,
    or the files do not print the changed rows)."""

    name: str
    code: str
    inject: Injector
    present: Callable[[Draft], bool]
    needs_tables: bool = False
    files: bool = True


DEFECT_CODES: dict[str, str] = {
    "narrative_total_mismatch": "N301",
    "yoy_percent_wrong": "A401",
    "direction_word_wrong": "A402",
    "share_wrong": "A403",
    "completion_rate_wrong": "A404",
    "hierarchy_sum_wrong": "T101",
    "column_sum_wrong": "T102",
    "unit_wrong": "U501",
    "count_mismatch": "N302",
    "score_over_weight": "P601",
    "score_total_wrong": "P602",
    "grade_band_wrong": "P603",
    "basic_vs_economic_mismatch": "X203",
    "three_public_count_vehicle": "X205",
}

# The Word export has no tables: defects that need one are skipped for that style.
TABLE_DEFECTS = frozenset(
    {"narrative_total_mismatch", "count_mismatch", "basic_vs_economic_mismatch",
     "three_public_count_vehicle", "hierarchy_sum_wrong", "column_sum_wrong"}
)  # fmt: skip


def supported(style: str) -> list[str]:
    """Defect names a style supports."""
    return [d for d in DEFECT_CODES if style != "word" or d not in TABLE_DEFECTS]


def _take(draft: Draft, candidates: list[str], rng: Random) -> str:
    free = [c for c in candidates if c not in draft.used]
    if not free:
        raise DefectNotApplicable("no free target")
    choice = rng.choice(free)
    draft.used.add(choice)
    return choice


def _pct_value(piece: Piece) -> Decimal:
    return Decimal(piece.text.rstrip("%"))


def _off_by(rng: Random, value: Decimal, low: float = 1.5, high: float = 12.0) -> Decimal:
    delta = Decimal(rng.randint(int(low * 100), int(high * 100))) / 100
    return value + delta if value - delta <= 0 or rng.random() < 0.5 else value - delta


# --------------------------------------------------------------------------- narrative defects


def narrative_total_mismatch(d: Draft, rng: Random) -> PendingDefect:
    """收入总计 in section 一 is changed by 0.10–9.99 万元 (well beyond the ±0.01 two roundings
    allow); the table keeps the true total."""
    _take(d, ["income.total"], rng)
    true = d.accounts.grand_total
    delta = rng.choice([-1, 1]) * rng.randint(10, 999)
    stated = fmt_plain(true + delta)
    d.set_slot("income.total.amount", stated)
    return PendingDefect("N301", "narrative_total_mismatch",
                         f"说明中收入总计{stated}万元与收入支出决算总表总计{fmt_plain(true)}万元不一致", stated)  # fmt: skip


def _yoy_bounds(d: Draft, key: str) -> tuple[Decimal, Decimal]:
    """The range of change % the displayed (±0.005) current value and change allow."""
    slots = d.narrative.slots()
    cur = Decimal((slots.get(f"{key}.amount") or slots[f"{key}.actual"]).text)
    change = Decimal(slots[f"{key}.change"].text)
    prev = cur - change if slots[f"{key}.dir"].text == "增加" else cur + change
    half, cent = Decimal("0.005"), Decimal("0.01")
    low = (change - half) / (prev + cent) * 100
    high = (change + half) / max(prev - cent, half) * 100
    return low, high


def yoy_percent_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One stated 增长/下降 percentage is moved by 1.5–12 points (direction word unchanged), on a
    figure large enough that rounding cannot explain the difference (the stated value lies ≥ 1
    point outside the range the displayed amounts allow)."""
    keys = sorted(k[: -len(".pct")] for k in d.narrative.slots() if k.endswith(".pct"))
    precise = [k for k in keys if _yoy_bounds(d, k)[1] - _yoy_bounds(d, k)[0] < 2]
    key = _take(d, precise or keys, rng)
    true = _pct_value(d.narrative.slot(f"{key}.pct"))
    low, high = _yoy_bounds(d, key)
    stated_value = _off_by(rng, true)
    if low - 1 <= stated_value <= high + 1:  # push it clear of the rounding range
        margin = Decimal("1.5")
        stated_value = low - margin if stated_value < true and low > 2 * margin else high + margin
    stated = pct_text(stated_value.quantize(Decimal("0.01")))
    d.set_slot(f"{key}.pct", stated)
    return PendingDefect("A401", "yoy_percent_wrong", f"变动率应为{pct_text(true)}，说明写为{stated}", stated)


def direction_word_wrong(d: Draft, rng: Random) -> PendingDefect:
    """增长 ↔ 下降 swapped in one “增加/减少X万元，增长/下降Y%” (the amount word stays right)."""
    keys = sorted(k[: -len(".rate_word")] for k in d.narrative.slots() if k.endswith(".rate_word"))
    key = _take(d, keys, rng)
    word = d.narrative.slot(f"{key}.rate_word").text
    wrong = "下降" if word == "增长" else "增长"
    d.set_slot(f"{key}.rate_word", wrong)
    amount_word = d.narrative.slot(f"{key}.dir").text
    pct = d.set_slot(f"{key}.pct", d.narrative.slot(f"{key}.pct").text).text  # hint printed as is
    return PendingDefect(
        "A402", "direction_word_wrong", f"说明写“{amount_word}…{wrong}{pct}”，变动方向词自相矛盾", pct
    )


def share_wrong(d: Draft, rng: Random) -> PendingDefect:
    """Two shares of one composition are moved by ±Δ (Δ 1.5–5 points), so they still add to 100%."""
    options = [("expenditure.part.basic", "expenditure.part.project")]
    if Decimal(d.narrative.slot("income.part.other.share").text.rstrip("%")) >= 6:
        options.append(("income.part.fiscal", "income.part.other"))
    rng.shuffle(options)
    options.sort(key=lambda o: -min(_pct_value(d.narrative.slot(f"{k}.share")) for k in o))
    first, second = options[0]
    _take(d, [first], rng)
    a, b = (_pct_value(d.narrative.slot(f"{k}.share")) for k in (first, second))
    delta = min(Decimal(rng.randint(150, 500)) / 100, min(a, b) - Decimal("0.5"))
    sign = 1 if b > a else -1  # move towards the middle so no share goes negative
    stated = pct_text(a + sign * delta)
    if delta > 1:
        d.set_slot(f"{second}.share", pct_text(b - sign * delta))
    else:  # a tiny share: overstate the larger one alone (the shares then miss 100% too)
        stated = pct_text(max(a, b) + Decimal(rng.randint(150, 500)) / 100)
        first = first if a >= b else second
    d.set_slot(f"{first}.share", stated)
    return PendingDefect("A403", "share_wrong", f"构成占比应为{pct_text(a)}，说明写为{stated}", stated)


def completion_rate_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One 完成年初预算的 R% in section 三 is wrong (“100%” when the truth is far from it)."""
    keys = sorted(
        k[: -len(".rate")] for k in d.narrative.slots() if k.startswith("fiscal.") and k.endswith(".rate")
    )
    key = _take(d, keys, rng)
    true = _pct_value(d.narrative.slot(f"{key}.rate"))
    stated = "100%" if abs(true - 100) > 3 else pct_text(_off_by(rng, true, 3, 20))
    d.set_slot(f"{key}.rate", stated)
    return PendingDefect(
        "A404", "completion_rate_wrong", f"完成年初预算的比例应为{pct_text(true)}，说明写为{stated}", stated
    )


def unit_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One amount's unit 万元 is written 元 (e.g. “年末结转和结余139.61元”)."""
    keys = ["basic.302", "admin_cost"] + (["expenditure.carry_out"] if d.accounts.carry_out else [])
    key = _take(d, keys, rng)
    d.set_slot(f"{key}.unit", "元")
    amount = d.set_slot(f"{key}.amount", d.narrative.slot(f"{key}.amount").text).text
    return PendingDefect("U501", "unit_wrong", f"金额{amount}的单位写为“元”，应为“万元”", f"{amount}元")


def count_mismatch(d: Draft, rng: Random) -> PendingDefect:
    """The narrated 国内公务接待 批次 or 人次 differs from the 三公 table by 1–8."""
    key = _take(d, ["3p.reception.batches", "3p.reception.people"], rng)
    true = int(d.narrative.slot(key).text)
    stated = str(true + rng.randint(1, 8))
    d.set_slot(key, stated)
    unit = "批" if key.endswith("batches") else "人次"
    return PendingDefect("N302", "count_mismatch",
                         f"说明中国内公务接待{stated}{unit}与“三公”经费表{true}{unit}不一致", f"{stated}{unit}")  # fmt: skip


# --------------------------------------------------------------------------- score-table defects


def _score_lines(d: Draft) -> list[str]:
    return [ln.name for ln in d.performance.lines]


def score_over_weight(d: Draft, rng: Random) -> PendingDefect:
    """One indicator gets 得分 = 分值 + k; another loses k, so the 总分 row still equals Σ 得分."""
    pf = d.performance
    full = [ln.name for ln in pf.lines if ln.score == ln.weight and ln.name not in d.used]
    over = _take(d, full or _score_lines(d), rng)
    line = next(ln for ln in pf.lines if ln.name == over)
    raise_by = line.weight + Decimal(rng.choice((1, 2))) - line.score
    donors = [ln.name for ln in pf.lines if ln.name != over and ln.score > raise_by]
    donor = _take(d, donors, rng)
    line.score += raise_by
    next(ln for ln in pf.lines if ln.name == donor).score -= raise_by
    return PendingDefect("P601", "score_over_weight",
                         f"指标“{over}”得分{score_text(line.score)}超过分值{score_text(line.weight)}", over)  # fmt: skip


def score_total_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One indicator's 得分 is lowered by 1–3 while the stated 总分 stays: 总分 ≠ Σ 得分."""
    pf = d.performance
    name = _take(d, [ln.name for ln in pf.lines if ln.score >= 4], rng)
    line = next(ln for ln in pf.lines if ln.name == name)
    line.score -= Decimal(rng.randint(1, 3))
    d.used.add("perf.total")
    stated = score_text(pf.stated_total)
    return PendingDefect("P602", "score_total_wrong",
                         f"评分表总分{stated}与各项得分之和{score_text(pf.score_sum)}不一致", stated)  # fmt: skip


def grade_band_wrong(d: Draft, rng: Random) -> PendingDefect:
    """The narrated grade word does not match the score band (e.g. 85分 said to be 优)."""
    _take(d, ["perf.grade"], rng)
    true = grade_for(d.performance.stated_total)
    wrong = "良" if true == "优" else "优"
    d.set_slot("perf.grade", f"评价为{wrong}")
    score = score_text(d.performance.stated_total)
    return PendingDefect("P603", "grade_band_wrong", f"评价得分{score}分应评为“{true}”，说明写为“{wrong}”",
                         f"评价为{wrong}")  # fmt: skip


# --------------------------------------------------------------------------- table defects


def _main_item(d: Draft) -> str:
    return next(lf.code[:5] for lf in d.accounts.leaves if lf.name == "行政运行")


def hierarchy_sum_wrong(d: Draft, rng: Random) -> PendingDefect:
    """支出决算表: the main 款 row's 合计 and 基本支出 cells rise by the same Δ, so the row itself
    still adds up but 类 ≠ Σ 款 and 款 ≠ Σ 项. (Rising only: 03 stays ≥ 05 code by code.)"""
    code = _main_item(d)
    _take(d, [f"t03:{code}"], rng)
    total, basic = d.table("t03").row(code).parts[0].cells[:2]
    assert isinstance(total, Money) and isinstance(basic, Money)
    delta = rng.randint(50, 5000)
    total.fen += delta
    basic.fen += delta
    return PendingDefect("T101", "hierarchy_sum_wrong",
                         f"支出决算表{code}款的金额与其所属类、项的合计不衔接（差额{fmt_plain(delta)}万元）", code)  # fmt: skip


def column_sum_wrong(d: Draft, rng: Random) -> PendingDefect:
    """收入决算表: the 财政拨款收入 cells of the main 款's 行政运行 and 一般行政管理事务 rows move by
    +Δ/−Δ: column sums (款, 类, 合计) are unchanged, but in both rows 本年收入合计 ≠ Σ 收入来源.
    (Table 02 because no other table or sentence restates its 项 rows; a ± shift in 03 or 05
    would break “05 ≤ 03 code by code”.)"""
    main = _main_item(d)
    _take(d, [f"t02:{main}01"], rng)
    d.used.add(f"t02:{main}02")
    t02 = d.table("t02")
    up, down = t02.row(main + "01").parts[0].cells[1], t02.row(main + "02").parts[0].cells[1]
    assert isinstance(up, Money) and isinstance(down, Money)
    if down.fen <= 51:
        raise DefectNotApplicable("income row too small")
    delta = rng.randint(50, min(3000, down.fen - 1))
    up.fen += delta
    down.fen -= delta
    return PendingDefect("T102", "column_sum_wrong",
                         f"收入决算表{main}01、{main}02行本年收入合计不等于各项收入之和（差额{fmt_plain(delta)}万元）",
                         f"{main}01")  # fmt: skip


def basic_vs_economic_mismatch(d: Draft, rng: Random) -> PendingDefect:
    """基本支出决算表: 39999 其他支出, its 399 类 line and 公用支出合计 rise by the same Δ, so table
    06 adds up internally but 人员经费合计 + 公用支出合计 ≠ 05 基本支出. (301–303/302/310 are
    restated in the narrative, so changing them would add a narrative mismatch.)"""
    _take(d, ["t06:399"], rng)
    delta = rng.randint(100, 3000)
    t06 = d.table("t06")
    for row in t06.rows:
        for part in row.parts:
            if part.code in ("399", "39999") or part.label == "公用支出合计":
                cell = part.cells[0]
                assert isinstance(cell, Money)
                cell.fen += delta
    basic = fmt_plain(d.accounts.fiscal_basic)
    return PendingDefect("X203", "basic_vs_economic_mismatch",
                         f"基本支出决算表人员经费与公用经费合计{fmt_plain(d.accounts.fiscal_basic + delta)}万元"
                         f"与一般公共预算财政拨款支出决算表基本支出{basic}万元不一致", "公用支出合计")  # fmt: skip


def three_public_count_vehicle(d: Draft, rng: Random) -> PendingDefect:
    """“三公”表 公务用车保有量 (and its narrative restatement) exceeds 国有资产 车辆数合计 by 1–2."""
    _take(d, ["3p.cars_held"], rng)
    cell = d.table("t07").row("保有量").parts[0].cells[-1]
    assert isinstance(cell, Count)
    vehicles = d.accounts.assets.vehicle_total
    cell.n = vehicles + rng.randint(1, 2)
    d.set_slot("3p.cars_held", str(cell.n))
    return PendingDefect("X205", "three_public_count_vehicle",
                         f"“三公”经费表公务用车保有量{cell.n}辆大于国有资产占用情况表车辆数合计{vehicles}辆", "保有量")  # fmt: skip


INJECTORS: dict[str, Injector] = {
    "narrative_total_mismatch": narrative_total_mismatch,
    "yoy_percent_wrong": yoy_percent_wrong,
    "direction_word_wrong": direction_word_wrong,
    "share_wrong": share_wrong,
    "completion_rate_wrong": completion_rate_wrong,
    "hierarchy_sum_wrong": hierarchy_sum_wrong,
    "column_sum_wrong": column_sum_wrong,
    "unit_wrong": unit_wrong,
    "count_mismatch": count_mismatch,
    "score_over_weight": score_over_weight,
    "score_total_wrong": score_total_wrong,
    "grade_band_wrong": grade_band_wrong,
    "basic_vs_economic_mismatch": basic_vs_economic_mismatch,
    "three_public_count_vehicle": three_public_count_vehicle,
}


# Families of defect kinds, each in its own module; merged into the tables above.
from corpus import defects_disclosure, defects_form, defects_narrative, defects_scores

FAMILY_KINDS: list[DefectKind] = [
    *defects_form.KINDS,
    *defects_narrative.KINDS,
    *defects_disclosure.KINDS,
    *defects_scores.KINDS,
]
for _kind in FAMILY_KINDS:
    if _kind.name in DEFECT_CODES:
        raise ValueError(f"defect kind {_kind.name} defined twice")
    DEFECT_CODES[_kind.name] = _kind.code
    INJECTORS[_kind.name] = _kind.inject
TABLE_DEFECTS = TABLE_DEFECTS | {k.name for k in FAMILY_KINDS if k.needs_tables}
# Kinds the PDF/DOCX/XLSX files do not take (DefectKind.files is False).
TEXT_ONLY_DEFECTS = frozenset(k.name for k in FAMILY_KINDS if not k.files)


def inject(name: str, draft: Draft, rng: Random) -> PendingDefect:
    """Apply one defect by name (raises KeyError for an unknown name)."""
    return INJECTORS[name](draft, rng)
