"""The HTTP face of juesuan: create a batch, upload files (multipart, zip, or presigned URLs with
MinIO bucket notifications), poll status, download reports and the batch summary.

Run: uvicorn services.api.app:app --host 0.0.0.0 --port 8000   (API docs at /docs and /redoc,
served with their own assets: nothing is loaded from the internet)

The routes live in services/api/routes/ (one router per resource) and services/api/ops.py
(/health, /metrics); this module holds the app, its lifespan, middleware, error handlers and docs.
"""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import logs
from shared.storage import TransientStorageError
from shared.version import package_version

from . import ops, web
from .auth import KeyConfigError
from .common import RETRY_AFTER_SECONDS
from .deps import AuthMiddleware, BodyLimitMiddleware, get_keyring, get_storage
from .routes import batches, documents, uploads

log = logging.getLogger("juesuan.api")
logs.configure("api")


@asynccontextmanager
async def lifespan(_: FastAPI):
    try:
        get_keyring()
    except KeyConfigError as exc:  # refuse to start rather than run with keys nobody meant
        log.error("event=bad_key_settings error=%s", exc)
        raise
    try:
        get_storage().ensure_bucket()
    except TransientStorageError as exc:  # storage not up yet: /health says so, requests retry
        log.warning("event=bucket_check_failed error=%s", exc)
    yield


OPENAPI_TAGS = [
    {"name": "批次", "description": "新建批次、查询进度、重新启动未完成的文件、批次汇总与整批导出。"},
    {"name": "上传", "description": "上传决算文件（multipart 或 zip），或申请直传地址后由存储事件通知登记。"},
    {"name": "文件", "description": "单个文件的状态、各格式的审查报告、标注原文与证据截图。"},
    {"name": "运维", "description": "健康检查与 Prometheus 指标。"},
]

app = FastAPI(
    title="juesuan 决算审查",
    description=(
        "上传部门决算文件，查询批次进度，下载审查报告。\n\n"
        "认证：在 Authorization 头中提供密钥（Authorization: Bearer <密钥>），或使用网页登录后的会话；"
        "状态接口返回的下载链接带有签名（?exp=…&sig=…），可在浏览器中直接打开。"
    ),
    version=package_version(),
    lifespan=lifespan,
    openapi_tags=OPENAPI_TAGS,
    docs_url=None,
    redoc_url=None,
    openapi_url="/openapi.json",
)
app.add_middleware(AuthMiddleware)
app.add_middleware(BodyLimitMiddleware)  # refuses oversized bodies before anything reads them
app.add_middleware(ops.RequestLogMiddleware)  # outermost: 401s and 413s are logged too


# ---------------------------------------------------------------------------------------- errors
FRAMEWORK_MESSAGES = {404: "接口不存在。", 405: "不支持该请求方法。"}


@app.exception_handler(StarletteHTTPException)
async def chinese_http_errors(request: Request, exc: StarletteHTTPException) -> Response:
    """The routes raise Chinese details; the framework's own English ones ("Not Found") are replaced."""
    detail = exc.detail
    if isinstance(detail, str) and detail.isascii():
        detail = FRAMEWORK_MESSAGES.get(exc.status_code, f"请求无法处理（HTTP {exc.status_code}）。")
    return JSONResponse(
        {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


@app.exception_handler(RequestValidationError)
async def chinese_validation_errors(_: Request, exc: RequestValidationError) -> JSONResponse:
    where = "；".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:5])
    return JSONResponse(
        {"detail": f"请求参数错误：请检查 {where}。", "errors": jsonable_encoder(exc.errors())},
        status_code=422,
    )


@app.exception_handler(TransientStorageError)
async def storage_unavailable(_: Request, exc: TransientStorageError) -> JSONResponse:
    log.warning("event=storage_unavailable error=%s", exc)
    return JSONResponse(
        {"detail": "存储服务暂时不可用：请稍后重试。"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# ---------------------------------------------------------------------------------------- docs
DOCS_STATIC = "/static/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def docs_assets() -> Path:
    """Swagger UI and ReDoc as shipped by the fastapi-offline package (no CDN)."""
    return Path(str(files("fastapi_offline") / "static"))


app.mount(DOCS_STATIC, StaticFiles(directory=docs_assets()), name="docs-static")


@app.get("/docs", include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} — 接口文档",
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        # no badge fetched from validator.swagger.io; the key survives a page reload
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
    )


@app.get(OAUTH2_REDIRECT, include_in_schema=False)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


REDOC_JS = "/static/redoc/redoc.standalone.js"


@lru_cache(maxsize=1)
def _offline_redoc_js() -> bytes:
    """ReDoc's bundle with the one address it would still fetch (its logo, from cdn.redoc.ly)
    pointed at our own icon: bureau intranets cannot reach it, and the page must not try."""
    js = (docs_assets() / "redoc.standalone.js").read_bytes()
    return js.replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", f"{DOCS_STATIC}/favicon.png".encode())


@app.get(REDOC_JS, include_in_schema=False)
def redoc_js() -> Response:
    return Response(
        _offline_redoc_js(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@app.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} — 接口文档",
        redoc_js_url=REDOC_JS,
        redoc_favicon_url=f"{DOCS_STATIC}/favicon.png",
        with_google_fonts=False,
    )


def openapi_schema() -> dict[str, Any]:
    """FastAPI's document without its generic 422 ("Validation Error", a schema our handler does not
    answer with) on routes whose parameters cannot fail validation: the routes declare their own
    422 (``common.errors``) where it can happen."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    for item in schema.get("paths", {}).values():
        for op in item.values():
            if op.get("responses", {}).get("422", {}).get("description") == "Validation Error":
                del op["responses"]["422"]
    for name in ("HTTPValidationError", "ValidationError"):
        if f'#/components/schemas/{name}"' not in json.dumps(schema):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema


app.openapi = openapi_schema  # type: ignore[method-assign]

# ---------------------------------------------------------------------------------------- routes
app.include_router(ops.router)
app.include_router(batches.router)
app.include_router(uploads.router)
app.include_router(documents.router)
app.include_router(web.router)
app.mount(web.STATIC_PATH, StaticFiles(directory=web.STATIC_DIR), name="web-static")

__all__ = ["app"]
