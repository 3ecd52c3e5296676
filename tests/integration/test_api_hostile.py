"""Hostile and broken requests against the running api: oversized bodies (streamed or declared),
malformed multipart and webhook events, odd file names and ids, a hanging storage endpoint."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from corpus.generator import generate_document
from services.devstack import Stack
from tests.integration.conftest import TOKEN, Client

MB = 1024 * 1024
PART = b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'


def _small_buffer_client(client: Client) -> httpx.Client:
    """A client whose socket buffers little, so what the generator yielded is what the server took."""
    transport = httpx.HTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)])
    return httpx.Client(
        base_url=client.stack.api_url, headers=client.http.headers, timeout=30, transport=transport
    )


MULTIPART = {"Content-Type": "multipart/form-data; boundary=zzz"}


@pytest.fixture(scope="module")
def api_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """redis, S3 and the api (no workers), the upload limit at 8 MiB: with the default 22 MiB the
    kernel's socket buffers (several MB on loopback) eat most of the 25 MB margin."""
    s = Stack(
        tmp_path_factory.mktemp("api_only"),
        env={"JUESUAN_API_TOKEN": TOKEN, "JUESUAN_MAX_REQUEST_BYTES": str(8 * MB)},
    )
    try:
        s.start_redis()
        s.start_s3()
        s.start_api()
        yield Client(s)
    finally:
        s.stop()


def test_streamed_body_over_the_limit_is_refused_while_streaming(api_only: Client):
    client = api_only
    batch = client.new_batch()
    sent = 0

    def body():
        nonlocal sent
        yield PART
        chunk = b"x" * (256 * 1024)
        for _ in range(2 * 1024 * 4):  # 2 GB
            sent += len(chunk)
            yield chunk

    try:
        r = _small_buffer_client(client).post(f"/batches/{batch}/files", content=body(), headers=MULTIPART)
    except httpx.TransportError:
        r = None  # the server closed the connection: check how much it took at least
    assert sent < 25 * MB, sent
    if r is not None:
        assert r.status_code == 413 and "过大" in r.json()["detail"], r.text
    # the webhook and JSON routes have a far smaller limit
    sent = 0
    try:
        r = _small_buffer_client(client).post("/events/minio", content=body())
    except httpx.TransportError:
        r = None
    assert sent < 25 * MB, sent
    if r is not None:
        assert r.status_code == 413
    assert client.http.get("/health").status_code == 200


def test_declared_content_length_over_the_limit_is_refused_without_reading(client: Client):
    batch = client.new_batch()
    sent = 0

    def body():
        nonlocal sent
        yield PART
        for _ in range(100):
            sent += MB
            yield b"x" * MB

    headers = {**MULTIPART, "Content-Length": str(100 * MB + len(PART))}
    try:
        r = _small_buffer_client(client).post(f"/batches/{batch}/files", content=body(), headers=headers)
        assert r.status_code == 413 and "过大" in r.json()["detail"], r.text
    except httpx.TransportError:
        pass
    assert sent < 25 * MB, sent
    # a JSON body of 2 MB declared up front
    r = client.http.post("/batches", content=b" " * (2 * MB), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "过大" in r.json()["detail"]
    # a file under the limit still goes through
    doc = generate_document(901, "pdf", [])
    assert client.upload(batch, [("ok.txt", doc.data)])[0]["state"] == "queued"


def test_odd_file_names_beside_a_good_file(client: Client):
    """Each odd name in one request with a good file: the request succeeds, the odd part is
    sanitised (or refused alone) and the good file completes."""
    for i, odd in enumerate([".", "..", "x/..", "年" * 2000 + ".txt", "a\x01b.txt", " . . "]):
        batch = client.new_batch()
        good = generate_document(910 + i, "pdf", [])
        other = generate_document(920 + i, "ocr", [])
        r = client.http.post(
            f"/batches/{batch}/files",
            files=[("files", (odd, other.data)), ("files", ("good.txt", good.data))],
        )
        assert r.status_code == 200, (odd[:20], r.status_code, r.text[:300])
        by_name = {x["filename"]: x for x in r.json()}
        assert by_name["good.txt"]["state"] == "queued"
        status = client.wait_complete(batch)
        states = {d["filename"]: d["state"] for d in status["documents"]}
        assert states["good.txt"] == "done", states
        for name in states:
            assert len(name) <= 120 and name not in (".", "..", ""), name


def test_malformed_minio_events_are_400_in_chinese(client: Client):
    for body in (
        b"[1, 2]",
        b'"x"',
        b'{"Records": {}}',
        b'{"Records": [1]}',
        b'{"Records": [{"s3": {}}]}',
        b'{"Records": [{"s3": {"object": {"key": 7}}}]}',
        b'{"Records": [{"s3": {"object": null}}]}',
        b"not json",
        b"\xff\xfe",
    ):
        r = client.http.post("/events/minio", content=body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json()["detail"].startswith("事件格式错误"), r.text


def _event(key: str) -> dict:
    return {"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {"object": {"key": key}}}]}


def test_minio_event_for_missing_or_huge_object(client: Client):
    from shared.keys import new_doc_id, raw_key

    from .test_resilience import _storage

    batch = client.new_batch()
    missing = raw_key(batch, new_doc_id(), "ghost.txt")
    r = client.http.post("/events/minio", json=_event(missing))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["started"] == 0 and body["refused"][0]["key"] == missing and not body["refused"][0]["registered"]
    )
    assert "没有该对象" in body["refused"][0]["reason"]
    assert client.http.get(f"/batches/{batch}").json()["total"] == 0  # not registered

    huge = raw_key(batch, new_doc_id(), "huge.txt")
    _storage(client.stack).put_bytes(huge, b"x" * (6 * MB + 1))  # this stack's limit is 6 MB
    body = client.http.post("/events/minio", json=_event(huge)).json()
    assert (
        body["started"] == 0
        and body["refused"][0]["registered"]
        and "文件过大" in body["refused"][0]["reason"]
    )
    (doc,) = client.http.get(f"/batches/{batch}").json()["documents"]
    assert doc["state"] == "failed" and "文件过大" in doc["error"]


def test_ids_that_are_not_ours_are_404(client: Client):
    batch = client.new_batch()
    for path in (
        f"/batches/{batch}:docs",
        "/batches/b_x",
        "/batches/b_..",
        f"/batches/{batch}x/summary.json",
        "/batches/%2e%2e/recover",
    ):
        r = client.http.get(path) if "recover" not in path else client.http.post(path)
        assert r.status_code == 404 and r.json()["detail"] == "批次不存在。", (path, r.status_code, r.text)
    for doc in ("d_nope", "d_" + "0" * 21, "x", "d_" + "0" * 19 + ":"):
        for suffix in ("", "/report.json"):
            r = client.http.get(f"/batches/{batch}/documents/{doc}{suffix}")
            assert r.status_code == 404 and r.json()["detail"] == "文件不存在。", (doc, r.text)
    r = client.http.post(f"/batches/{batch}x/files", files=[("files", ("a.txt", b"abc"))])
    assert r.status_code == 404
    # the framework's own answers are in Chinese too
    assert client.http.get("/nowhere").json()["detail"] == "接口不存在。"
    r = client.http.post(f"/batches/{batch}/uploads", json={"filenames": []})
    assert r.status_code == 422 and r.json()["detail"].startswith("请求参数错误")


def test_same_content_twice_writes_one_object(client: Client):
    from .test_resilience import _storage

    batch = client.new_batch()
    doc = generate_document(960, "word", [])
    first = client.upload(batch, [("a.txt", doc.data)])
    again = client.upload(batch, [("b.txt", doc.data), ("a.txt", doc.data)])
    owner = first[0]["doc_id"]
    assert first[0]["state"] == "queued" and [r["state"] for r in again] == ["duplicate", "duplicate"]
    assert [r["duplicate_of"] for r in again] == [owner, owner]
    # the copy under another name is listed (not checked); the same file sent again is only answered
    assert again[0]["doc_id"] != owner and again[1]["doc_id"] == owner
    assert again[0]["error"] == "重复文件：与 a.txt 内容完全相同，未重复检查。"
    status = client.wait_complete(batch)
    assert len(_storage(client.stack).list_keys(f"raw/{batch}/")) == 1
    assert status["total"] == 2 and status["counts"]["duplicate"] == 1 and status["counts"]["failed"] == 0
    copy = next(d for d in status["documents"] if d["doc_id"] == again[0]["doc_id"])
    assert copy["duplicate_of"] == owner and copy["filename"] == "b.txt"
    # sending the copy again adds nothing
    assert client.upload(batch, [("b.txt", doc.data)])[0]["doc_id"] == again[0]["doc_id"]
    assert client.http.get(f"/batches/{batch}").json()["total"] == 2


def test_hung_storage_gives_degraded_health_and_503_uploads(client: Client):
    batch = client.new_batch()
    docs = [generate_document(970 + i, "pdf", []) for i in range(2)]
    s3 = client.stack.procs["s3"]
    os.killpg(s3.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        r = client.http.get("/health")
        assert time.monotonic() - t0 < 2.0
        assert r.status_code == 503 and r.json()["status"] == "degraded" and r.json()["redis"] == "ok", r.text
        t0 = time.monotonic()
        r = client.http.post(
            f"/batches/{batch}/files",
            files=[("files", ("一.txt", docs[0].data)), ("files", ("二.txt", docs[1].data))],
        )
        assert time.monotonic() - t0 < 10.0
        assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.text
        body = r.json()
        assert "未接收" in body["detail"] and "一.txt" in body["detail"] and "二.txt" in body["detail"]
        assert body["not_accepted"] == ["一.txt", "二.txt"] and body["accepted"] == []
    finally:
        os.killpg(s3.pid, signal.SIGCONT)
    deadline = time.time() + 30
    while client.http.get("/health").status_code != 200:
        assert time.time() < deadline, "storage did not come back"
        time.sleep(0.5)
    results = client.upload(batch, [("一.txt", docs[0].data), ("二.txt", docs[1].data)])  # the retry works
    assert [r["state"] for r in results] == ["queued", "queued"]
    assert client.wait_complete(batch)["counts"]["done"] == 2


def test_malformed_streamed_upload_is_not_drained(client: Client):
    """A body answered early (malformed multipart, unknown batch) is not read to its end."""
    batch = client.new_batch()
    for path in (f"/batches/{batch}/files", "/batches/b_AAAAAAAAAAAAAAAA/files"):
        sent = 0

        def body():
            nonlocal sent
            chunk = b"x" * (256 * 1024)
            for _ in range(2 * 1024 * 4):  # 2 GB of no multipart at all
                sent += len(chunk)
                yield chunk

        try:
            r = _small_buffer_client(client).post(path, content=body(), headers=MULTIPART)
            assert r.status_code in (400, 404) and not r.json()["detail"].isascii(), r.text
        except httpx.TransportError:
            pass
        assert sent < 25 * MB, (path, sent)


def test_odd_name_of_a_refused_file_is_shown_safely(client: Client):
    batch = client.new_batch()
    good = generate_document(930, "pdf", [])
    odd = "\x01扫描" + "年" * 2000 + ".png"
    r = client.http.post(
        f"/batches/{batch}/files",
        files=[("files", (odd, b"\x89PNG\r\n\x1a\n" + b"\x00" * 500)), ("files", ("good.txt", good.data))],
    )
    assert r.status_code == 200, r.text
    status = client.wait_complete(batch)
    (failed,) = [d for d in status["documents"] if d["state"] == "failed"]
    assert (
        len(failed["filename"]) <= 200
        and failed["filename"].endswith(".png")
        and "\x01" not in failed["filename"]
    )
    assert "图片" in failed["error"]
    assert [d["state"] for d in status["documents"] if d["filename"] == "good.txt"] == ["done"]
