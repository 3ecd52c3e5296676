"""Word (.docx) → ExtractedDocument.

python-docx opens the package (it follows the relationships to the main document part, wherever
it is stored; .docm and .dotx read too); the body is then walked directly on its XML, because python-docx's own objects
lose things the readers need: text inside hyperlinks, content controls (a table of contents is
one) and fields, and the real table grid.

Decisions:

- Reading order is the body's order: paragraphs and tables interleaved, content controls
  (``w:sdt``) and custom XML unwrapped. Every non-empty paragraph is a :class:`Line`, every table
  a :class:`Grid`; both take numbers from one running counter (``Line.line`` / ``Grid.seq``).
  Text boxes anchored in a paragraph follow it as their own lines (the first rendering of each
  box only: a box is stored twice, as DrawingML and as a VML fallback).
- Text is taken from ``w:t`` (and tabs, breaks) only: deleted and moved-away revisions, field
  instructions and ruby guides are skipped, so a field reads as its displayed result. A soft line
  break inside a paragraph is glued like the paragraphs of a table cell
  (:func:`.office.join_pieces`): nothing next to CJK, a space between other pieces.
- Pages are an estimate, since Word lays pages out only when it draws them. When the file holds
  Word's record of its last layout (``w:lastRenderedPageBreak``) those marks are the page breaks;
  otherwise explicit breaks count: page breaks, "page break before" paragraphs and section breaks
  that start a new page. A file with none of them is one page.
- Tables keep their real grid: ``w:gridSpan`` is a column span, a ``w:vMerge`` run (restart, then
  continue) a row span, and a merged cell appears once, at its top-left position, with its spans
  (as :meth:`Grid.matrix` expects); positions no cell covers (short rows) get empty cells, so every
  position of the grid is covered. ``w:tblHeader`` rows are marked ``header``. Nested tables are
  flattened into their cell's text.
- Headers, footers, footnotes and comments are not body text and are not read.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.package import Package

from shared.document import DocumentKind, ExtractedDocument, Grid, GridCell, Line, Page
from shared.normalize import normalize_for_matching

from .office import OfficeLimits, check_office_zip, damaged_error, join_pieces, too_large_error

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_WRAPPERS = frozenset({qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:smartTag")})
_T, _TAB, _PTAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:ptab"), qn("w:br"), qn("w:cr")
_RENDERED_BREAK, _NB_HYPHEN = qn("w:lastRenderedPageBreak"), qn("w:noBreakHyphen")
_TXBX = qn("w:txbxContent")
_MC_ALT = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_BOXES = frozenset({qn("w:drawing"), qn("w:pict"), qn("w:object"), _MC_ALT})
# Never displayed as body text (or displayed elsewhere: text boxes are read on their own).
_SKIP = frozenset(
    {
        qn("w:pPr"),
        qn("w:rPr"),
        qn("w:delText"),
        qn("w:instrText"),
        qn("w:delInstrText"),
        qn("w:del"),
        qn("w:moveFrom"),
        qn("w:rt"),
        qn("w:fldData"),
        qn("w:footnoteReference"),
        qn("w:endnoteReference"),
        qn("w:commentReference"),
    }
)
_VAL, _TYPE = qn("w:val"), qn("w:type")
_MAX_SPAN = 1000


@dataclass
class _Walk:
    """State of one pass over the body."""

    limits: OfficeLimits
    rendered: bool  # the file records Word's last layout: its marks are the page breaks
    sections: list[Any]  # the w:sectPr elements, in order (the body's own last)
    page: int = 1
    section: int = 0
    seq: int = 0
    paragraphs: int = 0
    cells: int = 0
    rows: int = 0
    lines: list[Line] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    page_sizes: dict[int, tuple[float, float] | tuple[None, None]] = field(default_factory=dict)


def extract_docx(name: str, data: bytes, limits: OfficeLimits | None = None) -> ExtractedDocument:
    """Read a .docx file. Raises BadInputError (Chinese message) for a damaged or oversized file."""
    limits = limits or OfficeLimits()
    members = check_office_zip(data, limits, "Word")
    _precount(data, members, limits)
    body = _open_body(data)
    sections = [s for s in body.iter(qn("w:sectPr")) if s.getparent().tag in (qn("w:pPr"), body.tag)]
    walk = _Walk(
        limits=limits, rendered=next(body.iter(_RENDERED_BREAK), None) is not None, sections=sections
    )
    for block in _blocks(body):
        _block(block, walk)
    last = max([ln.page for ln in walk.lines] + [g.page for g in walk.grids] + [1])
    if last > limits.max_pages:
        raise too_large_error("Word", f"{last} pages", f"页数超过 {limits.max_pages} 页，约 {last} 页")
    pages = []
    for number in range(1, last + 1):
        width, height = walk.page_sizes.get(number, (None, None))
        pages.append(
            Page(
                number=number,
                width=width,
                height=height,
                lines=[ln for ln in walk.lines if ln.page == number],
                grids=[g for g in walk.grids if g.page == number],
            )
        )
    notes = []
    if next(body.iter(qn("w:altChunk")), None) is not None:
        notes.append("文档中有以嵌入方式插入的内容（如粘贴的网页或其他文档），这部分内容未能读取。")
    if next(body.iter(qn("w:object")), None) is not None:
        notes.append("文档中有嵌入对象（如以“对象”方式粘贴的 Excel 表格），显示为图片，其中内容未能读取。")
    return ExtractedDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=DocumentKind.DOCX,
        pages=pages,
        warnings=notes,
    )


_MAIN_REL = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?\sType="[^"]*/officeDocument"[^>]*>')
_TARGET = re.compile(rb'\sTarget="([^"]*)"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?tr[\s/>]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?tc[\s/>]")


def _precount(data: bytes, members: list[str], limits: OfficeLimits) -> None:
    """Refuse a document whose tables have too many rows or cells, counted on the main part's
    bytes before python-docx parses it (a tree of a few hundred thousand cells costs gigabytes).
    The counts are upper bounds (nested tables and drawing tables count too); the walk counts the
    exact grid later."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            target = "word/document.xml"
            if "_rels/.rels" in members:
                rel = _MAIN_REL.search(zf.read("_rels/.rels"))
                found = _TARGET.search(rel.group(0)) if rel else None
                if found:
                    target = found.group(1).decode("utf-8", "replace").lstrip("/")
            if target not in members:
                return  # python-docx reports a missing main part
            raw = zf.read(target)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, KeyError):
        return  # damage: python-docx reports it
    rows = sum(1 for _ in _ROW_TAG.finditer(raw))
    if rows > limits.max_table_rows:
        raise too_large_error(
            "Word", f"{rows} table rows", f"表格行数超过 {limits.max_table_rows:,} 行，约 {rows:,} 行"
        )
    cells = sum(1 for _ in _CELL_TAG.finditer(raw))
    if cells > limits.max_table_cells:
        raise too_large_error(
            "Word", f"{cells} table cells", f"表格单元格超过 {limits.max_table_cells:,} 个，约 {cells:,} 个"
        )


def _open_body(data: bytes) -> Any:
    """The ``w:body`` of the package's main document part. Opened through the package rather than
    ``docx.Document`` so that macro-enabled documents and templates (.docm, .dotx), whose main
    part python-docx does not wrap, read the same."""
    try:
        part = Package.open(io.BytesIO(data)).main_document_part
        element = getattr(part, "element", None)
        if element is None:
            element = parse_xml(part.blob)
    except Exception as exc:  # a third-party parser over untrusted bytes: any failure = unreadable
        raise damaged_error("Word", f"{type(exc).__name__}: {exc}") from exc
    body = element.find(qn("w:body"))
    if body is None:
        raise damaged_error("Word", f"main part {element.tag} without w:body")
    return body


def _blocks(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables under ``parent``, in order, through content controls."""
    for child in parent:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag in _WRAPPERS:
            yield from _blocks(child)


def _children(parent: Any, tag: str) -> Iterator[Any]:
    """Children of ``parent`` with ``tag`` (rows of a table, cells of a row), through wrappers."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _block(block: Any, walk: _Walk) -> None:
    if block.tag == _TBL:
        grid = _table(block, walk)
        if grid is not None:
            walk.seq += 1
            grid.seq = walk.seq
            walk.grids.append(grid)
        return
    size = _page_size(walk)  # before the paragraph: it may end its section
    text, page, boxes = _paragraph(block, walk)
    if text:
        walk.seq += 1
        walk.lines.append(Line(page=page, line=walk.seq, text=text, norm=normalize_for_matching(text)))
        walk.page_sizes.setdefault(page, size)
    for box in boxes:
        for inner in _blocks(box):
            _block(inner, walk)


def _flag(el: Any, tag: str) -> bool:
    """An on/off property child (``<w:tblHeader/>``, ``<w:pageBreakBefore w:val="0"/>``)."""
    child = el.find(tag) if el is not None else None
    return child is not None and child.get(_VAL, "true").lower() not in ("0", "false", "off")


def _paragraph(p: Any, walk: _Walk) -> tuple[str, int, list[Any]]:
    """(text, page where the text starts, text boxes anchored here) of one paragraph, advancing
    the page counter past the breaks it holds."""
    walk.paragraphs += 1
    if walk.paragraphs > walk.limits.max_paragraphs:
        raise too_large_error(
            "Word", f"> {walk.limits.max_paragraphs} paragraphs", f"段落超过 {walk.limits.max_paragraphs} 个"
        )
    ppr = p.find(qn("w:pPr"))
    if not walk.rendered and _flag(ppr, qn("w:pageBreakBefore")):
        walk.page += 1
    pieces: list[str] = [""]
    boxes: list[Any] = []
    first_page: list[int] = []

    def visit(el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag == _T:
                if child.text:
                    pieces[-1] += child.text
                    if not first_page and child.text.strip():
                        first_page.append(walk.page)
            elif tag in (_TAB, _PTAB):
                pieces[-1] += "\t"
            elif tag == _NB_HYPHEN:
                pieces[-1] += "-"
            elif tag in (_BR, _CR):
                if tag == _BR and child.get(_TYPE) == "page" and not walk.rendered:
                    walk.page += 1
                pieces.append("")
            elif tag == _RENDERED_BREAK:
                walk.page += 1
            elif tag in _BOXES:
                box = next(child.iter(_TXBX), None)  # the first rendering only (DrawingML or VML)
                if box is not None:
                    boxes.append(box)
            elif tag not in _SKIP:
                visit(child)

    visit(p)
    page = first_page[0] if first_page else walk.page
    if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
        _end_section(walk)
    return join_pieces(pieces), page, boxes


def _end_section(walk: _Walk) -> None:
    """A section ends: the next one starts a new page unless it is continuous."""
    walk.section += 1
    if walk.section < len(walk.sections):
        kind = walk.sections[walk.section].find(_TYPE)
        value = kind.get(_VAL, "nextPage") if kind is not None else "nextPage"
        if not walk.rendered and value in ("nextPage", "oddPage", "evenPage"):
            walk.page += 1


def _page_size(walk: _Walk) -> tuple[float, float] | tuple[None, None]:
    """The current section's page size in points (twips / 20)."""
    if walk.section >= len(walk.sections):
        return None, None
    size = walk.sections[walk.section].find(qn("w:pgSz"))
    try:
        return int(size.get(qn("w:w"))) / 20, int(size.get(qn("w:h"))) / 20
    except (AttributeError, TypeError, ValueError):
        return None, None


def _int(el: Any, tag: str, default: int) -> int:
    child = el.find(tag) if el is not None else None
    try:
        return int(child.get(_VAL)) if child is not None else default
    except (TypeError, ValueError):
        return default


def _table(tbl: Any, walk: _Walk) -> Grid | None:
    start_page, size = walk.page, _page_size(walk)
    grid_el = tbl.find(qn("w:tblGrid"))
    n_cols = len(grid_el.findall(qn("w:gridCol"))) if grid_el is not None else 0
    cells: list[GridCell] = []
    pages: list[int] = []
    open_v: dict[int, GridCell] = {}  # column → cell whose vertical merge may go on in the next row
    headers: list[bool] = []
    for r, tr in enumerate(_children(tbl, _TR)):
        walk.rows += 1
        if walk.rows > walk.limits.max_table_rows:
            raise too_large_error(
                "Word",
                f"> {walk.limits.max_table_rows} table rows",
                f"表格行数超过 {walk.limits.max_table_rows:,} 行",
            )
        trpr = tr.find(qn("w:trPr"))
        header = _flag(trpr, qn("w:tblHeader"))
        headers.append(header)
        col = max(_int(trpr, qn("w:gridBefore"), 0), 0)
        next_open: dict[int, GridCell] = {}
        prev: GridCell | None = None
        for tc in _children(tr, _TC):
            tcpr = tc.find(qn("w:tcPr"))
            span = min(max(_int(tcpr, qn("w:gridSpan"), 1), 1), _MAX_SPAN)
            vmerge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
            hmerge = tcpr.find(qn("w:hMerge")) if tcpr is not None else None
            if hmerge is not None and hmerge.get(_VAL) != "restart" and prev is not None and prev.row == r:
                prev.col_span += span  # legacy horizontal merge: widen the cell on the left
                col += span
                continue
            if vmerge is not None and vmerge.get(_VAL, "continue") == "continue" and col in open_v:
                cell = open_v[col]
                cell.row_span = r - cell.row + 1
                _cell_text(tc, walk)  # a continued cell shows nothing, but may hold page breaks
            else:
                text, page = _cell_text(tc, walk)
                if page is not None:
                    pages.append(page)
                cell = GridCell(row=r, col=col, col_span=span, header=header, text=text)
                cells.append(cell)
                _count_cells(walk, 1)
            if vmerge is not None:
                next_open[col] = cell
            prev = cell
            col += span
        open_v = next_open
        n_cols = max(n_cols, col)
    n_rows = len(headers)
    if n_rows == 0 or n_cols == 0:
        return None
    _count_cells(walk, max(n_rows * n_cols - len(cells), 0))
    covered = {
        (r, c)
        for x in cells
        for r in range(x.row, x.row + x.row_span)
        for c in range(x.col, min(x.col + x.col_span, n_cols))
    }
    cells += [
        GridCell(row=r, col=c, header=headers[r])  # short rows: empty cells where no cell is
        for r in range(n_rows)
        for c in range(n_cols)
        if (r, c) not in covered
    ]
    cells.sort(key=lambda x: (x.row, x.col))
    page = pages[0] if pages else start_page
    walk.page_sizes.setdefault(page, size)
    return Grid(page=page, seq=0, n_rows=n_rows, n_cols=n_cols, cells=cells)


def _count_cells(walk: _Walk, n: int) -> None:
    walk.cells += n
    if walk.cells > walk.limits.max_table_cells:
        raise too_large_error(
            "Word",
            f"> {walk.limits.max_table_cells} table cells",
            f"表格单元格超过 {walk.limits.max_table_cells:,} 个",
        )


def _cell_text(tc: Any, walk: _Walk) -> tuple[str, int | None]:
    """A cell's text (its paragraphs and nested tables, glued by :func:`join_pieces`) and the
    page its text starts on."""
    pieces: list[str] = []
    pages: list[int] = []

    def collect(parent: Any) -> None:
        for block in _blocks(parent):
            if block.tag == _TBL:
                for tr in _children(block, _TR):
                    for inner in _children(tr, _TC):
                        collect(inner)
                continue
            text, page, boxes = _paragraph(block, walk)
            if text:
                pieces.append(text)
                pages.append(page)
            for box in boxes:
                collect(box)

    collect(tc)
    return join_pieces(pieces), (pages[0] if pages else None)


__all__ = ["extract_docx"]
