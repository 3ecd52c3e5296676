"""The report formats, in one place: their names, file suffixes, media types, and the one function
that renders a document's report in any of them. The CLI, the report stage and the api all go
through here, so a format means the same bytes wherever it is asked for.

    json       the DocumentReport itself
    html       the readable report (services/report/html.py)
    xlsx       one row per finding, Chinese headers (services/report/tabular.py)
    csv        the same rows, UTF-8 with BOM so Excel opens it in Chinese (tabular.py)
    pdf        the printable report, the same content as the HTML (services/report/pdf_report.py)
    annotated  the original PDF with a highlight and a note on each finding's evidence
               (services/report/annotate.py); only for PDF originals
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from shared.models import DocumentReport

if TYPE_CHECKING:
    from services.report.pdf_report import PdfRenderer


class ReportFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"
    ANNOTATED = "annotated"


DEFAULT_FORMATS: tuple[ReportFormat, ...] = (ReportFormat.JSON, ReportFormat.HTML)

SUFFIX: dict[ReportFormat, str] = {
    ReportFormat.JSON: ".json",
    ReportFormat.HTML: ".html",
    ReportFormat.XLSX: ".xlsx",
    ReportFormat.CSV: ".csv",
    ReportFormat.PDF: ".pdf",
    ReportFormat.ANNOTATED: ".annotated.pdf",
}

MEDIA_TYPE: dict[ReportFormat, str] = {
    ReportFormat.JSON: "application/json; charset=utf-8",
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.ANNOTATED: "application/pdf",
}

FORMAT_ZH: dict[ReportFormat, str] = {
    ReportFormat.JSON: "JSON 数据",
    ReportFormat.HTML: "网页报告",
    ReportFormat.XLSX: "Excel 底稿",
    ReportFormat.CSV: "CSV 表格",
    ReportFormat.PDF: "PDF 报告（可打印）",
    ReportFormat.ANNOTATED: "标注原文 PDF",
}


class FormatError(ValueError):
    """A list of formats that cannot be read; ``str()`` is the Chinese message for the user."""


def parse_formats(text: str | Iterable[str]) -> list[ReportFormat]:
    """``"json,html,xlsx"`` (or a list of names) → formats in the order given, each once.
    Unknown names raise :class:`FormatError` naming them and the known ones."""
    names = text.split(",") if isinstance(text, str) else list(text)
    out: list[ReportFormat] = []
    unknown: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            fmt = ReportFormat(name)
        except ValueError:
            unknown.append(raw.strip())
            continue
        if fmt not in out:
            out.append(fmt)
    if unknown:
        known = ",".join(f.value for f in ReportFormat)
        raise FormatError(f"未知的报告格式：{'、'.join(unknown)}（可选：{known}）。")
    if not out:
        raise FormatError("未指定报告格式（可选：" + ",".join(f.value for f in ReportFormat) + "）。")
    return out


class NotApplicable(Exception):
    """The format does not apply to this document (an annotated copy of a Word file); ``str()``
    says why, in Chinese."""


def render_document(
    report: DocumentReport,
    fmt: ReportFormat,
    *,
    original: bytes | None = None,
    pdf: PdfRenderer | None = None,
    index_href: str | None = None,
) -> bytes:
    """The report of one document in ``fmt``. ``original`` (the uploaded bytes) is needed for
    ``annotated``; ``pdf`` is an open renderer to reuse across documents (one is opened and closed
    here otherwise). Raises :class:`NotApplicable` when the format does not apply."""
    if fmt == ReportFormat.JSON:
        from services.report.html import report_json

        return report_json(report).encode("utf-8")
    if fmt == ReportFormat.HTML:
        from services.report.html import render_document_html

        return render_document_html(report, index_href=index_href).encode("utf-8")
    if fmt == ReportFormat.XLSX:
        from services.report.tabular import document_xlsx

        return document_xlsx(report)
    if fmt == ReportFormat.CSV:
        from services.report.tabular import document_csv

        return document_csv(report)
    if fmt == ReportFormat.PDF:
        from services.report.pdf_report import document_pdf

        return document_pdf(report, renderer=pdf)
    if fmt == ReportFormat.ANNOTATED:
        from services.report.annotate import annotate_pdf

        if report.error:
            raise NotApplicable(f"文件未能检查（{report.error}），没有可标注的问题。")
        if original is None:
            raise NotApplicable("没有原始文件，无法生成标注版。")
        return annotate_pdf(original, report)
    raise AssertionError(f"unhandled format {fmt}")
