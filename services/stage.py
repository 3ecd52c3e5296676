"""What every stage's Celery task does around its pure core: status updates, permanent failures
(bad input → the document is ``failed`` with a reason; the chain passes it through to the report
stage), transient errors (re-raised for Celery's retry with backoff), and a test hook that slows a
stage so a test can kill a worker mid-task."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from shared.errors import BadInputError
from shared.keys import doc_manifest_key
from shared.messages import DocOutcome, DocRef, DocState
from shared.settings import get_settings
from shared.status import StatusStore
from shared.storage import Storage

log = logging.getLogger("juesuan.stage")

_storage: Storage | None = None
_status: StatusStore | None = None


def storage() -> Storage:
    global _storage
    if _storage is None:
        _storage = Storage()
    return _storage


def status() -> StatusStore:
    global _status
    if _status is None:
        _status = StatusStore()
    return _status


def _test_delay(stage: str) -> None:
    spec = get_settings().test_task_delay
    for part in filter(None, spec.split(",")):
        name, _, secs = part.partition(":")
        if name == stage:
            time.sleep(float(secs or 0))


def run_stage(msg: dict, stage: str, state: DocState, core: Callable[[DocRef], str]) -> dict:
    """Run ``core`` (which returns the key of the object it wrote) for one document."""
    ref = DocRef.model_validate(msg)
    if ref.failed:
        return ref.model_dump()
    status().set_state(ref.batch_id, ref.doc_id, state, stage=stage)
    log.info("event=stage_start stage=%s batch=%s doc=%s", stage, ref.batch_id, ref.doc_id)
    _test_delay(stage)
    t0 = time.perf_counter()
    try:
        key = core(ref)
    except BadInputError as exc:
        log.warning("event=stage_failed stage=%s batch=%s doc=%s reason=%s", stage, ref.batch_id, ref.doc_id, exc)
        return ref.model_copy(update={"failed": True, "reason": exc.user_message}).model_dump()
    log.info("event=stage_done stage=%s batch=%s doc=%s ms=%.1f", stage, ref.batch_id, ref.doc_id, (time.perf_counter() - t0) * 1000)
    return ref.model_copy(update={"key": key}).model_dump()


def load_outcome(ref: DocRef) -> DocOutcome:
    try:
        return storage().get_model(doc_manifest_key(ref.batch_id, ref.doc_id), DocOutcome)
    except KeyError:
        return DocOutcome(batch_id=ref.batch_id, doc_id=ref.doc_id, filename=ref.filename, raw_key=ref.raw_key)
