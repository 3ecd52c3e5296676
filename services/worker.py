"""The Celery application shared by the four services. Each worker consumes one queue:
    celery -A services.worker worker -Q ingest   (and parse, validate, report)

Reliability: a task is acknowledged only after it finished (acks_late) and is given back to the
queue if its worker dies (reject_on_worker_lost); each worker takes one task at a time (prefetch
1); Redis redelivers unacknowledged tasks after the visibility timeout, set above the longest task.
Stages are idempotent (same input → same object keys), so a redelivered task is harmless.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import worker_ready

from shared.settings import get_settings

QUEUES = ("ingest", "parse", "validate", "report")


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
        task_routes={f"juesuan.{q}": {"queue": q} for q in QUEUES},
        task_default_queue="ingest",
        worker_hijack_root_logger=False,
        imports=("services.ingest.tasks", "services.parse.tasks", "services.validate.tasks", "services.report.tasks"),
    )
    return app


app = make_app()


@worker_ready.connect
def _ensure_bucket(**_: object) -> None:
    """Workers may start before the api: create the bucket if it is missing."""
    from shared.storage import Storage, TransientStorageError

    try:
        Storage().ensure_bucket()
    except TransientStorageError as exc:  # storage not up yet: tasks retry with backoff
        logging.getLogger("juesuan.worker").warning("event=bucket_check_failed error=%s", exc)
