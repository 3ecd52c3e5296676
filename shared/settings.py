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

    api_token: str | None = None  # when set, every endpoint requires "Authorization: Bearer <token>"
    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 300  # a disclosure has 15–60 pages
    max_files_per_request: int = 500
    max_zip_entries: int = 2000
    max_zip_total_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 200  # uncompressed/compressed per entry; above this it is a zip bomb
    presign_expiry_seconds: int = 3600
    # api limits
    max_request_bytes: int = 22 * 1024 * 1024  # POST /batches/{id}/files: one 20 MiB file + multipart overhead
    max_json_bytes: int = 1024 * 1024  # every other request body (JSON, the MinIO webhook)
    storage_timeout_seconds: int = 5  # read timeout of storage calls (connect: 2 s)

    visibility_timeout_seconds: int = 3600  # above the longest task (a document takes < 1 s)
    task_max_retries: int = 5
    # A document in an in-progress stage (ingesting … rendering) with no progress for this long has
    # lost its task (e.g. the broker died while the task was retrying): the api restarts its chain.
    stall_seconds: int = 300
    test_task_delay: str = ""  # tests only: "parse:2.5" slows a stage so a worker can be killed mid-task


@lru_cache
def get_settings() -> Settings:
    return Settings()
