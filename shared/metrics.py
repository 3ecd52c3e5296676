"""Metrics shared by every process through Redis; the api serves the one Prometheus scrape.

The workers are separate processes (and containers, on other hosts), so an in-process registry
would show only the api's own numbers. Workers write their stage timings into Redis hashes under
``js:metrics:``; ``render`` reads them, together with the live state of the documents and the
queue lengths, and writes the Prometheus text format:

    juesuan_stage_duration_seconds{stage,outcome}   histogram of stage task durations
    juesuan_documents{state}                        documents by state (js:doc:{batch}:{doc} "state")
    juesuan_queue_length{queue}                     messages waiting in each Celery queue
    juesuan_batches                                 batches known to Redis
    juesuan_batches_active                          batches with documents not yet done or failed

Outcomes of a stage task (services/observe.py): ok; failed (the document failed in this stage: bad
input, timeout, internal error); skipped (failed upstream, passed through); dropped (a duplicate
message: the document was finished or running elsewhere); retry (transient error, retried);
error (the task raised).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

PREFIX = "js:metrics:"
SERIES_KEY = PREFIX + "stage_duration:series"
ACTIVE_KEY = "js:active"  # shared/status.py: batches with unfinished documents
QUEUES = ("ingest", "ocr", "parse", "validate", "report")
# Celery's Redis transport keeps messages with a priority in "<queue>\x06\x16<n>" lists.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, math.inf)
STATES = ("queued", "ingesting", "recognizing", "parsing", "validating", "rendering", "done", "failed")
MAX_SCAN_KEYS = 200_000  # bound on the keys one scrape may walk
SCAN_COUNT = 1000
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _s(v: object) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def _hist_key(stage: str, outcome: str) -> str:
    return f"{PREFIX}stage_duration:{stage}:{outcome}"


def record_stage(r: redis.Redis, stage: str, seconds: float, outcome: str) -> None:
    """Count one run of ``stage`` taking ``seconds`` with ``outcome`` (one atomic transaction)."""
    seconds = max(0.0, float(seconds))
    bound = next(b for b in BUCKETS if seconds <= b)
    key = _hist_key(stage, outcome)
    pipe = r.pipeline(transaction=True)
    pipe.sadd(SERIES_KEY, json.dumps([stage, outcome]))
    pipe.hincrby(key, "b:" + _le(bound), 1)  # non-cumulative here; render accumulates
    pipe.hincrby(key, "count", 1)
    pipe.hincrbyfloat(key, "sum", seconds)
    pipe.execute()


# ------------------------------------------------------------------------------------ reading
def stage_histograms(r: redis.Redis) -> dict[tuple[str, str], tuple[list[tuple[str, float]], float]]:
    """(stage, outcome) → (cumulative buckets [(le, count)], sum)."""
    series = sorted(tuple(json.loads(_s(m))) for m in r.smembers(SERIES_KEY))
    pipe = r.pipeline(transaction=False)
    for stage, outcome in series:
        pipe.hgetall(_hist_key(stage, outcome))
    out = {}
    for (stage, outcome), raw in zip(series, pipe.execute()):
        fields = {_s(k): _s(v) for k, v in raw.items()}
        acc, buckets = 0, []
        for b in BUCKETS:
            acc += int(fields.get("b:" + _le(b), 0))
            buckets.append((_le(b), float(acc)))
        out[(stage, outcome)] = (buckets, float(fields.get("sum", 0.0)))
    return out


def _scan(r: redis.Redis, match: str, limit: int) -> tuple[list[str], bool]:
    keys: list[str] = []
    for k in r.scan_iter(match=match, count=SCAN_COUNT):
        if len(keys) >= limit:
            return keys, True
        keys.append(_s(k))
    return keys, False


def document_states(r: redis.Redis, limit: int = MAX_SCAN_KEYS) -> tuple[Counter[str], bool]:
    """Documents by state (every js:doc:{batch}:{doc} hash); True when the scan hit ``limit``."""
    keys, truncated = _scan(r, "js:doc:*", limit)
    keys = [k for k in keys if k.count(":") == 3]
    counts: Counter[str] = Counter()
    for i in range(0, len(keys), 1000):
        pipe = r.pipeline(transaction=False)
        for k in keys[i : i + 1000]:
            pipe.hget(k, "state")
        counts.update(_s(v) for v in pipe.execute() if v is not None)
    return counts, truncated


def batch_count(r: redis.Redis, limit: int = MAX_SCAN_KEYS) -> tuple[int, bool]:
    keys, truncated = _scan(r, "js:batch:*", limit)
    return sum(1 for k in keys if k.count(":") == 2), truncated


def queue_lengths(r: redis.Redis, queues: Iterable[str] = QUEUES) -> dict[str, int]:
    queues = list(queues)
    pipe = r.pipeline(transaction=False)
    for q in queues:
        for suffix in PRIORITY_SUFFIXES:
            pipe.llen(q + suffix)
    lens = pipe.execute()
    n = len(PRIORITY_SUFFIXES)
    return {q: sum(int(x) for x in lens[i * n : (i + 1) * n]) for i, q in enumerate(queues)}


# ------------------------------------------------------------------------------------ exposition
class RedisCollector(Collector):
    def __init__(self, r: redis.Redis) -> None:
        self.r = r

    def collect(self):
        h = HistogramMetricFamily(
            "juesuan_stage_duration_seconds",
            "Duration of stage tasks, by stage and outcome.",
            labels=["stage", "outcome"],
        )
        for (stage, outcome), (buckets, total) in stage_histograms(self.r).items():
            h.add_metric([stage, outcome], buckets, total)
        yield h

        states, trunc_docs = document_states(self.r)
        g = GaugeMetricFamily("juesuan_documents", "Documents by state.", labels=["state"])
        for state in sorted(set(STATES) | set(states)):
            g.add_metric([state], float(states.get(state, 0)))
        yield g

        q = GaugeMetricFamily(
            "juesuan_queue_length", "Messages waiting in each Celery queue.", labels=["queue"]
        )
        for name, n in queue_lengths(self.r).items():
            q.add_metric([name], float(n))
        yield q

        n_batches, trunc_batches = batch_count(self.r)
        yield GaugeMetricFamily("juesuan_batches", "Batches known to Redis.", value=float(n_batches))
        yield GaugeMetricFamily(
            "juesuan_batches_active",
            "Batches with documents not yet done or failed.",
            value=float(self.r.scard(ACTIVE_KEY)),
        )
        yield GaugeMetricFamily(
            "juesuan_metrics_truncated",
            "1 when a scrape stopped scanning Redis at its key bound.",
            value=float(trunc_docs or trunc_batches),
        )


def render(r: redis.Redis) -> str:
    """The Prometheus text exposition (format 0.0.4) of every juesuan metric."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RedisCollector(r))
    return generate_latest(registry).decode("utf-8")


__all__ = [
    "CONTENT_TYPE",
    "QUEUES",
    "RedisCollector",
    "batch_count",
    "document_states",
    "queue_lengths",
    "record_stage",
    "render",
    "stage_histograms",
]
