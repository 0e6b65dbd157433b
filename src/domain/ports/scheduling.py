"""What the scheduled use cases need from the running service, and what the HTTP app asks of it, as ports.

The service (`bookbridge.entrypoints.service`) implements `ServiceHooks` over APScheduler and `LaunchSchedule`
over its job store; the container provides `OpenLease` over the state database. Use cases and the HTTP app see
only these Protocols, so they run (and are tested) without a scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class UpcomingJob:
    """A job the scheduler will run: a periodic job's next run, or a precise launch or campaign flip."""

    id: str
    kind: str  # "delta-sync", "order-import", "reconcile", "retry-transient", "launch", "campaign", ...
    run_at: datetime  # UTC
    store: str | None = None
    detail: str = ""  # what will change, in words: "9781234567897 goes on sale", "campaign ends", ...


# A job's kind in words, as the service's log lines, the dashboard's "Scheduled jobs" and `bookbridge jobs` say it
# (JSON keeps the kind's code): a launch and a campaign (a job at an instant's kinds) are words already.
JOB_KIND_WORDS = {"delta-sync": "delta sync", "sync": "sync asked for", "order-import": "order import",
                  "reconcile": "reconcile", "retry-transient": "retry of transient failures"}


def job_kind_words(kind: str) -> str:
    """`delta-sync` -> "delta sync", `retry-transient` -> "retry of transient failures"; `launch` as it is."""
    return JOB_KIND_WORDS.get(kind, kind)


class ServiceHooks(Protocol):
    def scheduler_running(self) -> bool:
        """True while the scheduler is started and not shutting down (`/readyz`)."""
        ...

    def trigger_sync(self, *, store: str | None = None, full: bool = False, isbn: str | None = None,
                     retry_of: int | None = None) -> str:
        """Queue a sync to run now (in the scheduler, under the store's lease). Returns the job id. With `isbn`,
        only that edition's product is sent (`application.sync.retry_edition`). `retry_of`: the exception this
        sync retries; its run says so (`retry of exception 10`), as `bookbridge exceptions retry`'s does."""
        ...

    def trigger_order_import(self) -> str:
        """Queue an order import to run now (a `store/order/*` webhook calls this). Returns the job id."""
        ...

    def trigger_delivery(self, sink: str) -> str:
        """Queue the sending of the sales sink named `sink` its pending days, reading no order (the retry of its
        exception), under the order import's lease. Returns the job id."""
        ...

    def upcoming(self, *, limit: int = 50) -> list[UpcomingJob]:
        """The next jobs by run time, earliest first."""
        ...


class HeldLease(Protocol):
    """A lease as `OpenLease` yields it: true when it was taken; `renew()` is False once it was lost."""

    def __bool__(self) -> bool: ...

    def renew(self) -> bool: ...


class OpenLease(Protocol):
    """`with open_lease("sync:uk", holder, ttl) as held:` skip the work unless `held`; released on exit."""

    def __call__(self, name: str, holder: str, ttl: timedelta, /) -> AbstractContextManager[HeldLease]: ...


class LaunchSchedule(Protocol):
    """The jobs at an instant (one-off syncs at launches and campaign flips), as the scheduler keeps them."""

    def replace_launches(self, store: str, launches: Mapping[datetime, tuple[str, str]]) -> list[str]:
        """Keep exactly these jobs at an instant for `store` (instant -> kind, detail), retries aside; their
        ids."""
        ...

    def retry_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int,
                     at: datetime) -> None:
        """Run the launch at `instant` again at `at` (its store was busy); `attempt` counts from 1."""
        ...

    def ensure_launch(self, store: str, instant: datetime, *, kind: str, detail: str) -> str:
        """A job at `instant` (a launch) unless one is there already; its id."""
        ...
