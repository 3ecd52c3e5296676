"""What the api's routers share: the caller, the batch check, the documented security schemes and
the error answers each route declares in the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Security
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from shared.keys import batch_manifest_key, valid_batch_id, valid_doc_id

from .auth import Principal
from .deps import UNAUTHORIZED, get_status, get_storage, principal

log = logging.getLogger("juesuan.api")

Caller = Annotated[Principal, Depends(principal)]
RETRY_AFTER_SECONDS = 30
SESSION_COOKIE = "juesuan_session"

# Documentation only: AuthMiddleware does the real check before any route runs. Declared so the
# OpenAPI document (and the Authorize button of /docs) knows both ways in.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="API 密钥：Authorization: Bearer <密钥>（JUESUAN_API_KEYS / JUESUAN_API_TOKEN / JUESUAN_ADMIN_KEY）。",
)
session_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="sessionCookie",
    description="网页登录后的会话 Cookie（juesuan_session）。",
)
SECURED = [Security(bearer_scheme), Security(session_scheme)]


class ErrorBody(BaseModel):
    """Every error answer: one Chinese sentence saying what went wrong and what to do."""

    detail: str = Field(description="错误说明（中文）", examples=["批次不存在。"])


class ValidationErrorBody(BaseModel):
    """422: the request's parameters or body do not match the schema."""

    detail: str = Field(examples=["请求参数错误：请检查 query.limit。"])
    errors: list[dict[str, Any]] = Field(default_factory=list, description="逐项的校验错误")


class StorageFailedBody(BaseModel):
    """503 during an upload: which files were not taken, and which were."""

    model_config = ConfigDict(extra="allow")
    detail: str = Field(examples=["存储服务暂时不可用：请稍后重试。"])


_ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "请求格式错误",
        "上传内容格式错误：multipart/form-data 表单不完整或已损坏，请重新上传（文件字段名为 files）。",
    ),
    401: ("未授权：缺少或无效的密钥", UNAUTHORIZED),
    403: ("无权访问", "无权查看系统指标：需要管理员密钥（JUESUAN_ADMIN_KEY）。"),
    404: ("批次不存在", "批次不存在。"),
    409: ("报告尚未生成", "报告尚未生成：当前状态为 parsing，请稍后再试。"),
    413: (
        "请求体或文件过大",
        "请求体过大：超过 22 MB 的上限，未接收。请减少单次上传的文件数量，或分批上传。",
    ),
    422: ("请求参数错误", "请求参数错误：请检查 query.limit。"),
    503: ("存储不可用", "存储服务暂时不可用：请稍后重试。"),
    507: ("服务器临时存储空间已满", "服务器临时存储空间已满，暂时无法接收文件：请稍后再试，或联系管理员。"),
}


def errors(*codes: int, doc: bool = False) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries of a route's error answers, with Chinese descriptions and an
    example each (``doc``: the route names a document, so 404 may also be 文件不存在)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description, example = _ERRORS[code]
        if code == 404 and doc:
            description, example = "批次不存在或文件不存在", "文件不存在。"
        out[code] = {
            "model": ValidationErrorBody if code == 422 else ErrorBody,
            "description": description,
            "content": {"application/json": {"example": {"detail": example}}},
        }
    return out


def binary_response(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The 200 entry of a route that answers with file bytes of these media types."""
    return {
        200: {
            "description": description,
            "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types},
        }
    }


def require_batch(batch_id: str, who: Principal) -> bool:
    """True when Redis had to be rebuilt from the manifests (it had lost the batch). 404 for an id
    that is not one of ours (checked before Redis or storage sees it) and for another tenant's batch
    (its existence is not revealed)."""
    if not valid_batch_id(batch_id):
        raise HTTPException(404, "批次不存在。")
    rebuilt = False
    if not get_status().batch_exists(batch_id):
        storage = get_storage()
        if not storage.exists(batch_manifest_key(batch_id)):
            raise HTTPException(404, "批次不存在。")
        # Status only: documents whose chain was lost are restarted by the recovery process (or by
        # POST /batches/{id}/recover), never as a side effect of a read.
        outcomes = get_status().rebuild_batch(storage, batch_id)
        log.info("event=batch_rebuilt batch=%s documents=%d", batch_id, len(outcomes))
        rebuilt = True
    if not who.owns(get_status().batch_info(batch_id).get("tenant")):
        raise HTTPException(404, "批次不存在。")
    return rebuilt


def require_doc(batch_id: str, doc_id: str, who: Principal) -> dict[str, object]:
    """The document's status fields (404 for a batch or document that is not the caller's)."""
    require_batch(batch_id, who)
    d = get_status().get_doc(batch_id, doc_id) if valid_doc_id(doc_id) else None
    if d is None:
        raise HTTPException(404, "文件不存在。")
    return {"doc_id": doc_id, **d}
