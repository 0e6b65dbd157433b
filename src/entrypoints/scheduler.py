"""The scheduler: APScheduler 3, its jobs kept in the state database, each job a thin module-level function.

Jobs are pickled into the `scheduler_jobs` table (Alembic creates it; `SQLAlchemyJobStore` finds it), so they
survive a restart: a job stores only its function's import path and plain-text arguments, and resolves the
running `Service` when it fires (stable ids, use case resolved at run time). Every body runs under a lease
named per store and job; a job that finds its lease busy logs and returns (a launch tries again shortly).

Job ids:
- `delta-sync:{store}`, `order-import`, `reconcile:{store}`, `retry-transient:{store}`: the periodic jobs;
- `launch:{store}:{instant}`: a one-off sync at a launch or campaign instant (kind and detail in its kwargs);
- `sync-now:{store}`, `order-import-now`: run at once (the HTTP API's triggers, the order webhook).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

if TYPE_CHECKING:
    from bookbridge.entrypoints.service import Service

logger = logging.getLogger(__name__)
JOBS_TABLE = "scheduler_jobs"  # migration 0004
MISFIRE_GRACE_S = 300  # a periodic job more than 5 minutes late is skipped; the next one comes soon
WORKERS = 4
_service: Service | None = None


class SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job table, shared by every instance on the database. APScheduler 3 assumes one scheduler per store:
    after running a job it updates or removes the row, and a row another instance already removed raises
    JobLookupError inside the scheduler's loop, which would stop it. Here that is the expected outcome."""

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            logger.info("job %s was already removed by another instance", job.id)

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            logger.info("job %s was already removed by another instance", job_id)


def make_scheduler(engine: Engine) -> BackgroundScheduler:
    """A scheduler on the state database. Jobs coalesce (a backlog of missed runs runs once) and never overlap
    themselves in this process (max_instances=1); leases keep instances from overlapping."""
    return BackgroundScheduler(
        jobstores={"default": SharedJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        timezone=UTC,
    )


def attach(service: Service | None) -> None:
    """The service whose container the jobs use; `Service.start` attaches itself, `shutdown` detaches."""
    global _service
    _service = service


def _running() -> Service | None:
    if _service is None:
        logger.warning("a scheduled job fired with no running service; skipped")
    return _service


def launch_job_id(store: str, instant: datetime) -> str:
    return f"launch:{store}:{instant.astimezone(UTC).isoformat()}"


# --- job bodies: picklable by reference, arguments are plain text -------------------------------------------


def delta_sync(store: str) -> None:
    if (service := _running()) is not None:
        service.run_sync(store, reason="delta-sync")


def sync_now(store: str, full: bool = False) -> None:
    if (service := _running()) is not None:
        service.run_sync(store, full=full, reason="triggered")


def launch(store: str, instant: str, kind: str = "launch", detail: str = "", attempt: int = 0) -> None:
    """A precise sync at a launch or campaign instant; `kind` and `detail` are for display."""
    if (service := _running()) is not None:
        service.run_launch(store, datetime.fromisoformat(instant), kind=kind, detail=detail, attempt=attempt)


def reconcile(store: str) -> None:
    if (service := _running()) is not None:
        service.run_reconcile(store)


def retry_transient(store: str) -> None:
    if (service := _running()) is not None:
        service.run_retry_transient(store)


def order_import() -> None:
    if (service := _running()) is not None:
        service.run_order_import()
