"""Logs and metrics of the Celery workers, hooked in through Celery's signals.

    install_worker_hooks(app)     # in services/worker.py, after the app is made

- ``setup_logging``: Celery does not configure logging itself (connecting this signal is how one
  tells it so); every line becomes JSON (shared/logs.py) with service ``worker-<queue>``.
- ``worker_process_init``: the same in each pool child process, and a fresh Redis client there.
- ``task_prerun``: binds batch, doc, task (the task id) and stage (juesuan.parse → parse) from the
  task's message, so every line the task logs carries them.
- ``task_postrun``: logs the task's duration and outcome and counts it in
  ``juesuan_stage_duration_seconds`` (shared/metrics.py); a metrics failure never fails a task.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from typing import Any

import redis
from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init

from shared import logs, metrics

log = logging.getLogger("juesuan.observe")

_running: dict[str, tuple[float, Any, str, bool]] = {}  # task id → (t0, context token, stage, input failed)
_redis: tuple[int, redis.Redis] | None = None
_service: str | None = None
_level: str | int = os.environ.get("JUESUAN_LOG_LEVEL", "INFO")


def service_name(argv: list[str] | None = None) -> str:
    """worker-<queue> from the worker's command line (-Q/--queues, else -n queue@host), else the host."""
    argv = list(sys.argv if argv is None else argv)
    if os.environ.get("JUESUAN_SERVICE"):
        return os.environ["JUESUAN_SERVICE"]
    for i, a in enumerate(argv):
        for flag in ("-Q", "--queues", "-n", "--hostname"):
            val = None
            if a == flag and i + 1 < len(argv):
                val = argv[i + 1]
            elif a.startswith(flag + "=") or (
                flag in ("-Q", "-n") and a.startswith(flag) and len(a) > len(flag)
            ):
                val = a[len(flag) :].lstrip("=")
            if val:
                name = val.split("@", 1)[0].split(",", 1)[0]
                if name and "%" not in name:
                    return f"worker-{name}"
    return f"worker-{socket.gethostname()}"


def stage_of(task_name: str | None) -> str:
    """juesuan.parse → parse."""
    return (task_name or "").rsplit(".", 1)[-1]


def _message(args: Any, kwargs: Any) -> dict:
    if args and isinstance(args[0], dict):
        return args[0]
    if isinstance(kwargs, dict):
        for v in kwargs.values():
            if isinstance(v, dict) and "batch_id" in v:
                return v
    return {}


def _client() -> redis.Redis:
    """One Redis client per process (a forked pool child must not share its parent's sockets)."""
    global _redis
    if _redis is None or _redis[0] != os.getpid():
        from shared.settings import get_settings

        _redis = (
            os.getpid(),
            redis.Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2),
        )
    return _redis[1]


def outcome_of(state: str | None, stage: str, input_failed: bool, retval: Any) -> str:
    """ok, failed (the document failed in this stage), skipped (failed upstream, passed through),
    dropped (the task returned None: the document was finished or running elsewhere), retry, error."""
    if state == "RETRY":
        return "retry"
    if state != "SUCCESS":
        return "error"
    if retval is None:
        return "dropped"
    if input_failed and stage != "report":
        return "skipped"
    if isinstance(retval, dict) and retval.get("failed") and not input_failed:
        return "failed"
    return "ok"


# ------------------------------------------------------------------------------------ receivers
def _on_setup_logging(loglevel: Any = None, **_: Any) -> None:
    global _level
    if loglevel:
        _level = loglevel
    logs.configure(_service or service_name(), _level)


def _on_process_init(**_: Any) -> None:
    global _redis
    _redis = None
    logs.configure(_service or service_name(), _level)


def _on_prerun(
    task_id: str | None = None, task: Any = None, args: Any = None, kwargs: Any = None, **_: Any
) -> None:
    stage = stage_of(getattr(task, "name", None))
    msg = _message(args, kwargs)
    token = logs.bind(batch=msg.get("batch_id"), doc=msg.get("doc_id"), task=task_id, stage=stage)
    _running[str(task_id)] = (time.perf_counter(), token, stage, bool(msg.get("failed")))


def _on_postrun(
    task_id: str | None = None, task: Any = None, retval: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _running.pop(str(task_id), None)
    if started is None:
        return
    t0, token, stage, input_failed = started
    seconds = time.perf_counter() - t0
    outcome = outcome_of(state, stage, input_failed, retval)
    try:
        log.info(
            "event=task_done",
            extra={"duration_ms": round(seconds * 1000, 1), "outcome": outcome, "state": state},
        )
        try:
            metrics.record_stage(_client(), stage, seconds, outcome)
        except Exception as exc:  # noqa: BLE001  (metrics must never fail a task)
            log.warning("event=metrics_write_failed error=%s", exc)
    finally:
        try:
            logs.reset(token)
        except (ValueError, RuntimeError):  # token of another context, or used already: just clear
            logs.clear()


def install_worker_hooks(celery_app: Celery, service: str | None = None) -> None:
    """Connect the receivers (idempotent: Celery's signals ignore a receiver connected twice)."""
    global _service
    _service = service or _service
    celery_app.conf.worker_hijack_root_logger = False
    setup_logging.connect(_on_setup_logging, weak=False, dispatch_uid="juesuan.observe.setup_logging")
    worker_process_init.connect(_on_process_init, weak=False, dispatch_uid="juesuan.observe.process_init")
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="juesuan.observe.prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="juesuan.observe.postrun")


__all__ = ["install_worker_hooks", "outcome_of", "service_name", "stage_of"]
