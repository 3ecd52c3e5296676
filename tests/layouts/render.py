"""A small reportlab renderer for final-accounts-like pages: paragraphs and tables.

The font is reportlab's built-in CID font STSong-Light (not embedded, no font file needed), which is
what many generated disclosures effectively give the reader: text whose glyphs must be mapped
through the CID font's encoding.

Table drawing styles (``style``), each imitating a way real disclosures draw their tables:

* ``full``   every cell edge a stroked line segment (Excel / Word exports: the baseline)
* ``rects``  every cell a stroked rectangle (some PDF printers emit ``re`` + ``S`` per cell)
* ``none``   no lines at all: columns exist only as text positions (tables pasted as text)
* ``three``  three-line table: top rule, a rule under the header, bottom rule, no verticals
* ``fill``   no strokes: borders are thin *filled* rectangles, grey header, alternate rows shaded
  (what WPS and some converters produce)
* ``shade``  no borders at all: every cell a filled grey rectangle, white gaps between cells
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.colors import Color, black
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
A4 = (595.0, 842.0)
_SHADE = Color(0.85, 0.85, 0.85)
_SHADE_ALT = Color(0.93, 0.93, 0.93)


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "（）“”、：，。"


def safe(text: str) -> str:
    """pdfium drops a lone CJK glyph of the STSong-Light CID font from the text layer (a one-character
    string such as 类 / 款 / 项 would vanish): draw single characters with a trailing space."""
    t = text.strip()
    if len(t) == 1 and is_cjk(t):
        return t + " "
    return text


def fmt(v: Decimal | str | None, sep: bool = True, yuan: bool = False) -> str:
    """An amount as printed: blank for None (and for zero in 万元), thousands separators if ``sep``,
    multiplied by 10000 if ``yuan``. Strings that are not numbers (“——”) are printed as they are."""
    if v is None:
        return ""
    if isinstance(v, str):
        if not v or not v[0].isdigit():
            return v
        v = Decimal(v)
    if yuan:
        v = v * 10000
    if v == 0 and not yuan:
        return ""
    return f"{v:,.2f}" if sep else f"{v:.2f}"


def string_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (character by character, as CJK text wraps)."""
    if not text:
        return [""]
    if string_width(text, size) <= width:
        return [text]
    lines, cur = [], ""
    for ch in text:
        if string_width(cur + ch, size) > width and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    lines.append(cur)
    return lines


@dataclass
class C:
    """A table cell: text, column span ``cs``, row span ``rs``, alignment l / r / c (None: the column's)."""

    text: str = ""
    cs: int = 1
    rs: int = 1
    align: str | None = None


def cells(row: list) -> list[C]:
    return [x if isinstance(x, C) else C(str(x) if x is not None else "") for x in row]


@dataclass
class TSpec:
    """A table: column widths (scaled to the text width), header rows and body rows (HTML-like: a row lists
    only the cells that start in it, spans allowed), body alignment per column."""

    widths: list[float]
    header: list[list]
    body: list[list]
    align: list[str]
    title_row: str | None = None  # the title printed inside the table, as its first (merged) row
    unit_row: str | None = None  # e.g. 单位：万元 as the table's second (merged) row
    size: float = 7.5
    row_h: float = 15.0
    pad: float = 2.0  # text inset from the cell edge


def _layout(rows: list[list]) -> list[tuple[int, int, C]]:
    """Rows of cells → ``(row, column, cell)`` with the columns taken by row spans skipped."""
    occupied: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in cells(row):
            while (r, c) in occupied:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rs):
                for dc in range(cell.cs):
                    occupied.add((r + dr, c + dc))
            c += cell.cs
    return out


class Doc:
    """A document being drawn top-down on A4 pages; coordinates are measured from the page's top.

    Pages can be portrait, landscape (a true 842×595 page) or *rotated*: a portrait page with /Rotate 90
    whose content is drawn turned so that it displays as an upright landscape page, as Word writes
    landscape sections. (Rotated pages are not in the regression test: with a non-embedded CID font
    their text depends on the system having a CJK font.)
    """

    def __init__(self, margin: float = 40):
        self._buf = io.BytesIO()
        self.c = canvas.Canvas(self._buf, pagesize=A4, invariant=1)
        self.margin = margin
        self.landscape = False
        self.rotated = False
        self.W, self.H = A4
        self.y = 0.0
        self.pageno = 0
        self._start(False, False)

    # pages
    def _start(self, landscape: bool, rotated: bool) -> None:
        c = self.c
        self.landscape, self.rotated = landscape, rotated
        if rotated:
            c.setPageSize(A4)
            c.setPageRotation(90)
            c.translate(A4[0], 0)
            c.rotate(90)
            self.W, self.H = A4[1], A4[0]
        else:
            c.setPageRotation(0)
            size = (A4[1], A4[0]) if landscape else A4
            c.setPageSize(size)
            self.W, self.H = size
        self.y = self.margin
        self.pageno += 1

    def new_page(self, landscape: bool | None = None, rotated: bool | None = None) -> None:
        self._footer()
        self.c.showPage()
        self._start(
            self.landscape if landscape is None else landscape, self.rotated if rotated is None else rotated
        )

    def _footer(self) -> None:
        self.text_at(self.W / 2, self.H - 20, f"— {self.pageno} —", 9, "c")

    def finish(self) -> bytes:
        """Close the last page and return the PDF."""
        self._footer()
        self.c.showPage()
        self.c.save()
        return self._buf.getvalue()

    # text
    def text_at(self, x: float, top: float, text: str, size: float = 10, align: str = "l") -> None:
        c = self.c
        c.setFillColor(black)
        c.setFont(FONT, size)
        y = self.H - top - size * 0.85
        text = safe(text)
        if align == "c":
            c.drawCentredString(x, y, text)
        elif align == "r":
            c.drawRightString(x, y, text)
        else:
            c.drawString(x, y, text)

    def para(self, text: str, size: float = 10.5, align: str = "l", gap: float = 4) -> None:
        """A paragraph across the text width, wrapped, starting a new page when full."""
        width = self.W - 2 * self.margin
        for line in wrap(text, width, size):
            if self.y + size > self.H - self.margin:
                self.new_page()
            x = {"l": self.margin, "c": self.W / 2, "r": self.W - self.margin}[align]
            self.text_at(x, self.y, line, size, align)
            self.y += size + gap

    def space(self, dy: float) -> None:
        self.y += dy

    # tables
    def table(
        self,
        spec: TSpec,
        style: str = "full",
        repeat_header: bool = False,
        max_rows_first: int | None = None,
        cont_lines: tuple = (),
    ) -> Doc:
        """Draw ``spec`` across the text width in ``style``. A table longer than the page continues on the
        next; ``max_rows_first`` forces the break after that many body rows. On continuation pages the
        header is repeated if ``repeat_header``, below ``cont_lines`` ((text, size, align): a repeated
        title, 续表 …)."""
        ncol = len(spec.widths)
        k = (self.W - 2 * self.margin) / sum(spec.widths)
        xs = [self.margin]
        for w in spec.widths:
            xs.append(xs[-1] + w * k)
        size = spec.size
        lead = size + 2
        pre = []
        if spec.title_row:
            pre.append([C(spec.title_row, cs=ncol, align="c")])
        if spec.unit_row:
            pre.append([C(spec.unit_row, cs=ncol, align="r")])

        def need(c: int, cell: C) -> float:
            return len(wrap(cell.text, xs[c + cell.cs] - xs[c] - 4, size)) * lead + 4

        def heights(rows: list[list]) -> tuple[list, list[float]]:
            lay = _layout(rows)
            hs = [spec.row_h] * len(rows)
            for r, c, cell in lay:
                if cell.rs == 1:
                    hs[r] = max(hs[r], need(c, cell))
            for r, c, cell in lay:
                if cell.rs > 1:
                    have = sum(hs[r : r + cell.rs])
                    if need(c, cell) > have:
                        hs[r + cell.rs - 1] += need(c, cell) - have
            return lay, hs

        pre_lay, pre_h = heights(pre) if pre else ([], [])
        head_lay, head_h = heights(spec.header)
        body_rows = [cells(r) for r in spec.body]
        body_h = [heights([r])[1][0] for r in body_rows]

        i = 0
        first = True
        while i < len(body_rows) or first:
            top = y = self.y
            blocks = []
            if first and pre:
                blocks.append(("pre", pre_lay, pre_h, y, None))
                y += sum(pre_h)
            if first or repeat_header:
                blocks.append(("head", head_lay, head_h, y, None))
                y += sum(head_h)
            j = i
            limit = self.H - self.margin - 10
            while j < len(body_rows) and y + body_h[j] <= limit:
                if max_rows_first and first and j - i >= max_rows_first:
                    break
                blocks.append(("body", _layout([body_rows[j]]), [body_h[j]], y, j))
                y += body_h[j]
                j += 1
            if j == i and i < len(body_rows) and not first:  # a row taller than a page: draw it anyway
                blocks.append(("body", _layout([body_rows[i]]), [body_h[i]], y, i))
                y += body_h[i]
                j = i + 1
            self._draw_blocks(blocks, xs, spec, style, lead, top, y)
            self.y = y + 8
            i = j
            first = False
            if i < len(body_rows):
                self.new_page()
                for text, sz, al in cont_lines:
                    self.para(text, sz, al, gap=4)
        return self

    def _draw_blocks(
        self, blocks: list, xs: list[float], spec: TSpec, style: str, lead: float, top: float, bottom: float
    ) -> None:
        c = self.c
        H = self.H
        size = spec.size
        header_bottom = None
        for kind, lay, hs, y0, idx in blocks:
            ys = [y0]
            for h in hs:
                ys.append(ys[-1] + h)
            if kind == "head":
                header_bottom = ys[-1]
            for r, col, cell in lay:
                x0, x1 = xs[col], xs[col + cell.cs]
                y_top, y_bot = ys[r], ys[r + cell.rs]
                # backgrounds
                if style == "shade":
                    c.setFillColor(_SHADE if kind != "body" or idx % 2 == 0 else _SHADE_ALT)
                    c.rect(x0 + 0.8, H - y_bot + 0.8, x1 - x0 - 1.6, y_bot - y_top - 1.6, stroke=0, fill=1)
                elif style == "fill" and (kind == "head" or (kind == "body" and idx % 2 == 1)):
                    c.setFillColor(_SHADE)
                    c.rect(x0, H - y_bot, x1 - x0, y_bot - y_top, stroke=0, fill=1)
                # borders
                if style == "full" and kind != "pre":
                    c.setStrokeColor(black)
                    c.setLineWidth(0.5)
                    c.line(x0, H - y_top, x1, H - y_top)
                    c.line(x0, H - y_bot, x1, H - y_bot)
                    c.line(x0, H - y_top, x0, H - y_bot)
                    c.line(x1, H - y_top, x1, H - y_bot)
                elif style == "rects" or (style == "full" and kind == "pre"):
                    c.setStrokeColor(black)
                    c.setLineWidth(0.5)
                    c.rect(x0, H - y_bot, x1 - x0, y_bot - y_top, stroke=1, fill=0)
                elif style == "fill":
                    c.setFillColor(black)
                    t = 0.6
                    c.rect(x0, H - y_top - t / 2, x1 - x0, t, stroke=0, fill=1)
                    c.rect(x0, H - y_bot - t / 2, x1 - x0, t, stroke=0, fill=1)
                    c.rect(x0 - t / 2, H - y_bot, t, y_bot - y_top, stroke=0, fill=1)
                    c.rect(x1 - t / 2, H - y_bot, t, y_bot - y_top, stroke=0, fill=1)
                # text: header centred, body per column (merged body cells centred)
                align = cell.align or ("c" if kind == "head" or cell.cs > 1 else spec.align[col])
                lines = wrap(cell.text, x1 - x0 - 2 * spec.pad, size)
                ty = y_top + (y_bot - y_top - len(lines) * lead) / 2 + 1
                for line in lines:
                    if line:
                        x = {"l": x0 + spec.pad, "c": (x0 + x1) / 2, "r": x1 - spec.pad}[align]
                        self.text_at(x, ty, line, size, align)
                    ty += lead
        if style == "three":
            c.setStrokeColor(black)
            head_top = next((b[3] for b in blocks if b[0] == "head"), top)
            c.setLineWidth(1.0)
            c.line(xs[0], H - head_top, xs[-1], H - head_top)
            if header_bottom is not None:
                c.setLineWidth(0.5)
                c.line(xs[0], H - header_bottom, xs[-1], H - header_bottom)
            c.setLineWidth(1.0)
            c.line(xs[0], H - bottom, xs[-1], H - bottom)
