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
            "JUESUAN_STALL_SECONDS": "15",  # and restart a document whose task died with the broker
        },
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


def _storage(stack: Stack) -> Storage:
    return Storage(Settings(redis_url=stack.env["JUESUAN_REDIS_URL"], s3_endpoint=stack.env["JUESUAN_S3_ENDPOINT"],
                            s3_access_key="devkey", s3_secret_key="devsecret", bucket="juesuan"))


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
    redis.Redis(port=slow_stack.redis_port).flushall()
    rebuilt = client.http.get(f"/batches/{batch}").json()
    assert rebuilt["rebuilt"] is True
    assert rebuilt["counts"] == done["counts"]
    assert {d["doc_id"]: d["findings"] for d in rebuilt["documents"]} == {d["doc_id"]: d["findings"] for d in done["documents"]}
    assert client.http.get(rebuilt["documents"][0]["reports"]["html"]).status_code == 200


def test_stalled_document_is_restarted_by_the_watchdog(slow_stack: Stack):
    """A task lost with the broker leaves its document in a stage with no progress: the api's
    status poll restarts it after JUESUAN_STALL_SECONDS (15 s in this stack)."""
    client = Client(slow_stack)
    batch, ids = _upload(client, 1, 990)
    client.wait_complete(batch, timeout=60)
    r = redis.Redis(port=slow_stack.redis_port, decode_responses=True)
    r.hset(f"js:doc:{batch}:{ids[0]}", mapping={"state": "parsing", "stage": "parse", "updated_at": str(time.time() - 60)})
    assert client.http.get(f"/batches/{batch}").json()["counts"]["queued"] == 1  # restarted
    status = client.wait_complete(batch, timeout=60)
    assert status["counts"]["done"] == 1
    _one_report_each(slow_stack, batch, ids)
