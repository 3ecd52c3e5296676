"""Structured logs (shared/logs.py), Redis-backed metrics (shared/metrics.py), the worker's Celery
hooks (services/observe.py) and the api's /metrics and request log (services/api/ops.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from shared import logs, metrics
from tests import servers

prometheus_parser = pytest.importorskip("prometheus_client.parser")


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """JSON logging into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    saved_uv = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate, logging.getLogger(n).level)
        for n in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.task", "celery.redirected")
    }
    buf = io.StringIO()
    logs.configure("test-svc", "DEBUG", stream=buf)
    logs.clear()
    try:
        yield buf
    finally:
        logging.captureWarnings(False)
        logs.clear()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for n, (h, p, lv) in saved_uv.items():
            lg = logging.getLogger(n)
            lg.handlers, lg.propagate = h, p
            lg.setLevel(lv)


def lines(buf: io.StringIO) -> list[dict]:
    return [json.loads(x) for x in buf.getvalue().splitlines() if x.strip()]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with servers.redis_server(tmp_path_factory.mktemp("redis-metrics")) as port:
        yield port


@pytest.fixture
def r(redis_server: int):
    import redis

    client = redis.Redis(port=redis_server, socket_timeout=5)
    client.flushall()
    return client


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in prometheus_parser.text_string_to_metric_families(text)}


def samples(text: str, name: str) -> dict[tuple, float]:
    out = {}
    for fam in prometheus_parser.text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


# ------------------------------------------------------------------------------------ logs
def test_parse_kv_old_style_messages() -> None:
    kv = logs.parse_kv("event=stage_done stage=parse batch=b_x doc=d_y ms=12.3")
    assert kv == {"event": "stage_done", "stage": "parse", "batch": "b_x", "doc": "d_y", "duration_ms": 12.3}
    kv = logs.parse_kv("event=stage_failed stage=ingest batch=b_1 doc=0123 reason=PDF 已损坏，无法读取 n=3")
    assert kv["reason"] == "PDF 已损坏，无法读取" and kv["doc"] == "0123" and kv["n"] == 3
    assert logs.parse_kv("Connected to redis://x:6379/0 with a=b") == {}
    assert logs.parse_kv('event=x error="a b"') == {"event": "x", "error": "a b"}


def test_json_lines_carry_bound_context_and_parsed_fields(log_stream: io.StringIO) -> None:
    log = logging.getLogger("juesuan.stage")
    with logs.context(batch="b_1", doc="d_1"):
        logs.bind(task="t-1", stage="parse")
        log.info("event=stage_done stage=parse batch=b_1 doc=d_1 ms=%.1f", 12.34)
        log.warning("plain text", extra={"queue": "parse"})
    log.info("after")
    first, second, third = lines(log_stream)
    assert first["service"] == "test-svc" and first["logger"] == "juesuan.stage" and first["level"] == "INFO"
    assert first["msg"] == "event=stage_done stage=parse batch=b_1 doc=d_1 ms=12.3"
    assert first["event"] == "stage_done" and first["duration_ms"] == 12.3
    assert (first["batch"], first["doc"], first["task"], first["stage"]) == ("b_1", "d_1", "t-1", "parse")
    assert first["ts"].endswith("Z")
    assert second["queue"] == "parse" and second["batch"] == "b_1" and second["level"] == "WARNING"
    assert "batch" not in third and "task" not in third  # the context ended with the with-block


def test_configure_is_idempotent_and_logs_exceptions(log_stream: io.StringIO) -> None:
    logs.configure("test-svc-2", "INFO", stream=log_stream)
    logs.configure("test-svc-2", "INFO", stream=log_stream)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_juesuan_json", False)]
    assert len(ours) == 1
    logging.getLogger("x").debug("hidden")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("event=failed")
    (line,) = lines(log_stream)
    assert line["service"] == "test-svc-2" and line["event"] == "failed" and "ValueError: boom" in line["exc"]
    import warnings

    warnings.warn("careful", UserWarning, stacklevel=1)
    assert lines(log_stream)[-1]["logger"] == "py.warnings" and "careful" in lines(log_stream)[-1]["msg"]


def test_context_is_per_asyncio_task(log_stream: io.StringIO) -> None:
    async def one(b: str) -> None:
        with logs.context(batch=b):
            await asyncio.sleep(0.01)
            logging.getLogger("a").info("event=tick")

    async def main() -> None:
        await asyncio.gather(one("b_a"), one("b_b"))

    asyncio.run(main())
    assert sorted(x["batch"] for x in lines(log_stream) if x.get("event") == "tick") == ["b_a", "b_b"]


# ------------------------------------------------------------------------------------ metrics
def test_render_parses_and_counts_match(r) -> None:
    metrics.record_stage(r, "parse", 0.003, "ok")
    metrics.record_stage(r, "parse", 0.2, "ok")
    metrics.record_stage(r, "parse", 7.0, "ok")
    metrics.record_stage(r, "parse", 1000.0, "ok")  # beyond the last finite bucket
    metrics.record_stage(r, "ingest", 0.05, "failed")
    for i, state in enumerate(["done", "done", "failed", "parsing", "queued"]):
        r.hset(f"js:doc:b_1:d_{i}", mapping={"state": state, "filename": "x"})
    r.hset("js:doc:b_2:d_9", mapping={"state": "done"})
    r.sadd("js:batch:b_1:docs", "d_0")  # not a document, not a batch
    r.hset("js:batch:b_1", mapping={"name": "x"})
    r.hset("js:batch:b_2", mapping={"name": "y"})
    r.hset("js:batch:b_2:sha", mapping={"abc": "d_9"})
    r.rpush("parse", "m1", "m2", "m3")
    r.rpush("report", "m1")
    r.rpush("ingest\x06\x163", "m1")  # a message with a priority
    r.rpush("ocr", "m1", "m2")  # scans waiting for OCR

    text = metrics.render(r)
    fams = families(text)
    assert fams["juesuan_stage_duration_seconds"].type == "histogram"
    assert fams["juesuan_documents"].type == "gauge"

    buckets = samples(text, "juesuan_stage_duration_seconds_bucket")
    ok = (("outcome", "ok"), ("stage", "parse"))
    assert buckets[(("le", "0.005"), *ok)] == 1
    assert buckets[(("le", "0.25"), *ok)] == 2
    assert buckets[(("le", "10.0"), *ok)] == 3
    assert buckets[(("le", "300.0"), *ok)] == 3
    assert buckets[(("le", "+Inf"), *ok)] == 4
    assert samples(text, "juesuan_stage_duration_seconds_count")[ok] == 4
    assert samples(text, "juesuan_stage_duration_seconds_sum")[ok] == pytest.approx(1007.203)
    assert (
        samples(text, "juesuan_stage_duration_seconds_count")[(("outcome", "failed"), ("stage", "ingest"))]
        == 1
    )

    docs = samples(text, "juesuan_documents")
    assert docs[(("state", "done"),)] == 3 and docs[(("state", "failed"),)] == 1
    assert docs[(("state", "parsing"),)] == 1 and docs[(("state", "queued"),)] == 1
    assert docs[(("state", "validating"),)] == 0
    queues = samples(text, "juesuan_queue_length")
    assert queues == {
        (("queue", "ingest"),): 1,
        (("queue", "ocr"),): 2,
        (("queue", "parse"),): 3,
        (("queue", "validate"),): 0,
        (("queue", "report"),): 1,
    }
    assert samples(text, "juesuan_batches") == {(): 2}
    assert samples(text, "juesuan_batches_active") == {(): 0}
    assert samples(text, "juesuan_metrics_truncated") == {(): 0}


def test_render_of_an_empty_redis_and_decoded_client(redis_server: int, r) -> None:
    import redis

    text = metrics.render(redis.Redis(port=redis_server, decode_responses=True))
    assert samples(text, "juesuan_batches") == {(): 0}
    assert samples(text, "juesuan_stage_duration_seconds_count") == {}
    metrics.record_stage(redis.Redis(port=redis_server, decode_responses=True), "validate", 0.5, "ok")
    text = metrics.render(r)
    assert samples(text, "juesuan_stage_duration_seconds_count") == {
        (("outcome", "ok"), ("stage", "validate")): 1
    }


def test_document_scan_is_bounded(r) -> None:
    for i in range(30):
        r.hset(f"js:doc:b_1:d_{i}", "state", "done")
    counts, truncated = metrics.document_states(r, limit=10)
    assert truncated and sum(counts.values()) <= 10
    counts, truncated = metrics.document_states(r)
    assert not truncated and counts["done"] == 30


# ------------------------------------------------------------------------------------ worker hooks
def test_worker_hooks_bind_context_log_and_record(log_stream: io.StringIO, r, monkeypatch) -> None:
    from celery import Celery
    from celery.signals import task_postrun, task_prerun

    from services import observe

    app = Celery("t")
    observe.install_worker_hooks(app)
    observe.install_worker_hooks(app)  # idempotent
    monkeypatch.setattr(observe, "_redis", (os.getpid(), r))
    task = type("FakeTask", (), {"name": "juesuan.parse"})()
    msg = {"batch_id": "b_7", "doc_id": "d_7", "filename": "f.pdf", "raw_key": "raw/x"}

    def run(task_id: str, m: dict, state: str, retval: object) -> None:
        task_prerun.send(sender=task, task_id=task_id, task=task, args=(m,), kwargs={})
        logging.getLogger("juesuan.stage").info("event=stage_start stage=parse")
        task_postrun.send(
            sender=task, task_id=task_id, task=task, args=(m,), kwargs={}, retval=retval, state=state
        )

    run("t-1", msg, "SUCCESS", {**msg, "key": "parsed/x"})
    run("t-2", msg, "SUCCESS", {**msg, "failed": True, "reason": "坏"})
    run("t-3", msg, "RETRY", None)
    run("t-4", {**msg, "failed": True}, "SUCCESS", {**msg, "failed": True})
    run("t-5", msg, "SUCCESS", None)
    run("t-6", msg, "FAILURE", None)
    logging.getLogger("x").info("outside")

    out = [x for x in lines(log_stream) if x["logger"] in ("juesuan.stage", "juesuan.observe", "x")]
    start, done = out[0], out[1]
    assert (start["batch"], start["doc"], start["task"], start["stage"]) == ("b_7", "d_7", "t-1", "parse")
    assert (
        done["event"] == "task_done"
        and done["outcome"] == "ok"
        and done["duration_ms"] >= 0
        and done["task"] == "t-1"
    )
    assert [x["outcome"] for x in out if x.get("event") == "task_done"] == [
        "ok",
        "failed",
        "retry",
        "skipped",
        "dropped",
        "error",
    ]
    assert "batch" not in out[-1]
    counts = samples(metrics.render(r), "juesuan_stage_duration_seconds_count")
    assert counts == {
        (("outcome", o), ("stage", "parse")): 1
        for o in ("ok", "failed", "retry", "skipped", "dropped", "error")
    }

    # A real task run by Celery's tracer (eagerly) goes through the same signals.
    @app.task(name="juesuan.validate")
    def validate(m: dict) -> dict:
        logging.getLogger("juesuan.stage").info("event=inside_task")
        return m

    assert validate.apply(args=(msg,)).get() == msg
    inside = [x for x in lines(log_stream) if x.get("event") == "inside_task"]
    assert inside and inside[0]["stage"] == "validate" and inside[0]["batch"] == "b_7"
    counts = samples(metrics.render(r), "juesuan_stage_duration_seconds_count")
    assert counts[(("outcome", "ok"), ("stage", "validate"))] == 1


def test_service_name_from_worker_command_line() -> None:
    from services.observe import service_name, stage_of

    assert (
        service_name(["celery", "-A", "services.worker", "worker", "-Q", "parse", "-n", "parse@%h"])
        == "worker-parse"
    )
    assert service_name(["celery", "worker", "-n", "report2@host"]) == "worker-report2"
    assert service_name(["celery", "worker", "--queues=validate"]) == "worker-validate"
    assert service_name(["celery", "worker"]).startswith("worker-")
    assert stage_of("juesuan.validate") == "validate"


# ------------------------------------------------------------------------------------ api
def test_metrics_endpoint_and_request_log(log_stream: io.StringIO, r, monkeypatch) -> None:
    from fastapi import FastAPI, HTTPException
    from fastapi.testclient import TestClient

    from services.api import ops

    monkeypatch.setattr(ops, "get_status", lambda: SimpleNamespace(r=r))
    metrics.record_stage(r, "report", 0.1, "ok")
    app = FastAPI()
    app.include_router(ops.router)

    @app.get("/batches/{batch_id}")
    def batch(batch_id: str) -> dict:
        logging.getLogger("juesuan.api").info("event=inside")
        if batch_id == "b_missing":
            raise HTTPException(404, "no")
        return {"id": batch_id}

    app.add_middleware(ops.RequestLogMiddleware)
    with TestClient(app) as client:
        resp = client.get("/metrics")
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert samples(resp.text, "juesuan_stage_duration_seconds_count") == {
            (("outcome", "ok"), ("stage", "report")): 1
        }
        assert client.get("/batches/b_42").status_code == 200
        assert client.get("/batches/b_missing", headers={"X-Request-ID": "rid-1"}).status_code == 404

    out = lines(log_stream)
    reqs = [x for x in out if x.get("event") == "http_request"]
    assert [(x["path"], x["status"]) for x in reqs] == [
        ("/metrics", 200),
        ("/batches/b_42", 200),
        ("/batches/b_missing", 404),
    ]
    assert reqs[0]["level"] == "DEBUG" and reqs[1]["level"] == "INFO"
    assert reqs[1]["batch"] == "b_42" and reqs[1]["method"] == "GET" and reqs[1]["duration_ms"] >= 0
    assert reqs[2]["request_id"] == "rid-1"
    inside = [x for x in out if x.get("event") == "inside"]
    assert [x["batch"] for x in inside] == ["b_42", "b_missing"]  # bound for the route's own lines too


# ------------------------------------------------------------------------------------ deploy
def test_monitoring_config_matches_the_metrics(r) -> None:
    """prometheus.yml scrapes the api's /metrics; every metric the dashboard queries is rendered."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    prom = yaml.safe_load((root / "deploy" / "prometheus.yml").read_text())
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "juesuan-api")
    assert job["metrics_path"] == "/metrics" and job["static_configs"][0]["targets"] == ["api:8000"]

    ds = yaml.safe_load(
        (root / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uid = ds["datasources"][0]["uid"]
    dash = json.loads((root / "deploy" / "grafana" / "dashboards" / "juesuan.json").read_text())
    metrics.record_stage(r, "parse", 0.1, "ok")
    r.hset("js:doc:b_1:d_1", "state", "done")
    rendered = {
        s.name
        for fam in prometheus_parser.text_string_to_metric_families(metrics.render(r))
        for s in fam.samples
    }
    titles = set()
    for p in dash["panels"]:
        titles.add(p["title"])
        assert p["datasource"]["uid"] == uid
        for t in p["targets"]:
            names = set(re.findall(r"\bjuesuan_[a-z_]+", t["expr"]))
            assert names and names <= rendered, (t["expr"], names - rendered)
    assert {
        "Documents by state",
        "Queue lengths",
        "Stage duration p50 / p95",
        "Stage outcomes rate",
    } <= titles

    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    assert {"prometheus", "grafana"} <= set(compose["services"])
