"""The Celery application shared by the services. Each worker consumes one queue:
    celery -A services.worker worker -Q ingest   (and ocr, parse, validate, report)

Scans go through ``ocr`` (services/ingest/ocr_tasks.py) on workers of their own, concurrency 1 by
default (JUESUAN_OCR_CONCURRENCY), with time limits scaled to their pages and passed per message.

Reliability: a task is acknowledged only after it finished (acks_late) and is given back to the
queue if its worker dies (reject_on_worker_lost); each worker takes one task at a time (prefetch
1); Redis redelivers unacknowledged tasks after the visibility timeout, set above the hard time
limit. A redelivered or duplicate task is skipped (services/stage.py: each stage runs once per
document). Bounds: a soft time limit fails the document with 处理超时, a hard limit kills the child;
each child's data segment is capped (MemoryError fails the document) and a child above the cap after
a task is replaced.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from services.observe import install_worker_hooks
from shared.messages import QUEUES  # ingest, ocr, parse, validate, report
from shared.settings import get_settings


def is_ocr_worker() -> bool:
    """This process is a worker of the ocr queue (``-Q ocr`` on its command line)."""
    from services.observe import service_name

    return service_name() == "worker-ocr"


def memory_limit_mb() -> int:
    """The data-segment cap of each worker child: OCR's models need more than the other stages."""
    s = get_settings()
    return s.ocr_worker_max_memory_mb if is_ocr_worker() else s.worker_max_memory_mb


def make_app() -> Celery:
    s = get_settings()
    app = Celery("juesuan", broker=s.redis_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": s.visibility_timeout_seconds},
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_soft_time_limit=s.task_soft_time_limit,
        task_time_limit=s.task_time_limit,
        worker_max_memory_per_child=memory_limit_mb() * 1024,  # KiB
        task_routes={f"juesuan.{q}": {"queue": q} for q in QUEUES},
        task_default_queue="ingest",
        worker_hijack_root_logger=False,
        imports=(
            "services.ingest.tasks",
            "services.ingest.ocr_tasks",
            "services.parse.tasks",
            "services.validate.tasks",
            "services.report.tasks",
        ),
    )
    return app


app = make_app()
install_worker_hooks(app)  # JSON logs with batch/doc/task/stage on every line; stage metrics in Redis


@worker_ready.connect
def _ensure_bucket(**_: object) -> None:
    """Workers may start before the api: create the bucket if it is missing."""
    from shared.storage import Storage, TransientStorageError

    try:
        Storage().ensure_bucket()
    except TransientStorageError as exc:  # storage not up yet: tasks retry with backoff
        logging.getLogger("juesuan.worker").warning("event=bucket_check_failed error=%s", exc)


@worker_process_init.connect
def _limit_memory(**_: object) -> None:
    """Cap each worker child's heap (RLIMIT_DATA covers malloc'd and anonymous mmap'd memory), so one
    huge document raises MemoryError in its own task instead of exhausting the machine."""
    import resource

    limit = memory_limit_mb() * 1024 * 1024
    if limit > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
