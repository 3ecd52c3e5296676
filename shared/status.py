"""Document and batch status in Redis (fast, shared by the api and every worker).

Redis is not the durable truth: the object store's manifests are (``manifests/{batch}/…``).
``rebuild_batch`` repopulates Redis from them when Redis has lost a batch.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import redis

from .keys import batch_manifest_key
from .messages import RUNNING, BatchManifest, DocOutcome, DocState
from .settings import get_settings
from .storage import Storage

PREFIX = "js"


def _batch(b: str) -> str:
    return f"{PREFIX}:batch:{b}"


def _docs(b: str) -> str:
    return f"{PREFIX}:batch:{b}:docs"


def _doc(b: str, d: str) -> str:
    return f"{PREFIX}:doc:{b}:{d}"


def _terminal(b: str) -> str:
    return f"{PREFIX}:batch:{b}:terminal"


def _sha(b: str) -> str:
    return f"{PREFIX}:batch:{b}:sha"


def _lease(b: str, d: str) -> str:
    return f"{PREFIX}:lease:{b}:{d}"


def _tenant(t: str) -> str:
    return f"{PREFIX}:tenant:{t}:batches"


def _epoch_seconds(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


ALL_BATCHES = f"{PREFIX}:batches"  # every batch by creation time (the admin's list)
ACTIVE = f"{PREFIX}:active"  # batches with documents not yet done or failed (what recovery sweeps)
EPOCH = f"{PREFIX}:epoch"  # set once status exists; its absence means Redis lost everything

# Release a lease only if it is still ours (compare-and-delete), refresh it likewise.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
# (a lease lost with Redis's data is taken back by its running task)
_REFRESH = (
    "local v = redis.call('get', KEYS[1]) "
    "if v == ARGV[1] or not v then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end return 0"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StatusStore:
    def __init__(self, client: redis.Redis | None = None) -> None:
        timeout = get_settings().redis_timeout_seconds
        # Any: redis-py's types do not follow decode_responses=True (every reply here is a str)
        self.r: Any = client or redis.Redis.from_url(
            get_settings().redis_url,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )

    def ping(self) -> None:
        self.r.ping()

    # ------------------------------------------------------------------ batches
    def create_batch(self, manifest: BatchManifest) -> None:
        tenant = manifest.tenant or "default"
        pipe = self.r.pipeline()
        pipe.hset(
            _batch(manifest.batch_id),
            mapping={"created_at": manifest.created_at, "name": manifest.name or "", "tenant": tenant},
        )
        pipe.zadd(_tenant(tenant), {manifest.batch_id: _epoch_seconds(manifest.created_at)})
        pipe.zadd(ALL_BATCHES, {manifest.batch_id: _epoch_seconds(manifest.created_at)})
        pipe.execute()

    def list_batches(self, tenant: str | None, limit: int = 100, offset: int = 0) -> list[str]:
        """Newest first: a tenant's batches, or every batch (tenant None: the admin)."""
        key = ALL_BATCHES if tenant is None else _tenant(tenant)
        return list(self.r.zrevrange(key, offset, offset + limit - 1))

    def batch_exists(self, b: str) -> bool:
        return bool(self.r.exists(_batch(b)))

    def batch_info(self, b: str) -> dict[str, str]:
        return self.r.hgetall(_batch(b))

    def doc_ids(self, b: str) -> list[str]:
        return sorted(self.r.smembers(_docs(b)))

    # ------------------------------------------------------------------ documents
    def claim_content(self, b: str, sha256: str, doc_id: str) -> str:
        """The doc id that owns this content in the batch (the first one to claim it)."""
        self.r.hsetnx(_sha(b), sha256, doc_id)
        return self.r.hget(_sha(b), sha256) or doc_id

    def register(self, outcome: DocOutcome) -> bool:
        """Add a document; False when it was already registered (idempotent)."""
        added = self.r.sadd(_docs(outcome.batch_id), outcome.doc_id)
        if added:
            self.r.hset(_doc(outcome.batch_id, outcome.doc_id), mapping=self._fields(outcome))
            if outcome.state in (DocState.DONE, DocState.FAILED):
                self.r.sadd(_terminal(outcome.batch_id), outcome.doc_id)
            else:
                self.r.sadd(ACTIVE, outcome.batch_id)
        return bool(added)

    def set_state(self, b: str, d: str, state: DocState, stage: str | None = None, **fields: object) -> None:
        mapping: dict[str, str] = {
            "state": state.value,
            "stage": stage or state.value,
            "updated_at": str(time.time()),
        }
        for k, v in fields.items():
            mapping[k] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        pipe = self.r.pipeline()
        pipe.hset(_doc(b, d), mapping=mapping)
        if state in (DocState.DONE, DocState.FAILED):
            pipe.sadd(_terminal(b), d)
        pipe.execute()

    def waiting(self, b: str, d: str, stage: str, **fields: object) -> None:
        """The document waits in ``stage``'s queue."""
        self.set_state(b, d, DocState.QUEUED, stage=stage, task="", **fields)

    def running(self, b: str, d: str, stage: str, task: str) -> None:
        self.set_state(b, d, RUNNING[stage], stage=stage, task=task, started_at=str(time.time()))

    def set_progress(self, b: str, d: str, done: int, total: int) -> None:
        """Pages recognized so far of the document's OCR (shown as 文字识别 12/26 页)."""
        progress = json.dumps({"done": int(done), "total": int(total)})
        self.r.hset(_doc(b, d), mapping={"progress": progress, "updated_at": str(time.time())})

    def count_run(self, b: str, d: str, stage: str) -> int:
        """How many times ``stage``'s work really ran for this document (not skipped duplicates)."""
        return int(self.r.hincrby(_doc(b, d), f"runs:{stage}", 1))

    def uncount_run(self, b: str, d: str, stage: str) -> None:
        self.r.hincrby(_doc(b, d), f"runs:{stage}", -1)

    def runs(self, b: str, d: str) -> dict[str, int]:
        raw = self.r.hgetall(_doc(b, d))
        return {k.removeprefix("runs:"): int(v) for k, v in raw.items() if k.startswith("runs:")}

    def state_of(self, b: str, d: str) -> str | None:
        return self.r.hget(_doc(b, d), "state")

    # ------------------------------------------------------------------ leases
    def acquire_lease(self, b: str, d: str, task: str, ttl: int) -> str | None:
        """Take the document's lease for ``task``; returns None when taken, else the holder's task id.
        A redelivered message keeps its task id, so it may take over its own (dead) holder's lease."""
        if self.r.set(_lease(b, d), task, nx=True, ex=ttl):
            return None
        holder = self.r.get(_lease(b, d))
        if holder is None and self.r.set(_lease(b, d), task, nx=True, ex=ttl):
            return None
        if holder == task:
            self.r.set(_lease(b, d), task, ex=ttl)
            return None
        return holder or "?"

    def refresh_lease(self, b: str, d: str, task: str, ttl: int) -> bool:
        return bool(self.r.eval(_REFRESH, 1, _lease(b, d), task, ttl))

    def release_lease(self, b: str, d: str, task: str) -> None:
        self.r.eval(_RELEASE, 1, _lease(b, d), task)

    def lease_holder(self, b: str, d: str) -> str | None:
        return self.r.get(_lease(b, d))

    # ------------------------------------------------------------------ batches being worked on
    def active_batches(self) -> list[str]:
        return sorted(self.r.smembers(ACTIVE))

    def mark_inactive(self, b: str) -> None:
        self.r.srem(ACTIVE, b)

    def has_epoch(self) -> bool:
        return bool(self.r.exists(EPOCH))

    def set_epoch(self) -> None:
        self.r.set(EPOCH, "1")

    def progress(self, b: str) -> tuple[int, int]:
        """(documents, finished documents) of a batch."""
        pipe = self.r.pipeline()
        pipe.scard(_docs(b))
        pipe.scard(_terminal(b))
        total, finished = pipe.execute()
        return int(total), int(finished)

    def is_complete(self, b: str) -> bool:
        """Every registered document is done or failed (O(1): two set sizes)."""
        total, terminal = self.r.scard(_docs(b)), self.r.scard(_terminal(b))
        return total > 0 and terminal >= total

    def get_doc(self, b: str, d: str) -> dict[str, object] | None:
        raw = self.r.hgetall(_doc(b, d))
        if not raw:
            return None
        out: dict[str, object] = dict(raw)
        for k in ("counts", "categories", "report_keys", "progress"):
            if raw.get(k):
                out[k] = json.loads(raw[k])
        return out

    def get_docs(self, b: str) -> list[dict[str, object]]:
        ids = self.doc_ids(b)
        pipe = self.r.pipeline()
        for d in ids:
            pipe.hgetall(_doc(b, d))
        docs = []
        for d, raw in zip(ids, pipe.execute()):
            item: dict[str, object] = {"doc_id": d, **raw}
            for k in ("counts", "categories", "report_keys", "progress"):
                if raw.get(k):
                    item[k] = json.loads(raw[k])
            docs.append(item)
        return docs

    @staticmethod
    def _fields(o: DocOutcome) -> dict[str, str]:
        return {
            "filename": o.filename,
            "raw_key": o.raw_key,
            "state": o.state.value,
            # a document recorded as queued waits for ingest; restarting it is safe because every
            # stage skips work whose output already exists
            "stage": "ingest" if o.state == DocState.QUEUED else "report",
            "error": o.error or "",
            "counts": json.dumps(o.counts),
            "categories": json.dumps(o.categories, ensure_ascii=False),
            "report_keys": json.dumps(o.report_keys),
            "report_unavailable": json.dumps(o.report_unavailable, ensure_ascii=False),
            "department": o.department or "",
            "year": str(o.year or ""),
            "duplicate_of": o.duplicate_of or "",
            "updated_at": str(time.time()),
        }

    # ------------------------------------------------------------------ recovery
    def rebuild_batch(self, storage: Storage, b: str) -> list[DocOutcome]:
        """Repopulate Redis for batch ``b`` from the manifests; returns the documents' outcomes."""
        manifest = storage.get_model(batch_manifest_key(b), BatchManifest)
        outcomes = [storage.get_model(k, DocOutcome) for k in storage.list_keys(f"manifests/{b}/docs/")]
        pipe = self.r.pipeline()
        for o in outcomes:
            pipe.sadd(_docs(b), o.doc_id)
            if o.state in (DocState.DONE, DocState.FAILED):
                pipe.sadd(_terminal(b), o.doc_id)
            pipe.hset(_doc(b, o.doc_id), mapping=self._fields(o))
            if o.sha256 and not o.duplicate_of:
                pipe.hsetnx(_sha(b), o.sha256, o.doc_id)
        if any(o.state not in (DocState.DONE, DocState.FAILED) for o in outcomes):
            pipe.sadd(ACTIVE, b)
        pipe.execute()
        self.create_batch(manifest)  # last: a batch that exists in Redis has all its documents
        return outcomes
