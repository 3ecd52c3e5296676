"""The api's request and answer models (the OpenAPI document shows their examples)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DOC_EXAMPLE = "d_3f2a9c0b1e4d5a6b7c8d"
BATCH_EXAMPLE = "b_Q2xyk3VnTmVw8aBc"


class BatchCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "2024 年区级部门决算"}]})

    name: str | None = Field(default=None, max_length=200, description="批次名称（可选）")


class BatchCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"batch_id": BATCH_EXAMPLE, "created_at": "2026-11-29T08:00:00+00:00"}]
        }
    )

    batch_id: str
    created_at: str


class BatchListItem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": BATCH_EXAMPLE,
                    "name": "2024 年区级部门决算",
                    "created_at": "2026-11-29T08:00:00+00:00",
                    "tenant": "finance-bureau",
                    "total": 12,
                    "finished": 12,
                    "complete": True,
                }
            ]
        }
    )

    batch_id: str
    name: str | None = None
    created_at: str | None = None
    tenant: str | None = None
    total: int
    finished: int
    complete: bool


class PresignRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"filenames": ["财政局2024年度部门决算.pdf"]}]})

    filenames: list[str] = Field(min_length=1, max_length=1000, description="要上传的文件名")


class PresignedUpload(BaseModel):
    """A browser-style POST upload: send ``fields`` then the file (field ``file``, last) as
    multipart/form-data to ``url``. The store refuses files of 0 bytes or above the size limit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "filename": "财政局2024年度部门决算.pdf",
                    "doc_id": DOC_EXAMPLE,
                    "key": f"raw/{BATCH_EXAMPLE}/{DOC_EXAMPLE}/财政局2024年度部门决算.pdf",
                    "url": "http://storage.example:9000/juesuan",
                    "fields": {"key": "raw/…", "policy": "…", "x-amz-signature": "…"},
                    "method": "POST",
                }
            ]
        }
    )

    filename: str
    doc_id: str
    key: str
    url: str
    fields: dict[str, str]
    method: Literal["POST"] = "POST"


class RefusedObject(BaseModel):
    key: str
    reason: str
    registered: bool = False  # True when the document was recorded as failed with this reason


class EventResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"started": 1, "ignored": 0, "refused": []}]})

    started: int = 0
    ignored: int = 0
    refused: list[RefusedObject] = Field(default_factory=list)


class PageProgress(BaseModel):
    """Pages of a scan recognized so far (the ocr stage)."""

    done: int = Field(description="已识别的页数")
    total: int = Field(description="需要文字识别的页数")


class DocStatus(BaseModel):
    """``state`` is queued (waiting for ``stage``), ingesting / recognizing (OCR of a scan, stage
    ``ocr``) / parsing / validating / rendering (running ``stage``), done or failed; ``activity``
    says the same in Chinese (等待解析, 正在解析, 文字识别 12/26 页…). ``progress``: a scan's pages
    recognized so far, while it is in the ocr stage.
    ``reports`` holds a signed download link per stored format (json, html, xlsx, csv, pdf,
    annotated); ``unavailable`` says why a format was not produced. ``duplicate_of`` names the
    document of the batch with the same content (this one was not checked again)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": DOC_EXAMPLE,
                    "filename": "财政局2024年度部门决算.pdf",
                    "state": "done",
                    "stage": "report",
                    "activity": "已完成",
                    "error": None,
                    "department": "上海市普陀区财政局",
                    "year": 2024,
                    "findings": {"error": 2, "warning": 1},
                    "reports": {
                        "json": f"/batches/{BATCH_EXAMPLE}/documents/{DOC_EXAMPLE}/report.json?exp=1764403200&sig=…"
                    },
                    "unavailable": {},
                    "duplicate_of": None,
                }
            ]
        }
    )

    doc_id: str
    filename: str
    state: str
    stage: str | None = None
    activity: str = ""
    progress: PageProgress | None = None
    error: str | None = None
    department: str | None = None
    year: int | None = None
    findings: dict[str, int] = Field(default_factory=dict)
    reports: dict[str, str] = Field(default_factory=dict)
    unavailable: dict[str, str] = Field(default_factory=dict)
    duplicate_of: str | None = None


class BatchStatus(BaseModel):
    """``counts`` by state, and ``duplicate``: finished copies of another document of the batch
    (not checked; counted there, not under ``failed``). ``summary``: signed links to the batch
    summary (json, html; xlsx and csv once the batch is complete) and the whole-batch zip."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": BATCH_EXAMPLE,
                    "name": "2024 年区级部门决算",
                    "created_at": "2026-11-29T08:00:00+00:00",
                    "total": 1,
                    "counts": {"queued": 0, "done": 1, "failed": 0, "duplicate": 0},
                    "waiting": {},
                    "complete": True,
                    "rebuilt": False,
                    "documents": [],
                    "summary": {"json": f"/batches/{BATCH_EXAMPLE}/summary.json?exp=1764403200&sig=…"},
                }
            ]
        }
    )

    batch_id: str
    name: str | None = None
    created_at: str | None = None
    total: int
    counts: dict[str, int]
    waiting: dict[str, int] = Field(default_factory=dict)  # queued documents by the stage they wait for
    complete: bool
    rebuilt: bool = False
    documents: list[DocStatus]
    summary: dict[str, str] = Field(default_factory=dict)


class Restarted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"restarted": 2}]})

    restarted: int = Field(description="重新启动的文件数")


class Health(BaseModel):
    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [{"status": "ok", "redis": "ok", "storage": "ok"}]}
    )

    status: Literal["ok", "degraded"]
    redis: str
    storage: str
