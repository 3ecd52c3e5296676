"""Recovery: a small scheduler process that keeps every document moving without anyone polling.

    python -m services.recovery          # one per deployment (a Redis lock keeps extra replicas idle)

Every ``recovery_interval_seconds`` it sweeps the batches that still have unfinished documents:

- A document whose task is running holds a lease in Redis, renewed by the task's heartbeat: it is
  left alone however long it runs (the Celery time limits bound that).
- A document waiting for a stage is left alone while a message for it and that stage sits in the
  stage's queue, or was delivered to a worker within the grace period — however long the queue.
- Otherwise its message was lost (a worker killed after taking it, Redis restarted without its data,
  a message deleted): when that is still so ``recovery_grace_seconds`` after the document's last
  change, on two sweeps in a row, the document is sent to that stage again. Stages skip work whose
  output exists and drop messages for documents already running elsewhere or finished, so a restart
  never runs a stage twice.
- A scan lost in the ``ocr`` stage goes back to the ``ocr`` queue (with its page count, so its
  time limits scale again), never to ingest.
- When Redis has lost everything (its epoch marker is gone), status is rebuilt from the durable
  manifests in object storage first.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.stage import input_ref, send_stage
from shared import logs
from shared.keys import batch_manifest_key
from shared.messages import OCR, QUEUES, RUNNING, TERMINAL, DocRef
from shared.settings import Settings, get_settings
from shared.status import StatusStore
from shared.storage import Storage

log = logging.getLogger("juesuan.recovery")

LOCK = "js:recovery:lock"
_TERMINAL = {s.value for s in TERMINAL}
_STAGE_OF_STATE = {state.value: stage for stage, state in RUNNING.items()}
# kombu's Redis transport: delivered, unacknowledged messages and the time each was delivered
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"
PRIORITY_SEP = "\x06\x16"


def _message_target(raw: str | bytes) -> tuple[str, str, str] | None:
    """(batch, doc, stage) of a Celery message as kombu stores it in Redis, or None."""
    try:
        msg = json.loads(raw)
        if isinstance(msg, list):  # unacked entries: [message, exchange, routing_key]
            msg = msg[0]
        stage = str(msg["headers"]["task"]).removeprefix("juesuan.")
        body = msg["body"]
        if msg.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        ref = args[0]
        return str(ref["batch_id"]), str(ref["doc_id"]), stage
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def broker_messages(r: Any, grace: float, now: float) -> set[tuple[str, str, str]]:
    """Every (batch, doc, stage) with a message waiting in a queue, or delivered to a worker less than
    ``grace`` seconds ago (a worker that took a message and died leaves it delivered for good).
    ``r`` is a redis client (Any: redis-py's reply types do not follow decode_responses)."""
    present: set[tuple[str, str, str]] = set()
    queues: list[str | bytes] = list(QUEUES)
    for stage in QUEUES:
        queues.extend(r.scan_iter(match=f"{stage}{PRIORITY_SEP}*", count=100))
    for queue in queues:
        for raw in r.lrange(queue, 0, -1):
            target = _message_target(raw)
            if target:
                present.add(target)
    recent = {tag for tag, at in r.zrange(UNACKED_INDEX, 0, -1, withscores=True) if now - float(at) < grace}
    for tag, raw in r.hgetall(UNACKED).items():
        if tag in recent:
            target = _message_target(raw)
            if target:
                present.add(target)
    return present


@dataclass
class SweepResult:
    batches: int = 0
    unfinished: int = 0
    restarted: list[tuple[str, str, str]] = field(default_factory=list)
    rebuilt: int = 0


class Recovery:
    def __init__(
        self,
        status: StatusStore | None = None,
        storage: Storage | None = None,
        settings: Settings | None = None,
        send: Callable[[str, DocRef], None] = send_stage,
    ) -> None:
        self.settings = settings or get_settings()
        self.status = status or StatusStore()
        self.storage = storage or Storage(self.settings)
        self.send = send
        self.suspects: dict[tuple[str, str], tuple[str, str]] = {}

    # ------------------------------------------------------------------ rebuild
    def rebuild_all(self) -> int:
        """Redis lost everything: put every batch's status back from the manifests."""
        n = 0
        for key in self.storage.list_keys("manifests/"):
            parts = key.split("/")
            is_batch = len(parts) == 3 and key == batch_manifest_key(parts[1])
            if is_batch and not self.status.batch_exists(parts[1]):
                self.status.rebuild_batch(self.storage, parts[1])
                n += 1
        self.status.set_epoch()
        if n:
            log.warning("event=status_rebuilt batches=%d", n)
        return n

    # ------------------------------------------------------------------ sweep
    def sweep(self, now: float | None = None) -> SweepResult:
        now = time.time() if now is None else now
        res = SweepResult()
        if not self.status.has_epoch():
            res.rebuilt = self.rebuild_all()
        grace = self.settings.recovery_grace_seconds
        present = broker_messages(self.status.r, grace, now)
        seen: set[tuple[str, str]] = set()
        for b in self.status.active_batches():
            res.batches += 1
            docs = self.status.get_docs(b)
            unfinished = [d for d in docs if d.get("state") not in _TERMINAL]
            if docs and not unfinished:
                self.status.mark_inactive(b)
                continue
            res.unfinished += len(unfinished)
            for d in unfinished:
                doc_id = str(d["doc_id"])
                seen.add((b, doc_id))
                stage = self._stage(d)
                if self.status.lease_holder(b, doc_id) or (b, doc_id, stage) in present:
                    self.suspects.pop((b, doc_id), None)
                    continue
                updated = str(d.get("updated_at") or "0")
                if now - float(updated) < grace:
                    continue
                marker = (stage, updated)
                if self.suspects.get((b, doc_id)) != marker:  # first sighting: look again next sweep
                    self.suspects[(b, doc_id)] = marker
                    continue
                self.restart(b, d, stage)
                res.restarted.append((b, doc_id, stage))
        self.suspects = {k: v for k, v in self.suspects.items() if k in seen}
        return res

    @staticmethod
    def _stage(d: dict[str, object]) -> str:
        stage = str(d.get("stage") or "")
        if stage in QUEUES:
            return stage
        return _STAGE_OF_STATE.get(str(d.get("state")), "ingest")

    def restart(self, b: str, d: dict[str, object], stage: str) -> None:
        doc_id = str(d["doc_id"])
        ref = DocRef(
            batch_id=b,
            doc_id=doc_id,
            filename=str(d.get("filename") or ""),
            raw_key=str(d.get("raw_key") or ""),
        )
        error = str(d.get("error") or "")
        if stage == "report" and error:
            ref = ref.model_copy(update={"failed": True, "reason": error})
        else:
            ref = input_ref(stage, ref)
        if stage == OCR:  # back to the ocr queue, with the time limits of its pages
            progress = d.get("progress")
            if isinstance(progress, str):
                try:
                    progress = json.loads(progress)
                except ValueError:
                    progress = None
            total = progress.get("total") if isinstance(progress, dict) else None
            pages = int(str(total)) if str(total).isdigit() else None
            ref = ref.model_copy(update={"ocr_pages": pages})
        restarts = int(str(d.get("restarts") or 0)) + 1
        self.status.waiting(b, doc_id, stage, restarts=str(restarts))
        self.send(stage, ref)
        self.suspects.pop((b, doc_id), None)
        log.warning(
            "event=document_restarted reason=message_lost batch=%s doc=%s stage=%s restarts=%d",
            b,
            doc_id,
            stage,
            restarts,
        )


def run_forever(stop: threading.Event, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    rec = Recovery(settings=settings)
    interval = settings.recovery_interval_seconds
    me = f"{time.time()}"
    while not stop.is_set():
        try:
            # one sweeper at a time across replicas; the lock outlives a sweep, not a dead sweeper
            if (
                rec.status.r.set(LOCK, me, nx=True, ex=max(int(interval * 3), 5))
                or rec.status.r.get(LOCK) == me
            ):
                rec.status.r.expire(LOCK, max(int(interval * 3), 5))
                t0 = time.perf_counter()
                res = rec.sweep()
                log.info(
                    "event=sweep batches=%d unfinished=%d restarted=%d rebuilt=%d ms=%.1f",
                    res.batches,
                    res.unfinished,
                    len(res.restarted),
                    res.rebuilt,
                    (time.perf_counter() - t0) * 1000,
                )
        except Exception as exc:  # noqa: BLE001  (Redis or storage away: try again next interval)
            log.warning("event=sweep_failed error=%s", exc)
        stop.wait(interval)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="recovery", description="恢复进程：定期重启丢失消息的文件，并在 Redis 丢失数据后从清单重建状态。"
    ).parse_args(argv)
    logs.configure("recovery")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_forever(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
