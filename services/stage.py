"""What every stage's Celery task does around its pure core.

- **Once per document.** A message for a document that is already done or failed is dropped; a
  stage whose output already exists is skipped and the document moves on (a redelivered or
  duplicate message costs a storage stat, not a re-run). While a stage runs, its task holds the
  document's lease in Redis and renews it from a heartbeat thread; a second message for the same
  document finds the lease taken and is dropped, unless it is the same message redelivered after its
  worker died (same task id), which takes the lease over.
- **Truthful status.** ``running`` while the core runs (``parsing`` …), then ``queued`` with
  ``stage`` naming the stage the document now waits for.
- **Failures end the document, not the chain.** Bad input, a timeout, running out of memory or an
  unexpected exception (logged with its traceback, shown as 内部错误) mark the document failed; the
  report stage then writes its error report. Transient storage/Redis errors are re-raised for
  Celery's retry with backoff. A stage that keeps being killed mid-run is failed after
  ``MAX_ATTEMPTS`` runs.
- Each stage sends the next stage's message itself (``send_stage``), so recovery can restart a
  document at the stage it was lost in.
- **Hand-offs.** A core may return a ``Handoff`` instead of an output key: the document is sent to
  another stage instead of the next one (ingest hands a scan to ``ocr``, whose messages carry time
  limits scaled to the pages, see ``ocr_time_limits``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from celery.exceptions import SoftTimeLimitExceeded

from shared.errors import BadInputError
from shared.keys import doc_manifest_key, stage_key
from shared.messages import OCR, OUTPUT_PREFIX, STAGES, TERMINAL, DocOutcome, DocRef, DocState, next_stage
from shared.settings import get_settings
from shared.status import StatusStore
from shared.storage import Storage

log = logging.getLogger("juesuan.stage")

MAX_ATTEMPTS = 3
INTERNAL_ERROR = "内部错误：处理本文件时程序出错，已记录日志，请联系管理员。"

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


def delay_for_tests(stage: str) -> None:
    spec = get_settings().test_task_delay
    for part in filter(None, spec.split(",")):
        name, _, secs = part.partition(":")
        if name == stage:
            time.sleep(float(secs or 0))


def output_key(stage: str, ref: DocRef) -> str | None:
    prefix = OUTPUT_PREFIX.get(stage)
    return stage_key(prefix, ref.batch_id, ref.doc_id) if prefix else None


def input_ref(stage: str, ref: DocRef) -> DocRef:
    """The message that starts ``stage`` for this document (its input is the previous stage's
    output; ingest and ocr read the raw upload)."""
    i = 0 if stage == OCR else STAGES.index(stage)
    key = output_key(STAGES[i - 1], ref) if i else None
    return ref.model_copy(update={"key": key})


def ocr_time_limits(pages: int | None) -> tuple[int, int]:
    """(soft, hard) time limits in seconds of recognizing ``pages`` pages: base + per page × pages,
    the hard limit a margin above. Both stay under the broker's visibility timeout, or Redis would
    hand the message to a second worker while the first still runs it."""
    s = get_settings()
    soft = int(s.ocr_base_seconds + s.ocr_seconds_per_page * max(pages or 1, 1))
    hard = soft + max(30, soft // 10)
    cap = s.visibility_timeout_seconds - 10
    if cap > 0 and hard > cap:
        hard = cap
        soft = min(soft, max(hard - 10, 1))
    return soft, hard


def time_limits(stage: str, ref: DocRef) -> tuple[int, int]:
    """(soft, hard) time limits of ``stage`` for this document."""
    if stage == OCR:
        return ocr_time_limits(ref.ocr_pages)
    s = get_settings()
    return s.task_soft_time_limit, s.task_time_limit


def send_stage(stage: str, ref: DocRef) -> None:
    from services.worker import app

    options: dict[str, int] = {}
    if stage == OCR:
        options["soft_time_limit"], options["time_limit"] = ocr_time_limits(ref.ocr_pages)
    app.send_task(f"juesuan.{stage}", args=(ref.model_dump(),), queue=stage, **options)


@dataclass(frozen=True)
class Handoff:
    """What a core returns to send the document to ``stage`` instead of the next stage (ingest
    hands a scan with ``pages`` pages to recognize to ``ocr``)."""

    stage: str
    pages: int


class _Heartbeat:
    """Renews the document's lease while the core runs; stops when the task ends."""

    def __init__(self, ref: DocRef, task: str, ttl: int) -> None:
        self.ref, self.task, self.ttl = ref, task, ttl
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="lease-heartbeat")

    def _run(self) -> None:
        while not self.stop.wait(max(self.ttl / 3, 0.5)):
            try:
                status().refresh_lease(self.ref.batch_id, self.ref.doc_id, self.task, self.ttl)
            except Exception as exc:  # noqa: BLE001  (Redis away: the lease may lapse; recovery copes)
                log.warning(
                    "event=lease_refresh_failed batch=%s doc=%s error=%s",
                    self.ref.batch_id,
                    self.ref.doc_id,
                    exc,
                )

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()


def _failure(exc: BaseException, stage: str, ref: DocRef) -> str | None:
    """The Chinese reason a document fails for this exception, or None for a transient error."""
    if isinstance(exc, BadInputError):
        return exc.user_message
    if isinstance(exc, SoftTimeLimitExceeded):
        if stage == OCR:
            return (
                f"处理超时：本文件 {ref.ocr_pages or '?'} 页的文字识别超过 {time_limits(stage, ref)[0]} 秒仍未完成，"
                "已停止处理。请检查扫描件是否异常庞大或模糊。"
            )
        return f"处理超时：本文件的{stage}阶段超过 {time_limits(stage, ref)[0]} 秒仍未完成，已停止处理。请检查文件是否异常庞大。"
    # onnxruntime (OCR) reports running out of memory as its own RuntimeException ("std::bad_alloc")
    if isinstance(exc, MemoryError) or "std::bad_alloc" in str(exc):
        from services.worker import memory_limit_mb

        return f"文件过于庞大：处理所需内存超过每个进程 {memory_limit_mb()} MB 的上限，已停止处理。"
    return None


def run_stage(
    msg: dict, stage: str, core: Callable[[DocRef], str | Handoff], task_id: str | None = None
) -> dict | None:
    """Run ``core`` (which returns the key of the object it wrote, or a ``Handoff``) for one
    document at most once, then send the next stage's message. Returns the ref passed on, or None
    when dropped."""
    ref = DocRef.model_validate(msg)
    task = task_id or "local"
    st = status()
    nxt = next_stage(stage)
    assert nxt, "the report stage has its own runner"
    if st.state_of(ref.batch_id, ref.doc_id) in {s.value for s in TERMINAL}:
        log.info(
            "event=stage_dropped reason=document_finished stage=%s batch=%s doc=%s",
            stage,
            ref.batch_id,
            ref.doc_id,
        )
        return None
    if ref.failed:  # failed upstream: pass through to the report
        send_stage(nxt, ref)
        return ref.model_dump()
    out = output_key(stage, ref)
    if out and storage().exists(out):
        log.info(
            "event=stage_skipped reason=output_exists stage=%s batch=%s doc=%s",
            stage,
            ref.batch_id,
            ref.doc_id,
        )
        passed = ref.model_copy(update={"key": out})
        send_stage(nxt, passed)
        return passed.model_dump()
    ttl = get_settings().lease_seconds
    holder = st.acquire_lease(ref.batch_id, ref.doc_id, task, ttl)
    if holder is not None:
        log.info(
            "event=stage_dropped reason=running_elsewhere holder=%s stage=%s batch=%s doc=%s",
            holder,
            stage,
            ref.batch_id,
            ref.doc_id,
        )
        return None
    try:
        passed, handoff = _run_held(ref, stage, core, task, ttl)
        if handoff is not None:
            passed = passed.model_copy(update={"key": None, "ocr_pages": handoff.pages})
            progress = {"done": 0, "total": handoff.pages}
            st.waiting(ref.batch_id, ref.doc_id, handoff.stage, progress=progress)
            send_stage(handoff.stage, passed)
            log.info(
                "event=stage_handoff stage=%s to=%s pages=%d batch=%s doc=%s",
                stage,
                handoff.stage,
                handoff.pages,
                ref.batch_id,
                ref.doc_id,
            )
            return passed.model_dump()
        st.waiting(ref.batch_id, ref.doc_id, nxt, **({"error": passed.reason} if passed.failed else {}))
        send_stage(nxt, passed)
        return passed.model_dump()
    finally:
        st.release_lease(ref.batch_id, ref.doc_id, task)


def _run_held(
    ref: DocRef, stage: str, core: Callable[[DocRef], str | Handoff], task: str, ttl: int
) -> tuple[DocRef, Handoff | None]:
    st = status()
    prior = st.runs(ref.batch_id, ref.doc_id).get(stage, 0)
    if prior >= MAX_ATTEMPTS:
        abandoned = f"处理反复中断：本文件的{stage}阶段已尝试 {MAX_ATTEMPTS} 次均未完成，已停止处理。"
        log.error(
            "event=stage_abandoned stage=%s batch=%s doc=%s runs=%d", stage, ref.batch_id, ref.doc_id, prior
        )
        return ref.model_copy(update={"failed": True, "reason": abandoned}), None
    st.running(ref.batch_id, ref.doc_id, stage, task)
    # counted only now, just before the work: a Redis error before this point retries without a run
    runs = st.count_run(ref.batch_id, ref.doc_id, stage)
    log.info(
        "event=stage_start stage=%s batch=%s doc=%s task=%s run=%d",
        stage,
        ref.batch_id,
        ref.doc_id,
        task,
        runs,
    )
    t0 = time.perf_counter()
    try:
        with _Heartbeat(ref, task, ttl):
            delay_for_tests(stage)
            key = core(ref)
    except Exception as exc:
        reason = _failure(exc, stage, ref)
        if reason is None and is_transient(exc):
            st.uncount_run(ref.batch_id, ref.doc_id, stage)  # Celery retries it: not a lost run
            raise
        if reason is None:
            log.exception("event=stage_error stage=%s batch=%s doc=%s", stage, ref.batch_id, ref.doc_id)
            reason = INTERNAL_ERROR
        else:
            log.warning(
                "event=stage_failed stage=%s batch=%s doc=%s reason=%s", stage, ref.batch_id, ref.doc_id, exc
            )
        return ref.model_copy(update={"failed": True, "reason": reason}), None
    ms = (time.perf_counter() - t0) * 1000
    log.info("event=stage_done stage=%s batch=%s doc=%s ms=%.1f", stage, ref.batch_id, ref.doc_id, ms)
    if isinstance(key, Handoff):
        return ref, key
    return ref.model_copy(update={"key": key}), None


def is_transient(exc: BaseException) -> bool:
    from services.tasks_common import TRANSIENT

    return isinstance(exc, TRANSIENT)


def load_outcome(ref: DocRef) -> DocOutcome:
    try:
        return storage().get_model(doc_manifest_key(ref.batch_id, ref.doc_id), DocOutcome)
    except KeyError:
        return DocOutcome(
            batch_id=ref.batch_id, doc_id=ref.doc_id, filename=ref.filename, raw_key=ref.raw_key
        )


__all__ = [
    "DocState",
    "Handoff",
    "input_ref",
    "load_outcome",
    "ocr_time_limits",
    "run_stage",
    "send_stage",
    "status",
    "storage",
]
