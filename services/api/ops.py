"""Operations endpoints of the api: the health probe (GET /health), the Prometheus scrape (GET /metrics, for the whole system: the
workers write their numbers into Redis, see shared/metrics.py) and a request-logging middleware.

    app.include_router(ops.router)
    app.add_middleware(ops.RequestLogMiddleware)   # added last = outermost: 401s are logged too
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logs, metrics

from .auth import Principal
from .common import SECURED, errors
from .deps import get_keyring, get_status, get_storage, principal
from .schemas import Health

log = logging.getLogger("juesuan.api.access")

router = APIRouter(tags=["运维"])

HEALTH_DEADLINE_SECONDS = 1.5
# Checks run here so a hung dependency holds a pool thread, not the request: the probe answers
# within the deadline whatever the dependencies do.
_health_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def _ping_redis() -> None:
    get_status().ping()


def _ping_storage() -> None:
    get_storage().ping()


@router.get(
    "/health",
    response_model=Health,
    summary="健康检查",
    responses={
        503: {
            "model": Health,
            "description": "Redis 或存储不可用（degraded）",
            "content": {
                "application/json": {
                    "example": {
                        "status": "degraded",
                        "redis": "ok",
                        "storage": "error: 超时（1.5 秒内无响应）",
                    }
                }
            },
        }
    },
)
def health() -> JSONResponse:
    """Redis and storage checked concurrently; "degraded" (503) when either fails or does not
    answer within 1.5 s. Open without a key."""
    deadline = time.monotonic() + HEALTH_DEADLINE_SECONDS
    futures = {"redis": _health_pool.submit(_ping_redis), "storage": _health_pool.submit(_ping_storage)}
    checks: dict[str, str] = {}
    for name, fut in futures.items():
        try:
            fut.result(timeout=max(0.0, deadline - time.monotonic()))
            checks[name] = "ok"
        except FutureTimeout:
            checks[name] = f"error: 超时（{HEALTH_DEADLINE_SECONDS} 秒内无响应）"
        except Exception as exc:  # noqa: BLE001  (report any failure, do not crash the probe)
            checks[name] = f"error: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus 指标",
    dependencies=SECURED,
    responses={
        200: {
            "description": "Prometheus 文本格式的指标",
            "content": {metrics.CONTENT_TYPE: {"schema": {"type": "string"}}},
        },
        **errors(401, 403),
    },
)
async def prometheus_metrics(who: Annotated[Principal, Depends(principal)]) -> Response:
    """Stage durations, documents by state, queue lengths and batches, in the Prometheus text format.
    System-wide numbers: the admin key (or the single JUESUAN_API_TOKEN when it is the only key)."""
    if not get_keyring().may_operate(who):
        raise HTTPException(403, "无权查看系统指标：需要管理员密钥（JUESUAN_ADMIN_KEY）。")
    body = await run_in_threadpool(metrics.render, get_status().r)
    return Response(body, media_type=metrics.CONTENT_TYPE)


_BATCH = re.compile(r"^/batches/([^/]+)")
_DOC = re.compile(r"/documents/([^/]+)")
QUIET_PATHS = frozenset({"/metrics", "/health"})  # probes and scrapes are logged at DEBUG


class RequestLogMiddleware:
    """Pure ASGI middleware: one log line per HTTP request (method, path, status, duration_ms, and
    batch / doc taken from the path), with batch, doc and request_id bound for every line logged
    while the request runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        m, d = _BATCH.match(path), _DOC.search(path)
        batch, doc = (m.group(1) if m else None), (d.group(1) if m and d else None)
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex[:16]
        status = 500
        t0 = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with logs.context(batch=batch, doc=doc, request_id=request_id):
            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                ms = round((time.perf_counter() - t0) * 1000, 1)
                level = (
                    logging.WARNING
                    if status >= 500
                    else logging.DEBUG
                    if path in QUIET_PATHS
                    else logging.INFO
                )
                log.log(
                    level,
                    "event=http_request",
                    extra={
                        "method": scope.get("method", ""),
                        "path": path,
                        "status": status,
                        "duration_ms": ms,
                    },
                )


__all__ = ["RequestLogMiddleware", "router"]
