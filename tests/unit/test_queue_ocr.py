"""The ocr stage's place in the chain, against a real Redis: ingest hands a scan to the ocr queue
with its page count, the message's time limits scale with the pages, status shows page progress,
and recovery sends a scan lost in OCR back to the ocr queue (never to ingest) with its pages."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery import Celery

from services import stage as stage_mod
from services.api.routes.documents import activity, page_progress
from services.api.schemas import PageProgress
from services.recovery import Recovery, broker_messages
from shared.messages import OCR, DocOutcome, DocRef, next_stage
from shared.settings import Settings, get_settings
from shared.status import StatusStore
from tests import servers

B = "b_" + "O" * 16


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with servers.redis_server(tmp_path_factory.mktemp("redis-ocr")) as port:
        yield port


@pytest.fixture
def status(redis_port: int) -> StatusStore:
    return servers.fresh_status(redis_port, B)


def _doc(st: StatusStore, doc_id: str, **fields: str) -> None:
    st.register(
        DocOutcome(batch_id=B, doc_id=doc_id, filename=f"{doc_id}.pdf", raw_key=f"raw/{B}/{doc_id}/x.pdf")
    )
    st.r.hset(f"js:doc:{B}:{doc_id}", mapping=fields)


def _ref(doc_id: str, **extra: object) -> DocRef:
    return DocRef(
        batch_id=B, doc_id=doc_id, filename="scan.pdf", raw_key=f"raw/{B}/{doc_id}/scan.pdf", **extra
    )


class _NoStorage:
    def exists(self, key: str) -> bool:
        return False


def test_ocr_passes_to_parse_and_reads_the_raw_upload():
    assert next_stage(OCR) == "parse"
    assert stage_mod.input_ref(OCR, _ref("d").model_copy(update={"key": "x"})).key is None
    assert stage_mod.input_ref("parse", _ref("d")).key == f"extracted/{B}/d.json"  # ocr's output too


def test_time_limits_scale_with_pages_and_stay_under_the_visibility_timeout(monkeypatch):
    monkeypatch.setenv("JUESUAN_OCR_BASE_SECONDS", "60")
    monkeypatch.setenv("JUESUAN_OCR_SECONDS_PER_PAGE", "6")
    monkeypatch.setenv("JUESUAN_VISIBILITY_TIMEOUT_SECONDS", "3600")
    get_settings.cache_clear()
    try:
        soft3, hard3 = stage_mod.ocr_time_limits(3)
        soft60, hard60 = stage_mod.ocr_time_limits(60)
        assert (soft3, soft60) == (78, 420)
        assert hard3 > soft3 and hard60 > soft60
        # 300 pages would need 1860 s; the limits stay below the visibility timeout, else Redis
        # hands the running message to a second worker
        soft300, hard300 = stage_mod.ocr_time_limits(300)
        assert soft300 == 1860 and hard300 < 3600
        monkeypatch.setenv("JUESUAN_VISIBILITY_TIMEOUT_SECONDS", "600")
        get_settings.cache_clear()
        soft, hard = stage_mod.ocr_time_limits(300)
        assert soft < hard <= 590
    finally:
        get_settings.cache_clear()


def test_ocr_messages_carry_their_time_limits(monkeypatch):
    from services.worker import app

    sent: list[tuple[str, dict, dict]] = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kw: sent.append((name, args[0], kw)))
    stage_mod.send_stage(OCR, _ref("d", ocr_pages=10))
    stage_mod.send_stage("parse", _ref("d"))
    (name, msg, kw), (pname, _pmsg, pkw) = sent
    assert name == "juesuan.ocr" and kw["queue"] == "ocr" and msg["ocr_pages"] == 10
    assert (kw["soft_time_limit"], kw["time_limit"]) == stage_mod.ocr_time_limits(10)
    assert pname == "juesuan.parse" and "soft_time_limit" not in pkw  # the worker's defaults


def test_a_core_handing_off_sends_the_document_to_ocr_with_its_pages(status: StatusStore, monkeypatch):
    _doc(status, "d_scan", state="queued", stage="ingest")
    sent: list[tuple[str, DocRef]] = []
    monkeypatch.setattr(stage_mod, "_status", status)
    monkeypatch.setattr(stage_mod, "_storage", _NoStorage())
    monkeypatch.setattr(stage_mod, "send_stage", lambda s, ref: sent.append((s, ref)))
    out = stage_mod.run_stage(
        _ref("d_scan").model_dump(), "ingest", lambda ref: stage_mod.Handoff(OCR, 26), "t1"
    )
    assert out is not None and out["ocr_pages"] == 26
    assert [(s, r.ocr_pages, r.key) for s, r in sent] == [("ocr", 26, None)]  # not to parse
    doc = status.get_doc(B, "d_scan")
    assert doc and doc["state"] == "queued" and doc["stage"] == "ocr"
    assert doc["progress"] == {"done": 0, "total": 26}
    assert status.lease_holder(B, "d_scan") is None  # released: the ocr task takes it


def test_activity_shows_page_progress_only_in_the_ocr_stage(status: StatusStore):
    _doc(status, "d_p", state="recognizing", stage="ocr")
    status.set_progress(B, "d_p", 12, 26)
    d = status.get_doc(B, "d_p")
    assert d is not None
    p = page_progress(d, "ocr")
    assert p == PageProgress(done=12, total=26)
    assert activity("recognizing", "ocr", p) == "文字识别 12/26 页"
    assert activity("recognizing", "ocr") == "正在文字识别"
    assert activity("queued", "ocr", PageProgress(done=0, total=26)) == "等待文字识别"
    assert page_progress(d, "parse") is None  # the scan moved on: its page count is history
    assert page_progress({"progress": "not json"}, "ocr") is None


def test_a_scan_waiting_in_the_ocr_queue_is_left_alone(status: StatusStore, redis_port: int):
    _doc(status, "d_q", state="queued", stage="ocr", updated_at=str(time.time() - 3600))
    Celery("t", broker=f"redis://127.0.0.1:{redis_port}/0").send_task(
        "juesuan.ocr", args=(_ref("d_q").model_dump(),), queue="ocr"
    )
    assert (B, "d_q", "ocr") in broker_messages(status.r, 5, time.time())
    sent: list = []
    rec = Recovery(
        status, storage=None, settings=Settings(recovery_grace_seconds=5), send=lambda s, r: sent.append(s)
    )  # type: ignore[arg-type]
    for _ in range(3):
        rec.sweep()
    assert sent == []


def test_a_scan_lost_in_ocr_goes_back_to_the_ocr_queue_with_its_pages(status: StatusStore):
    old = str(time.time() - 600)
    _doc(status, "d_live", state="recognizing", stage="ocr", updated_at=old)
    _doc(status, "d_dead", state="recognizing", stage="ocr", updated_at=old)
    status.set_progress(B, "d_dead", 7, 40)
    status.r.hset(f"js:doc:{B}:d_dead", "updated_at", old)
    assert status.acquire_lease(B, "d_live", "task-1", 30) is None  # a long OCR run renews its lease
    sent: list[tuple[str, DocRef]] = []
    rec = Recovery(
        status,
        storage=None,
        settings=Settings(recovery_grace_seconds=5),  # type: ignore[arg-type]
        send=lambda s, ref: sent.append((s, ref)),
    )
    rec.sweep()
    rec.sweep()
    assert [(s, r.doc_id, r.ocr_pages, r.key) for s, r in sent] == [("ocr", "d_dead", 40, None)]
    doc = status.get_doc(B, "d_dead")
    assert doc and doc["state"] == "queued" and doc["stage"] == "ocr"


def test_ocr_out_of_memory_and_timeout_say_so_in_chinese():
    from celery.exceptions import SoftTimeLimitExceeded

    class OnnxError(Exception):
        pass

    ref = _ref("d", ocr_pages=26)
    oom = stage_mod._failure(OnnxError("RUNTIME_EXCEPTION : ... Status Message: std::bad_alloc"), OCR, ref)
    assert oom and oom.startswith("文件过于庞大")
    slow = stage_mod._failure(SoftTimeLimitExceeded(), OCR, ref)
    assert slow and "26 页的文字识别超过" in slow and f"{stage_mod.ocr_time_limits(26)[0]} 秒" in slow
    assert stage_mod._failure(OnnxError("something else"), OCR, ref) is None  # a bug: 内部错误
