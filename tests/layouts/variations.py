"""Named layout variations of the synthetic department, each a way real disclosures are drawn.

:data:`CLEAN` documents state consistent figures: the checker must read every table exactly as drawn
and report nothing. :data:`PLANTED` documents contain one deliberate inconsistency the checker must
report. Each entry maps a name to ``(description, build)``; ``build()`` returns the PDF bytes.

(Pages with /Rotate 90 and turned content are not here: with the non-embedded STSong-Light font
their text layer depends on whether the system has a CJK font.)
"""

from __future__ import annotations

from collections.abc import Callable

from tests.layouts import data as d
from tests.layouts import tables as tb
from tests.layouts.document import Builder, build
from tests.layouts.render import C, TSpec

Variation = tuple[str, Callable[[], bytes]]

JDZ = {
    "layout": "jdz",
    "meta": "jdz",
    "show_label": True,
}  # the 景德镇 template: 公开NN表 label, 编制单位 line


def _replace(builder: Builder, by: Builder) -> list[Builder]:
    """All ten tables, ``builder`` drawn by ``by`` instead."""
    return [by if b is builder else b for b in tb.ALL]


# the coded tables split after 9 body rows, continued on the next page
_SPLIT_TITLES = {
    tb.income: "收入决算表",
    tb.expenditure: "支出决算表",
    tb.general_budget: "一般公共预算财政拨款支出决算表",
    tb.basic: "一般公共预算财政拨款基本支出决算表",
}


def _split(cont_lines: Callable[[str], tuple] = lambda title: ()) -> dict[Builder, dict]:
    return {
        b: {"table_kw": {"max_rows_first": 9, "cont_lines": cont_lines(title)}}
        for b, title in _SPLIT_TITLES.items()
    }


def _partly_unruled() -> dict[Builder, dict]:
    return {b: {"style": "none"} for b in (tb.summary, tb.income, tb.expenditure)}


def three_public_blank(o: tb.Opt) -> dict:
    """09 without 行次 column and 栏次 row; the budget cells of count rows left blank instead of “——”."""

    def blank(v: str | None, amount: bool = True) -> str:
        if v == "——":
            return ""
        return o.f(v) if amount else tb._count_or_amount(o, v)

    body = [[label, blank(a), blank(b), blank(c, amount=False)] for label, a, b, c in d.THREE_PUBLIC]
    spec = TSpec(
        widths=[250, 80, 80, 80],
        header=[["项目", "年初预算数", "全年预算数", "决算数"]],
        body=body,
        align=["l", "r", "r", "r"],
    )
    return {"title": "财政拨款“三公”经费支出决算表", "label": "公开09表", "spec": spec, "notes": []}


def three_public_2level(o: tb.Opt) -> dict:
    """09 with a two-level header: 项目 | 行次 | 预算数 (年初预算数 | 全年预算数) | 决算数."""
    t = tb.three_public_vertical(o)
    t["spec"].header = [
        [C("项目", rs=2), C("行次", rs=2), C("预算数", cs=2), C("决算数", rs=2)],
        ["年初预算数", "全年预算数"],
        [C("栏次", cs=2), "1", "2", "3"],
    ]
    return t


def three_public_header(header: list[str]) -> Builder:
    """09 under a one-row header with column names other than the template's."""

    def builder(o: tb.Opt) -> dict:
        t = tb.three_public_vertical(o)
        t["spec"].header = [header]
        return t

    return builder


def basic_three_groups(o: tb.Opt) -> dict:
    """06 in three column groups in the Shanghai document; 公用经费合计 merged across group 2 and group 3's
    code and name (the usual template)."""
    return tb.basic(o, three_groups=True)


def basic_three_groups_total_in_group3(o: tb.Opt) -> dict:
    """06 in three groups; 公用经费合计 merged across group 3's code and name only, group 2's cells empty."""
    t = tb.basic(o, three_groups=True)
    t["spec"].body[-1] = [
        C("人员经费合计", cs=2, align="c"),
        o.f(d.PERSONNEL_TOTAL),
        "",
        "",
        "",
        C("公用经费合计", cs=2, align="c"),
        o.f(d.PUBLIC_TOTAL),
    ]
    return t


WRONG_PUBLIC_TOTAL = "246.91"  # printed instead of 236.91


def _wrong_public_total(builder: Builder) -> Builder:
    def wrong(o: tb.Opt) -> dict:
        t = builder(o)
        t["spec"].body[-1][-1] = WRONG_PUBLIC_TOTAL
        return t

    return wrong


# 接待 65 人次 instead of 57; 其他收入 6.30 instead of 6.20
WRONG_NARRATIVE = [
    s.replace("累计接待57人次", "累计接待65人次").replace("其他收入6.20万元", "其他收入6.30万元")
    for s in d.NARRATIVE
]

CLEAN: dict[str, Variation] = {
    "shanghai_ruled": (
        "Shanghai layout, every cell edge stroked: the baseline (09 vertical with 行次 and 栏次 row)",
        lambda: build(),
    ),
    "jdz_ruled": (
        (
            "景德镇 layout, fully ruled: 公开NN表 labels, 编制单位 line, 行次 columns, 7-digit codes, 栏次 rows, "
            "06 in three groups"
        ),
        lambda: build(**JDZ),
    ),
    "unruled_shanghai": (
        "Shanghai layout without any line: columns only by text position",
        lambda: build(style="none"),
    ),
    "unruled_jdz": ("景德镇 layout without any line", lambda: build(style="none", **JDZ)),
    "unruled_jdz_wide_padding": (
        "景德镇 layout without lines, 6pt cell inset: a wide gap between an amount and the next column's code",
        lambda: build(style="none", pad=6, **JDZ),
    ),
    "partly_unruled_shanghai": (
        "Shanghai layout, only 01, 02, 03 unruled (the others ruled)",
        lambda: build(per_table=_partly_unruled()),
    ),
    "partly_unruled_jdz": (
        "景德镇 layout, only 01, 02, 03 unruled",
        lambda: build(per_table=_partly_unruled(), **JDZ),
    ),
    "three_line_shanghai": (
        "three-line tables (top rule, rule under the header, bottom rule, no verticals), Shanghai layout",
        lambda: build(style="three"),
    ),
    "three_line_jdz": ("three-line tables, 景德镇 layout", lambda: build(style="three", **JDZ)),
    "title_in_table": (
        "title and 单位 line as the table's first two merged rows, Shanghai layout",
        lambda: build(title_in_table=True),
    ),
    "title_in_table_jdz": (
        "title and 编制单位 … 金额单位 line as the table's first two merged rows, 景德镇 layout",
        lambda: build(title_in_table=True, layout="jdz", meta="jdz"),
    ),
    "yuan_tables": (
        "amounts in 元 (单位：元, 29,462,500.00), narrative in 万元, Shanghai layout",
        lambda: build(yuan=True),
    ),
    "yuan_tables_jdz": ("amounts in 元 (金额单位：元), 景德镇 layout", lambda: build(yuan=True, **JDZ)),
    "filled_borders": (
        "no strokes: borders as thin filled rectangles, grey header, alternate rows shaded",
        lambda: build(style="fill"),
    ),
    "shaded_cells": (
        "no borders: every cell a filled grey rectangle, white gaps between cells",
        lambda: build(style="shade"),
    ),
    "stroked_rects": ("every cell a stroked rectangle", lambda: build(style="rects")),
    "split_repeated_header": (
        "02, 03, 05, 06 split over two pages, the header repeated on the second (Shanghai layout)",
        lambda: build(repeat_header=True, per_table=_split()),
    ),
    "split_repeated_header_jdz": (
        "as split_repeated_header in the 景德镇 layout: the 栏次 row is part of the repeated header",
        lambda: build(repeat_header=True, per_table=_split(), **JDZ),
    ),
    "split_no_header": (
        "02, 03, 05, 06 split over two pages, the second page without a header",
        lambda: build(per_table=_split()),
    ),
    "split_repeated_title": (
        "split tables whose continuation page repeats the title and 单位 line above the repeated header",
        lambda: build(
            repeat_header=True, per_table=_split(lambda title: ((title, 14, "c"), ("单位：万元", 9, "r")))
        ),
    ),
    "split_xubiao": (
        "split tables with a 续表 line above the repeated header",
        lambda: build(repeat_header=True, per_table=_split(lambda title: (("续表", 10, "l"),))),
    ),
    "landscape": (
        "every table on a true landscape page (842×595, no /Rotate)",
        lambda: build(landscape=True),
    ),
    "three_public_vertical_blank": (
        "09 without 行次 / 栏次, budget cells of count rows blank",
        lambda: build(_replace(tb.three_public_vertical, three_public_blank)),
    ),
    "three_public_vertical_2level": (
        "09 under a two-level header 预算数 (年初预算数 | 全年预算数)",
        lambda: build(_replace(tb.three_public_vertical, three_public_2level)),
    ),
    "basic_three_groups": (
        "06 in three column groups in the Shanghai document, 公用经费合计 merged across groups 2 and 3",
        lambda: build(_replace(tb.basic, basic_three_groups)),
    ),
    "basic_three_groups_total_in_group3": (
        "06 in three column groups, 公用经费合计 in group 3 only",
        lambda: build(_replace(tb.basic, basic_three_groups_total_in_group3)),
    ),
    "three_public_budget_only_header": (
        "09 headed 项目 | 行次 | 年初预算安排 | 调整后预算安排 | 实际支出",
        lambda: build(
            _replace(
                tb.three_public_vertical,
                three_public_header(["项目", "行次", "年初预算安排", "调整后预算安排", "实际支出"]),
            )
        ),
    ),
    "three_public_unknown_header": (
        "09 headed 项目 | 行次 | 年初安排 | 全年安排 | 实际支出 (no template column name)",
        lambda: build(
            _replace(
                tb.three_public_vertical,
                three_public_header(["项目", "行次", "年初安排", "全年安排", "实际支出"]),
            )
        ),
    ),
}

PLANTED: dict[str, Variation] = {
    "narrative_errors": (
        "the baseline whose narrative says 累计接待65人次 (table: 57) and 其他收入6.30万元 (tables: 6.20)",
        lambda: build(narrative=WRONG_NARRATIVE),
    ),
    "narrative_errors_jdz": (
        "the same narrative errors in the 景德镇 layout",
        lambda: build(narrative=WRONG_NARRATIVE, **JDZ),
    ),
    "basic_wrong_public_total": (
        f"basic_three_groups with 公用经费合计 printed {WRONG_PUBLIC_TOTAL} (Σ 302/307/310/399 = 236.91)",
        lambda: build(_replace(tb.basic, _wrong_public_total(basic_three_groups))),
    ),
    "basic_wrong_public_total_in_group3": (
        f"basic_three_groups_total_in_group3 with 公用经费合计 printed {WRONG_PUBLIC_TOTAL}",
        lambda: build(_replace(tb.basic, _wrong_public_total(basic_three_groups_total_in_group3))),
    ),
}
