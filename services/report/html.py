"""Render a :class:`DocumentReport` as a self-contained Chinese HTML page (inline CSS, no external
assets, no JavaScript), an index page for a run, and the JSON form of a report.

Templates live in ``services/report/templates/`` and are rendered by Jinja2 with autoescaping on,
so every piece of document text (quotes, messages, file names) is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote as url_quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.models import (
    CATEGORY_ZH,
    SEVERITY_ZH,
    Category,
    DocumentKind,
    DocumentReport,
    Evidence,
    Finding,
    RuleCoverage,
    RuleStatus,
    Severity,
)

TEMPLATE_DIR = Path(__file__).parent / "templates"

SEVERITY_ORDER: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)

KIND_ZH: dict[str, str] = {
    DocumentKind.TEXT.value: "纯文本",
    DocumentKind.OCR_TEXT.value: "扫描件 OCR 识别文本",
    DocumentKind.WORD_TEXT.value: "Word 导出文本",
    DocumentKind.PDF_TEXT.value: "PDF 提取文本",
    DocumentKind.PDF.value: "PDF（按版面读取）",
    DocumentKind.DOCX.value: "Word 文档",
    DocumentKind.XLSX.value: "Excel 表格",
    DocumentKind.SCAN.value: "扫描件（文字识别）",
}

SHA_SHORT_LEN = 12


@dataclass(frozen=True)
class SeverityCount:
    severity: str  # Severity value, used as CSS class and anchor
    label: str  # Chinese
    n: int


@dataclass(frozen=True)
class CategoryGroup:
    label: str
    findings: list[Finding]


@dataclass(frozen=True)
class SeverityGroup:
    severity: str
    label: str
    categories: list[CategoryGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(c.findings) for c in self.categories)


@dataclass(frozen=True)
class IndexLink:
    label: str  # Chinese, e.g. "Excel 底稿"
    href: str  # URL-quoted file name, relative to the index page


@dataclass(frozen=True)
class IndexRow:
    stem: str
    report: DocumentReport
    counts: list[SeverityCount]
    links: list[IndexLink] = field(default_factory=list)

    @property
    def html_href(self) -> str:
        return url_quote(self.stem) + ".html"

    @property
    def json_href(self) -> str:
        return url_quote(self.stem) + ".json"

    @property
    def main_href(self) -> str | None:
        """Where the file name links: the HTML report if one was written, else the first file."""
        for link in self.links:
            if link.href == self.html_href:
                return link.href
        return self.links[0].href if self.links else None


# --------------------------------------------------------------------------- helpers


def evidence_location(ev: Evidence, page_labels: dict[int, str] | None = None, with_line: bool = True) -> str:
    """Chinese location of a piece of evidence: "第3页 第12行 · 表：… · 行：… · 列：…". The page is
    the file's physical page; its printed number is added where it differs ("第21页（页码18）").
    Line numbers are given for text files only (``with_line``): a PDF's line count means nothing
    to a reader, its page and box do."""
    pos: list[str] = []
    if ev.page is not None:
        label = (page_labels or {}).get(ev.page)
        pos.append(f"第{ev.page}页" + (f"（页码{label}）" if label else ""))
    if ev.line is not None and with_line:
        pos.append(f"第{ev.line}行")
    parts: list[str] = [" ".join(pos)] if pos else []
    if ev.table:
        parts.append(f"表：{ev.table}")
    if ev.row:
        parts.append(f"行：{ev.row}")
    if ev.column:
        parts.append(f"列：{ev.column}")
    return " · ".join(parts)


def format_confidence(value: float) -> str:
    return f"{max(0.0, min(1.0, value)):.0%}"


def kind_label(kind: str | None) -> str | None:
    if not kind:
        return None
    return KIND_ZH.get(kind, kind)


def severity_counts(report: DocumentReport) -> list[SeverityCount]:
    counts = report.counts()
    return [SeverityCount(s.value, SEVERITY_ZH[s], counts.get(s.value, 0)) for s in SEVERITY_ORDER]


def group_findings(findings: list[Finding]) -> list[SeverityGroup]:
    """Group by severity (error → warning → info), then by category in catalogue order; findings
    keep the engine's order within a category. Empty groups are left out."""
    groups: list[SeverityGroup] = []
    for sev in SEVERITY_ORDER:
        cats: list[CategoryGroup] = []
        for cat in Category:
            items = [f for f in findings if f.severity == sev and f.category == cat]
            if items:
                cats.append(CategoryGroup(CATEGORY_ZH.get(cat, cat.value), items))
        if cats:
            groups.append(SeverityGroup(sev.value, SEVERITY_ZH[sev], cats))
    return groups


def split_coverage(coverage: list[RuleCoverage]) -> tuple[list[RuleCoverage], list[RuleCoverage]]:
    """(rules that ran, rules that could not run), each in code order."""
    ordered = sorted(coverage, key=lambda c: c.code)
    ran = [c for c in ordered if c.status == RuleStatus.RAN]
    not_run = [c for c in ordered if c.status != RuleStatus.RAN]
    return ran, not_run


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["pct"] = format_confidence
    return env


# --------------------------------------------------------------------------- public API


def render_document_html(report: DocumentReport, *, index_href: str | None = None) -> str:
    """The report of one document as a standalone HTML page. ``index_href`` (optional) adds a
    link back to the run's index page."""
    meta = report.document
    ran, not_run = split_coverage(report.coverage)
    laid_out = meta.kind in ("pdf", "docx", "xlsx", "scan")
    labels = {int(k): v for k, v in meta.page_labels.items()}
    return (
        _env()
        .get_template("document.html")
        .render(
            location=lambda ev: evidence_location(ev, labels, with_line=not laid_out),
            report=report,
            meta=meta,
            sha_short=(meta.sha256 or "")[:SHA_SHORT_LEN],
            kind_label=kind_label(meta.kind),
            counts=severity_counts(report),
            groups=[] if report.error else group_findings(report.findings),
            ran=ran,
            not_run=not_run,
            index_href=index_href,
        )
    )


def render_index_html(
    entries: list[tuple[str, DocumentReport]],
    *,
    files: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    batch_files: Sequence[tuple[str, str]] = (),
) -> str:
    """Index of a run: one row per ``(output stem, report)`` with totals at the top. ``files``
    maps a stem to the ``(label, file name)`` pairs written for it (default: its HTML and JSON
    reports); ``batch_files`` are files for the whole run (the batch workbook), linked above the
    table. File names are relative to the index page and URL-quoted here."""

    def links(stem: str) -> list[IndexLink]:
        if files is None:
            return [
                IndexLink("HTML", url_quote(stem) + ".html"),
                IndexLink("JSON", url_quote(stem) + ".json"),
            ]
        return [IndexLink(label, url_quote(name)) for label, name in files.get(stem, ())]

    rows = [IndexRow(stem, rep, severity_counts(rep), links(stem)) for stem, rep in entries]
    totals = [
        SeverityCount(s.value, SEVERITY_ZH[s], sum(r.counts[i].n for r in rows if not r.report.error))
        for i, s in enumerate(SEVERITY_ORDER)
    ]
    failed = sum(1 for r in rows if r.report.error)
    batch = [IndexLink(label, url_quote(name)) for label, name in batch_files]
    return _env().get_template("index.html").render(rows=rows, totals=totals, failed=failed, batch=batch)


def report_json(report: DocumentReport) -> str:
    """The report as pretty JSON; non-ASCII text (Chinese) is kept as UTF-8, not ``\\u`` escapes."""
    return report.model_dump_json(indent=2)
