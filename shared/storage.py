"""Object storage through the minio SDK, against MinIO in deployment and any S3 endpoint in tests.

Transient errors (connection refused, 5xx, throttling) are raised as ``TransientStorageError`` so
Celery tasks can retry them with backoff; a missing object is ``KeyError``.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.datatypes import PostPolicy
from minio.error import MinioException, S3Error
from pydantic import BaseModel

from .settings import Settings, get_settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class TransientStorageError(Exception):
    """Storage could not be reached or answered 5xx: retry later."""


def _client(endpoint: str, settings: Settings) -> Minio:
    # Short timeouts and one retry: a hung store is reported within seconds (uploads answer 503,
    # tasks retry with backoff) instead of holding a request for minutes.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2, read=settings.storage_timeout_seconds),
        # read=0: a read timeout is not retried (the store is hung; a retry would double the wait)
        retries=urllib3.Retry(total=1, read=0, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        maxsize=16,
    )
    return Minio(
        endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=http,
    )


class Storage:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.bucket = self.settings.bucket
        self.client = _client(self.settings.s3_endpoint, self.settings)
        public = self.settings.s3_public_endpoint
        self.public_client = _client(public, self.settings) if public else self.client

    # ------------------------------------------------------------------ basics
    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, location=self.settings.s3_region)
                log.info("event=bucket_created bucket=%s", self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise self._wrap(exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientStorageError(f"ensure_bucket: {exc}") from exc

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._wrap(exc) from exc

    def get_bytes(self, key: str) -> bytes:
        resp = None
        try:
            resp = self.client.get_object(self.bucket, key)
            return resp.read()
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise KeyError(key) from exc
            raise self._wrap(exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientStorageError(f"get {key}: {exc}") from exc
        finally:
            if resp is not None:
                resp.close()
                resp.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise self._wrap(exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientStorageError(f"stat {key}: {exc}") from exc

    def stat_size(self, key: str) -> int:
        """The object's size in bytes; KeyError when there is no such object."""
        try:
            return int(self.client.stat_object(self.bucket, key).size or 0)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                raise KeyError(key) from exc
            raise self._wrap(exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientStorageError(f"stat {key}: {exc}") from exc

    def size(self, key: str) -> int:
        return self.stat_size(key)

    def list_keys(self, prefix: str) -> list[str]:
        try:
            return [
                o.object_name
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name
            ]
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._wrap(exc) from exc

    def ping(self) -> None:
        try:
            self.client.bucket_exists(self.bucket)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientStorageError(f"ping: {exc}") from exc

    # ------------------------------------------------------------------ json / models
    def put_json(self, key: str, obj: BaseModel | dict) -> None:
        body = obj.model_dump_json() if isinstance(obj, BaseModel) else json.dumps(obj, ensure_ascii=False)
        self.put_bytes(key, body.encode("utf-8"), "application/json; charset=utf-8")

    def get_model(self, key: str, model: type[M]) -> M:
        return model.model_validate_json(self.get_bytes(key))

    # ------------------------------------------------------------------ presigned
    def presigned_put(self, key: str, expires_seconds: int) -> str:
        return self.public_client.presigned_put_object(
            self.bucket, key, expires=timedelta(seconds=expires_seconds)
        )

    def presigned_post(self, key: str, expires_seconds: int, max_bytes: int) -> tuple[str, dict[str, str]]:
        """(url, form fields) of a browser-style POST upload of exactly ``key``, refused by the
        store unless the file has 1 … ``max_bytes`` bytes. The file goes last in the form."""
        policy = PostPolicy(self.bucket, datetime.now(UTC) + timedelta(seconds=expires_seconds))
        policy.add_equals_condition("key", key)
        policy.add_content_length_range_condition(1, max_bytes)
        fields = {"key": key, **self.public_client.presigned_post_policy(policy)}
        endpoint = self.settings.s3_public_endpoint or self.settings.s3_endpoint
        scheme = "https" if self.settings.s3_secure else "http"
        return f"{scheme}://{endpoint}/{self.bucket}", fields

    def presigned_get(self, key: str, expires_seconds: int) -> str:
        return self.public_client.presigned_get_object(
            self.bucket, key, expires=timedelta(seconds=expires_seconds)
        )

    @staticmethod
    def _wrap(exc: Exception) -> Exception:
        if isinstance(exc, S3Error) and exc.code in ("NoSuchBucket", "AccessDenied", "InvalidAccessKeyId"):
            return exc  # configuration problems: retrying will not help
        return TransientStorageError(str(exc))


def endpoint_from_url(url: str) -> tuple[str, bool]:
    """'http://127.0.0.1:9000' → ('127.0.0.1:9000', False)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return parts.netloc, parts.scheme == "https"
