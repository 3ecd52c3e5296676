"""Failures of the machinery, not of documents: a worker SIGKILLed in the middle of a task, Redis
restarted mid-batch, and Redis losing everything. The batch still completes with exactly one report
per document."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
import redis

from corpus.generator import generate_document
from services.devstack import Stack
from shared.settings import Settings
from shared.storage import Storage
from tests.integration.conftest import TOKEN, Client, dump_logs


@pytest.fixture(scope="module")
def slow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(
        tmp_path_factory.mktemp("slow"),
        env={
            "JUESUAN_API_TOKEN": TOKEN,
            "JUESUAN_TEST_TASK_DELAY": "parse:1.5,validate:0.5",
            "JUESUAN_VISIBILITY_TIMEOUT_SECONDS": "8",  # redeliver a dead worker's task quickly
            "JUESUAN_RECOVERY_INTERVAL_SECONDS": "1",  # and notice a lost message within seconds
            "JUESUAN_RECOVERY_GRACE_SECONDS": "4",
            "JUESUAN_LEASE_SECONDS": "3",
        },
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


def _storage(stack: Stack) -> Storage:
    return Storage(
        Settings(
            redis_url=stack.env["JUESUAN_REDIS_URL"],
            s3_endpoint=stack.env["JUESUAN_S3_ENDPOINT"],
            s3_access_key="devkey",
            s3_secret_key="devsecret",
            bucket="juesuan",
        )
    )


def _upload(client: Client, n: int, seed: int) -> tuple[str, list[str]]:
    batch = client.new_batch()
    docs = [generate_document(seed + i, ("pdf", "ocr", "word")[i % 3], []) for i in range(n)]
    results = client.upload(batch, [(d.name + ".txt", d.data) for d in docs])
    return batch, [r["doc_id"] for r in results]


def _wait_state(client: Client, batch: str, state: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        docs = client.http.get(f"/batches/{batch}").json()["documents"]
        if any(d["state"] == state for d in docs):
            return
        time.sleep(0.05)
    raise AssertionError(f"no document reached {state}")


def _one_report_each(stack: Stack, batch: str, doc_ids: list[str]) -> None:
    keys = _storage(stack).list_keys(f"reports/{batch}/")
    for d in doc_ids:
        assert keys.count(f"reports/{batch}/{d}.json") == 1 and keys.count(f"reports/{batch}/{d}.html") == 1


def test_worker_killed_mid_task(slow_stack: Stack):
    client = Client(slow_stack)
    batch, ids = _upload(client, 5, 900)
    _wait_state(client, batch, "parsing")
    slow_stack.stop_process("worker-parse", signal.SIGKILL)  # the task in flight is never acknowledged
    slow_stack.start_worker("parse", suffix="-2")
    status = client.wait_complete(batch, timeout=120)
    assert status["counts"]["done"] == 5, dump_logs(slow_stack)
    _one_report_each(slow_stack, batch, ids)
    runs = _runs(slow_stack, batch, ids)
    # the killed task's document ran parse twice (the killed run and its restart); nothing else repeats
    assert sum(v["parse"] for v in runs.values()) <= 6, runs
    assert all(v["ingest"] == v["validate"] == v["report"] == 1 for v in runs.values()), runs


def test_redis_restarted_mid_batch(slow_stack: Stack):
    client = Client(slow_stack)
    batch, ids = _upload(client, 5, 950)
    _wait_state(client, batch, "parsing")
    slow_stack.stop_process("redis", signal.SIGTERM)  # AOF (fsync always) keeps queues and status
    slow_stack.start_redis()
    status = client.wait_complete(batch, timeout=150)
    assert status["counts"]["done"] == 5, dump_logs(slow_stack)
    _one_report_each(slow_stack, batch, ids)


def test_redis_losing_everything_is_rebuilt_from_manifests(slow_stack: Stack):
    client = Client(slow_stack)
    batch, _ids = _upload(client, 4, 980)
    done = client.wait_complete(batch, timeout=120)
    r = redis.Redis(port=slow_stack.redis_port, decode_responses=True)
    r.flushall()
    # the recovery process notices (its epoch marker is gone) and rebuilds status without any request
    deadline = time.time() + 20
    while not r.exists(f"js:batch:{batch}") and time.time() < deadline:
        time.sleep(0.2)
    assert r.exists(f"js:batch:{batch}"), dump_logs(slow_stack)
    rebuilt = client.http.get(f"/batches/{batch}").json()
    assert rebuilt["counts"] == done["counts"]
    assert {d["doc_id"]: d["findings"] for d in rebuilt["documents"]} == {
        d["doc_id"]: d["findings"] for d in done["documents"]
    }
    assert client.http.get(rebuilt["documents"][0]["reports"]["html"]).status_code == 200


def _runs(stack: Stack, batch: str, doc_ids: list[str]) -> dict[str, dict[str, int]]:
    r = redis.Redis(port=stack.redis_port, decode_responses=True)
    return {
        d: {
            k.removeprefix("runs:"): int(v)
            for k, v in r.hgetall(f"js:doc:{batch}:{d}").items()
            if k.startswith("runs:")
        }
        for d in doc_ids
    }


def test_message_lost_while_queued_completes_without_recover(slow_stack: Stack):
    """Delete a queued document's message from the broker: the recovery process sees it waiting with
    no message anywhere and sends it again; nobody calls /recover or polls."""
    slow_stack.stop_process("worker-ingest", signal.SIGTERM)
    client = Client(slow_stack)
    batch, ids = _upload(client, 2, 1010)
    r = redis.Redis(port=slow_stack.redis_port, decode_responses=True)
    assert r.llen("ingest") == 2
    lost = r.rpop("ingest")  # the oldest message: gone for good
    assert lost and (ids[0] in lost or ids[1] in lost)
    assert client.http.get(f"/batches/{batch}").json()["documents"][0]["stage"] == "ingest"
    slow_stack.start_worker("ingest", suffix="-b")
    deadline = time.time() + 60
    status_db = f"js:doc:{batch}:"
    while time.time() < deadline and any(r.hget(status_db + d, "state") != "done" for d in ids):
        time.sleep(0.3)
    assert all(r.hget(status_db + d, "state") == "done" for d in ids), dump_logs(slow_stack)
    runs = _runs(slow_stack, batch, ids)
    assert all(v == {"ingest": 1, "parse": 1, "validate": 1, "report": 1} for v in runs.values()), runs
    restarted = [d for d in ids if r.hget(status_db + d, "restarts")]
    assert len(restarted) == 1


def test_long_queue_and_a_stopped_worker_run_no_stage_twice(slow_stack: Stack):
    """The parse worker frozen (SIGSTOP) mid-task for well over the grace period, then resumed:
    documents waiting in the queue are not restarted; the frozen task's document is sent again
    (its lease lapsed), and whichever copy comes second finds the output and skips."""
    client = Client(slow_stack)
    batch, ids = _upload(client, 6, 1030)
    _wait_state(client, batch, "parsing")
    worker = (
        slow_stack.procs["worker-parse"]
        if "worker-parse" in slow_stack.procs
        else next(p for n, p in slow_stack.procs.items() if n.startswith("worker-parse"))
    )
    import os

    os.killpg(worker.pid, signal.SIGSTOP)
    try:
        time.sleep(12)  # the lease (3 s) lapses; grace is 4 s: twice over and more
        waiting = [
            d for d in client.http.get(f"/batches/{batch}").json()["documents"] if d["state"] == "queued"
        ]
        assert waiting and all(d["stage"] in {"parse", "ingest"} for d in waiting)
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    status = client.wait_complete(batch, timeout=120)
    assert status["counts"]["done"] == 6, dump_logs(slow_stack)
    runs = _runs(slow_stack, batch, ids)
    assert all(v == {"ingest": 1, "parse": 1, "validate": 1, "report": 1} for v in runs.values()), runs
    _one_report_each(slow_stack, batch, ids)
