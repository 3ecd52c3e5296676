"""The engine's pure functions chained in-process (the CLI's embedded mode). The Celery services
call the same functions one stage at a time."""

from __future__ import annotations

import hashlib
from pathlib import Path

from services.ingest.core import IngestLimits
from shared.document import ExtractedDocument
from shared.errors import JuesuanError
from shared.filetypes import ZipBounds
from shared.models import DocumentMeta, DocumentReport, ParsedDocument
from shared.settings import get_settings


def ingest_limits() -> IngestLimits:
    """The bounds on one document, from the settings (JUESUAN_MAX_FILE_BYTES, JUESUAN_MAX_PDF_PAGES,
    JUESUAN_MAX_SCAN_PAGES, JUESUAN_MAX_SHEETS, JUESUAN_MAX_TEXT_LINES, JUESUAN_MAX_TEXT_CHARS,
    JUESUAN_MAX_TABLE_ROWS, JUESUAN_MAX_CELLS; a zip of page images: JUESUAN_MAX_ZIP_ENTRIES,
    JUESUAN_MAX_ZIP_TOTAL_BYTES, JUESUAN_MAX_ZIP_RATIO, and JUESUAN_MAX_FILE_BYTES per image, as
    the api's upload checks use them)."""
    s = get_settings()
    return IngestLimits(
        max_file_bytes=s.max_file_bytes,
        max_pdf_pages=s.max_pdf_pages,
        max_scan_pages=s.max_scan_pages,
        max_sheets=s.max_sheets,
        max_text_lines=s.max_text_lines,
        max_text_chars=s.max_text_chars,
        max_table_rows=s.max_table_rows,
        max_cells=s.max_cells,
        zip=ZipBounds(
            max_entries=s.max_zip_entries,
            max_total_bytes=s.max_zip_total_bytes,
            max_ratio=s.max_zip_ratio,
            max_member_bytes=s.max_file_bytes,
        ),
    )


def ingest(name: str, data: bytes) -> ExtractedDocument:
    from services.ingest.core import ingest_bytes

    return ingest_bytes(name, data, ingest_limits())


def parse(doc: ExtractedDocument) -> ParsedDocument:
    from services.parse.document import parse_document

    return parse_document(doc)


def validate(parsed: ParsedDocument) -> DocumentReport:
    from services.validate.engine import validate_document

    return validate_document(parsed)


def check_bytes(name: str, data: bytes) -> tuple[DocumentReport, ParsedDocument | None]:
    """Run ingest → parse → validate on one document. Bad input never raises: it yields a
    report whose ``error`` says, in Chinese, what is wrong and what to do."""
    try:
        parsed = parse(ingest(name, data))
        return validate(parsed), parsed
    except JuesuanError as exc:
        meta = DocumentMeta(source_name=name, sha256=hashlib.sha256(data).hexdigest())
        return DocumentReport(document=meta, error=exc.user_message), None


def check_file(path: Path) -> tuple[DocumentReport, ParsedDocument | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        meta = DocumentMeta(source_name=path.name)
        return DocumentReport(document=meta, error=f"无法读取文件：{exc.strerror or exc}"), None
    return check_bytes(path.name, data)
