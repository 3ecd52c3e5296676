"""Entry point of the file renderers: a :class:`~corpus.defects.Draft` (after defects are
injected) → real PDF / DOCX / XLSX bytes imitating the Shanghai 2024 部门决算 layout.

The three formats share one table layout (:mod:`corpus.file_layout`) and differ only in how
they write it: :mod:`corpus.render_pdf_file` (reportlab, ruled grids), :mod:`corpus.render_docx`
(python-docx, Word tables with merged cells), :mod:`corpus.render_xlsx` (openpyxl, one sheet per
table). Unlike the text styles, files carry no glyph or OCR noise: a hint is the plain text of
a narrative piece or a table cell. Codes are split over 类 | 款 | 项 columns, so a code hint
(T101 “20106”, T102 “2010601”) names the row whose code cells join to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from corpus.defects import Draft
from corpus.file_layout import row_code, row_text, score_grid, table_grids
from corpus.render_docx import render_docx
from corpus.render_pdf_file import render_pdf_file
from corpus.render_xlsx import render_xlsx

FileFormat = Literal["pdf", "docx", "xlsx"]
FILE_FORMATS: tuple[FileFormat, ...] = ("pdf", "docx", "xlsx")

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_RENDER: dict[str, Callable[[Draft, int], bytes]] = {
    "pdf": render_pdf_file,
    "docx": render_docx,
    "xlsx": render_xlsx,
}


def render_file(d: Draft, fmt: str, seed: int) -> bytes:
    """The draft as the bytes of a ``fmt`` file (``seed`` only picks the PDF page-number style)."""
    if fmt not in _RENDER:
        raise ValueError(f"unknown file format {fmt!r}; expected one of {FILE_FORMATS}")
    return _RENDER[fmt](d, seed)


def plain_lines(d: Draft) -> list[str]:
    """What every format prints, line by line: the narrative paragraphs, then each grid row as
    its cell texts joined by spaces (tables, then the score table)."""
    lines = [p.text for p in d.narrative.paras if p.kind not in ("tables", "score_table")]
    grids = [g for t in d.tables for g in table_grids(t, d.accounts)]
    grids.append(score_grid(d.accounts, d.performance))
    for g in grids:
        lines += [row_text(r) for r in g.rows]
    return lines


def hint_is_printed(d: Draft, hint: str) -> bool:
    """True when ``hint`` is in a paragraph or a table row, or is the code of a table row."""
    if any(hint in line for line in plain_lines(d)):
        return True
    rows = [r for t in d.tables for g in table_grids(t, d.accounts) for r in g.rows]
    return hint.isdigit() and any(row_code(r) == hint for r in rows)
