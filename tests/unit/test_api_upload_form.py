"""The upload route's own multipart parsing, in process: a full temp disk is 507 and a malformed
body 400, both in Chinese; the OpenAPI docs still show the file field."""

from __future__ import annotations

import errno

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import UploadFile

import services.api.app as api
import services.api.routes.uploads as api_uploads


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(api_uploads, "require_batch", lambda batch_id, who: False)
    return TestClient(api.app)


def test_full_disk_is_507_in_chinese(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    async def no_space(self, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(UploadFile, "write", no_space)
    r = client.post("/batches/b_x/files", files=[("files", ("a.txt", b"x" * (2 * 1024 * 1024)))])
    assert r.status_code == 507, r.text
    assert "存储空间" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nabc',  # no end boundary
        b"garbage without any boundary",
        b"--zzz\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--zzz--\r\n",  # part without a name
    ],
)
def test_malformed_multipart_is_400_in_chinese(client: TestClient, body: bytes):
    r = client.post(
        "/batches/b_x/files", content=body, headers={"Content-Type": "multipart/form-data; boundary=zzz"}
    )
    assert r.status_code == 400, r.text
    assert not r.json()["detail"].isascii()  # Chinese, not starlette's English


def test_missing_boundary_or_wrong_type_is_400(client: TestClient):
    for ctype in ("multipart/form-data", "application/json"):
        r = client.post("/batches/b_x/files", content=b"{}", headers={"Content-Type": ctype})
        assert r.status_code == 400 and "格式错误" in r.json()["detail"], r.text


def test_openapi_shows_the_file_field(client: TestClient):
    op = client.get("/openapi.json").json()["paths"]["/batches/{batch_id}/files"]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["files"]["items"]["format"] == "binary"


def test_storage_failure_mid_upload_is_503_naming_the_files(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    from services.api.uploads import UploadResult
    from shared.storage import TransientStorageError

    def accept(batch_id: str, name: str, data: bytes) -> list[UploadResult]:
        if name == "b.txt":
            raise TransientStorageError("timed out")
        return [UploadResult(filename=name, doc_id="d_" + "0" * 20, state="queued")]

    monkeypatch.setattr(api_uploads, "accept_bytes", accept)
    files = [("files", (n, b"data " + n.encode())) for n in ("a.txt", "b.txt", "c.txt")]
    r = client.post("/batches/b_x/files", files=files)
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    body = r.json()
    assert body["not_accepted"] == ["b.txt", "c.txt"] and [x["filename"] for x in body["accepted"]] == [
        "a.txt"
    ]
    assert "未接收" in body["detail"] and "“b.txt”" in body["detail"] and "已接收" in body["detail"]


def test_body_limits_by_route() -> None:
    from services.api.deps import body_limit
    from shared.settings import Settings

    s = Settings()
    assert s.max_request_bytes == 22 * 1024 * 1024 and s.max_json_bytes == 1024 * 1024
    assert body_limit("POST", "/batches/b_x/files", s) == s.max_request_bytes
    for method, path in (
        ("POST", "/events/minio"),
        ("POST", "/batches"),
        ("POST", "/batches/b_x/uploads"),
        ("GET", "/batches/b_x/files"),
        ("POST", "/batches/b_x/files/extra"),
    ):
        assert body_limit(method, path, s) == s.max_json_bytes, (method, path)


def test_declared_oversize_is_413_before_the_route(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    called = []
    monkeypatch.setattr(api_uploads, "require_batch", lambda batch_id: called.append(batch_id))
    r = client.post("/events/minio", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert r.status_code == 413 and "过大" in r.json()["detail"] and r.headers["connection"] == "close"
    assert called == []
