"""The extracted document: one format-neutral model every extractor produces (PDF, DOCX, XLSX,
text, scans read by OCR) and the parser reads.

After docling-core's ``DoclingDocument``: pages hold text lines and table grids, and everything
keeps its provenance (:class:`Prov`: physical page, box on the page, character span) and a
confidence. The same :class:`Prov` travels on into parsed cells, narrative claims and finding
evidence, so a finding can point at a box on a page of the original.

Coordinates are PDF points with the origin at the page's top-left corner (y grows downwards), the
convention of pdfplumber and of the rendered page images. Sources without a layout (text, DOCX)
leave boxes empty; XLSX boxes are (column, row) indices of the sheet, not points.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class BBox(BaseModel):
    """An axis-aligned box: x0 < x1 left to right, y0 < y1 top to bottom."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: BBox | None) -> BBox:
        if other is None:
            return self
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def rounded(self, places: int = 1) -> BBox:
        return BBox(
            x0=round(self.x0, places),
            y0=round(self.y0, places),
            x1=round(self.x1, places),
            y1=round(self.y1, places),
        )

    @staticmethod
    def enclosing(boxes: list[BBox | None]) -> BBox | None:
        out: BBox | None = None
        for b in boxes:
            if b is not None:
                out = b if out is None else out.union(b)
        return out


class Prov(BaseModel):
    """Where a value was read. ``page`` is the physical page (1-based; a sheet for XLSX), ``bbox``
    its box on that page, ``span`` the character range within its line's text, ``line`` the
    running line number (the source line for text files). The printed page label, where a page
    has one, is kept on the page (``Page.label``), not repeated here."""

    page: int | None = None
    bbox: BBox | None = None
    span: tuple[int, int] | None = None
    line: int | None = None


class Token(BaseModel):
    """A run of characters without a wide gap (a word, a number, a CJK phrase). ``span`` indexes
    the line's ``text``."""

    text: str
    span: tuple[int, int]
    bbox: BBox | None = None
    confidence: float = 1.0


class Line(BaseModel):
    """One line of text. ``text`` is the original (quotes use it), ``norm`` its matching form
    (Kangxi radicals folded, full-width digits made ASCII): both have the same length, so spans
    index either. ``ocr`` marks text read by OCR: its numbers may have lost their decimal point
    or have letters for digits, and the readers repair them with lowered confidence."""

    page: int
    line: int  # reading order: 1-based, shared with Grid.seq (the source line number for text files)
    text: str
    norm: str
    bbox: BBox | None = None
    tokens: list[Token] = Field(default_factory=list)
    confidence: float = 1.0
    ocr: bool = False

    @property
    def prov(self) -> Prov:
        return Prov(page=self.page, bbox=self.bbox, line=self.line)

    def span_bbox(self, start: int, end: int) -> BBox | None:
        """The box of ``text[start:end]``: tokens it overlaps, cut proportionally inside a token."""
        if not self.tokens:
            return self.bbox
        out: BBox | None = None
        for tok in self.tokens:
            a, b = max(start, tok.span[0]), min(end, tok.span[1])
            if a >= b or tok.bbox is None:
                continue
            n = max(tok.span[1] - tok.span[0], 1)
            w = tok.bbox.width
            part = BBox(
                x0=tok.bbox.x0 + w * (a - tok.span[0]) / n,
                y0=tok.bbox.y0,
                x1=tok.bbox.x0 + w * (b - tok.span[0]) / n,
                y1=tok.bbox.y1,
            )
            out = part if out is None else out.union(part)
        return out or self.bbox


class GridCell(BaseModel):
    """One cell of a table grid. A merged cell appears once, at its top-left position, with its
    spans. ``header`` is set when the source says so (a DOCX repeated header row); otherwise the
    table readers decide from the labels."""

    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    header: bool = False
    text: str = ""
    bbox: BBox | None = None
    confidence: float = 1.0


class Grid(BaseModel):
    """A table as a grid of cells (from ruling lines, from alignment, or from the source's own
    table structure)."""

    page: int
    seq: int  # reading order, numbered with Line.line
    n_rows: int
    n_cols: int
    cells: list[GridCell] = Field(default_factory=list)
    bbox: BBox | None = None
    ruled: bool = True  # False: rows and columns inferred from text alignment
    col_edges: list[float] = Field(default_factory=list)  # x of the column boundaries (PDF), left to right
    ocr: bool = False  # read by OCR from a page image: codes and figures may be misread or missed

    def matrix(self) -> list[list[GridCell | None]]:
        """Row-major positions; a merged cell fills every position it covers (the same object)."""
        out: list[list[GridCell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, min(c.row + c.row_span, self.n_rows)):
                for k in range(c.col, min(c.col + c.col_span, self.n_cols)):
                    out[r][k] = c
        return out

    def row_texts(self) -> list[str]:
        """Each row's distinct cell texts joined by spaces (how a row reads as a line of text)."""
        out = []
        for row in self.matrix():
            parts: list[str] = []
            seen: list[GridCell] = []
            for c in row:
                if c is not None and all(c is not o for o in seen) and c.text:
                    seen.append(c)
                    parts.append(c.text)
            out.append(" ".join(parts))
        return out


class Page(BaseModel):
    number: int  # 1-based physical index (a sheet's index in a workbook)
    label: str | None = None  # the printed page number where the page shows one ("— 16 —" → "16")
    width: float | None = None
    height: float | None = None
    name: str | None = None  # a sheet's name (XLSX)
    lines: list[Line] = Field(default_factory=list)
    grids: list[Grid] = Field(default_factory=list)
    has_text_layer: bool = True  # False: a scanned page (needs OCR)


class DocumentKind(StrEnum):
    """How the document reached us; the extractor that read it."""

    TEXT = "text"  # plain text of unknown origin
    OCR_TEXT = "ocr-text"  # OCR of a scan, as text: decimal points lost, letters for digits
    WORD_TEXT = "word-text"  # Word export as text: bookmarks, tab-separated tables
    PDF_TEXT = "pdf-text"  # PDF text extraction as text: Kangxi radicals, thousands separators
    PDF = "pdf"  # a born-digital PDF, read with its layout
    DOCX = "docx"  # a Word document (.docx; .doc converted)
    XLSX = "xlsx"  # an Excel workbook (.xlsx; .xls converted)
    SCAN = "scan"  # a scanned PDF or page images, read by OCR with its layout

    @property
    def has_layout(self) -> bool:
        return self in (DocumentKind.PDF, DocumentKind.DOCX, DocumentKind.XLSX, DocumentKind.SCAN)

    @property
    def is_ocr(self) -> bool:
        """Read by OCR (a scan's text, or a scan read with its layout): characters may be misread,
        so rules that compare letters, punctuation or numbering are lenient with it."""
        return self in (DocumentKind.OCR_TEXT, DocumentKind.SCAN)


class ExtractedDocument(BaseModel):
    source_name: str
    sha256: str
    kind: DocumentKind
    encoding: str | None = None  # text sources only
    pages: list[Page]
    warnings: list[str] = Field(default_factory=list)  # Chinese, shown in the report's 解析说明
    converted_from: str | None = None  # "doc" / "xls" when LibreOffice converted a legacy file

    def lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines]

    def grids(self) -> list[Grid]:
        return [g for p in self.pages for g in p.grids]

    def blocks(self) -> Iterator[Line | Grid]:
        """Lines and grids of the whole document in reading order."""
        for p in self.pages:
            items: list[Line | Grid] = [*p.lines, *p.grids]
            items.sort(key=lambda b: b.line if isinstance(b, Line) else b.seq)
            yield from items

    def page_labels(self) -> dict[int, str]:
        """Printed page labels that differ from the physical page number."""
        return {p.number: p.label for p in self.pages if p.label and p.label != str(p.number)}
