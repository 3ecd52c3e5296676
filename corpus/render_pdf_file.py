"""Real PDF files (reportlab), laid out like the Shanghai 2024 部门决算 disclosures.

Why this layout: the checker now reads born-digital PDFs layout-aware (characters with positions,
ruling lines → table grids), so the generated files must carry what the real ones carry: A4
portrait narrative pages (a cover, 第一部分 概况, 第三部分 情况说明 …, bold headings, wrapped
paragraphs with a two-character first-line indent, a page number at the foot, “- 3 -” or “3”
by seed); 第二部分 with one table per page, wide tables on A4 landscape pages, the title centred,
“单位：万元” right-aligned above the table, every cell border drawn, header cells wrapped over
two or three lines where the column is narrow (“附属单位上\\n缴收入”), long 科目名称 wrapped
inside their cell, tables longer than a page continued on the next page WITHOUT repeating the
header, “注：…” lines under the table. The grids come from :mod:`corpus.file_layout`.

Text is drawn with the built-in CID font STSong-Light (no font file, no outlines): pypdfium2
extracts it as plain Unicode (no Kangxi code points). A narrative line never breaks inside a
number with its unit (“139.61元”, “12.34%”, “11批”) or inside “评价为优”, so defect hints stay
whole in the extracted text. ``invariant=1`` makes the bytes depend on the content only.
"""

from __future__ import annotations

import io
import re
from random import Random

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from corpus.defects import Draft
from corpus.file_layout import Grid, alignment, block_starts, cell_text, score_grid, table_grids
from corpus.render_common import tokens

FONT = "STSong-Light"
SIDE, TOP, BOTTOM = 50.0, 60.0, 58.0  # margins (pt)
BODY, BODY_LEADING = 12.0, 21.0
CELL, CELL_LEADING, CELL_PAD, MIN_ROW = 9.0, 11.0, 2.5, 16.0

_ATOMIC = re.compile(r"\d[\d.,]*(?:%|万元|元|批次|批|人次|个|辆|分)?|评价为[优良中差]|保有量|公用支出合计")
_NO_LINE_START = frozenset("，。；：、）”%")


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, width: float, size: float, first_width: float | None = None) -> list[str]:
    """Greedy line breaking by measured width; atomic tokens stay whole, no line starts with
    closing punctuation. ``first_width`` is the first line's width (an indented paragraph)."""
    lines: list[str] = []
    cur, used = "", 0.0
    limit = first_width if first_width is not None else width
    for tok in tokens(text, _ATOMIC):
        tw = _width(tok, size)
        if cur and used + tw > limit and tok[0] not in _NO_LINE_START:
            lines.append(cur)
            cur, used, limit = "", 0.0, width
        cur += tok
        used += tw
    if cur or not lines:
        lines.append(cur)
    return lines


class _PdfWriter:
    """A canvas with a cursor: pages, headings, paragraphs and ruled grids."""

    def __init__(self, seed: int, title: str) -> None:
        _register_font()
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor("")
        self.c.setCreator("")
        self.c.setProducer("")
        self.folio = "- {} -" if Random(seed * 7 + 1).random() < 0.6 else "{}"
        self.number = 0  # printed page number (the cover has none)
        self.w, self.h = A4
        self.y = self.h - TOP
        self.landscape = False
        self.started = False

    # ---------------------------------------------------------------- pages
    def page(self, wide: bool = False) -> None:
        if self.started:
            self._footer()
            self.c.showPage()
        self.started = True
        self.landscape = wide
        self.w, self.h = landscape(A4) if wide else A4
        self.c.setPageSize((self.w, self.h))
        self.y = self.h - TOP
        self.number += 1

    def _footer(self) -> None:
        if self.number > 1:  # page 1 is the cover
            label = self.folio.format(self.number - 1)
            self._text(self.w / 2 - _width(label, 10.5) / 2, BOTTOM / 2, label, 10.5)

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.page(self.landscape)

    def finish(self) -> bytes:
        self._footer()
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()

    # ---------------------------------------------------------------- text
    def _text(self, x: float, y: float, s: str, size: float, bold: bool = False) -> None:
        if not s:
            return
        if len(s) == 1 and not s.isascii():
            s += " "  # pdfium drops a lone CID-font character drawn as its own text object
        if bold:  # STSong-Light has no bold face: fill + stroke the glyphs (still real text)
            self.c.saveState()
            self.c.setLineWidth(size / 30)
            t = self.c.beginText(x, y)
            t.setFont(FONT, size)
            t.setTextRenderMode(2)
            t.textOut(s)
            t.setTextRenderMode(0)
            self.c.drawText(t)
            self.c.restoreState()
        else:
            self.c.setFont(FONT, size)
            self.c.drawString(x, y, s)

    def heading(
        self, text: str, size: float, align: str, before: float, after: float, indent: float = 0
    ) -> None:
        width = self.w - 2 * SIDE - indent
        lines = wrap(text, width, size)
        leading = size * 1.6
        self.need(before + leading * len(lines) + BODY_LEADING)
        self.y -= before
        for line in lines:
            self.y -= leading
            x = SIDE + indent if align == "left" else (self.w - _width(line, size)) / 2
            self._text(x, self.y + (leading - size) / 2, line, size, bold=True)
        self.y -= after

    def paragraph(
        self, text: str, size: float = BODY, leading: float = BODY_LEADING, indent: int = 2
    ) -> None:
        width = self.w - 2 * SIDE
        first = width - indent * size
        for i, line in enumerate(wrap(text, width, size, first)):
            self.need(leading)
            self.y -= leading
            x = SIDE + (indent * size if i == 0 else 0)
            self._text(x, self.y + (leading - size) / 2, line, size)
        self.y -= 4

    def centred(self, text: str, size: float, bold: bool = False, after: float = 4) -> None:
        self.y -= size * 1.4
        self._text((self.w - _width(text, size)) / 2, self.y, text, size, bold)
        self.y -= after

    # ---------------------------------------------------------------- grids
    def grid(self, g: Grid) -> None:
        full = self.w - 2 * SIDE
        width = full  # a public table spans the text width; an attached one keeps its own size
        if g.attached:
            width = min(full, full * sum(g.widths) / (230.0 if self.landscape else 150.0))
        left = (self.w - width) / 2
        scale = width / sum(g.widths)
        xs = [left]
        for w in g.widths:
            xs.append(xs[-1] + w * scale)
        lines, heights = self._measure(g, xs)
        self._title_block(g, heights)
        starts = block_starts(g)
        row = 0
        while row < len(g.rows):
            end = row + 1
            while end < len(g.rows) and not starts[end]:
                end += 1
            block_h = sum(heights[row:end])
            if row >= g.n_header and self.y - block_h < BOTTOM:
                self.page(self.landscape)  # continued: no header repeat
            self._draw_rows(g, xs, lines, heights, row, end, self.y)
            self.y -= block_h
            row = end
        self.y -= 6
        for note in g.notes:
            for line in wrap(note, full, 9.5):
                self.need(14)
                self.y -= 14
                self._text(SIDE, self.y + 3, line, 9.5)

    def _measure(self, g: Grid, xs: list[float]) -> tuple[dict[tuple[int, int], list[str]], list[float]]:
        lines: dict[tuple[int, int], list[str]] = {}
        heights = [MIN_ROW] * len(g.rows)
        spans = []
        for r, row in enumerate(g.rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                inner = xs[c + cell.colspan] - xs[c] - 2 * CELL_PAD
                text = cell_text(cell.value)
                lines[(r, c)] = wrap(text, inner, CELL) if text else []
                need = len(lines[(r, c)]) * CELL_LEADING + 2 * CELL_PAD + 1
                if cell.rowspan == 1:
                    heights[r] = max(heights[r], need)
                else:
                    spans.append((r, cell.rowspan, need))
        for r, n, need in spans:
            have = sum(heights[r : r + n])
            if need > have:
                heights[r + n - 1] += need - have
        return lines, heights

    def _title_block(self, g: Grid, heights: list[float]) -> None:
        head = sum(heights[: g.n_header]) + (heights[g.n_header] if len(heights) > g.n_header else 0)
        if g.attached:
            self.need(40 + head)
            self.y -= 14
            self.centred(g.title, 11.5, bold=True, after=6)
        else:
            self.need(60 + head)
            self.centred(g.title, 15, after=4)
            if g.subtitle:
                self.centred(g.subtitle, 11, after=4)
        if g.unit:
            self.y -= 13
            self._text(self.w - SIDE - _width(g.unit, 10), self.y + 2, g.unit, 10)
        self.y -= 4

    def _draw_rows(self, g: Grid, xs: list[float], lines: dict[tuple[int, int], list[str]],
                   heights: list[float], start: int, end: int, top: float) -> None:  # fmt: skip
        c = self.c
        c.setLineWidth(0.6)
        y_of = {start: top}
        for r in range(start, end):
            y_of[r + 1] = y_of[r] - heights[r]
        for r in range(start, end):
            for col, cell in enumerate(g.rows[r]):
                if cell is None:
                    continue
                x0, x1 = xs[col], xs[col + cell.colspan]
                y0 = y_of[r]
                y1 = y0 - sum(heights[r : r + cell.rowspan])
                c.rect(x0, y1, x1 - x0, y0 - y1, stroke=1, fill=0)
                self._cell_text(lines[(r, col)], alignment(cell, r < g.n_header), x0, x1, y0, y1)

    def _cell_text(self, lines: list[str], align: str, x0: float, x1: float, y0: float, y1: float) -> None:
        block = len(lines) * CELL_LEADING
        base = y0 - ((y0 - y1) - block) / 2 - CELL_LEADING + (CELL_LEADING - CELL) / 2 + 1.5
        for i, line in enumerate(lines):
            w = _width(line, CELL)
            if align == "right":
                x = x1 - CELL_PAD - w
            elif align == "center":
                x = (x0 + x1 - w) / 2
            else:
                x = x0 + CELL_PAD
            self._text(x, base - i * CELL_LEADING, line, CELL)


def render_pdf_file(d: Draft, seed: int) -> bytes:
    """The whole document as PDF bytes."""
    a = d.accounts
    pdf = _PdfWriter(seed, f"{a.dept.name}{a.year}年度部门决算")
    pdf.page()
    pdf.y = pdf.h * 0.62
    pdf.centred(a.dept.name, 24, bold=True, after=18)
    pdf.centred(f"{a.year}年度部门决算", 24, bold=True)
    fresh_page = False
    for para in d.narrative.paras:
        if para.kind == "h1":
            pdf.page()
            pdf.heading(para.text, 18, "center", 6, 14)
            fresh_page = False
        elif para.kind == "tables":
            for i, t in enumerate(d.tables):
                for g in table_grids(t, a):
                    if not g.attached and (i or g.landscape != pdf.landscape):
                        pdf.page(g.landscape)
                    pdf.grid(g)
            fresh_page = True
        elif para.kind == "score_table":
            pdf.page()
            pdf.grid(score_grid(a, d.performance))
            fresh_page = True
        else:
            if fresh_page:
                pdf.page()
                fresh_page = False
            if para.kind == "h2":
                pdf.heading(para.text, 13.5, "left", 6, 2)
            elif para.kind == "h3":
                pdf.heading(para.text, 12, "left", 2, 0, indent=24)
            else:
                pdf.paragraph(para.text)
    return pdf.finish()
