"""Shared resources of the api (settings, storage, status, Celery dispatch) and the token check."""

from __future__ import annotations

import hmac
from functools import lru_cache

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from shared.settings import Settings, get_settings
from shared.status import StatusStore
from shared.storage import Storage


@lru_cache
def get_storage() -> Storage:
    return Storage()


@lru_cache
def get_status() -> StatusStore:
    return StatusStore()


class TokenMiddleware(BaseHTTPMiddleware):
    """When JUESUAN_API_TOKEN is set, every endpoint (docs included) requires
    "Authorization: Bearer <token>" (or ?token= for links opened in a browser)."""

    def __init__(self, app, settings: Settings | None = None) -> None:
        super().__init__(app)
        self.settings = settings or get_settings()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = self.settings.api_token
        if token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or request.query_params.get("token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return JSONResponse({"detail": "未授权：请在 Authorization 头中提供有效的令牌（Bearer）。"}, status_code=401)
        return await call_next(request)
