"""Download answers: Chinese file names in Content-Disposition (RFC 6266/5987 ``filename*`` with an
ASCII fallback), and the names reports get in files and in the batch's zip."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from services.report.formats import ReportFormat

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')
MAX_STEM_CHARS = 80

# what each format's file is called after the document's name
LABEL = {
    ReportFormat.JSON: "审查报告.json",
    ReportFormat.HTML: "审查报告.html",
    ReportFormat.XLSX: "审查报告.xlsx",
    ReportFormat.CSV: "审查报告.csv",
    ReportFormat.PDF: "审查报告.pdf",
    ReportFormat.ANNOTATED: "标注版.pdf",
}
INLINE = {ReportFormat.HTML, ReportFormat.PDF, ReportFormat.ANNOTATED}  # a browser shows these


def clean_stem(text: str) -> str:
    """A name safe in a file name and a header: no separators, quotes or control characters."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", text or "")).strip(" ._")
    return stem[:MAX_STEM_CHARS].rstrip(" ._") or "文件"


def document_stem(department: str | None, filename: str) -> str:
    """The document as people call it: its department, else its file name without extension."""
    if department:
        return clean_stem(department)
    base = filename.rsplit("/", 1)[-1]
    stem, dot, _ext = base.rpartition(".")
    return clean_stem(stem if dot and stem else base)


def report_filename(department: str | None, filename: str, fmt: ReportFormat) -> str:
    """E.g. 上海市普陀区财政局-审查报告.xlsx."""
    return f"{document_stem(department, filename)}-{LABEL[fmt]}"


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…``: browsers use the UTF-8 name, older
    clients the ASCII one (non-ASCII characters replaced, extension kept)."""
    if filename.isascii():
        ascii_name = _UNSAFE.sub("_", filename)
    else:
        _stem, dot, ext = filename.rpartition(".")
        ascii_name = f"report.{ext}" if dot and ext.isascii() and ext.isalnum() else "report"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
