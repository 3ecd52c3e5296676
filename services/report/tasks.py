"""Report service: DocumentReport → per-document HTML and JSON reports, the document's durable
outcome in its manifest, and — once every document of the batch is done or failed — the batch
summary. Failed documents arrive here too (passed through the chain) and get an error report."""

from __future__ import annotations

import logging
from collections import Counter

from services.report.html import render_document_html, report_json
from services.report.summary import build_summary, render_summary_html
from services.stage import INTERNAL_ERROR, delay_for_tests, is_transient, load_outcome, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.keys import doc_manifest_key, stage_key, summary_key
from shared.messages import TERMINAL, DocOutcome, DocRef, DocState
from shared.models import DocumentMeta, DocumentReport
from shared.settings import get_settings

log = logging.getLogger("juesuan.report")


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
    keys = {
        "json": stage_key("reports", ref.batch_id, ref.doc_id, "json"),
        "html": stage_key("reports", ref.batch_id, ref.doc_id, "html"),
    }
    st.put_bytes(keys["json"], report_json(report).encode("utf-8"), "application/json; charset=utf-8")
    st.put_bytes(keys["html"], render_document_html(report).encode("utf-8"), "text/html; charset=utf-8")
    outcome.report_keys = keys
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
    log.info("event=summary_written batch=%s documents=%d", batch_id, len(outcomes))
    return True


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
