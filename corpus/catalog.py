"""The corpus's view of the national classification (政府收支分类科目).

Names come from the shared lists in :mod:`shared.knowledge.classification` (the parser's), so the
generator and the checker can never drift apart. What stays here is corpus-specific: which
subsets the generator draws from (the 类 the summary tables print, the economic classes table 06
prints and its three column groups), the function 项 paid by one economic line
(``PERSONNEL_ITEM_CODES``) and the Chinese ordinals (``CN_NUMERALS``). Departments and cities are
in :mod:`corpus.departments`.
"""

from __future__ import annotations

from shared.knowledge import classification as _cls
from shared.knowledge.classification import FUNCTION_NAMES, categories_for, economic_lines

__all__ = [
    "CN_NUMERALS",
    "ECONOMIC_CLASSES",
    "FUNCTION_NAMES",
    "GOODS_SERVICES_LINES",
    "OTHER_PUBLIC_LINES",
    "PERSONNEL_CLASSES",
    "PERSONNEL_ITEM_CODES",
    "PERSONNEL_LINES",
    "PUBLIC_CLASSES",
    "summary_categories",
]

# --------------------------------------------------------------------------- function codes

# 类 of the classification that the public summary tables (01/04) do not print as lines.
_UNPRINTED_CATEGORIES = frozenset({"227", "230", "233"})  # 预备费, 转移性支出, 债务发行费用支出


def summary_categories(year: int) -> list[tuple[str, str]]:
    """The 类 list printed on the expenditure side of 收入支出决算总表 / 财政拨款收入支出决算总表
    (抗疫特别国债安排的支出 exists from 2020 on)."""
    return [c for c in categories_for(year) if c[0] not in _UNPRINTED_CATEGORIES]


CN_NUMERALS = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十",
    "二十一", "二十二", "二十三", "二十四", "二十五", "二十六",
]  # fmt: skip

# --------------------------------------------------------------------------- economic codes (table 06)

# The economic classes table 06 prints (a subset of the classification's: no 309 基本建设, no 313).
ECONOMIC_CLASSES = ("301", "302", "303", "307", "310", "312", "399")
PERSONNEL_CLASSES = tuple(c for c in _cls.PERSONNEL_CLASSES if c in ECONOMIC_CLASSES)  # 人员经费
PUBLIC_CLASSES = tuple(c for c in _cls.PUBLIC_CLASSES if c in ECONOMIC_CLASSES)  # 公用经费

# Table 06's three side-by-side column groups: 人员经费 | 公用经费 (302) | 公用经费 (the rest).
PERSONNEL_LINES: list[tuple[str, str]] = economic_lines(PERSONNEL_CLASSES)
GOODS_SERVICES_LINES: list[tuple[str, str]] = economic_lines(("302",))
OTHER_PUBLIC_LINES: list[tuple[str, str]] = economic_lines(tuple(c for c in PUBLIC_CLASSES if c != "302"))

PERSONNEL_ITEM_CODES = {
    # function 项 funded directly by an economic line of table 06 (basic expenditure)
    "2080501": ("30301", "30302"),
    "2080505": ("30108",),
    "2080506": ("30109",),
    "2080801": ("30304",),
    "2101101": ("30110",),
    "2101103": ("30111",),
    "2210201": ("30113",),
}
