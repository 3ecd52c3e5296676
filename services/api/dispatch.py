"""Registering documents and starting their chains. Registration is idempotent: the same content
in the same batch is one document (the id derives from the content hash)."""

from __future__ import annotations

import logging

from services.report.html import render_document_html, report_json
from services.stage import send_stage
from shared.keys import doc_manifest_key, stage_key
from shared.messages import DocOutcome, DocRef, DocState
from shared.models import DocumentMeta, DocumentReport

from .deps import get_status, get_storage

log = logging.getLogger("juesuan.api")


def start_chain(ref: DocRef) -> None:
    """Send the document to ingest; each stage sends it on to the next (ingest → parse → validate
    → report, each on its own queue)."""
    send_stage("ingest", ref)
    log.info("event=chain_started batch=%s doc=%s", ref.batch_id, ref.doc_id)


def restart(batch_id: str, doc_id: str, filename: str, raw_key: str) -> None:
    """Start a document again from its raw upload: stages whose output exists are skipped."""
    start_chain(DocRef(batch_id=batch_id, doc_id=doc_id, filename=filename, raw_key=raw_key))


def register(outcome: DocOutcome, start: bool = True) -> bool:
    """Record the document (durably and in Redis); start its chain when it is new and queued.
    Returns False when the document was already registered."""
    if not get_status().register(outcome):
        return False
    storage = get_storage()
    if outcome.state == DocState.FAILED:
        write_error_report(outcome)
        get_status().set_state(
            outcome.batch_id,
            outcome.doc_id,
            DocState.FAILED,
            stage="upload",
            error=outcome.error or "",
            report_keys=outcome.report_keys,
        )
    storage.put_json(doc_manifest_key(outcome.batch_id, outcome.doc_id), outcome)
    if start and outcome.state == DocState.QUEUED:
        restart(outcome.batch_id, outcome.doc_id, outcome.filename, outcome.raw_key)
    return True


def write_error_report(outcome: DocOutcome) -> None:
    """A document rejected at upload still gets a downloadable report saying why."""
    storage = get_storage()
    report = DocumentReport(
        document=DocumentMeta(source_name=outcome.filename, sha256=outcome.sha256), error=outcome.error
    )
    keys = {
        "json": stage_key("reports", outcome.batch_id, outcome.doc_id, "json"),
        "html": stage_key("reports", outcome.batch_id, outcome.doc_id, "html"),
    }
    storage.put_bytes(keys["json"], report_json(report).encode("utf-8"), "application/json; charset=utf-8")
    storage.put_bytes(keys["html"], render_document_html(report).encode("utf-8"), "text/html; charset=utf-8")
    outcome.report_keys = keys
