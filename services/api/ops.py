"""Operations endpoints of the api: the Prometheus scrape (GET /metrics, for the whole system: the
workers write their numbers into Redis, see shared/metrics.py) and a request-logging middleware.

    app.include_router(ops.router)
    app.add_middleware(ops.RequestLogMiddleware)   # added last = outermost: 401s are logged too
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logs, metrics

from .auth import Principal
from .deps import get_keyring, get_status, principal

log = logging.getLogger("juesuan.api.access")

router = APIRouter(tags=["运维"])


@router.get("/metrics", response_class=Response, summary="Prometheus 指标")
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
