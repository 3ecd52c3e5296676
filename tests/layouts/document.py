"""A whole final-accounts disclosure as PDF bytes: cover, 第一部分 部门概况, 第二部分 the tables (each on its
own page, title and 单位 line above it, notes under it), 第三部分 the narrative."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tests.layouts import data as d
from tests.layouts import tables as tb
from tests.layouts.render import Doc

Builder = Callable[..., dict]


def build(
    tables: Sequence[Builder] = tuple(tb.ALL),
    *,
    style: str = "full",
    layout: str = "sh",
    show_label: bool = False,
    meta: str = "unit",
    narrative: Sequence[str] | None = None,
    landscape: bool = False,
    rotated: bool = False,
    repeat_header: bool = False,
    title_in_table: bool = False,
    yuan: bool = False,
    sep: bool = True,
    pad: float | None = None,
    per_table: dict[Builder, dict] | None = None,
) -> bytes:
    """Draw the document and return the PDF.

    ``tables``: builders from :mod:`tests.layouts.tables` (or replacements taking an ``Opt``), in order.
    ``style``: the drawing style (see :mod:`tests.layouts.render`); ``layout``: "sh" or "jdz".
    ``show_label``: print 公开NN表 under the title. ``meta``: "unit" prints 单位：万元 right-aligned above the
    table; "jdz" prints “编制单位：景明市测试局    2023年度    金额单位：万元” left-aligned.
    ``title_in_table``: the title and that line are the table's first two (merged) rows instead.
    ``yuan``: amounts in 元; ``sep``: thousands separators; ``pad``: text inset in the cells.
    ``landscape`` / ``rotated``: table pages landscape, or portrait with /Rotate 90 and turned content.
    ``repeat_header``: a table continued on the next page repeats its header there.
    ``per_table``: {builder: overrides} of the options above for one table, plus ``kw`` (the builder's
    keyword arguments) and ``table_kw`` (:meth:`Doc.table`'s: ``max_rows_first``, ``cont_lines``).
    ``narrative``: 第三部分 instead of :data:`tests.layouts.data.NARRATIVE`.
    """
    doc = Doc()
    doc.space(200)
    doc.para(f"{d.DEPT}{d.YEAR}年度部门决算", 20, "c")
    doc.new_page()
    for line in d.OVERVIEW:
        doc.para(line, 10.5)
    doc.new_page()
    doc.para(f"第二部分 {d.YEAR}年度部门决算表", 14, "c")
    doc.space(10)
    first = True
    for builder in tables:
        cfg = {
            "style": style,
            "layout": layout,
            "show_label": show_label,
            "meta": meta,
            "landscape": landscape,
            "rotated": rotated,
            "repeat_header": repeat_header,
            "title_in_table": title_in_table,
            "yuan": yuan,
            "sep": sep,
            "kw": {},
            "table_kw": {},
        }
        cfg.update((per_table or {}).get(builder, {}))
        t = builder(tb.Opt(cfg["layout"], cfg["sep"], cfg["yuan"]), **cfg["kw"])
        if not first or cfg["landscape"] or cfg["rotated"]:
            doc.new_page(landscape=cfg["landscape"], rotated=cfg["rotated"])
        first = False
        unit_word = "元" if cfg["yuan"] else "万元"
        if cfg["meta"] == "jdz":
            meta_line = f"编制单位：{d.DEPT}    {d.YEAR}年度    {t.get('unit', f'金额单位：{unit_word}')}"
        else:
            meta_line = t.get("unit") or f"单位：{unit_word}"
        spec = t["spec"]
        if pad is not None:
            spec.pad = pad
        if cfg["title_in_table"]:
            spec.title_row = t["title"]
            spec.unit_row = meta_line
        else:
            doc.para(t["title"], 14, "c", gap=6)
            if cfg["show_label"]:
                doc.para(t["label"], 9, "r", gap=3)
            doc.para(meta_line, 9, "r" if cfg["meta"] != "jdz" else "l", gap=4)
        doc.table(spec, style=cfg["style"], repeat_header=cfg["repeat_header"], **cfg["table_kw"])
        for note in t["notes"]:
            doc.para(note, 8.5, gap=3)
    doc.new_page(landscape=False, rotated=False)
    for line in narrative or d.NARRATIVE:
        doc.para(line, 10.5)
    return doc.finish()
