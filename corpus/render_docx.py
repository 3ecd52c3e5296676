"""Real Word files (python-docx), as a department's 决算 is edited in Word before it goes to PDF.

The narrative is a sequence of paragraphs (headings are paragraphs with bold runs, centred for
the 部分 titles; body paragraphs have a two-character first-line indent). Every public table is
a real Word table (style “Table Grid”: every border drawn) with its multi-level header built
from merged cells — horizontal merges become ``gridSpan``, vertical merges ``vMerge`` — preceded
by its title paragraph and a right-aligned “单位：万元” paragraph and followed by its “注：…”
paragraphs. Each table starts a new section (a page break; landscape sections for the wide
tables), so does the narrative after the tables; a part heading (h1) and the score table start
on a new page. Amounts are printed as text “2,946.25”; empty cells are empty. The layout of
each table is :mod:`corpus.file_layout`'s, the same as the PDF's.
"""

from __future__ import annotations

import datetime
import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell

from corpus.defects import Draft
from corpus.file_layout import Grid, alignment, cell_text, score_grid, stable_zip, table_grids

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _setup(doc: DocxDocument, title: str, year: int) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    doc.styles["Table Grid"].font.size = Pt(9)
    props = doc.core_properties
    props.title = title
    props.author = ""
    props.comments = ""
    props.last_modified_by = ""
    props.revision = 1
    props.created = props.modified = datetime.datetime(year + 1, 5, 20, 9, 0, 0)
    _page(doc.sections[0], wide=False)


def _page(section: Section, wide: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if wide else (short, long)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(22)


def _para(doc: DocxDocument, text: str, *, size: float = 12, bold: bool = False, align: str = "left",
          indent: bool = False, page_break: bool = False) -> None:  # fmt: skip
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold or None
    p.alignment = _ALIGN[align]
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if page_break:
        p.paragraph_format.page_break_before = True


def _fill(table: Table, g: Grid, widths: list[Length]) -> None:
    """Write every cell's width and text (origins only), then merge the spans (merging sums the
    widths). Cells are addressed through the grid's <w:tc> elements taken before any merge
    (``Table.cell`` is quadratic)."""
    tcs = [list(tr.tc_lst) for tr in table._tbl.tr_lst]
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for r, row in enumerate(g.rows):
        for c, cell in enumerate(row):
            tcs[r][c].width = widths[c]
            if cell is None:
                continue
            dc = _Cell(tcs[r][c], table)
            text = cell_text(cell.value)
            para = dc.paragraphs[0]
            if text:
                para.add_run(text)
            header = r < g.n_header
            align = alignment(cell, header)
            if align != "left":
                para.alignment = _ALIGN[align]
            if header or cell.rowspan > 1:
                dc.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for r, row in enumerate(g.rows):
        for c, cell in enumerate(row):
            if cell is not None and (cell.rowspan > 1 or cell.colspan > 1):
                corner = tcs[r + cell.rowspan - 1][c + cell.colspan - 1]
                _Cell(tcs[r][c], table).merge(_Cell(corner, table))


def _grid(doc: DocxDocument, g: Grid, text_width: float) -> None:
    if g.attached:
        _para(doc, "")
        _para(doc, g.title, size=12, bold=True, align="center")
    else:
        _para(doc, g.title, size=16, bold=True, align="center")
        if g.subtitle:
            _para(doc, g.subtitle, size=12, align="center")
    if g.unit:
        _para(doc, g.unit, size=10.5, align="right")
    table = doc.add_table(rows=len(g.rows), cols=g.ncols)
    table.style = doc.styles["Table Grid"]
    scale = text_width / sum(g.widths) if not g.attached else 2.0
    _fill(table, g, [Mm(w * scale) for w in g.widths])
    for note in g.notes:
        _para(doc, note, size=10.5)


def _tables(doc: DocxDocument, d: Draft) -> None:
    """Each table in a new section; the first shares its page with the part heading."""
    for i, t in enumerate(d.tables):
        for g in table_grids(t, d.accounts):
            if not g.attached and (i or g.landscape):
                _page(doc.add_section(WD_SECTION.NEW_PAGE), g.landscape)
            _grid(doc, g, 257.0 if g.landscape else 170.0)


def render_docx(d: Draft, seed: int) -> bytes:
    """The whole document as DOCX bytes (``seed`` is unused: Word files carry no noise)."""
    a = d.accounts
    doc = Document()
    _setup(doc, f"{a.dept.name}{a.year}年度部门决算", a.year)
    for _ in range(6):
        _para(doc, "")
    _para(doc, a.dept.name, size=26, bold=True, align="center")
    _para(doc, f"{a.year}年度部门决算", size=26, bold=True, align="center")
    new_section = False
    after_block = False
    for para in d.narrative.paras:
        if para.kind == "h1":
            if new_section:
                _page(doc.add_section(WD_SECTION.NEW_PAGE), wide=False)
            _para(doc, para.text, size=18, bold=True, align="center", page_break=not new_section)
            new_section = after_block = False
        elif para.kind == "tables":
            _tables(doc, d)
            new_section = True
        elif para.kind == "score_table":
            _para(doc, "", page_break=True)
            _grid(doc, score_grid(a, d.performance), 170.0)
            after_block = True
        elif para.kind in ("h2", "h3"):
            _para(doc, para.text, size=14 if para.kind == "h2" else 12, bold=True, page_break=after_block,
                  indent=para.kind == "h3")  # fmt: skip
            after_block = False
        else:
            _para(doc, para.text, indent=True, page_break=after_block)
            after_block = False
    buf = io.BytesIO()
    doc.save(buf)
    return stable_zip(buf.getvalue())
