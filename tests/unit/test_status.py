"""Batch ownership and listing in the status store (real Redis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from shared.messages import BatchManifest
from shared.status import StatusStore
from tests import servers


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StatusStore]:
    with servers.redis_server(tmp_path_factory.mktemp("redis-status")) as port:
        yield StatusStore(redis.Redis(port=port, decode_responses=True))


def test_batches_are_listed_per_tenant_newest_first(store: StatusStore):
    store.r.flushall()
    for i, tenant in enumerate(["a", "b", "a", None]):
        store.create_batch(
            BatchManifest(batch_id=f"b_{i}", created_at=f"2026-01-0{i + 1}T00:00:00+00:00", tenant=tenant)
        )
    assert store.list_batches("a") == ["b_2", "b_0"]
    assert store.list_batches("b") == ["b_1"]
    assert store.list_batches("default") == ["b_3"]  # made before tenants, or by the single token
    assert store.list_batches(None) == ["b_3", "b_2", "b_1", "b_0"]
    assert store.list_batches(None, limit=2, offset=1) == ["b_2", "b_1"]
    assert store.batch_info("b_1")["tenant"] == "b"
