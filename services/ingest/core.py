"""Ingest: bytes → ExtractedDocument. One pure function for the CLI, the api and the workers, so
the same bytes always get the same answer.

1. ``refusal(data)``: the cheap checks every caller makes first (the api before it stores an
   upload): size, emptiness, and type by content — never by name. Its reasons are Chinese and say
   what to do.
2. ``ingest_bytes(name, data)``: the same checks, then the extractor for the detected type
   (PDF, DOCX, XLSX, text; a legacy .doc/.xls converted with LibreOffice first). An extractor's
   own problems (a password, damage, too many pages, a scan without text) are ``BadInputError``
   with a Chinese message for that document.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared.document import ExtractedDocument
from shared.errors import BadInputError
from shared.filetypes import ole_content, reject_reason, sniff


@dataclass(frozen=True)
class IngestLimits:
    """What one document may cost. Defaults suit real disclosures (15–60 pages, a few MB)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 300


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def refusal(data: bytes, limits: IngestLimits | None = None) -> tuple[str, str | None]:
    """(detected kind, Chinese reason to refuse or None): the checks made before anything is read."""
    limits = limits or IngestLimits()
    if len(data) > limits.max_file_bytes:
        return "too_large", f"文件过大：{_size(len(data))}，超过单个文件 {_size(limits.max_file_bytes)} 的上限。"
    kind = sniff(data)
    return kind, reject_reason(kind, data)


def ingest_bytes(name: str, data: bytes, limits: IngestLimits | None = None) -> ExtractedDocument:
    """The extracted document of one file, or ``BadInputError`` saying (in Chinese) why not."""
    limits = limits or IngestLimits()
    kind, reason = refusal(data, limits)
    if reason:
        raise BadInputError(f"refused {kind}", reason)
    if kind == "zip":
        raise BadInputError("zip given to ingest", "这是 ZIP 压缩包：请上传其中的文件（批量上传时压缩包会自动解开）。")
    if kind == "pdf":
        from .pdf import PdfLimits, extract_pdf

        return extract_pdf(name, data, PdfLimits(max_pages=limits.max_pdf_pages))
    if kind == "docx":
        from .docx import extract_docx

        return extract_docx(name, data)
    if kind == "xlsx":
        from .xlsx import extract_xlsx

        return extract_xlsx(name, data)
    if kind == "doc_ole":
        return _legacy(name, data)
    from .text import extract_text_document

    return extract_text_document(name, data)


def _legacy(name: str, data: bytes) -> ExtractedDocument:
    """A Word 97-2003 (.doc) or Excel 97-2003 (.xls) file, converted by LibreOffice."""
    from .legacy import convert_legacy

    target = "docx" if ole_content(data) == "doc" else "xlsx"
    converted = convert_legacy(data, target)
    if target == "docx":
        from .docx import extract_docx

        doc = extract_docx(name, converted)
    else:
        from .xlsx import extract_xlsx

        doc = extract_xlsx(name, converted)
    doc.converted_from = "doc" if target == "docx" else "xls"
    doc.sha256 = hashlib.sha256(data).hexdigest()  # the file as uploaded, not the conversion
    return doc
