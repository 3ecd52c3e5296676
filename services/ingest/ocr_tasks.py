"""OCR service: a scan's raw upload → ExtractedDocument (extracted/{batch}/{doc}.json, the object
ingest writes for every other document), on its own queue ``ocr``:

    celery -A services.worker worker -Q ocr --concurrency=1     # JUESUAN_OCR_CONCURRENCY

Ingest hands a document here when ``needs_ocr`` finds pages without a sane text layer; the message
carries the page count, and its time limits scale with it (services/stage.py ``ocr_time_limits``).
While the pages are read, the document's status holds ``progress`` {"done": n, "total": m}, shown
as 文字识别 n/m 页. Like every stage it runs once per document under a lease renewed by a heartbeat
(a long scan is never taken for lost), skips work whose output exists, and passes the document to
parse; recovery sends a lost document back to this queue.
"""

from __future__ import annotations

import logging

from services.ingest.core import ingest_bytes
from services.ingest.ocr import OcrProgress
from services.ingest.tasks import read_raw
from services.pipeline import ingest_limits
from services.stage import delay_for_tests, run_stage, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.keys import stage_key
from shared.messages import OCR, DocRef

log = logging.getLogger("juesuan.ocr")


def page_progress(ref: DocRef) -> OcrProgress:
    """The callback ingest_bytes reports recognized pages to: writes them into the status."""

    def progress(done: int, total: int) -> None:
        try:
            status().set_progress(ref.batch_id, ref.doc_id, done, total)
        except Exception as exc:  # noqa: BLE001  (progress is for people: never fail a scan over it)
            log.warning("event=progress_write_failed batch=%s doc=%s error=%s", ref.batch_id, ref.doc_id, exc)
        if done:
            delay_for_tests("ocr-page")

    return progress


def ocr_core(ref: DocRef) -> str:
    data = read_raw(ref)
    progress = page_progress(ref)
    progress(0, ref.ocr_pages or 0)
    doc = ingest_bytes(ref.filename, data, ingest_limits(), progress=progress)
    key = stage_key("extracted", ref.batch_id, ref.doc_id)
    storage().put_json(key, doc)
    return key


@app.task(name="juesuan.ocr", bind=True, **RETRY)
def ocr(self, msg: dict) -> dict | None:
    return run_stage(msg, OCR, ocr_core, self.request.id)
