"""The ten public tables (公开01–10表) of a final-accounts disclosure as :class:`~tests.layouts.render.TSpec`.

Two layouts, imitating the two families of templates seen in real disclosures:

* ``"sh"``  (Shanghai municipal departments): the 功能分类科目编码 split into 类 | 款 | 项 columns, no
  行次 columns, 06 basic-expenditure table in two column groups (人员经费 | 公用经费), each 类 | 款 | 科目名称 | 决算数.
* ``"jdz"`` (the template of e.g. 景德镇 departments, common in Jiangxi): one 7-digit code column headed
  “类 款 项”, 行次 columns in both summary tables, a 栏次 row (1, 2, 3 …) under every header, and the
  06 table in three column groups (人员经费 301/303 | 公用经费 302 | 公用经费 307/310/399), each
  经济分类科目编码 | 科目名称 | 金额.

Each builder takes an :class:`Opt` and returns a dict: title, label (公开NN表), spec, notes (the lines
printed under the table) and optionally unit (a 单位 line other than 单位：万元).
"""

from __future__ import annotations

from decimal import Decimal

from shared.knowledge.tables import COLUMNS, TableKind
from tests.layouts import data as d
from tests.layouts.render import C, TSpec, fmt

INC_COLS = COLUMNS[TableKind.INCOME]
EXP_COLS = COLUMNS[TableKind.EXPENDITURE]


class Opt:
    """Layout options: ``layout`` "sh" or "jdz"; ``sep`` thousands separators; ``yuan`` amounts in 元."""

    def __init__(self, layout: str = "sh", sep: bool = True, yuan: bool = False):
        self.layout, self.sep, self.yuan = layout, sep, yuan

    @property
    def jdz(self) -> bool:
        return self.layout == "jdz"

    def f(self, v: Decimal | str | None) -> str:
        return fmt(v, self.sep, self.yuan)


def _code_cells(code: str, o: Opt) -> list[str]:
    return [code] if o.jdz else [code[:3], code[3:5], code[5:7]]


def _coded_header(o: Opt, amount_labels: list) -> list[list]:
    """The header of a table coded by 功能分类: 项目 over the code and name columns, then the amount columns.
    ``amount_labels`` items are a label (spanning all header rows) or ``(group, [sub-labels])``."""
    if o.jdz:
        r0 = [C("项目", cs=2)]
        r1 = [C("支出功能分类科目编码"), C("科目名称", rs=2)]
        r2 = [C("类 款 项")]
    else:
        r0 = [C("项目", cs=4)]
        r1 = [C("支出功能分类科目编码", cs=3), C("科目名称", rs=2)]
        r2 = [C("类"), C("款"), C("项")]
    for lab in amount_labels:
        if isinstance(lab, tuple):
            group, subs = lab
            r0.append(C(group, cs=len(subs)))
            r1 += [C(s, rs=2) for s in subs]
        else:
            r0.append(C(lab, rs=3))
    rows = [r0, r1, r2]
    if o.jdz:
        n = sum(len(lab[1]) if isinstance(lab, tuple) else 1 for lab in amount_labels)
        rows.append([C("栏次", cs=2)] + [str(i + 1) for i in range(n)])
    return rows


def _code_widths(o: Opt) -> list[float]:
    return [55] if o.jdz else [22, 18, 18]


def _code_align(o: Opt) -> list[str]:
    return ["l"] if o.jdz else ["l", "c", "c"]


def _total_row(o: Opt, label: str = "合计") -> list:
    return [C(label, cs=1 + len(_code_widths(o)), align="c")]


def income(o: Opt) -> dict:
    """公开02表 收入决算表."""
    t = d.totals()
    rows = [_total_row(o) + [o.f(t["inc_total"]), o.f(t["fiscal"])] + [""] * 4 + [o.f(t["other"])]]
    for code, name, v in d.func_rows():
        amounts = [o.f(v["inc_total"]), o.f(v["fiscal"]), "", "", "", "", o.f(v["other"])]
        rows.append(_code_cells(code, o) + [name, *amounts])
    spec = TSpec(
        widths=_code_widths(o) + [150] + [52] * 7,
        header=_coded_header(o, INC_COLS),
        body=rows,
        align=_code_align(o) + ["l"] + ["r"] * 7,
    )
    return {
        "title": "收入决算表",
        "label": "公开02表",
        "spec": spec,
        "notes": ["注：本表反映部门本年度取得的各项收入情况。"],
    }


def expenditure(o: Opt) -> dict:
    """公开03表 支出决算表."""
    t = d.totals()
    rows = [_total_row(o) + [o.f(t["exp_total"]), o.f(t["basic"]), o.f(t["project"]), "", "", ""]]
    for code, name, v in d.func_rows():
        amounts = [o.f(v["exp_total"]), o.f(v["basic"]), o.f(v["project"]), "", "", ""]
        rows.append(_code_cells(code, o) + [name, *amounts])
    spec = TSpec(
        widths=_code_widths(o) + [150] + [55] * 6,
        header=_coded_header(o, EXP_COLS),
        body=rows,
        align=_code_align(o) + ["l"] + ["r"] * 6,
    )
    return {
        "title": "支出决算表",
        "label": "公开03表",
        "spec": spec,
        "notes": ["注：本表反映部门本年度各项支出情况。"],
    }


def general_budget(o: Opt) -> dict:
    """公开05表 一般公共预算财政拨款支出决算表."""
    t = d.totals()
    rows = [_total_row(o) + [o.f(t["gb_total"]), o.f(t["gb_basic"]), o.f(t["gb_project"])]]
    for code, name, v in d.func_rows():
        amounts = [o.f(v["gb_total"]), o.f(v["gb_basic"]), o.f(v["gb_project"])]
        rows.append(_code_cells(code, o) + [name, *amounts])
    spec = TSpec(
        widths=_code_widths(o) + [180] + [70] * 3,
        header=_coded_header(o, ["本年支出合计", "基本支出", "项目支出"]),
        body=rows,
        align=_code_align(o) + ["l"] + ["r"] * 3,
    )
    return {
        "title": "一般公共预算财政拨款支出决算表",
        "label": "公开05表",
        "spec": spec,
        "notes": ["注：本表反映部门本年度一般公共预算财政拨款支出情况。"],
    }


def gov_fund(o: Opt) -> dict:
    """公开07表 政府性基金预算财政拨款收入支出决算表: empty (only its 合计 row), as for most departments."""
    labels = ["年初结转和结余", "本年收入", ("本年支出", ["小计", "基本支出", "项目支出"]), "年末结转和结余"]
    spec = TSpec(
        widths=_code_widths(o) + [150] + [55] * 6,
        header=_coded_header(o, labels),
        body=[_total_row(o) + [""] * 6],
        align=_code_align(o) + ["l"] + ["r"] * 6,
    )
    return {
        "title": "政府性基金预算财政拨款收入支出决算表",
        "label": "公开07表",
        "spec": spec,
        "notes": [
            "注：1.本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。",
            "2.当此表数据为零时，即本部门无政府性基金预算财政拨款收入、支出。",
        ],
    }


def state_capital(o: Opt) -> dict:
    """公开08表 国有资本经营预算财政拨款支出决算表: empty."""
    spec = TSpec(
        widths=_code_widths(o) + [180] + [70] * 3,
        header=_coded_header(o, ["合计", "基本支出", "项目支出"]),
        body=[_total_row(o) + [""] * 3],
        align=_code_align(o) + ["l"] + ["r"] * 3,
    )
    return {
        "title": "国有资本经营预算财政拨款支出决算表",
        "label": "公开08表",
        "spec": spec,
        "notes": [
            "注：1.本表反映部门本年度国有资本经营预算财政拨款支出情况。",
            "2.当此表数据为空时，即本部门无国有资本经营预算财政拨款支出。",
        ],
    }


INCOME_LABELS = [
    "一、一般公共预算财政拨款收入",
    "二、政府性基金预算财政拨款收入",
    "三、国有资本经营预算财政拨款收入",
    "四、上级补助收入",
    "五、事业收入",
    "六、经营收入",
    "七、附属单位上缴收入",
    "八、其他收入",
]


def summary(o: Opt) -> dict:
    """公开01表 收入支出决算总表: income side | expenditure side (by 功能分类 类) side by side, then the
    本年收入合计 / 本年支出合计 … 总计 rows."""
    t = d.totals()
    inc_vals = [t["fiscal"], None, None, None, None, None, None, t["other"]]
    cats = d.category_amounts("exp_total")
    n = max(len(INCOME_LABELS), len(cats))
    body = []
    for i in range(n):
        li = INCOME_LABELS[i] if i < len(INCOME_LABELS) else ""
        vi = o.f(inc_vals[i]) if i < len(INCOME_LABELS) else ""
        le, ve = cats[i] if i < len(cats) else ("", None)
        if o.jdz:
            body.append([li, str(i + 1), vi, le, str(i + 1 + 31), o.f(ve)])
        else:
            body.append([li, vi, le, o.f(ve)])
    tail = [
        ("本年收入合计", t["inc_total"], "本年支出合计", t["exp_total"]),
        ("使用非财政拨款结余", None, "结余分配", None),
        ("年初结转和结余", None, "年末结转和结余", None),
        ("总计", t["inc_total"], "总计", t["exp_total"]),
    ]
    for k, (a, av, b, bv) in enumerate(tail):
        if o.jdz:
            body.append([C(a, align="c"), str(n + 1 + k), o.f(av), C(b, align="c"), str(n + 32 + k), o.f(bv)])
        else:
            body.append([C(a, align="c"), o.f(av), C(b, align="c"), o.f(bv)])
    if o.jdz:
        header = [
            [C("收入", cs=3), C("支出", cs=3)],
            ["项目", "行次", "决算数", "项目（按功能分类）", "行次", "决算数"],
            [C("栏次", cs=2), "1", C("栏次", cs=2), "2"],
        ]
        widths = [170, 28, 60, 170, 28, 60]
        align = ["l", "c", "r", "l", "c", "r"]
    else:
        header = [[C("收入", cs=2), C("支出", cs=2)], ["项目", "决算数", "项目", "决算数"]]
        widths = [180, 70, 180, 70]
        align = ["l", "r", "l", "r"]
    spec = TSpec(widths=widths, header=header, body=body, align=align, row_h=13.5)
    return {"title": "收入支出决算总表", "label": "公开01表", "spec": spec, "notes": []}


def fiscal_summary(o: Opt) -> dict:
    """公开04表 财政拨款收入支出决算总表: as 01, the expenditure side split by fund (小计 | 一般公共预算 | 政府性基金
    | 国有资本经营); in the Shanghai layout under a two-level 决算数 header."""
    t = d.totals()
    cats = d.category_amounts("gb_total")
    inc = [
        ("一、一般公共预算财政拨款", t["fiscal"]),
        ("二、政府性基金预算财政拨款", None),
        ("三、国有资本经营预算财政拨款", None),
    ]
    n = len(cats)
    body = []
    for i in range(n):
        li, vi = inc[i] if i < len(inc) else ("", None)
        le, ve = cats[i]
        exp = [o.f(ve), o.f(ve), "", ""]
        if o.jdz:
            body.append([li, str(i + 1), o.f(vi), le, str(i + 1 + 32)] + exp)
        else:
            body.append([li, o.f(vi), le] + exp)
    tail = [
        ("本年收入合计", t["fiscal"], "本年支出合计", t["gb_total"]),
        ("年初财政拨款结转和结余", None, "年末财政拨款结转和结余", None),
        ("一、一般公共预算财政拨款", None, "", None),
        ("二、政府性基金预算财政拨款", None, "", None),
        ("三、国有资本经营预算财政拨款", None, "", None),
        ("总计", t["fiscal"], "总计", t["gb_total"]),
    ]
    for k, (a, av, b, bv) in enumerate(tail):
        exp = [o.f(bv), o.f(bv), "", ""]
        left = C(a, align="c" if a in ("本年收入合计", "总计") else "l")
        if o.jdz:
            body.append([left, str(n + 1 + k), o.f(av), C(b, align="c"), str(n + 33 + k) if b else "", *exp])
        else:
            body.append([left, o.f(av), C(b, align="c"), *exp])
    funds = ["小计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
    if o.jdz:
        header = [
            [C("收入", cs=3), C("支出", cs=6)],
            ["项目", "行次", "决算数", "项目（按功能分类）", "行次"] + funds,
            [C("栏次", cs=2), "1", C("栏次", cs=2), "2", "3", "4", "5"],
        ]
        widths = [130, 24, 52, 130, 24, 52, 52, 52, 52]
        align = ["l", "c", "r", "l", "c", "r", "r", "r", "r"]
    else:
        header = [
            [C("收入", cs=2), C("支出", cs=5)],
            [C("项目", rs=2), C("决算数", rs=2), C("项目", rs=2), C("决算数", cs=4)],
            funds,
        ]
        widths = [140, 55, 140, 55, 55, 55, 55]
        align = ["l", "r", "l", "r", "r", "r", "r"]
    spec = TSpec(widths=widths, header=header, body=body, align=align, size=7, row_h=13.5)
    return {"title": "财政拨款收入支出决算总表", "label": "公开04表", "spec": spec, "notes": []}


def basic(o: Opt, three_groups: bool | None = None) -> dict:
    """公开06表 一般公共预算财政拨款基本支出决算表, with the 人员经费合计 | 公用经费合计 row last.

    Two column groups (Shanghai: 人员经费 | 公用经费, each 类 | 款 | 科目名称 | 决算数) or three (景德镇:
    人员经费 301/303 | 公用经费 302 | 公用经费 307/310/399, each 经济分类科目编码 | 科目名称 | 金额, with
    公用经费合计 merged across group 2 and the code and name of group 3)."""
    if three_groups is None:
        three_groups = o.jdz
    groups = (
        (d.PERSONNEL, d.PUBLIC_302, d.PUBLIC_3XX)
        if three_groups
        else (d.PERSONNEL, d.PUBLIC_302 + d.PUBLIC_3XX)
    )
    width = 3 if three_groups else 4
    n = max(len(g) for g in groups)
    body = []
    for i in range(n):
        row = []
        for g in groups:
            if i >= len(g):
                row += [""] * width
                continue
            code, name, v = g[i]
            row += ([code] if three_groups else [code[:3], code[3:]]) + [name, o.f(v)]
        body.append(row)
    if three_groups:
        body.append(
            [
                C("人员经费合计", cs=2, align="c"),
                o.f(d.PERSONNEL_TOTAL),
                C("公用经费合计", cs=5, align="c"),
                o.f(d.PUBLIC_TOTAL),
            ]
        )
        header = [[C("人员经费", cs=3), C("公用经费", cs=6)], ["经济分类科目编码", "科目名称", "金额"] * 3]
        widths = [40, 110, 50] * 3
        align = ["l", "l", "r"] * 3
    else:
        body.append(
            [
                C("人员经费合计", cs=3, align="c"),
                o.f(d.PERSONNEL_TOTAL),
                C("公用经费合计", cs=3, align="c"),
                o.f(d.PUBLIC_TOTAL),
            ]
        )
        header = [
            [C("人员经费", cs=4), C("公用经费", cs=4)],
            [C("经济分类科目编码", cs=2), C("科目名称", rs=2), C("决算数", rs=2)] * 2,
            ["类", "款", "类", "款"],
        ]
        widths = [28, 22, 130, 55] * 2
        align = ["l", "c", "l", "r"] * 2
    spec = TSpec(widths=widths, header=header, body=body, align=align, size=7, row_h=13)
    return {
        "title": "一般公共预算财政拨款基本支出决算表",
        "label": "公开06表",
        "spec": spec,
        "notes": ["注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。"],
    }


def _count_or_amount(o: Opt, v: str | None) -> str:
    """The 决算数 column holds amounts (formatted) and counts (团组数, 人次 …: printed as they are)."""
    return o.f(v) if v and "." in v else (v or "")


def three_public_vertical(o: Opt) -> dict:
    """公开09表 财政拨款“三公”经费支出决算表, vertical: the items and the counts (团组数, 人次, 保有量 …) as rows,
    项目 | 行次 | 年初预算数 | 全年预算数 | 决算数 with a 栏次 row, “——” in the budget cells of count rows."""
    body = [
        [label, str(i + 1), o.f(a), o.f(b), _count_or_amount(o, c)]
        for i, (label, a, b, c) in enumerate(d.THREE_PUBLIC)
    ]
    header = [["项目", "行次", "年初预算数", "全年预算数", "决算数"], [C("栏次", cs=2), "1", "2", "3"]]
    spec = TSpec(widths=[220, 35, 80, 80, 80], header=header, body=body, align=["l", "c", "r", "r", "r"])
    return {
        "title": "财政拨款“三公”经费支出决算表",
        "label": "公开09表",
        "spec": spec,
        "notes": ["注：本表反映部门本年度财政拨款“三公”经费支出预决算情况。"],
    }


def assets(o: Opt) -> dict:
    """公开10表 国有资产占用情况表 (vehicles by use, equipment over 100万元), counts in 台、辆、套."""
    body = [[label, str(i + 1), v] for i, (label, v) in enumerate(d.ASSETS)]
    spec = TSpec(widths=[300, 60, 100], header=[["项目", "栏次", "决算数"]], body=body, align=["l", "c", "r"])
    return {
        "title": "国有资产占用情况表",
        "label": "公开10表",
        "spec": spec,
        "notes": ["注：本表反映截止2023年12月31日，部门占用的国有资产情况。"],
        "unit": "单位：台、辆、套",
    }


ALL = [
    summary,
    income,
    expenditure,
    fiscal_summary,
    general_budget,
    basic,
    three_public_vertical,
    gov_fund,
    state_capital,
    assets,
]
