"""What the HTTP app needs from the running service (the scheduler), as a Protocol.

`bookbridge serve` passes its Service, which implements it; tests pass a small fake. The app never imports the
scheduler itself, so it can run (and be tested) without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class UpcomingJob:
    """A job the scheduler will run: a periodic job's next run, or a precise launch or campaign flip."""

    id: str
    kind: str  # "delta-sync", "order-import", "reconcile", "retry-transient", "launch", "campaign", ...
    run_at: datetime  # UTC
    store: str | None = None
    detail: str = ""  # what will change, in words: "9781234567897 goes on sale", "campaign ends", ...


class ServiceHooks(Protocol):
    def scheduler_running(self) -> bool:
        """True while the scheduler is started and not shutting down (`/readyz`)."""
        ...

    def trigger_sync(self, *, store: str | None = None, full: bool = False) -> str:
        """Queue a sync to run now (in the scheduler, under the store's lease). Returns the job id."""
        ...

    def trigger_order_import(self) -> str:
        """Queue an order import to run now (a `store/order/*` webhook calls this). Returns the job id."""
        ...

    def upcoming(self, *, limit: int = 50) -> list[UpcomingJob]:
        """The next jobs by run time, earliest first."""
        ...
