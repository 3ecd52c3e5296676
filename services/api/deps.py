"""Shared resources of the api (settings, storage, status, the key ring), the caller check and the\nrequest body limit."""

from __future__ import annotations

import re
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import Settings, get_settings
from shared.status import StatusStore
from shared.storage import Storage

from .auth import ADMIN, SESSION_COOKIE, KeyRing, Principal


@lru_cache
def get_storage() -> Storage:
    return Storage()


@lru_cache
def get_status() -> StatusStore:
    return StatusStore()


@lru_cache
def get_keyring() -> KeyRing:
    return KeyRing.from_settings(get_settings())


ANONYMOUS = Principal(tenant=None)  # on the sign-in page only: owns nothing
PUBLIC_PATHS = frozenset({"/health", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
PUBLIC_PREFIXES = ("/static/",)  # the docs' and the web page's own assets


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


UNAUTHORIZED = "未授权：请在 Authorization 头中提供有效的密钥（Authorization: Bearer <密钥>）；下载链接请使用状态接口返回的签名链接。"


def principal(request: Request) -> Principal:
    """The caller, as AuthMiddleware found it (the admin when the api runs without keys). A
    visitor of the sign-in page is nobody: any route asking who they are answers 401."""
    who = request.scope.get("state", {}).get("principal")
    if who is ANONYMOUS:
        raise HTTPException(401, UNAUTHORIZED)
    return who if isinstance(who, Principal) else ADMIN


WEB_OPEN_PATHS = frozenset({"/login", "/logout", "/guide"})  # sign-in, and the guide that explains it
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE = "跨站请求被拒绝：请从本系统的网页操作，或在 Authorization 头中提供密钥。"


def is_web_page(path: str) -> bool:
    """Pages for people: without a session they send the browser to the sign-in page."""
    return path == "/" or path.startswith("/ui/")


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    raw = headers.get(b"cookie", b"").decode("latin-1")
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def same_origin(headers: dict[bytes, bytes]) -> bool:
    """The request comes from a page of this site: its Origin (or, without one, its Referer) names
    the host it was sent to. Browsers send Origin on every cross-site POST; a form on another site
    cannot fake it."""
    host = headers.get(b"host", b"").decode("latin-1").lower()
    source = headers.get(b"origin") or headers.get(b"referer")
    if not host or not source:
        return False
    return urlsplit(source.decode("latin-1")).netloc.lower() == host


class AuthMiddleware:
    """Pure ASGI: finds the caller from "Authorization: Bearer <key>" (keys are never read from the
    query string, where they would leak into logs and browser history) or from the web page's
    session cookie (unsafe methods then must come from this site's own pages). A GET with a valid
    signed link (``?exp=…&sig=…`` for exactly that path) passes without a key. /health, the
    OpenAPI docs, static assets and the sign-in page are open; the other web pages send a visitor
    without a session to the sign-in page. Which batches a caller may touch is checked by the routes
    (``Principal.owns``)."""

    def __init__(self, app: ASGIApp, ring: KeyRing | None = None) -> None:
        self.app = app
        self.ring = ring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ring = self.ring or get_keyring()
        path = scope["path"]
        headers = dict(scope.get("headers") or [])
        who: Principal | None = ADMIN if not ring.enabled or is_public(path) else None
        if who is None:
            scheme, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                who = ring.identify(key.strip())
        if who is None and (token := _cookie(headers, SESSION_COOKIE)):
            who = ring.session_principal(token)
            if who is not None and scope["method"] not in SAFE_METHODS and not same_origin(headers):
                await JSONResponse({"detail": CROSS_SITE}, status_code=403)(scope, receive, send)
                return
        if who is None and scope["method"] == "GET":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if ring.verify(path, query.get("exp", ""), query.get("sig", "")):
                who = ADMIN  # the signature binds this one path
        if who is None and path in WEB_OPEN_PATHS:
            scope.setdefault("state", {})["principal"] = ANONYMOUS
            await self.app(scope, receive, send)
            return
        if who is None and is_web_page(path) and scope["method"] in SAFE_METHODS:
            target = path + (
                f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
            )
            location = "/login?" + urlencode({"next": target})
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        if who is None:
            await JSONResponse(
                {"detail": UNAUTHORIZED}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = who
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a request body passes its route's limit."""


_UPLOAD_PATH = re.compile(r"^/batches/[^/]+/files/?$")


def body_limit(method: str, path: str, settings: Settings) -> int:
    """The largest body a route accepts: the multipart upload route has room for one file, every
    other route (JSON, the MinIO webhook) is small."""
    if method == "POST" and _UPLOAD_PATH.match(path):
        return settings.max_request_bytes
    return settings.max_json_bytes


def _too_large_message(limit: int) -> str:
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"
    return f"请求体过大：超过 {size} 的上限，未接收。请减少单次上传的文件数量，或分批上传。"


async def _refuse(message: str, scope: Scope, receive: Receive, send: Send) -> None:
    # "Connection: close" makes the server drop the connection instead of draining the body.
    await JSONResponse({"detail": message}, status_code=413, headers={"Connection": "close"})(
        scope, receive, send
    )


class BodyLimitMiddleware:
    """Pure ASGI: refuses a body larger than its route's limit with 413 while it streams.

    A declared Content-Length above the limit is refused before a byte is read; otherwise the bytes
    are counted as they arrive and the request is refused as soon as the count passes the limit
    (nothing more is read: the server closes the connection after the answer)."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.settings or get_settings())
        message = _too_large_message(limit)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # the server rejects a malformed Content-Length itself
            if too_big:
                await _refuse(message, scope, receive, send)
                return

        received = 0
        exceeded = False
        started = False
        headers = dict(scope.get("headers") or [])
        has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or b"transfer-encoding" in headers
        body_done = not has_body

        async def limited_receive() -> Message:
            nonlocal received, exceeded, body_done
            if exceeded:
                raise BodyTooLarge(413, message)
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                body_done = not msg.get("more_body", False)
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(413, message)
            return msg

        replaced = False

        async def tracking_send(msg: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return
            if msg["type"] == "http.response.start":
                started = True
                if exceeded:  # whatever the route made of the cut body (often a 400): the answer is 413
                    replaced = True
                    await _refuse(message, scope, receive, send)
                    return
                if (
                    not body_done
                ):  # answered before the body was read (e.g. a malformed upload): do not drain it
                    msg = {**msg, "headers": [*msg.get("headers", []), (b"connection", b"close")]}
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await _refuse(message, scope, receive, send)
