"""Report service: DocumentReport → per-document HTML and JSON reports, the document's durable
outcome in its manifest, and — once every document of the batch is done or failed — the batch
summary. Failed documents arrive here too (passed through the chain) and get an error report."""

from __future__ import annotations

import logging
from collections import Counter

from services.report.html import render_document_html, report_json
from services.report.summary import build_summary, render_summary_html
from services.stage import load_outcome, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.keys import doc_manifest_key, stage_key, summary_key
from shared.messages import DocOutcome, DocRef, DocState
from shared.models import DocumentMeta, DocumentReport

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
    keys = {"json": stage_key("reports", ref.batch_id, ref.doc_id, "json"), "html": stage_key("reports", ref.batch_id, ref.doc_id, "html")}
    st.put_bytes(keys["json"], report_json(report).encode("utf-8"), "application/json; charset=utf-8")
    st.put_bytes(keys["html"], render_document_html(report).encode("utf-8"), "text/html; charset=utf-8")
    outcome.report_keys = keys
    st.put_json(doc_manifest_key(ref.batch_id, ref.doc_id), outcome)
    return outcome


def write_summary_if_complete(batch_id: str) -> bool:
    if not status().is_complete(batch_id):
        return False
    st = storage()
    outcomes = [st.get_model(k, DocOutcome) for k in st.list_keys(f"manifests/{batch_id}/docs/")]
    summary = build_summary(batch_id, outcomes)
    st.put_json(summary_key(batch_id, "json"), summary)
    st.put_bytes(summary_key(batch_id, "html"), render_summary_html(summary).encode("utf-8"), "text/html; charset=utf-8")
    log.info("event=summary_written batch=%s documents=%d", batch_id, len(outcomes))
    return True


@app.task(name="juesuan.report", bind=True, **RETRY)
def report(self, msg: dict) -> dict:
    ref = DocRef.model_validate(msg)
    if not ref.failed:
        status().set_state(ref.batch_id, ref.doc_id, DocState.RENDERING, stage="report")
    from services.stage import _test_delay

    _test_delay("report")
    outcome = report_core(ref)
    status().set_state(
        ref.batch_id, ref.doc_id, outcome.state, stage="report", error=outcome.error or "",
        counts=outcome.counts, categories=outcome.categories, report_keys=outcome.report_keys,
        department=outcome.department or "", year=str(outcome.year or ""),
    )
    log.info("event=document_%s batch=%s doc=%s", outcome.state.value, ref.batch_id, ref.doc_id)
    write_summary_if_complete(ref.batch_id)
    return ref.model_dump()
