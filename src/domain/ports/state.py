"""What a sync remembers: runs, applied listings, and the unit of work around them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports.exceptions import ExceptionQueue
from bookbridge.domain.ports.storefront import CategoryKey

# The largest id, or count of rows to read, that the state's ports take: PostgreSQL's INTEGER (SQLite's is wider).
# An id or a limit past it names nothing the database holds; the CLI and the HTTP API refuse it at the edge.
MAX_INTEGER = 2**31 - 1

# --- runs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRun:
    id: int
    storefront: str
    started: datetime
    finished: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    outcome: str = "running"  # running, ok, failed, crashed
    what: str | None = None  # what the run was when not a sync of the store: "retry of exception 10"


@dataclass(frozen=True)
class EditionOutcome:
    run_id: int
    key: str
    isbn: str | None
    action: str  # create, update, hide; `retry`: what a retry did for its exception (`key` names it)
    sections: tuple[str, ...]
    ok: bool
    error: str | None
    at: datetime


class RunLog(Protocol):
    """What each sync run did, edition by edition: for `bookbridge runs`, the dashboard and audits."""

    def start_run(self, storefront: str, *, at: datetime, what: str | None = None) -> SyncRun:
        """A run of the store `storefront`; `what` it is when not a sync of the whole store (a retry)."""
        ...

    def finish_run(self, run_id: int, *, at: datetime, counts: Mapping[str, int], outcome: str) -> SyncRun:
        ...

    def log_outcome(self, run_id: int, *, key: str, isbn: str | None, action: str, sections: Sequence[str],
                    ok: bool, error: str | None = None, at: datetime) -> EditionOutcome:
        ...

    def recent_runs(self, storefront: str | None = None, *, limit: int = 20) -> list[SyncRun]:
        ...

    def outcomes(self, run_id: int, *, isbn: str | None = None, key: str | None = None) -> list[EditionOutcome]:
        """A run's outcomes in the order they were logged; `isbn` narrows to one edition, `key` to one key (a
        listing's, or a retried exception's: `application.sync.retry_key`)."""
        ...


# --- sync state -------------------------------------------------------------------------------------------------


class SyncState(Protocol):
    def applied(self, storefront: str, *, desired: Mapping[str, StoreListing] | None = None
                ) -> dict[str, AppliedListing]:
        """Every applied listing of `storefront`. `desired` (planning's listings by key) lets a store skip reading
        payloads it already has: a record whose section hashes are exactly its desired listing's (and whose
        every section has a payload) may hold that listing's hashes and payloads (`plan.same_sections`,
        `plan.ListingPayloads`), since equal section hashes are equal payloads. The records are equal either way."""
        ...

    def record_applied(self, storefront: str, listing: AppliedListing, *,
                       previous: AppliedListing | None = None) -> None:
        """Record `listing` as applied. `previous`, when given, is what this state last recorded for the key (as
        the caller read or recorded it): a section with the same hash, held or not, is then not written again."""
        ...

    def record_applied_many(self, storefront: str,
                            records: Sequence[tuple[AppliedListing, AppliedListing | None]]) -> None:
        """`record_applied(listing, previous=previous)` for each (listing, previous) of distinct keys, at once
        (a sync records a batch's outcomes together)."""
        ...

    def cursor(self, source: str) -> str | None:
        ...

    def set_cursor(self, source: str, cursor: str | None) -> None:
        ...

    def catalogue(self, source: str) -> dict[str, TitleFamily]:
        """The families last read from `source`, with deltas merged: every run plans over all of them."""
        ...

    def save_catalogue(self, source: str, families: Mapping[str, TitleFamily]) -> None:
        ...

    def generation(self, storefront: str, source: str) -> int:
        """A number that changes whenever, in any process, the applied listings of `storefront` or the stored
        catalogue or cursor of `source` are written (`record_applied`, `record_applied_many`, `save_catalogue`,
        `set_cursor`, committed or not by this unit of work): a plan made from them, ahead of its instant, is
        stale once it differs. One cheap read."""
        ...


class CategoryIds(Protocol):
    """The category ids a store's categories were made under, per (channel, path): kept in the sync state."""

    def known(self, store: str) -> dict[CategoryKey, int]:
        ...

    def record(self, store: str, ids: Mapping[CategoryKey, int]) -> None:
        ...


class UnitOfWork(Protocol):
    """One transaction over the sync state and the exception queue."""

    @property
    def state(self) -> SyncState:
        ...

    @property
    def exceptions(self) -> ExceptionQueue:
        ...

    @property
    def runs(self) -> RunLog:
        ...

    @property
    def categories(self) -> CategoryIds:
        ...

    def __enter__(self) -> UnitOfWork:
        ...

    def __exit__(self, *exc: object) -> None:
        ...

    def commit(self) -> None:
        ...

    def rollback(self) -> None:
        ...
