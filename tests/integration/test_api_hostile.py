"""Hostile and broken requests against the running api: oversized bodies (streamed or declared),
malformed multipart and webhook events, odd file names and ids, a hanging storage endpoint."""

from __future__ import annotations

import socket

import httpx

from corpus.generator import generate_document
from tests.integration.conftest import Client

MB = 1024 * 1024
PART = b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'


def _small_buffer_client(client: Client) -> httpx.Client:
    """A client whose socket buffers little, so what the generator yielded is what the server took."""
    transport = httpx.HTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)])
    return httpx.Client(base_url=client.stack.api_url, headers=client.http.headers, timeout=30, transport=transport)


MULTIPART = {"Content-Type": "multipart/form-data; boundary=zzz"}


def test_streamed_body_over_the_limit_is_refused_while_streaming(client: Client):
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
        r = client.http.post(f"/batches/{batch}/files",
                             files=[("files", (odd, other.data)), ("files", ("good.txt", good.data))])
        assert r.status_code == 200, (odd[:20], r.status_code, r.text[:300])
        by_name = {x["filename"]: x for x in r.json()}
        assert by_name["good.txt"]["state"] == "queued"
        status = client.wait_complete(batch)
        states = {d["filename"]: d["state"] for d in status["documents"]}
        assert states["good.txt"] == "done", states
        for name in states:
            assert len(name) <= 120 and name not in (".", "..", ""), name
