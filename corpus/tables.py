"""The ten public tables as plain data, derived from :class:`FinalAccounts`.

A table is a list of rows; a row is one or more *parts* (two-sided summary tables have a 收入
part and a 支出 part, the basic-expenditure table three side-by-side column groups); a part has
an optional 科目编码, a label, an optional 行次 and its cells. Defects mutate these cells;
renderers only format them, so what is rendered is exactly what the defects left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.catalog import (
    CN_NUMERALS,
    GOODS_SERVICES_LINES,
    OTHER_PUBLIC_LINES,
    PERSONNEL_LINES,
    summary_categories,
)
from corpus.model import VEHICLE_ROWS, Fen, FinalAccounts, ThreePublicItem


@dataclass
class Money:
    fen: Fen  # 0 = a zero cell (blank in born-digital PDFs, "0 00" in OCR)


@dataclass
class Count:
    n: int
    show_zero: bool = True


@dataclass
class Dash:
    """A "——" cell (not applicable)."""


@dataclass
class Blank:
    """A cell left empty by design."""


Cell = Money | Count | Dash | Blank


@dataclass
class Part:
    label: str
    code: str | None = None
    row_no: int | None = None
    cells: list[Cell] = field(default_factory=list)


@dataclass
class TRow:
    key: str  # stable id within the table: a code, or a label
    parts: list[Part]


@dataclass
class TableData:
    kind: str  # t01 … t10 (content, not the printed number)
    number: int  # printed 公开NN表
    title: str
    unit_line: str  # 金额单位：万元 / 单位：台、辆、套
    header: list[str]  # header lines as a PDF extraction shows them
    rows: list[TRow]
    note: list[str]  # 注 lines (the empty 08/09 tables say why they are empty)

    def row(self, key: str) -> TRow:
        return next(r for r in self.rows if r.key == key)


def _money(values: list[Fen]) -> list[Cell]:
    return [Money(v) for v in values]


def _hierarchy_rows(a: FinalAccounts, fiscal_only: bool, columns: int, kind: str) -> list[TRow]:
    """合计 + 类/款/项 rows. kind: "income" (02), "expenditure" (03, 05)."""

    def values(prefix: str) -> list[Fen]:
        rows = [lf for lf in a.rows(fiscal_only) if lf.code.startswith(prefix)]
        if kind == "income":
            fiscal = sum(lf.income for lf in rows if lf.fiscal)
            other = sum(lf.income for lf in rows if not lf.fiscal)
            cells = [fiscal + other, fiscal, 0, 0, 0, 0, other]
        else:
            basic = sum(lf.basic for lf in rows)
            project = sum(lf.project for lf in rows)
            cells = [basic + project, basic, project, 0, 0, 0]
        return cells[:columns]

    out = [TRow("合计", [Part("合计", cells=_money(values("")))])]
    codes = sorted({c for lf in a.rows(fiscal_only) for c in (lf.code[:3], lf.code[:5], lf.code)})
    for code in codes:
        out.append(TRow(code, [Part(a.names[code], code=code, cells=_money(values(code)))]))
    return out


def _summary_sides(a: FinalAccounts, fiscal: bool) -> list[TRow]:
    """Rows of 01 (fiscal=False) or 04 (fiscal=True): the 类 lines, then totals and balances."""
    cats = summary_categories(a.year)
    n = len(cats)

    def exp_cells(cat: str) -> list[Cell]:
        v = a.sum_prefix(cat, fiscal)
        return _money([v, v, 0, 0] if fiscal else [v])

    if fiscal:
        income = [("一、一般公共预算财政拨款", a.fiscal_income), ("二、政府性基金预算财政拨款", 0),
                  ("三、国有资本经营预算财政拨款", 0)]  # fmt: skip
    else:
        income = [("一、一般公共预算财政拨款收入", a.fiscal_income), ("二、政府性基金预算财政拨款收入", 0),
                  ("三、国有资本经营预算财政拨款收入", 0), ("四、上级补助收入", 0), ("五、事业收入", 0),
                  ("六、经营收入", 0), ("七、附属单位上缴收入", 0), ("八、其他收入", a.other_income)]  # fmt: skip
    rows: list[TRow] = []
    for i, (code, name) in enumerate(cats):
        left = (
            Part(income[i][0], row_no=i + 1, cells=_money([income[i][1]]))
            if i < len(income)
            else Part("", row_no=i + 1)
        )
        right_no = n + (7 if fiscal else 6) + i
        rows.append(
            TRow(code, [left, Part(f"{CN_NUMERALS[i]}、{name}", row_no=right_no, cells=exp_cells(code))])
        )
    exp_total = a.fiscal_expenditure if fiscal else a.expenditure
    inc_total = a.fiscal_income if fiscal else a.income
    first_right_tail = 2 * n + (7 if fiscal else 6)
    total = a.grand_total if not fiscal else a.fiscal_income + a.carry_in
    tail: list[tuple[str, Fen | None, str, list[Fen] | None]]
    if fiscal:
        tail = [
            ("本年收入合计", inc_total, "本年支出合计", [exp_total, exp_total, 0, 0]),
            (
                "年初财政拨款结转和结余",
                a.carry_in,
                "年末财政拨款结转和结余",
                [a.carry_out, a.carry_out, 0, 0],
            ),
            ("一、一般公共预算财政拨款", a.carry_in, "", None),
            ("二、政府性基金预算财政拨款", 0, "", None),
            ("三、国有资本经营预算财政拨款", 0, "", None),
            ("总计", total, "总计", [total, total, 0, 0]),
        ]
    else:
        tail = [
            ("本年收入合计", inc_total, "本年支出合计", [exp_total]),
            ("使用非财政拨款结余", 0, "结余分配", [0]),
            ("年初结转和结余", a.carry_in, "年末结转和结余", [a.carry_out]),
            ("", None, "", None),
            ("总计", total, "总计", [total]),
        ]
    for j, (llabel, lval, rlabel, rvals) in enumerate(tail):
        left = Part(llabel, row_no=n + 1 + j, cells=[] if lval is None else _money([lval]))
        right = Part(rlabel, row_no=first_right_tail + j, cells=[] if rvals is None else _money(rvals))
        rows.append(TRow(llabel or f"blank{j}", [left, right]))
    return rows


def _basic_table_rows(a: FinalAccounts) -> list[TRow]:
    cols = [PERSONNEL_LINES, GOODS_SERVICES_LINES, OTHER_PUBLIC_LINES]

    def part(entry: tuple[str, str] | None) -> Part:
        if entry is None:
            return Part("")
        code, name = entry
        v = a.econ_class(code) if len(code) == 3 else a.econ.get(code, 0)
        return Part(name, code=code, cells=[Money(v)])

    depth = max(len(c) for c in cols)
    rows = []
    for i in range(depth):
        parts = [part(c[i] if i < len(c) else None) for c in cols]
        rows.append(TRow(f"line{i}", parts))
    rows.append(
        TRow(
            "合计",
            [Part("人员经费合计", cells=[Money(a.personnel)]), Part("公用支出合计", cells=[Money(a.public)])],
        )
    )
    return rows


def _three_public_rows(a: FinalAccounts) -> list[TRow]:
    tp = a.three_public
    attrs = ["initial", "full_year", "actual"] if tp.show_full_year else ["initial", "actual"]
    dash_n = len(attrs) - 1

    def money_row(key: str, label: str, no: int, items: list[ThreePublicItem]) -> TRow:
        return TRow(
            key, [Part(label, row_no=no, cells=_money([sum(getattr(i, at) for i in items) for at in attrs]))]
        )

    def actual_only(key: str, label: str, no: int, value: Fen | None) -> TRow:
        tail: list[Cell] = [Blank()] if value is None else [Money(value)]
        return TRow(key, [Part(label, row_no=no, cells=[Dash()] * dash_n + tail)])

    def count(key: str, label: str, no: int, n: int) -> TRow:
        cells: list[Cell] = [Dash()] * dash_n
        return TRow(key, [Part(label, row_no=no, cells=[*cells, Count(n, show_zero=False)])])

    return [
        money_row("三公合计", "一、“三公”经费支出", 1, tp.items()),
        money_row("因公出国", "1.因公出国（境）费", 2, [tp.abroad]),
        money_row("公务用车", "2.公务用车购置及运行维护费", 3, [tp.car_purchase, tp.car_running]),
        money_row("公务用车购置", "（1）公务用车购置费", 4, [tp.car_purchase]),
        money_row("公务用车运行", "（2）公务用车运行维护费", 5, [tp.car_running]),
        money_row("公务接待", "3.公务接待费", 6, [tp.reception]),
        actual_only("国内接待", "（1）国内接待费", 7, tp.reception.actual),
        actual_only("外事接待", "其中：外事接待费", 8, None),
        actual_only("境外接待", "（2）国（境）外接待费", 9, None),
        TRow("相关统计数", [Part("二、相关统计数", row_no=10, cells=[Dash()] * (dash_n + 1))]),
        count("团组数", "1.因公出国（境）团组数（个）", 11, tp.abroad_groups),
        count("出国人次", "2.因公出国（境）人次数（人）", 12, tp.abroad_people),
        count("购置数", "3.公务用车购置数（辆）", 13, tp.cars_bought),
        count("保有量", "4.公务用车保有量（辆）", 14, tp.cars_held),
        count("接待批次", "5.国内公务接待批次（个）", 15, tp.reception_batches),
        count("外事批次", "其中：外事接待批次（个）", 16, 0),
        count("接待人次", "6.国内公务接待人次（人）", 17, tp.reception_people),
        count("外事人次", "其中：外事接待人次（人）", 18, 0),
        count("境外批次", "7.国（境）外公务接待批次（个）", 19, 0),
        count("境外人次", "8.国（境）外公务接待人次（人）", 20, 0),
    ]


def _assets_rows(a: FinalAccounts) -> list[TRow]:
    rows = [
        TRow(
            "车辆数合计", [Part("一、车辆数合计（台、辆）", row_no=1, cells=[Count(a.assets.vehicle_total)])]
        )
    ]
    for i, name in enumerate(VEHICLE_ROWS):
        rows.append(
            TRow(name, [Part(f"{i + 1}.{name}", row_no=i + 2, cells=[Count(a.assets.vehicles[name])])])
        )
    for j, (label, n) in enumerate(a.assets.equipment):
        rows.append(TRow(label, [Part(f"{CN_NUMERALS[j + 1]}、{label}", row_no=10 + j, cells=[Count(n)])]))
    return rows


UNIT = "金额单位：万元"

# Column headers as a PDF text extraction returns them (cells of merged headers interleaved).
HEADERS: dict[str, list[str]] = {
    "t01": ["收入 支出", "项 目 行次 决算数 项目（按功能分类） 行次 决算数", "栏 次 1 栏 次 2"],
    "t02": ["项 目", "本年收入合计 财政拨款收入 上级补助收入 事业收入 经营收入 附属单位上缴收入 其他收入支出功能",
            "分类科目", "科目名称", "类 款 项", "栏次 1 2 3 4 5 6 7"],
    "t03": ["项 目", "本年支出合计 基本支出 项目支出 上缴上级支出 经营支出", "对附属单位补", "助支出", "支出功能分类",
            "科目编码", "科目名称", "类 款 项", "栏次 1 2 3 4 5 6"],
    "t04": ["收 入 支 出", "项 目", "行", "次", "决算数 项目（按功能分类）", "行", "次", "小计", "一般公共预算财",
            "政拨款", "政府性基金预算", "财政拨款", "国有资本经营预", "算财政拨款", "栏 次 1 栏 次 2 3 4 5"],
    "t05": ["项 目", "本年支出合计 基本支出 项目支出支出功能分类", "科目编码", "科目名称", "类 款 项", "栏次 1 2 3"],
    "t06": ["人员经费 公用经费", "经济分", "类科目", "科目名称 金额 经济分类", "科目编码", "科目名称 金额 经济分类",
            "科目编码", "科目名称 金额"],
    "t08": ["项 目", "年初结转和结余 本年收入", "本年支出", "年末结转和结余支出功能分", "类科目编码",
            "科目名称 小计 基本支出 项目支出", "类 款 项", "栏次 1 2 3 4 5 6"],
    "t09": ["项 目", "合计 基本支出 项目支出支出功能分类", "科目编码", "科目名称", "类 款 项", "栏次 1 2 3"],
    "t10": ["项 目 栏次 决算数"],
}  # fmt: skip

NOTES: dict[str, list[str]] = {
    "t01": ["注：本套报表金额单位转换时可能存在尾数误差。"],
    "t02": ["注：本表反映部门（单位）本年度取得的各项收入情况。"],
    "t03": ["注：本表反映部门（单位）本年度各项支出情况。"],
    "t04": [("注：本表反映部门（单位）本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的"
             "总收支和年末结转结余情况。")],
    "t05": ["注：本表反映部门（单位）本年度一般公共预算财政拨款支出情况。"],
    "t06": ["注：本表反映部门（单位）本年度一般公共预算财政拨款基本支出明细情况。"],
    "t07": ["注：1.本表反映部门本年度财政拨款“三公”经费支出预决算情况。",
            "2.当此表数据为空时，即本部门（单位）无财政拨款“三公”经费支出。"],
    "t08": ["注：1.本表反映部门（单位）本年度政府性基金预算财政拨款收入、支出及结转和结余情况。",
            "2.当此表数据为零时，即本部门（单位）无政府性基金预算财政拨款收入、支出。"],
    "t09": ["注：1.本表反映部门（单位）本年度国有资本经营预算财政拨款支出情况。",
            "2.当此表数据为空时，即本部门（单位）无国有资本经营预算财政拨款支出。"],
    "t10": ["注：1.本表反映截止{year}年12月31日，部门（单位）占用的国有资产情况。",
            "2.当本表数据为空时，即本部门（单位）无相关资产。"],
}  # fmt: skip

TITLES = {
    "t01": "收入支出决算总表", "t02": "收入决算表", "t03": "支出决算表", "t04": "财政拨款收入支出决算总表",
    "t05": "一般公共预算财政拨款支出决算表", "t06": "一般公共预算财政拨款基本支出决算表",
    "t07": "财政拨款“三公”经费支出决算表", "t08": "政府性基金预算财政拨款收入支出决算表",
    "t09": "国有资本经营预算财政拨款支出决算表", "t10": "国有资产占用情况表",
}  # fmt: skip

# 三公 is table 07 in order "A" (the national template); some regions print it as 09 (order "B").
ORDERS = {
    "A": ["t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10"],
    "B": ["t01", "t02", "t03", "t04", "t05", "t06", "t08", "t09", "t07", "t10"],
}


def build_tables(a: FinalAccounts) -> list[TableData]:
    """All ten tables in printed order, numbered 公开01表 … 公开10表."""
    tp = a.three_public
    rows: dict[str, list[TRow]] = {
        "t01": _summary_sides(a, fiscal=False),
        "t02": _hierarchy_rows(a, False, 7, "income"),
        "t03": _hierarchy_rows(a, False, 6, "expenditure"),
        "t04": _summary_sides(a, fiscal=True),
        "t05": _hierarchy_rows(a, True, 3, "expenditure"),
        "t06": _basic_table_rows(a),
        "t07": _three_public_rows(a),
        "t08": [TRow("合计", [Part("合计")])],
        "t09": [TRow("合计", [Part("合计")])],
        "t10": _assets_rows(a),
    }
    headers = dict(HEADERS)
    headers["t07"] = (["项目 栏次 年初预算数 全年预算数 决算数", "行次 1 2 3"] if tp.show_full_year
                      else ["项目 栏次 年初预算数 决算数", "行次 1 2"])  # fmt: skip
    out = []
    for number, kind in enumerate(ORDERS[a.table_order], start=1):
        unit = "单位：台、辆、套" if kind == "t10" else UNIT
        notes = [n.format(year=a.year) for n in NOTES[kind]]
        out.append(TableData(kind, number, TITLES[kind], unit, headers[kind], rows[kind], notes))
    return out
