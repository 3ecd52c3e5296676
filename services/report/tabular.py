"""A report as a spreadsheet: an Excel workbook (xlsxwriter) and a CSV file with one row per
finding and Chinese headers, for one document or a whole batch.

The rows come from one place (:data:`FINDING_COLUMNS`, :func:`finding_rows`), so the Excel sheet
and the CSV file always carry the same columns. Every piece of document text is written as text:
in Excel through ``write_string`` (a quote ``=SUM(A1)`` stays a string), in CSV with a leading
apostrophe on cells a spreadsheet would read as a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter  # type: ignore[import-untyped, unused-ignore]  # no type information

from services.report.html import SEVERITY_ORDER, evidence_location, kind_label
from shared.models import (
    CATEGORY_ZH,
    SEVERITY_ZH,
    Category,
    DocumentReport,
    Evidence,
    Finding,
    RuleStatus,
    Severity,
)

# The 问题清单 columns, in order; the first fourteen are the agreed ones, the rest add context.
FINDING_COLUMNS: tuple[str, ...] = (
    "序号",
    "部门",
    "规则",
    "严重程度",
    "类别",
    "问题描述",
    "陈述值",
    "应为",
    "推算方法",
    "页码",
    "表",
    "行",
    "列",
    "原文",
    "规则名称",
    "可能有误处",
    "备注",
    "文件",
)

# Columns whose text is long: wrapped, and given a wider limit.
WRAPPED_COLUMNS = frozenset(
    {"问题描述", "推算方法", "页码", "表", "行", "列", "原文", "可能有误处", "备注", "说明"}
)

SUMMARY_COUNT_COLUMNS: tuple[str, ...] = (
    *(SEVERITY_ZH[s] for s in SEVERITY_ORDER),
    *(CATEGORY_ZH[c] for c in Category),
)
SUMMARY_COLUMNS: tuple[str, ...] = ("部门", "文件", "年度", "状态", *SUMMARY_COUNT_COLUMNS, "说明")

STATUS_DONE = "已完成"
STATUS_FAILED = "无法检查"
STATUS_DUPLICATE = "重复"
DUPLICATE_PREFIX = "重复文件"

WORKBOOK_OPTIONS: dict[str, Any] = {
    "in_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}

SEVERITY_FILL = {Severity.ERROR: "#F8D7DA", Severity.WARNING: "#FFE8B3", Severity.INFO: "#DDE7F3"}
SEVERITY_BY_ZH = {label: sev for sev, label in SEVERITY_ZH.items()}

MIN_WIDTH, MAX_WIDTH, MAX_WRAPPED_WIDTH = 6, 30, 60
LINE_HEIGHT, MAX_ROW_HEIGHT = 15.5, 409.0  # points; 409 is Excel's limit
FORMULA_TRIGGERS = ("=", "+", "@", "\t", "\r")

Row = dict[str, str | int]
Worksheet = Any  # xlsxwriter.worksheet.Worksheet (the library has no type information)


# --------------------------------------------------------------------------- rows


def document_status(report: DocumentReport) -> str:
    """已完成, 无法检查, or 重复 (a byte-identical file of the same batch, not checked again)."""
    if not report.error:
        return STATUS_DONE
    return STATUS_DUPLICATE if report.error.startswith(DUPLICATE_PREFIX) else STATUS_FAILED


def ordered_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors, then warnings, then notes; by category in catalogue order within each; the engine's
    order within a category (the order of the HTML report)."""
    severity_rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    category_rank = {c: i for i, c in enumerate(Category)}
    return sorted(findings, key=lambda f: (severity_rank[f.severity], category_rank[f.category]))


def _per_evidence(evidence: list[Evidence], values: list[str], sep: str) -> str:
    """One value per evidence item, joined; a dash keeps the items aligned where one has none."""
    if not any(values):
        return ""
    if len(evidence) == 1:
        return values[0]
    return sep.join(v or "—" for v in values)


def finding_row(finding: Finding, report: DocumentReport, number: int) -> Row:
    """One finding as the :data:`FINDING_COLUMNS` (all text but 序号)."""
    meta = report.document
    labels = meta.page_labels
    with_line = meta.kind not in ("pdf", "docx", "xlsx")  # a laid-out file's line count means nothing
    evidence = finding.evidence
    places = [
        evidence_location(Evidence(quote="", prov=ev.prov), labels, with_line=with_line) for ev in evidence
    ]
    notes: list[str] = []
    if finding.downgraded:
        notes.append("已降级")
    if finding.note:
        notes.append(finding.note)
    if finding.confidence < 1.0:
        notes.append(f"置信度 {max(0.0, finding.confidence):.0%}")
    return {
        "序号": number,
        "部门": meta.department or "",
        "规则": finding.code,
        "严重程度": SEVERITY_ZH[finding.severity],
        "类别": CATEGORY_ZH.get(finding.category, finding.category.value),
        "问题描述": finding.message,
        "陈述值": "；".join(finding.stated),
        "应为": finding.expected or "",
        "推算方法": finding.derivation,
        "页码": _per_evidence(evidence, places, "；"),
        "表": _per_evidence(evidence, [ev.table or "" for ev in evidence], "\n"),
        "行": _per_evidence(evidence, [ev.row or "" for ev in evidence], "\n"),
        "列": _per_evidence(evidence, [ev.column or "" for ev in evidence], "\n"),
        "原文": _per_evidence(evidence, [" ".join(ev.quote.split()) for ev in evidence], "\n"),
        "规则名称": finding.title,
        "可能有误处": finding.suspect or "",
        "备注": "；".join(notes),
        "文件": meta.source_name,
    }


def finding_rows(report: DocumentReport, start: int = 1) -> list[Row]:
    """The rows of a report's findings, numbered from ``start``, in the order of the HTML report."""
    return [finding_row(f, report, start + i) for i, f in enumerate(ordered_findings(report.findings))]


def error_row(report: DocumentReport) -> Row:
    """A file that could not be checked, as one row of the finding columns (for CSV)."""
    row: Row = dict.fromkeys(FINDING_COLUMNS, "")
    row["部门"] = report.document.department or ""
    row["问题描述"] = f"{document_status(report)}：{report.error}"
    row["文件"] = report.document.source_name
    return row


def summary_row(report: DocumentReport) -> Row:
    """One document in the batch summary: counts by severity and by category."""
    meta = report.document
    row: Row = {
        "部门": meta.department or "",
        "文件": meta.source_name,
        "年度": meta.year if meta.year is not None else "",
        "状态": document_status(report),
    }
    row.update(dict.fromkeys(SUMMARY_COUNT_COLUMNS, 0))
    for f in report.findings:
        for key in (SEVERITY_ZH[f.severity], CATEGORY_ZH[f.category]):
            row[key] = int(row[key]) + 1
    row["说明"] = report.error or ""
    return row


# --------------------------------------------------------------------------- CSV


def neutralise(text: str) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe; numbers such as
    "-12.30" stay as they are."""
    if not text:
        return text
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    if (
        text[0] == "-"
        and len(text) > 1
        and not (text[1].isdigit() or (text[1] == "." and text[2:3].isdigit()))
    ):
        return "'" + text
    return text


def _csv_bytes(rows: Iterable[Row]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(str(row[c])) for c in FINDING_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def document_csv(report: DocumentReport) -> bytes:
    """The 问题清单 rows as CSV: UTF-8 with BOM (Excel then reads the Chinese), CRLF line ends.
    A file that could not be checked gives one row saying why."""
    return _csv_bytes([error_row(report)] if report.error else finding_rows(report))


def batch_csv(reports: Sequence[DocumentReport]) -> bytes:
    """All findings of all documents in one CSV, numbered across the batch; each file that could
    not be checked is one row saying why."""
    rows: list[Row] = []
    numbered = 0
    for report in reports:
        if report.error:
            rows.append(error_row(report))
        else:
            found = finding_rows(report, start=numbered + 1)
            numbered += len(found)
            rows.extend(found)
    return _csv_bytes(rows)


# --------------------------------------------------------------------------- Excel


def display_width(text: str) -> int:
    """Width of the longest line in Excel character units: a CJK character counts double."""
    best = 0
    for line in text.split("\n"):
        best = max(best, sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))
    return best


def line_count(text: str, width: int) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide."""
    usable = max(1, width - 1)
    return sum(max(1, -(-display_width(line) // usable)) for line in text.split("\n"))


class _Book:
    """An in-memory workbook with the shared cell formats."""

    def __init__(self, title: str | None = None) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        if title:
            self.book.set_properties({"title": title})
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#D9E2F3", "border": 1, "valign": "top", "text_wrap": True}
        )
        self.text = self.book.add_format({"valign": "top"})
        self.wrap = self.book.add_format({"valign": "top", "text_wrap": True})
        self.bold = self.book.add_format({"bold": True, "valign": "top"})
        self.severity = {
            label: self.book.add_format(
                {"valign": "top", "bg_color": SEVERITY_FILL[sev], "bold": sev == Severity.ERROR}
            )
            for label, sev in SEVERITY_BY_ZH.items()
        }

    def table(
        self,
        name: str,
        columns: Sequence[str],
        rows: Sequence[Row],
        *,
        total: Row | None = None,
        title: str | None = None,
    ) -> Worksheet:
        """A sheet with a bold frozen header, an autofilter over the data, widths from the text; text
        always written as text, numbers (int) as numbers. ``total`` is a last row outside the
        filter, so sorting the data leaves it in place."""
        sheet = self.book.add_worksheet(name)
        table = [[row.get(key, "") for key in columns] for row in rows]
        widths = [display_width(c) for c in columns]
        for values in table:
            for col, value in enumerate(values):
                widths[col] = max(widths[col], display_width(str(value)))
        for col, key in enumerate(columns):
            limit = MAX_WRAPPED_WIDTH if key in WRAPPED_COLUMNS else MAX_WIDTH
            widths[col] = max(MIN_WIDTH, min(limit, widths[col] + 2))
            sheet.set_column(col, col, widths[col])
        for col, head in enumerate(columns):
            sheet.write_string(0, col, head, self.header)
        wrapped = [col for col, key in enumerate(columns) if key in WRAPPED_COLUMNS]
        for r, values in enumerate(table, start=1):
            for col, value in enumerate(values):
                self._write(sheet, r, col, columns[col], value)
            # Not every spreadsheet fits a row to wrapped text on opening: give the height here.
            lines = max((line_count(str(values[col]), widths[col]) for col in wrapped), default=1)
            if lines > 1:
                sheet.set_row(r, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        if total is not None:
            r = len(rows) + 1
            for col, key in enumerate(columns):
                value = total.get(key, "")
                if isinstance(value, int):
                    sheet.write_number(r, col, value, self.bold)
                else:
                    sheet.write_string(r, col, value, self.bold)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.repeat_rows(0)
        if title:
            sheet.set_header("&C" + title.replace("&", "&&"))
        return sheet

    def _write(self, sheet: Worksheet, r: int, col: int, key: str, value: str | int) -> None:
        if isinstance(value, int):
            sheet.write_number(r, col, value, self.text)
            return
        fmt = self.severity.get(value, self.text) if key == "严重程度" else self.text
        if key in WRAPPED_COLUMNS:
            fmt = self.wrap
        sheet.write_string(r, col, value, fmt)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def _file_info_rows(report: DocumentReport) -> list[Row]:
    meta = report.document
    counts = report.counts()
    pairs: list[tuple[str, str | int]] = [
        ("文件名", meta.source_name),
        ("部门", meta.department or ""),
        ("年度", meta.year if meta.year is not None else ""),
        ("类型", kind_label(meta.kind) or ""),
        ("页数", meta.page_count or ""),
        ("SHA-256", meta.sha256 or ""),
        ("状态", document_status(report)),
    ]
    if report.error:
        pairs.append(("原因", report.error))
    pairs += [(SEVERITY_ZH[s], counts.get(s.value, 0)) for s in SEVERITY_ORDER]
    pairs.append(("问题合计", len(report.findings)))
    if meta.tables_found:
        pairs.append(("识别到的报表", "\n".join(meta.tables_found)))
    if report.parse_notes:
        pairs.append(("解析提示", "\n".join(report.parse_notes)))
    return [{"项目": k, "说明": v} for k, v in pairs]


def _coverage_rows(report: DocumentReport) -> list[Row]:
    found: dict[str, int] = {}
    for f in report.findings:
        found[f.code] = found.get(f.code, 0) + 1
    rows: list[Row] = []
    for cov in sorted(report.coverage, key=lambda c: c.code):
        if cov.status == RuleStatus.RAN:
            status = "发现问题" if found.get(cov.code) else "通过"
            reason = cov.reason or ""  # what it left unjudged, if anything
        else:
            status = "未检查"
            reason = cov.reason or ("规则运行出错" if cov.status == RuleStatus.FAILED else "")
        rows.append(
            {
                "规则": cov.code,
                "名称": cov.title,
                "状态": status,
                "比对次数": cov.checks,
                "问题数": found.get(cov.code, 0),
                "说明": reason,
            }
        )
    return rows


def _failed_rows(reports: Iterable[DocumentReport]) -> list[Row]:
    return [
        {
            "部门": r.document.department or "",
            "文件": r.document.source_name,
            "状态": document_status(r),
            "原因": r.error or "",
        }
        for r in reports
        if r.error
    ]


FAILED_COLUMNS = ("部门", "文件", "状态", "原因")
FILE_INFO_COLUMNS = ("项目", "说明")
COVERAGE_COLUMNS = ("规则", "名称", "状态", "比对次数", "问题数", "说明")


def document_xlsx(report: DocumentReport) -> bytes:
    """The report of one document as a workbook: 问题清单 (one row per finding), 文件信息, 检查覆盖.
    A file that could not be checked gives a first sheet 无法检查 with the reason."""
    book = _Book(title=report.document.source_name)
    if report.error:
        book.table("无法检查", FAILED_COLUMNS, _failed_rows([report]))
    else:
        book.table("问题清单", FINDING_COLUMNS, finding_rows(report), title=report.document.source_name)
    book.table("文件信息", FILE_INFO_COLUMNS, _file_info_rows(report))
    if not report.error:
        book.table("检查覆盖", COVERAGE_COLUMNS, _coverage_rows(report))
    return book.close()


def batch_xlsx(reports: Sequence[DocumentReport], *, title: str | None = None) -> bytes:
    """A batch as a workbook: 汇总 (one row per document, counts by severity and category, a 合计
    row), 全部问题 (every finding of every document), and 无法检查 when some files could not be
    checked."""
    book = _Book(title=title)
    summary = [summary_row(r) for r in reports]
    total: Row = {"部门": "合计", "文件": f"{len(reports)} 份文件"}
    for key in SUMMARY_COUNT_COLUMNS:
        total[key] = sum(int(row[key]) for row in summary)
    failed = sum(1 for r in reports if r.error)
    total["状态"] = f"无法检查 {failed} 份" if failed else ""
    book.table("汇总", SUMMARY_COLUMNS, summary, total=total, title=title)
    rows: list[Row] = []
    for report in reports:
        if not report.error:
            rows.extend(finding_rows(report, start=len(rows) + 1))
    book.table("全部问题", FINDING_COLUMNS, rows, title=title)
    if failed:
        book.table("无法检查", FAILED_COLUMNS, _failed_rows(reports), title=title)
    return book.close()
