"""Settings from the environment (prefix JUESUAN_), shared by the api and the workers."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JUESUAN_", env_file=None)

    redis_url: str = "redis://localhost:6379/0"
    s3_endpoint: str = "localhost:9000"  # host:port, as the minio SDK wants it
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    bucket: str = "juesuan"
    # Public endpoint used in presigned URLs (clients may reach storage by another name).
    s3_public_endpoint: str | None = None

    # tenants (services/api/auth.py): keys only in "Authorization: Bearer <key>"
    api_token: str | None = None  # the older single token: one tenant, "default"
    api_keys: str | None = None  # "tenant:key,tenant:key"
    admin_key: str | None = None  # optional: sees every tenant's batches
    link_secret: str | None = None  # signs report links (default: derived from the keys)
    link_ttl_seconds: int = 900  # signed report/summary links stay valid this long
    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 300  # a disclosure has 15–60 pages
    max_scan_pages: int = 200  # pages read by OCR in one document (each costs seconds)
    # per-document caps (services.ingest.core.IngestLimits; about ten times a real disclosure)
    max_sheets: int = 50  # Excel worksheets
    max_text_lines: int = 50_000  # text files (a disclosure has < 5,000 lines)
    max_text_chars: int = 2_000_000  # text files
    max_table_rows: int = 20_000  # table rows of one document (Word, Excel, PDF)
    max_cells: int = 200_000  # table cells of one document (Excel: stored cells)
    max_files_per_request: int = 500
    max_zip_entries: int = 2000
    max_zip_total_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 200  # uncompressed/compressed per entry; above this it is a zip bomb
    presign_expiry_seconds: int = 3600
    # what the report stage writes per document (services/report/formats.py); json and html always
    report_formats: str = "json,html,xlsx,csv,pdf,annotated"
    max_export_bytes: int = 2 * 1024 * 1024 * 1024  # GET /batches/{id}/export.zip: larger batches are refused
    # api limits
    max_request_bytes: int = (
        22 * 1024 * 1024
    )  # POST /batches/{id}/files: one 20 MiB file + multipart overhead
    max_json_bytes: int = 1024 * 1024  # every other request body (JSON, the MinIO webhook)
    storage_timeout_seconds: int = 5  # read timeout of storage calls (connect: 2 s)

    visibility_timeout_seconds: int = 3600  # above the longest task (a document takes < 1 s)
    task_max_retries: int = 5
    # recovery and worker limits
    redis_timeout_seconds: float = 2.0  # every Redis call: a hung Redis is reported, not waited on
    lease_seconds: int = 30  # a running task renews its document's lease every third of this
    recovery_interval_seconds: float = 10.0  # how often the recovery process sweeps unfinished documents
    # A waiting document whose message is in no queue is restarted when it is still missing this long
    # after its last change, on two sweeps in a row (a message between stages is in flight briefly).
    recovery_grace_seconds: float = 30.0
    task_soft_time_limit: int = 120  # seconds; the document fails with 处理超时
    task_time_limit: int = 150  # the worker child is killed; the document is restarted, then fails
    # OCR (queue ``ocr``): a scan's time limits scale with its pages, passed with each message:
    # soft = base + per page × pages, hard = soft + a margin, both kept under the visibility timeout
    ocr_base_seconds: int = 60
    ocr_seconds_per_page: float = 6.0
    ocr_concurrency: int = 1  # OCR tasks per ocr worker (devstack; compose and k8s read the same variable)
    # pages of one scan OCR'd side by side in an ocr task, in threads (0: the CPUs the worker may use,
    # shared among its ocr_concurrency tasks); each engine then runs its CPUs' share of onnxruntime
    # threads (services/ingest/ocr_engine.py)
    ocr_threads: int = 0
    # per ocr worker child instead of worker_max_memory_mb: the recognition models and a page image
    # take about 1 GB resident and more address space (measured: 1024 MB fails, 1536 MB reads a page);
    # two pages read at once (ocr_threads) peak at 1.2 GB resident, and 2048 MB failed on the third
    # 25-page scan in one child, 3072 MB reads them (./dev bench-ocr, README "OCR speed")
    ocr_worker_max_memory_mb: int = 3072
    worker_max_memory_mb: int = 1024  # per worker child: address-space data limit (MemoryError → failed)
    # tests only: "parse:2.5" slows a stage so a worker can be killed mid-task; "ocr-page:1" slows
    # each recognized page
    test_task_delay: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
