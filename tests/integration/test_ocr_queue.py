"""Scans on their own queue, on the real topology: ingest hands an image-only PDF to the ocr worker,
text documents uploaded with it finish while it is still being recognized, its status shows the
pages recognized so far (文字识别 n/3 页), and a killed ocr worker costs a rerun, not the document."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from corpus.generator import generate_document
from services.devstack import Stack
from tests.integration.conftest import TOKEN, Client, dump_logs
from tests.scans import cached_scan

pytestmark = pytest.mark.slow

SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "samples"
    / "pdf"
    / "上海市普陀区财政局2024年度部门决算.pdf"
)
PAGES = [0, 5, 6]  # the cover and the two pages of 收入支出决算总表
PROGRESS = re.compile(r"^文字识别 ([0-3])/3 页$")


@pytest.fixture(scope="module")
def ocr_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(
        tmp_path_factory.mktemp("ocr"),
        env={
            "JUESUAN_API_TOKEN": TOKEN,
            "JUESUAN_TEST_TASK_DELAY": "ocr-page:1.5",  # every recognized page: status shows n/3 a while
            "JUESUAN_LEASE_SECONDS": "5",
            "JUESUAN_RECOVERY_INTERVAL_SECONDS": "1",  # notice a dead ocr worker within seconds
            "JUESUAN_RECOVERY_GRACE_SECONDS": "4",
            "JUESUAN_VISIBILITY_TIMEOUT_SECONDS": "600",
        },
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if not SAMPLE.exists():
        pytest.skip(f"sample PDF missing: {SAMPLE}")
    return cached_scan(SAMPLE, tmp_path_factory.mktemp("scans"), pages=PAGES, seed=3)


def _texts(seed: int) -> list[tuple[str, bytes]]:
    docs = [generate_document(seed + i, "pdf", []) for i in range(2)]
    return [(d.name + ".txt", d.data) for d in docs]


def _docs(client: Client, batch: str) -> dict[str, dict]:
    return {d["filename"]: d for d in client.http.get(f"/batches/{batch}").json()["documents"]}


def _finished_clearly(doc: dict) -> None:
    """Done (with its report), or failed with a reason a person can act on."""
    assert doc["state"] in ("done", "failed"), doc
    if doc["state"] == "done":
        assert "json" in doc["reports"], doc
    else:
        assert doc["error"] and "内部错误" not in doc["error"] and "处理超时" not in doc["error"], doc


def test_text_documents_pass_a_scan_that_is_being_recognized(ocr_stack: Stack, scan: bytes):
    client = Client(ocr_stack)
    batch = client.new_batch()
    texts = _texts(1300)
    client.upload(batch, [("扫描件.pdf", scan), *texts])
    seen: list[tuple[str, str | None, str, dict | None]] = []
    scan_when_texts_done: dict | None = None
    web_shown: list[str] = []
    deadline = time.time() + 240
    while time.time() < deadline:
        docs = _docs(client, batch)
        s = docs["扫描件.pdf"]
        seen.append((s["state"], s["stage"], s["activity"], s.get("progress")))
        if PROGRESS.match(s["activity"]) and not web_shown:  # the web page's live table shows it too
            page = client.http.get(f"/ui/batches/{batch}/live")
            web_shown = re.findall(r"文字识别 [0-3]/3 页", page.text) if page.status_code == 200 else []
        if scan_when_texts_done is None and all(docs[n]["state"] == "done" for n, _ in texts):
            scan_when_texts_done = s
        if s["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert scan_when_texts_done is not None, f"text documents never finished\n{dump_logs(ocr_stack)}"
    # the text documents did not wait for the scan
    assert scan_when_texts_done["stage"] == "ocr", scan_when_texts_done
    assert scan_when_texts_done["state"] in ("queued", "recognizing"), scan_when_texts_done
    # page progress, as the api and the web page show it
    shown = [(a, p) for state, stage, a, p in seen if state == "recognizing" and stage == "ocr"]
    counted = [(int(m.group(1)), p) for a, p in shown if (m := PROGRESS.match(a))]
    assert counted, f"no page progress seen: {sorted({a for _, _, a, _ in seen})}"
    assert all(p == {"done": n, "total": 3} for n, p in counted), counted
    assert any(n >= 1 for n, _ in counted), counted
    assert web_shown, "the web page's live table did not show the page progress"
    status = client.wait_complete(batch, timeout=60)
    by_name = {d["filename"]: d for d in status["documents"]}
    _finished_clearly(by_name["扫描件.pdf"])
    assert by_name["扫描件.pdf"]["progress"] is None  # shown only while it is in the ocr stage
    # /metrics: the ocr stage's durations and the ocr queue's length
    body = client.http.get("/metrics").text
    assert 'juesuan_queue_length{queue="ocr"}' in body
    assert re.search(r'juesuan_stage_duration_seconds_count\{outcome="\w+",stage="ocr"\} [1-9]', body), body[
        :2000
    ]
    runs = redis.Redis(port=ocr_stack.redis_port, decode_responses=True).hgetall(
        f"js:doc:{batch}:{by_name['扫描件.pdf']['doc_id']}"
    )
    assert runs.get("runs:ocr") == "1" and runs.get("runs:ingest") == "1", runs


def test_a_killed_ocr_worker_costs_a_rerun_not_the_scan(ocr_stack: Stack, scan: bytes):
    client = Client(ocr_stack)
    batch = client.new_batch()
    [result] = client.upload(batch, [("扫描件.pdf", scan)])
    doc_id = result["doc_id"]
    deadline = time.time() + 120
    while time.time() < deadline:
        d = client.http.get(f"/batches/{batch}/documents/{doc_id}").json()
        if d["state"] == "recognizing" and (d.get("progress") or {}).get("done", 0) >= 1:
            break
        assert d["state"] not in ("done", "failed"), d
        time.sleep(0.1)
    else:
        raise AssertionError(f"the scan never showed a recognized page\n{dump_logs(ocr_stack)}")
    ocr_stack.stop_process("worker-ocr", signal.SIGKILL)  # mid-scan: its message is never acknowledged
    ocr_stack.start_worker("ocr", suffix="-2")
    status = client.wait_complete(batch, timeout=240)
    [doc] = status["documents"]
    _finished_clearly(doc)
    runs = redis.Redis(port=ocr_stack.redis_port, decode_responses=True).hgetall(f"js:doc:{batch}:{doc_id}")
    # recovery sent it back to the ocr queue (never to ingest): ocr ran twice, ingest once
    assert runs.get("runs:ocr") == "2" and runs.get("runs:ingest") == "1", (runs, dump_logs(ocr_stack))
    assert int(runs.get("restarts") or 0) >= 1, runs
