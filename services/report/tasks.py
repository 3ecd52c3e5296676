"""Report service: DocumentReport → the document's reports in every configured format (json and
html always; xlsx, csv, pdf and the annotated original as JUESUAN_REPORT_FORMATS says), the
document's durable outcome in its manifest, and — once every document of the batch is done or
failed — the batch summary (json, html, xlsx, csv). Failed documents arrive here too (passed
through the chain) and get an error report.

A format that does not apply (an annotated copy of a Word file) or cannot be made here (no
Chromium for the PDF) is skipped with its Chinese reason in ``DocOutcome.report_unavailable``; a
format that fails for any other reason is logged and recorded as 生成失败. The document is done
either way: only json and html are required.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING

from services.report.formats import (
    MEDIA_TYPE,
    SUFFIX,
    NotApplicable,
    ReportFormat,
    parse_formats,
    render_document,
)
from services.report.summary import build_summary, document_reports, render_summary_html
from services.stage import INTERNAL_ERROR, delay_for_tests, is_transient, load_outcome, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.keys import doc_manifest_key, report_key, summary_key
from shared.messages import TERMINAL, DocOutcome, DocRef, DocState
from shared.models import DocumentMeta, DocumentReport
from shared.settings import get_settings

if TYPE_CHECKING:
    from services.report.pdf_report import PdfRenderer

log = logging.getLogger("juesuan.report")

REQUIRED = (ReportFormat.JSON, ReportFormat.HTML)
RENDER_FAILED = "生成失败：该格式的报告未能生成，其他格式不受影响。"


def configured_formats() -> list[ReportFormat]:
    """The formats to write: the setting's, with json and html always first (a bad setting falls
    back to json and html, logged)."""
    try:
        asked = parse_formats(get_settings().report_formats)
    except ValueError as exc:
        log.error("event=bad_report_formats error=%s", exc)
        asked = []
    return [*REQUIRED, *(f for f in asked if f not in REQUIRED)]


def _pdf_renderer() -> PdfRenderer:
    from services.report.pdf_report import shared_renderer

    return shared_renderer()  # one browser per worker process, started on first use


def _unavailable_errors() -> tuple[type[Exception], ...]:
    """Exceptions meaning "this format cannot be made here", whose message is the reason."""
    try:
        from services.report.pdf_report import PdfUnavailable
    except ImportError:
        return (NotApplicable,)
    return (NotApplicable, PdfUnavailable)


def _original(ref: DocRef) -> bytes | None:
    try:
        return storage().get_bytes(ref.raw_key) if ref.raw_key else None
    except KeyError:
        return None


def render_reports(
    ref: DocRef, report: DocumentReport, formats: list[ReportFormat]
) -> tuple[dict[str, str], dict[str, str]]:
    """Store the report in each format: (keys by format, reasons for the formats not stored)."""
    st = storage()
    original = _original(ref) if ReportFormat.ANNOTATED in formats and not report.error else None
    skip = _unavailable_errors()
    keys: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    for fmt in formats:
        try:
            data = render_document(
                report, fmt, original=original, pdf=_pdf_renderer() if fmt == ReportFormat.PDF else None
            )
        except skip as exc:
            unavailable[fmt.value] = str(exc) or RENDER_FAILED
            log.info(
                "event=format_skipped format=%s batch=%s doc=%s reason=%s", fmt, ref.batch_id, ref.doc_id, exc
            )
            continue
        except Exception as exc:
            if fmt in REQUIRED or is_transient(exc):
                raise
            log.exception("event=format_failed format=%s batch=%s doc=%s", fmt, ref.batch_id, ref.doc_id)
            reason = str(exc) if type(exc).__name__ == "PdfRenderError" and str(exc) else RENDER_FAILED
            unavailable[fmt.value] = reason
            continue
        key = report_key(ref.batch_id, ref.doc_id, SUFFIX[fmt])
        st.put_bytes(key, data, MEDIA_TYPE[fmt])
        keys[fmt.value] = key
    return keys, unavailable


def report_core(ref: DocRef) -> DocOutcome:
    st = storage()
    outcome = load_outcome(ref)
    if ref.failed:
        report = DocumentReport(document=DocumentMeta(source_name=ref.filename), error=ref.reason)
        outcome.state, outcome.error = DocState.FAILED, ref.reason
    else:
        assert ref.key
        report = st.get_model(ref.key, DocumentReport)
        outcome.state = DocState.DONE
        outcome.department, outcome.year = report.document.department, report.document.year
        outcome.sha256 = report.document.sha256
        outcome.counts = report.counts()
        outcome.categories = dict(Counter(f.category.value for f in report.findings))
    outcome.report_keys, outcome.report_unavailable = render_reports(ref, report, configured_formats())
    st.put_json(doc_manifest_key(ref.batch_id, ref.doc_id), outcome)
    return outcome


def write_summary_if_complete(batch_id: str) -> bool:
    if not status().is_complete(batch_id):
        return False
    status().mark_inactive(batch_id)
    st = storage()
    outcomes = [st.get_model(k, DocOutcome) for k in st.list_keys(f"manifests/{batch_id}/docs/")]
    summary = build_summary(batch_id, outcomes)
    st.put_json(summary_key(batch_id, "json"), summary)
    st.put_bytes(
        summary_key(batch_id, "html"),
        render_summary_html(summary).encode("utf-8"),
        "text/html; charset=utf-8",
    )
    write_tabular_summary(batch_id, outcomes)
    log.info("event=summary_written batch=%s documents=%d", batch_id, len(outcomes))
    return True


def write_tabular_summary(batch_id: str, outcomes: list[DocOutcome]) -> None:
    """summary.xlsx and summary.csv: every document's findings, one row each (a failure here is
    logged; the json and html summary stand)."""
    from services.report.tabular import batch_csv, batch_xlsx

    ordered = sorted(outcomes, key=lambda o: (o.department or "", o.filename))
    try:
        reports = document_reports(storage(), ordered)
        st = storage()
        st.put_bytes(summary_key(batch_id, "xlsx"), batch_xlsx(reports), MEDIA_TYPE[ReportFormat.XLSX])
        st.put_bytes(summary_key(batch_id, "csv"), batch_csv(reports), MEDIA_TYPE[ReportFormat.CSV])
    except Exception as exc:
        if is_transient(exc):
            raise
        log.exception("event=tabular_summary_failed batch=%s", batch_id)


def _publish(ref: DocRef, outcome: DocOutcome) -> None:
    status().set_state(
        ref.batch_id,
        ref.doc_id,
        outcome.state,
        stage="report",
        task="",
        error=outcome.error or "",
        counts=outcome.counts,
        categories=outcome.categories,
        report_keys=outcome.report_keys,
        report_unavailable=outcome.report_unavailable,
        duplicate_of=outcome.duplicate_of or "",
        department=outcome.department or "",
        year=str(outcome.year or ""),
    )


def run_report(msg: dict, task: str) -> dict | None:
    """The last stage, once per document: a document already finished (in Redis, or in its durable
    manifest after Redis lost it) is not rendered again."""
    ref = DocRef.model_validate(msg)
    st = status()
    if st.state_of(ref.batch_id, ref.doc_id) in {s.value for s in TERMINAL}:
        log.info(
            "event=stage_dropped reason=document_finished stage=report batch=%s doc=%s",
            ref.batch_id,
            ref.doc_id,
        )
        return None
    stored = load_outcome(ref)
    if stored.state in TERMINAL and stored.report_keys:
        _publish(ref, stored)
        log.info(
            "event=stage_skipped reason=output_exists stage=report batch=%s doc=%s", ref.batch_id, ref.doc_id
        )
        write_summary_if_complete(ref.batch_id)
        return None
    ttl = get_settings().lease_seconds
    holder = st.acquire_lease(ref.batch_id, ref.doc_id, task, ttl)
    if holder is not None:
        log.info(
            "event=stage_dropped reason=running_elsewhere holder=%s stage=report batch=%s doc=%s",
            holder,
            ref.batch_id,
            ref.doc_id,
        )
        return None
    try:
        st.running(ref.batch_id, ref.doc_id, "report", task)
        st.count_run(ref.batch_id, ref.doc_id, "report")
        delay_for_tests("report")
        try:
            outcome = report_core(ref)
        except Exception as exc:
            if is_transient(exc):
                st.uncount_run(ref.batch_id, ref.doc_id, "report")
                raise
            log.exception("event=stage_error stage=report batch=%s doc=%s", ref.batch_id, ref.doc_id)
            outcome = report_core(ref.model_copy(update={"failed": True, "reason": INTERNAL_ERROR}))
        _publish(ref, outcome)
    finally:
        st.release_lease(ref.batch_id, ref.doc_id, task)
    log.info("event=document_%s batch=%s doc=%s", outcome.state.value, ref.batch_id, ref.doc_id)
    write_summary_if_complete(ref.batch_id)
    return ref.model_dump()


@app.task(name="juesuan.report", bind=True, **RETRY)
def report(self, msg: dict) -> dict | None:
    return run_report(msg, self.request.id)
