"""Retry policy shared by the four stage tasks: transient storage / Redis errors are retried with
exponential backoff; everything else is a bug and surfaces in the worker log."""

from __future__ import annotations

import redis

from shared.storage import TransientStorageError

TRANSIENT: tuple[type[BaseException], ...] = (
    TransientStorageError,
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}
