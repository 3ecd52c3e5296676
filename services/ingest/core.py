"""Ingest: bytes → ExtractedDocument. One pure function for the CLI, the api and the workers, so
the same bytes always get the same answer.

1. ``refusal(data)``: the cheap checks every caller makes first (the api before it stores an
   upload): size, emptiness, and type by content — never by name. Its reasons are Chinese and say
   what to do.
2. ``ingest_bytes(name, data)``: the same checks, then the extractor for the detected type
   (PDF, DOCX, XLSX, text; a legacy .doc/.xls converted with LibreOffice first; scans — PDF pages
   without a usable text layer, images, a zip of one document's page images — read by OCR). An
   extractor's own problems (a password, damage, too many pages, a scan without any text, an
   image bomb) are ``BadInputError`` with a Chinese message for that document.
3. ``needs_ocr(data)``: how many pages ``ingest_bytes`` would OCR, found cheaply (no rendering),
   so a caller can send scans to their own queue before the work starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from shared.document import DocumentKind, ExtractedDocument
from shared.errors import BadInputError
from shared.filetypes import (
    IMAGE_KINDS,
    ZipBounds,
    image_zip_paths,
    is_image_zip,
    ole_content,
    reject_reason,
    sniff,
)

from .ocr import OcrOptions, OcrProgress
from .office import OfficeLimits


@dataclass(frozen=True)
class IngestLimits:
    """What one document may cost. Defaults suit real disclosures (15–60 pages, a few MB, fewer
    than 5,000 lines of text or table rows); each cap is about ten times what a real one needs.
    The workers and the CLI take them from the settings (:func:`services.pipeline.ingest_limits`).
    Each is checked before the structures it bounds are built, and refused with a Chinese message
    that names the limit."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 300  # PDF pages; also the pages a Word file's breaks make
    max_scan_pages: int = 200  # pages read by OCR (a PDF's scanned pages, an image's, a zip's)
    max_sheets: int = 50  # Excel worksheets
    max_text_lines: int = 50_000  # text files: lines, counted before they are split
    max_text_chars: int = 2_000_000  # text files: characters
    max_table_rows: int = 20_000  # table rows of the whole document (Word, Excel, PDF)
    max_cells: int = 200_000  # table cells of the whole document (Excel: stored cells)
    # a zip of page images: its entries, their total and each image's size, the compression ratio
    zip: ZipBounds = field(default_factory=ZipBounds)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def refusal(data: bytes, limits: IngestLimits | None = None) -> tuple[str, str | None]:
    """(detected kind, Chinese reason to refuse or None): the checks made before anything is read."""
    limits = limits or IngestLimits()
    if len(data) > limits.max_file_bytes:
        return (
            "too_large",
            f"文件过大：{_size(len(data))}，超过单个文件 {_size(limits.max_file_bytes)} 的上限。",
        )
    kind = sniff(data)
    reason = reject_reason(kind, data)
    if reason is None and kind == "text":
        from .text import text_refusal

        reason = text_refusal(data, limits.max_text_lines, limits.max_text_chars)
    return kind, reason


def office_limits(limits: IngestLimits) -> OfficeLimits:
    """The Word/Excel extractors' bounds for ``limits`` (the zip-level ones keep their defaults)."""
    return OfficeLimits(
        max_table_cells=limits.max_cells,
        max_table_rows=limits.max_table_rows,
        max_sheets=limits.max_sheets,
        max_pages=limits.max_pdf_pages,
        max_cells_per_sheet=min(OfficeLimits.max_cells_per_sheet, limits.max_cells),
    )


def needs_ocr(data: bytes, limits: IngestLimits | None = None) -> int:
    """How many pages :func:`ingest_bytes` would read by OCR: a PDF's pages without a usable text
    layer (text layers and image objects are looked at, nothing is rendered), an image's pages (a
    TIFF's frames, a zip's page images). 0 for everything else, and for input ingest will refuse
    (more pages than ``limits`` allow among them: ingest refuses it before reading any)."""
    limits = limits or IngestLimits()
    kind = sniff(data)
    pages = 0
    try:
        if kind == "pdf":
            from .pdf import pdf_pages_to_ocr

            pages = pdf_pages_to_ocr(data, limits.max_pdf_pages)
        elif kind in IMAGE_KINDS or (kind == "zip" and is_image_zip(data)):
            from .ocr import image_page_count

            _check_zip_pages(data, kind, limits)
            pages = image_page_count(data, kind, zip_bounds=limits.zip)
    except BadInputError:
        return 0
    return pages if pages <= limits.max_scan_pages else 0


def _check_zip_pages(data: bytes, kind: str, limits: IngestLimits) -> None:
    """A zip of more page images than a scan may have is refused from its directory, before any
    image is unpacked."""
    from .ocr import too_many_scan_pages

    n = len(image_zip_paths(data)) if kind == "zip" else 0
    if n > limits.max_scan_pages:
        raise too_many_scan_pages(n, limits.max_scan_pages)


def ingest_bytes(
    name: str,
    data: bytes,
    limits: IngestLimits | None = None,
    *,
    progress: OcrProgress | None = None,
    ocr_options: OcrOptions | None = None,
) -> ExtractedDocument:
    """The extracted document of one file, or ``BadInputError`` saying (in Chinese) why not.
    ``progress`` is called after each OCR'd page with (pages done, pages to OCR)."""
    limits = limits or IngestLimits()
    kind, reason = refusal(data, limits)
    if reason:
        raise BadInputError(f"refused {kind}", reason)
    if kind in IMAGE_KINDS or (kind == "zip" and is_image_zip(data)):
        return _scan_images(name, data, kind, limits, progress, ocr_options)
    if kind == "zip":
        raise BadInputError(
            "zip given to ingest", "这是 ZIP 压缩包：请上传其中的文件（批量上传时压缩包会自动解开）。"
        )
    if kind == "pdf":
        from .pdf import PdfLimits, extract_pdf

        return extract_pdf(
            name,
            data,
            PdfLimits(
                max_pages=limits.max_pdf_pages,
                max_scan_pages=limits.max_scan_pages,
                max_cells=limits.max_cells,
                max_table_rows=limits.max_table_rows,
            ),
            progress=progress,
            ocr_options=ocr_options,
        )
    if kind == "docx":
        from .docx import extract_docx

        return extract_docx(name, data, office_limits(limits))
    if kind == "xlsx":
        from .xlsx import extract_xlsx

        return extract_xlsx(name, data, office_limits(limits))
    if kind == "doc_ole":
        return _legacy(name, data, limits)
    from .text import extract_text_document

    return extract_text_document(name, data, limits.max_text_lines, limits.max_text_chars)


def _scan_images(
    name: str,
    data: bytes,
    kind: str,
    limits: IngestLimits,
    progress: OcrProgress | None,
    ocr_options: OcrOptions | None,
) -> ExtractedDocument:
    """An image, a multi-page TIFF or a zip of page images: every page OCR'd, once the pages are
    counted (a zip's from its directory, then every image's from its header) within the limit."""
    from .ocr import image_pages, renumber
    from .pdf import PdfLimits, check_tables, ocr_warnings

    _check_zip_pages(data, kind, limits)
    pdf_limits = PdfLimits(
        max_pages=limits.max_pdf_pages, max_cells=limits.max_cells, max_table_rows=limits.max_table_rows
    )
    pages = image_pages(
        data,
        kind,
        max_pages=limits.max_scan_pages,
        options=ocr_options,
        progress=progress,
        max_cells=pdf_limits.max_cells_per_page,
        zip_bounds=limits.zip,
    )
    check_tables(pages, pdf_limits)
    renumber(pages)
    return ExtractedDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=DocumentKind.SCAN,
        pages=pages,
        warnings=ocr_warnings(pages, [p.number for p in pages]),
    )


def _legacy(name: str, data: bytes, limits: IngestLimits) -> ExtractedDocument:
    """A Word 97-2003 (.doc) or Excel 97-2003 (.xls) file, converted by LibreOffice."""
    from .legacy import convert_legacy

    target = "docx" if ole_content(data) == "doc" else "xlsx"
    converted = convert_legacy(data, target)
    if target == "docx":
        from .docx import extract_docx

        doc = extract_docx(name, converted, office_limits(limits))
    else:
        from .xlsx import extract_xlsx

        doc = extract_xlsx(name, converted, office_limits(limits))
    doc.converted_from = "doc" if target == "docx" else "xls"
    doc.sha256 = hashlib.sha256(data).hexdigest()  # the file as uploaded, not the conversion
    return doc
