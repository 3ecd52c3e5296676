"""Tenants: each sees only its own batches; the admin key sees all (JUESUAN_API_KEYS, JUESUAN_ADMIN_KEY)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus.generator import generate_document
from services.devstack import Stack
from tests.integration.conftest import Client

KEY_A, KEY_B, ADMIN = "key-finance-0001", "key-audit-0002", "key-admin-0003"


@pytest.fixture(scope="module")
def tenant_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(
        tmp_path_factory.mktemp("tenants"),
        env={"JUESUAN_API_KEYS": f"finance:{KEY_A},audit:{KEY_B}", "JUESUAN_ADMIN_KEY": ADMIN},
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


def test_tenant_b_cannot_see_list_download_or_recover_tenant_a_batch(tenant_stack: Stack):
    a, b, admin = Client(tenant_stack, KEY_A), Client(tenant_stack, KEY_B), Client(tenant_stack, ADMIN)
    batch = a.new_batch()
    a.upload(batch, [("x.txt", generate_document(5, "pdf", []).data)])
    status = a.wait_complete(batch)
    doc = status["documents"][0]["doc_id"]
    report = f"/batches/{batch}/documents/{doc}/report.json"
    assert a.http.get(report).status_code == 200

    assert b.http.get(f"/batches/{batch}").status_code == 404  # not 403: its existence is not revealed
    assert b.http.get(f"/batches/{batch}/documents/{doc}").status_code == 404
    assert b.http.get(report).status_code == 404
    assert b.http.get(f"/batches/{batch}/summary.json").status_code == 404
    assert b.http.post(f"/batches/{batch}/recover").status_code == 404
    assert b.http.post(f"/batches/{batch}/files", files=[("files", ("y.txt", b"x"))]).status_code == 404
    assert batch not in [x["batch_id"] for x in b.http.get("/batches").json()]
    assert batch in [x["batch_id"] for x in a.http.get("/batches").json()]

    listed = {x["batch_id"]: x for x in admin.http.get("/batches").json()}
    assert listed[batch]["tenant"] == "finance" and listed[batch]["complete"]
    assert admin.http.get(report).status_code == 200
    assert admin.http.post(f"/batches/{batch}/recover").json() == {"restarted": 0}


def test_metrics_need_the_admin_key(tenant_stack: Stack):
    assert Client(tenant_stack, KEY_A).http.get("/metrics").status_code == 403
    r = Client(tenant_stack, ADMIN).http.get("/metrics")
    assert r.status_code == 200 and "juesuan_documents" in r.text
