"""Real servers for tests that need them, on free loopback ports."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from shared.status import StatusStore


@contextmanager
def redis_server(data_dir: Path) -> Iterator[int]:
    """A throwaway redis-server (no persistence); yields its port. Skips when it is not installed."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (./dev test installs it)")
    import redis

    from services.devstack import free_port, wait_for

    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, socket_timeout=1)
        wait_for(lambda: client.ping(), 20, "redis-server")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fresh_status(redis_port: int, batch_id: str) -> StatusStore:
    """A StatusStore on an emptied redis-server holding one batch ``batch_id``."""
    import redis

    from shared.messages import BatchManifest
    from shared.status import StatusStore

    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    st = StatusStore(client)
    st.set_epoch()
    st.create_batch(BatchManifest(batch_id=batch_id, created_at="2026-01-01T00:00:00+00:00"))
    return st
