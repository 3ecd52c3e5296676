"""The standard public tables of a 部门决算: what each is called, which columns it has, which
identities hold inside it, and the labels its header cells and rows use.

Tables are recognised by title, never by number (公开03表 in one region is 公开05表 in another).
Columns are recognised by their header labels; the canonical column names below are what the
parsed tables and the rules use.
"""

from __future__ import annotations

import re
from enum import StrEnum


class TableKind(StrEnum):
    INCOME_EXPENDITURE_SUMMARY = "income_expenditure_summary"  # 收入支出决算总表
    INCOME = "income"  # 收入决算表
    EXPENDITURE = "expenditure"  # 支出决算表
    FISCAL_SUMMARY = "fiscal_summary"  # 财政拨款收入支出决算总表
    GENERAL_BUDGET_EXPENDITURE = "general_budget_expenditure"  # 一般公共预算财政拨款支出决算表
    GENERAL_BUDGET_BASIC = "general_budget_basic"  # 一般公共预算财政拨款基本支出决算表
    THREE_PUBLIC = "three_public"  # 财政拨款“三公”经费支出决算表
    GOV_FUND = "gov_fund"  # 政府性基金预算财政拨款收入支出决算表
    STATE_CAPITAL = "state_capital"  # 国有资本经营预算财政拨款（收入）支出决算表
    STATE_ASSETS = "state_assets"  # 国有资产占用情况表


TABLE_TITLES: dict[TableKind, str] = {
    TableKind.INCOME_EXPENDITURE_SUMMARY: "收入支出决算总表",
    TableKind.INCOME: "收入决算表",
    TableKind.EXPENDITURE: "支出决算表",
    TableKind.FISCAL_SUMMARY: "财政拨款收入支出决算总表",
    TableKind.GENERAL_BUDGET_EXPENDITURE: "一般公共预算财政拨款支出决算表",
    TableKind.GENERAL_BUDGET_BASIC: "一般公共预算财政拨款基本支出决算表",
    TableKind.THREE_PUBLIC: "财政拨款“三公”经费支出决算表",
    TableKind.GOV_FUND: "政府性基金预算财政拨款收入支出决算表",
    TableKind.STATE_CAPITAL: "国有资本经营预算财政拨款支出决算表",
    TableKind.STATE_ASSETS: "国有资产占用情况表",
}

# Tables whose rows are keyed by 功能分类科目编码 (类/款/项).
CODED_TABLES = (
    TableKind.INCOME,
    TableKind.EXPENDITURE,
    TableKind.GENERAL_BUDGET_EXPENDITURE,
    TableKind.GOV_FUND,
    TableKind.STATE_CAPITAL,
)
SUMMARY_TABLES = (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY)


def title_key(text: str) -> str:
    return re.sub(r"[\s“”\"'‘’「」]", "", text)


def match_title(norm: str) -> TableKind | None:
    """Which standard table a line (in matching form) is the title of, if any."""
    if "表" not in norm or "《" in norm or "见" in norm or "，" in norm or "。" in norm:
        return None
    key = title_key(norm)
    key = re.sub(r"公开\d{1,2}表?$", "", key)
    if not key.endswith("表") and not re.search(r"表.{0,3}$", key):
        return None
    if len(key) > 40 or "预算表" in key and "决算" not in key:
        return None
    if "三公" in key and "决算表" in key:
        return TableKind.THREE_PUBLIC
    if "国有资产占用" in key:
        return TableKind.STATE_ASSETS
    if "基本支出决算表" in key:
        return TableKind.GENERAL_BUDGET_BASIC
    if "政府性基金预算财政拨款" in key and "决算表" in key:
        return TableKind.GOV_FUND
    if "国有资本经营预算财政拨款" in key and "决算表" in key:
        return TableKind.STATE_CAPITAL
    if "一般公共预算财政拨款支出决算表" in key:
        return TableKind.GENERAL_BUDGET_EXPENDITURE
    if "财政拨款收入支出决算总表" in key:
        return TableKind.FISCAL_SUMMARY
    if "收入支出决算总表" in key:
        return TableKind.INCOME_EXPENDITURE_SUMMARY
    bare = re.sub(r"^[^\u4e00-\u9fff]*", "", key)
    bare = re.sub(r"^(表[一二三四五六七八九十\d]{1,3}|附表\d{0,2}|公开\d{1,2}表)", "", bare)
    if bare.startswith("收入决算表"):
        return TableKind.INCOME
    if bare.startswith("支出决算表"):
        return TableKind.EXPENDITURE
    return None


# ------------------------------------------------------------------ columns

# Canonical columns of each table, in the standard printed order (the text reader, which cannot
# see headers, relies on this order; the grid reader names columns from their header labels).
COLUMNS: dict[TableKind, list[str]] = {
    TableKind.INCOME: [
        "本年收入合计",
        "财政拨款收入",
        "上级补助收入",
        "事业收入",
        "经营收入",
        "附属单位上缴收入",
        "其他收入",
    ],
    TableKind.EXPENDITURE: [
        "本年支出合计",
        "基本支出",
        "项目支出",
        "上缴上级支出",
        "经营支出",
        "对附属单位补助支出",
    ],
    TableKind.GENERAL_BUDGET_EXPENDITURE: ["本年支出合计", "基本支出", "项目支出"],
    TableKind.GOV_FUND: [
        "年初结转和结余",
        "本年收入",
        "本年支出合计",
        "基本支出",
        "项目支出",
        "年末结转和结余",
    ],
    TableKind.STATE_CAPITAL: ["本年支出合计", "基本支出", "项目支出"],
}
FUNDS = ["一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
FISCAL_EXPENDITURE_COLUMNS = ["小计", *FUNDS]
SUMMARY_COLUMN = "决算数"
ECONOMIC_COLUMN = "金额"

# (total column, component columns): identities that hold within every row.
ROW_IDENTITIES: dict[TableKind, list[tuple[str, list[str]]]] = {
    TableKind.INCOME: [("本年收入合计", COLUMNS[TableKind.INCOME][1:])],
    TableKind.EXPENDITURE: [("本年支出合计", COLUMNS[TableKind.EXPENDITURE][1:])],
    TableKind.GENERAL_BUDGET_EXPENDITURE: [("本年支出合计", ["基本支出", "项目支出"])],
    TableKind.GOV_FUND: [("本年支出合计", ["基本支出", "项目支出"])],
    TableKind.STATE_CAPITAL: [("本年支出合计", ["基本支出", "项目支出"])],
    TableKind.FISCAL_SUMMARY: [("小计", FUNDS)],
}

# Header label → canonical column. Matched, in this order, against a column's header path (its
# header cells top to bottom, joined, without spaces); the first pattern that matches names it.
HEADER_COLUMNS: list[tuple[str, str]] = [
    ("年初结转和结余", r"年初.{0,6}结转"),
    ("年末结转和结余", r"年末.{0,6}结转"),
    ("本年收入合计", r"本年收入合计|收入合计"),
    ("财政拨款收入", r"财政拨款收入"),
    ("上级补助收入", r"上级补助"),
    ("事业收入", r"事业收入"),
    ("经营收入", r"经营收入"),
    ("附属单位上缴收入", r"附属单位.{0,2}缴"),
    ("其他收入", r"其他收入"),
    ("基本支出", r"基本支出"),
    ("项目支出", r"项目支出"),
    ("上缴上级支出", r"上缴上级"),
    ("经营支出", r"经营支出"),
    ("对附属单位补助支出", r"对附属单位补助"),
    ("本年支出合计", r"本年支出.{0,2}(合计|小计)|支出合计|本年支出$"),
    ("本年收入", r"本年收入"),
    ("一般公共预算财政拨款", r"一般公共预算"),
    ("政府性基金预算财政拨款", r"政府性基金"),
    ("国有资本经营预算财政拨款", r"国有资本经营"),
    ("全年预算数", r"全年(预算|安排)|调整预算"),
    ("年初预算数", r"年初(预算|安排)"),
    ("决算数", r"决算数|执行数|实际(支出|数)|数量$|统计数$"),
    ("预算数", r"预算数?$|预算安排$"),
    ("金额", r"金额$"),
]
HEADER_COLUMN_RES = [(name, re.compile(p)) for name, p in HEADER_COLUMNS]
# A bare 合计 / 小计 column: the table's own total column.
TOTAL_COLUMN: dict[TableKind, str] = {
    TableKind.INCOME: "本年收入合计",
    TableKind.EXPENDITURE: "本年支出合计",
    TableKind.GENERAL_BUDGET_EXPENDITURE: "本年支出合计",
    TableKind.GOV_FUND: "本年支出合计",
    TableKind.STATE_CAPITAL: "本年支出合计",
    TableKind.FISCAL_SUMMARY: "小计",
}


def header_column(path: str, kind: TableKind) -> str | None:
    """The canonical column a header path names (``path`` without spaces), or None."""
    for name, rx in HEADER_COLUMN_RES:
        if rx.search(path):
            return name
    if re.search(r"(合计|小计|总计)$", path):
        return TOTAL_COLUMN.get(kind)
    return None


# ------------------------------------------------------------------ summary tables

# Income sources of 收入支出决算总表, in 收入决算表 column order: (收入决算表 column, row labels).
INCOME_SOURCES: list[tuple[str, tuple[str, ...]]] = [
    ("本年收入合计", ("本年收入合计",)),
    ("财政拨款收入", ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")),
    ("上级补助收入", ("上级补助收入",)),
    ("事业收入", ("事业收入",)),
    ("经营收入", ("经营收入",)),
    ("附属单位上缴收入", ("附属单位上缴收入",)),
    ("其他收入", ("其他收入",)),
]

# ------------------------------------------------------------------ 三公 table


class ThreePublicItem(StrEnum):
    """Rows (or, in the Shanghai layout, column groups) of the 三公 table."""

    ABROAD_GROUPS = "abroad_groups"
    ABROAD_PERSONS = "abroad_persons"
    VEHICLES_PURCHASED = "vehicles_purchased"
    VEHICLES_HELD = "vehicles_held"
    FA_BATCHES = "fa_batches"
    FA_PERSONS = "fa_persons"
    ABROAD_RECEPTION_BATCHES = "abroad_reception_batches"
    ABROAD_RECEPTION_PERSONS = "abroad_reception_persons"
    RECEPTION_BATCHES = "reception_batches"
    RECEPTION_PERSONS = "reception_persons"
    STATS_HEADER = "stats_header"
    TOTAL = "total"
    ABROAD = "abroad"
    VEHICLE_PURCHASE = "vehicle_purchase"
    VEHICLE_OPERATION = "vehicle_operation"
    VEHICLE = "vehicle"
    RECEPTION_FA = "reception_fa"
    RECEPTION_ABROAD = "reception_abroad"
    RECEPTION_DOMESTIC = "reception_domestic"
    RECEPTION = "reception"


_T = ThreePublicItem
# (item, pattern on the label without spaces), most specific first
THREE_PUBLIC_LABELS: list[tuple[ThreePublicItem, str]] = [
    (_T.ABROAD_GROUPS, r"团组数"),
    (_T.ABROAD_PERSONS, r"出国.*人次数"),
    (_T.VEHICLES_PURCHASED, r"购置数"),
    (_T.VEHICLES_HELD, r"保有[量最]"),
    (_T.FA_BATCHES, r"外事接待批次"),
    (_T.FA_PERSONS, r"外事接待人次"),
    (_T.ABROAD_RECEPTION_BATCHES, r"[国境][）)]?外公务接待批次"),
    (_T.ABROAD_RECEPTION_PERSONS, r"[国境][）)]?外公务接待人次"),
    (_T.RECEPTION_BATCHES, r"公务接待批次"),
    (_T.RECEPTION_PERSONS, r"公务接待人次"),
    (_T.STATS_HEADER, r"相关统计数"),
    (_T.TOTAL, r"三公.?经费支出"),
    (_T.ABROAD, r"因公出国"),
    (_T.VEHICLE_PURCHASE, r"公务用车购置费"),
    (_T.VEHICLE_OPERATION, r"公务用车运行(维护)?费"),
    (_T.VEHICLE, r"公务用车购置及运行"),
    (_T.RECEPTION_FA, r"外事接待费"),
    (_T.RECEPTION_ABROAD, r"[国境][）)]?外接待费"),
    (_T.RECEPTION_DOMESTIC, r"国内接待费"),
    (_T.RECEPTION, r"公务接待费"),
]
THREE_PUBLIC_COUNTS = frozenset(list(ThreePublicItem)[:10])
# The amount identities of the 三公 table: (total, parts, parts label, parts that may be absent)
THREE_PUBLIC_IDENTITIES: list[tuple[ThreePublicItem, list[ThreePublicItem], str, int]] = [
    (_T.TOTAL, [_T.ABROAD, _T.VEHICLE, _T.RECEPTION], "三项经费", 0),
    (_T.VEHICLE, [_T.VEHICLE_PURCHASE, _T.VEHICLE_OPERATION], "购置费与运行维护费", 0),
    (_T.RECEPTION, [_T.RECEPTION_DOMESTIC, _T.RECEPTION_ABROAD], "国内与国（境）外接待费", 1),
]
# 基本支出表 经济分类 lines that are part of a 三公 item
THREE_PUBLIC_ECONOMIC: list[tuple[str, ThreePublicItem]] = [
    ("30212", _T.ABROAD),
    ("30217", _T.RECEPTION),
    ("30231", _T.VEHICLE_OPERATION),
    ("31013", _T.VEHICLE_PURCHASE),
]

# ------------------------------------------------------------------ 国有资产占用情况表


class AssetItem(StrEnum):
    VEHICLES_TOTAL = "vehicles_total"
    VEHICLE_LEADER_MINISTERIAL = "vehicle_leader_ministerial"
    VEHICLE_PRINCIPAL = "vehicle_principal"
    VEHICLE_CONFIDENTIAL = "vehicle_confidential"
    VEHICLE_EMERGENCY = "vehicle_emergency"
    VEHICLE_LAW_ENFORCEMENT = "vehicle_law_enforcement"
    VEHICLE_SPECIAL = "vehicle_special"
    VEHICLE_RETIREE = "vehicle_retiree"
    VEHICLE_OTHER = "vehicle_other"
    EQUIPMENT_GENERAL_50 = "equipment_general_50"
    EQUIPMENT_100 = "equipment_100"


_A = AssetItem
ASSET_LABELS: list[tuple[AssetItem, str]] = [
    (_A.VEHICLES_TOTAL, r"车辆数合计|车辆合计"),
    (_A.VEHICLE_LEADER_MINISTERIAL, r"副部|部[（(]省[）)]级"),
    (_A.VEHICLE_PRINCIPAL, r"主要(负责人|领导干部)用车"),
    (_A.VEHICLE_CONFIDENTIAL, r"机要通信"),
    (_A.VEHICLE_EMERGENCY, r"应急保障"),
    (_A.VEHICLE_LAW_ENFORCEMENT, r"执法执勤"),
    (_A.VEHICLE_SPECIAL, r"特种专业技术"),
    (_A.VEHICLE_RETIREE, r"离退休干部"),
    (_A.VEHICLE_OTHER, r"其他用车"),
    (_A.EQUIPMENT_GENERAL_50, r"50万元.*通用设备"),
    (_A.EQUIPMENT_100, r"100万元"),
]
VEHICLE_PARTS = [k for k, _ in ASSET_LABELS[1:9]]

# 基本支出表 total rows
PERSONNEL_TOTAL = "人员经费合计"
PUBLIC_TOTAL = "公用经费合计"
