"""Shared pieces of the Office Open XML extractors (:mod:`.docx`, :mod:`.xlsx`).

A .docx or .xlsx file is a zip of XML parts. python-docx and openpyxl inflate and parse those
parts fully in memory (openpyxl cannot be used read-only here: merged cells are needed), so a
hostile or broken file must be judged on its zip central directory *before* either library sees
it. :func:`check_office_zip` does that without decompressing anything:

- a damaged zip (no central directory, duplicate names, entries pointing past the end) is refused
  as a damaged file;
- a zip bomb is refused by its declared sizes: the total uncompressed size, the size of one XML
  part, the compression ratio of each member above a small floor, and entries whose compressed
  data overlap (the trick of "overlapping" bombs, whose declared sizes look honest). Declared
  sizes are enough: Python's zipfile stops inflating a member at its declared size and checks the
  CRC, so a member cannot silently produce more than it declares.

XML-level bombs (entity expansion) are handled by the parsers: python-docx's lxml parser does not
resolve entities, and expat (openpyxl) limits amplification.

:func:`join_pieces` is the rule for gluing text that the source split over lines (paragraphs of a
Word table cell, Alt+Enter lines of an Excel cell): no separator next to CJK text (a name wrapped
over two lines is one name), a single space between other pieces (two numbers stay two numbers).
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from dataclasses import dataclass

from shared.errors import BadInputError

MB = 1024 * 1024
_LOCAL_HEADER = 30  # fixed part of a zip local file header


@dataclass(frozen=True)
class OfficeLimits:
    """Bounds on what one Word or Excel file may cost. Real 决算 files are far below all of them:
    a 60-page Word document is a few MB of XML, a workbook a few thousand cells per sheet."""

    max_total_bytes: int = 200 * MB  # declared uncompressed size of all members
    max_part_bytes: int = 64 * MB  # declared uncompressed size of one XML part
    max_ratio: int = 200  # uncompressed / compressed, for members above ``ratio_floor``
    ratio_floor: int = 64 * 1024
    max_entries: int = 5_000
    max_paragraphs: int = 100_000  # DOCX: paragraphs, in table cells included
    max_table_cells: int = 200_000  # cells of all tables (XLSX: stored cells of all sheets)
    max_table_rows: int = 20_000  # rows of all tables
    max_pages: int = 300  # DOCX: pages made by the file's page breaks
    max_sheets: int = 50  # XLSX: worksheets
    max_cells_per_sheet: int = 300_000  # XLSX: stored cells of one sheet (formatted blanks included)


_LABELS = {"Word": ("Word", "Word 或 WPS", ".docx"), "Excel": ("Excel", "Excel 或 WPS", ".xlsx")}


def damaged_error(label: str, detail: str, reason: str = "") -> BadInputError:
    """The error for a file that cannot be opened. ``label`` is "Word" or "Excel"."""
    name, app, ext = _LABELS.get(label, (label, "Office 软件", ""))
    why = reason or "文件结构不完整或格式不正确（可能下载或复制不完整）"
    return BadInputError(
        f"damaged {label.lower()} file: {detail}",
        f"{name} 文件已损坏，无法打开：{why}。请用 {app} 打开原文件，重新保存为 {ext} 格式后上传。",
    )


def too_large_error(label: str, detail: str, what: str) -> BadInputError:
    """The error for a file over one of the content limits (``what``: Chinese, what was too much)."""
    return BadInputError(
        f"{label.lower()} file over limits: {detail}",
        f"{label} 文件内容过多（{what}），不像部门决算文件，已停止读取：请确认文件无误，或拆分后上传。",
    )


def _bomb_error(label: str, detail: str, what: str) -> BadInputError:
    return BadInputError(
        f"{label.lower()} zip bomb: {detail}",
        f"{label} 文件异常，已拒绝：{what}，疑似“压缩炸弹”。请用 {_LABELS.get(label, (label, label, ''))[1]}"
        " 重新保存原文件后上传。",
    )


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{max(n // 1024, 1)} KB"


def check_office_zip(data: bytes, limits: OfficeLimits | None = None, label: str = "Office") -> list[str]:
    """Judge an Office zip by its central directory, before any part is inflated.

    Returns the member names. Raises :class:`BadInputError` (Chinese message) for a damaged zip
    or one whose declared sizes exceed ``limits``. ``label`` ("Word" / "Excel") names the file
    type in the messages.
    """
    limits = limits or OfficeLimits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        EOFError,
        OSError,
        struct.error,
        UnicodeDecodeError,
    ) as exc:
        raise damaged_error(label, f"bad zip: {exc}") from exc
    if not infos:
        raise damaged_error(label, "empty zip")
    if len(infos) > limits.max_entries:
        raise too_large_error(label, f"{len(infos)} zip entries", f"内部部件 {len(infos)} 个")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise damaged_error(label, "duplicate zip entries")
    if any(i.flag_bits & 0x1 for i in infos):
        raise damaged_error(label, "encrypted zip entries", "文件内部被加密")
    for info in infos:
        if info.header_offset + _LOCAL_HEADER + info.compress_size > len(data):
            raise damaged_error(label, f"entry {info.filename!r} runs past the end of the file")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise _bomb_error(
                label,
                f"entry {info.filename!r} ratio {ratio:.0f}",
                f"内部部件“{info.filename}”的压缩比超过 {limits.max_ratio} 倍",
            )
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > limits.max_part_bytes:
            raise _bomb_error(
                label,
                f"entry {info.filename!r} declares {info.file_size} bytes",
                f"内部部件“{info.filename}”解压后达 {_size(info.file_size)}",
            )
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise _bomb_error(
            label,
            f"declared total {total}",
            f"解压后总大小 {_size(total)}，超过上限 {_size(limits.max_total_bytes)}",
        )
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in itertools.pairwise(ordered):
        end = a.header_offset + _LOCAL_HEADER + _name_length(a) + a.compress_size
        if b.header_offset < end:
            raise _bomb_error(
                label, f"entries {a.filename!r} and {b.filename!r} overlap", "内部部件的数据相互重叠"
            )
    return names


def _name_length(info: zipfile.ZipInfo) -> int:
    """The length of the member's name as stored (a lower bound of its local header size)."""
    try:
        return len(info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"))
    except UnicodeEncodeError:
        return 0


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana/hangul, and full-width punctuation and forms."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF  # radicals, CJK symbols and punctuation, kana, ideographs
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= o <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= o <= 0xFFEF  # full-width forms (，：（）％)
        or 0x20000 <= o <= 0x3FFFF  # extension planes
    )


def join_pieces(pieces: list[str]) -> str:
    """Join text the source split over lines: nothing next to CJK, one space otherwise."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(piece[0])):
            out += " "
        out += piece
    return out


__all__ = ["OfficeLimits", "check_office_zip", "damaged_error", "is_cjk", "join_pieces", "too_large_error"]
