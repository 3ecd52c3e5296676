"""The recovery sweep's decisions against a real Redis holding real Celery messages: a document is
sent again only when its task is gone or its message was lost, never while it waits in a queue."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery import Celery

from services.recovery import Recovery, broker_messages
from shared.messages import DocOutcome, DocRef
from shared.settings import Settings
from shared.status import StatusStore
from tests import servers

B = "b_" + "A" * 16


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with servers.redis_server(tmp_path_factory.mktemp("redis-recovery")) as port:
        yield port


@pytest.fixture
def status(redis_port: int) -> StatusStore:
    return servers.fresh_status(redis_port, B)


def _broker(redis_port: int) -> Celery:
    return Celery("t", broker=f"redis://127.0.0.1:{redis_port}/0")


def _doc(st: StatusStore, doc_id: str, **fields: str) -> None:
    st.register(
        DocOutcome(batch_id=B, doc_id=doc_id, filename=f"{doc_id}.pdf", raw_key=f"raw/{B}/{doc_id}/x.pdf")
    )
    st.r.hset(f"js:doc:{B}:{doc_id}", mapping=fields)


def _ref(doc_id: str) -> dict:
    return DocRef(batch_id=B, doc_id=doc_id, filename="x.pdf", raw_key=f"raw/{B}/{doc_id}/x.pdf").model_dump()


def _recovery(st: StatusStore, sent: list[tuple[str, str, str | None]]) -> Recovery:
    settings = Settings(recovery_grace_seconds=5)
    return Recovery(
        st,
        storage=None,
        settings=settings,  # type: ignore[arg-type]  (no rebuild needed)
        send=lambda stage, ref: sent.append((stage, ref.doc_id, ref.key)),
    )


def test_broker_messages_reads_celery_messages_in_queues(status: StatusStore, redis_port: int):
    app = _broker(redis_port)
    app.send_task("juesuan.parse", args=(_ref("d_1"),), queue="parse")
    app.send_task("juesuan.report", args=(_ref("d_2"),), queue="report")
    assert broker_messages(status.r, 5, time.time()) == {(B, "d_1", "parse"), (B, "d_2", "report")}


def test_waiting_in_a_long_queue_is_never_restarted(status: StatusStore, redis_port: int):
    old = str(time.time() - 3600)
    _doc(status, "d_q", state="queued", stage="parse", updated_at=old)
    _broker(redis_port).send_task("juesuan.parse", args=(_ref("d_q"),), queue="parse")
    sent: list = []
    rec = _recovery(status, sent)
    for _ in range(3):
        rec.sweep()
    assert sent == []


def test_lost_message_is_resent_to_its_stage_after_two_sweeps(status: StatusStore):
    _doc(status, "d_lost", state="queued", stage="validate", updated_at=str(time.time() - 60))
    sent: list = []
    rec = _recovery(status, sent)
    assert rec.sweep().restarted == []  # first sighting: could be a message in flight
    res = rec.sweep()
    assert res.restarted == [(B, "d_lost", "validate")]
    assert sent == [("validate", "d_lost", f"parsed/{B}/d_lost.json")]  # its input: parse's output
    doc = status.get_doc(B, "d_lost")
    assert doc and doc["state"] == "queued" and doc["stage"] == "validate" and doc["restarts"] == "1"
    assert rec.sweep().restarted == []  # just changed: within the grace period again


def test_recent_change_is_within_grace(status: StatusStore):
    _doc(status, "d_new", state="queued", stage="parse", updated_at=str(time.time()))
    sent: list = []
    rec = _recovery(status, sent)
    rec.sweep()
    rec.sweep()
    assert sent == []


def test_running_task_with_a_live_lease_is_left_alone_and_a_dead_one_is_restarted(status: StatusStore):
    old = str(time.time() - 600)
    _doc(status, "d_live", state="parsing", stage="parse", updated_at=old)
    _doc(status, "d_dead", state="parsing", stage="parse", updated_at=old)
    assert status.acquire_lease(B, "d_live", "task-1", 30) is None
    sent: list = []
    rec = _recovery(status, sent)
    rec.sweep()
    rec.sweep()
    assert [s[:2] for s in sent] == [("parse", "d_dead")]


def test_failed_document_waiting_for_report_is_resent_as_failed(status: StatusStore):
    _doc(status, "d_bad", state="queued", stage="report", error="空文件：…", updated_at=str(time.time() - 60))
    refs: list[DocRef] = []
    rec = Recovery(
        status,
        storage=None,
        settings=Settings(recovery_grace_seconds=5),  # type: ignore[arg-type]
        send=lambda stage, ref: refs.append(ref),
    )
    rec.sweep()
    rec.sweep()
    assert len(refs) == 1 and refs[0].failed and refs[0].reason == "空文件：…"


def test_finished_batch_leaves_the_sweep(status: StatusStore):
    _doc(status, "d_done", state="done", stage="report")
    status.r.sadd(f"js:batch:{B}:terminal", "d_done")
    rec = _recovery(status, [])
    rec.sweep()
    assert B not in status.active_batches()


def test_lease_is_exclusive_but_a_redelivered_message_takes_over(status: StatusStore):
    assert status.acquire_lease(B, "d_x", "task-1", 30) is None
    assert status.acquire_lease(B, "d_x", "task-2", 30) == "task-1"  # a duplicate: dropped
    assert status.acquire_lease(B, "d_x", "task-1", 30) is None  # the same task redelivered
    status.release_lease(B, "d_x", "task-2")  # not the holder: no effect
    assert status.lease_holder(B, "d_x") == "task-1"
    status.release_lease(B, "d_x", "task-1")
    assert status.lease_holder(B, "d_x") is None
    assert status.refresh_lease(B, "d_x", "task-1", 30)  # lost with Redis's data: taken back
    assert status.lease_holder(B, "d_x") == "task-1"
