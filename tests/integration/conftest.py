"""Integration tests run the real topology: redis-server, an S3 endpoint over HTTP (moto's server),
the api (uvicorn) and four Celery worker processes, on free loopback ports."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.devstack import Stack

TOKEN = "test-token-Zx81"


def pytest_collection_modifyitems(items):
    if shutil.which("redis-server") is None:
        skip = pytest.mark.skip(reason="redis-server is not installed (./dev test installs it)")
        for item in items:
            if "integration" in str(item.fspath):
                item.add_marker(skip)


class Client:
    def __init__(self, stack: Stack, token: str | None = TOKEN) -> None:
        self.stack = stack
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=stack.api_url, headers=headers, timeout=60)

    def new_batch(self) -> str:
        r = self.http.post("/batches", json={"name": "test"})
        assert r.status_code == 201, r.text
        return r.json()["batch_id"]

    def upload(self, batch: str, files: list[tuple[str, bytes]]) -> list[dict]:
        r = self.http.post(f"/batches/{batch}/files", files=[("files", (n, d)) for n, d in files])
        assert r.status_code == 200, r.text
        return r.json()

    def wait_complete(self, batch: str, timeout: float = 180) -> dict:
        deadline = time.time() + timeout
        status: dict = {}
        while time.time() < deadline:
            r = self.http.get(f"/batches/{batch}")
            if r.status_code == 200:
                status = r.json()
                if status["complete"]:
                    return status
            time.sleep(0.3)
        raise AssertionError(
            f"batch not complete after {timeout}s: {status.get('counts')}\n{dump_logs(self.stack)}"
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(
        tmp_path_factory.mktemp("stack"),
        env={"JUESUAN_API_TOKEN": TOKEN, "JUESUAN_MAX_FILE_BYTES": str(6 * 1024 * 1024)},
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def client(stack: Stack) -> Client:
    return Client(stack)


def dump_logs(stack: Stack) -> str:
    out = []
    for p in sorted((stack.root / "logs").glob("*.log")):
        out.append(f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:])
    return "\n".join(out)


SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
