"""Ports: the small interfaces the application needs from the outside world, in domain words.

Adapters in src/adapters implement them; in-memory fakes in adapters/memory serve the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import AppliedListing, StoreAction
from bookbridge.domain.problems import Problem


@dataclass(frozen=True)
class SourceRead:
    """What one read of a catalogue source found.

    `delisted` are ISBNs the source withdrew (ONIX NotificationType 05): the application hides them,
    it never destroys products. `cursor` is opaque: pass it to the next `read` for a delta.
    """

    families: tuple[TitleFamily, ...]
    problems: tuple[Problem, ...] = ()
    delisted: tuple[ISBN13, ...] = ()
    cursor: str | None = None
    complete: bool = True  # a full catalogue (not a delta): editions it lacks are no longer in the source


@runtime_checkable
class CatalogSource(Protocol):
    """Where title metadata comes from (Consonance GraphQL, ONIX 3.0 feeds)."""

    name: str

    def read(self, cursor: str | None = None) -> SourceRead:
        """Read the families changed since `cursor` (everything when None). Must not write anything."""
        ...


class SourceUnreadable(Exception):
    """The source as a whole cannot be read: a file that is missing, not XML or not ONIX 3.0, a feed URL that
    fails, an API that refuses the key or stays unavailable. A bad record is not this: it is one of
    `SourceRead.problems`, and the rest of the source is still read. Adapters raise subclasses of it, with a
    message that names the source and the reason. `transient`: the same read may well succeed later as it is
    (the service was unavailable, a download timed out)."""

    transient: bool = False


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


@dataclass
class FixedClock:
    """A clock for tests and simulations: time moves only when told."""

    at: datetime
    history: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.at

    def advance_to(self, instant: datetime) -> None:
        self.history.append(self.at)
        self.at = instant


# --- storefronts --------------------------------------------------------------------------------------------


class StoreErrorKind(StrEnum):
    REJECTED = "rejected"  # the store refused the data (4xx): permanent until the data changes
    TRANSIENT = "transient"  # 5xx, timeouts, 429s past the retry bound
    CONFLICT = "conflict"  # a name, SKU or URL clash with a product bookbridge does not own


@dataclass(frozen=True)
class StoreError:
    kind: StoreErrorKind
    message: str
    field: str | None = None
    status: int | None = None


@dataclass(frozen=True)
class ActionOutcome:
    """The result of one StoreAction. `product_id` is the store's id once the product exists."""

    key: str
    ok: bool
    product_id: int | None = None
    error: StoreError | None = None
    calls: int = 0
    remote: Mapping[str, Any] | None = None  # store-side ids to keep with the applied record


@dataclass(frozen=True)
class StoredProduct:
    """A product as read back from the store, for reconciliation and drift detection."""

    product_id: int
    sku: str
    name: str
    is_visible: bool
    fields: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Storefront(Protocol):
    """A shop that lists products (BigCommerce; plugins add others)."""

    name: str

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        """Carry out the actions, idempotently: a retried create finds the existing product by SKU and never
        makes a duplicate. Returns one outcome per action, in order; never raises for a rejected item."""
        ...

    def read_back(self) -> Iterator[StoredProduct]:
        """Every product the store holds (paged), for reconciliation."""
        ...


@runtime_checkable
class ChannelPriced(Protocol):
    """A store that prices other currencies per channel (BigCommerce price lists): the sync tells it, before
    applying, which channels sell in each currency other than the store's default."""

    def price_channels(self, channels: Mapping[str, Sequence[int]]) -> None:
        ...


# --- exceptions -----------------------------------------------------------------------------------------------


class ExceptionKind(StrEnum):
    BLOCKING_READINESS = "blocking-readiness"
    STORE_REJECTION = "store-rejection"
    TRANSIENT_EXHAUSTED = "transient-exhausted"
    RIGHTS_CONFLICT = "rights-conflict"
    DRIFT = "drift"
    SOURCE_ERROR = "source-error"


@dataclass(frozen=True)
class SyncException:
    """One open (or resolved) problem a person should see. Deduplicated by (kind, isbn, storefront)."""

    id: int
    kind: ExceptionKind
    isbn: str | None
    storefront: str | None
    message: str
    field: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ExceptionQueue(Protocol):
    def report(
        self,
        kind: ExceptionKind,
        *,
        isbn: str | None,
        storefront: str | None,
        message: str,
        field: str | None = None,
        at: datetime,
    ) -> SyncException:
        """Open an exception, or bump the count and last-seen time of the open one with the same key."""
        ...

    def clear(self, *, isbn: str, storefront: str, at: datetime, kinds: Iterable[ExceptionKind] | None = None) -> int:
        """Resolve open exceptions for an edition that a later sync handled successfully. Returns how many."""
        ...

    def resolve(self, exception_id: int, *, note: str, at: datetime) -> SyncException:
        """Resolve by hand, with a note."""
        ...

    def open_items(self) -> list[SyncException]:
        ...


# --- sales ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesFact:
    """Units and net revenue for one ISBN, format, storefront and day."""

    isbn: str
    format: str
    storefront: str
    day: date
    quantity: int
    net_amount: Decimal
    currency: str


class SalesSink(Protocol):
    name: str

    def write(self, facts: Sequence[SalesFact]) -> None:
        """Deliver sales facts (the whole set for each day given, so a re-send replaces, never adds)."""
        ...


# --- runs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRun:
    id: int
    storefront: str
    started: datetime
    finished: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    outcome: str = "running"  # running, ok, failed, crashed


@dataclass(frozen=True)
class EditionOutcome:
    run_id: int
    key: str
    isbn: str | None
    action: str  # create, update, hide
    sections: tuple[str, ...]
    ok: bool
    error: str | None
    at: datetime


class RunLog(Protocol):
    """What each sync run did, edition by edition: for `bookbridge runs`, the dashboard and audits."""

    def start_run(self, storefront: str, *, at: datetime) -> SyncRun:
        ...

    def finish_run(self, run_id: int, *, at: datetime, counts: Mapping[str, int], outcome: str) -> SyncRun:
        ...

    def log_outcome(self, run_id: int, *, key: str, isbn: str | None, action: str, sections: Sequence[str],
                    ok: bool, error: str | None = None, at: datetime) -> EditionOutcome:
        ...

    def recent_runs(self, storefront: str | None = None, *, limit: int = 20) -> list[SyncRun]:
        ...

    def outcomes(self, run_id: int, *, isbn: str | None = None) -> list[EditionOutcome]:
        ...


# --- sync state -------------------------------------------------------------------------------------------------


class SyncState(Protocol):
    def applied(self, storefront: str) -> dict[str, AppliedListing]:
        ...

    def record_applied(self, storefront: str, listing: AppliedListing) -> None:
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

    def __enter__(self) -> UnitOfWork:
        ...

    def __exit__(self, *exc: object) -> None:
        ...

    def commit(self) -> None:
        ...

    def rollback(self) -> None:
        ...


# --- reachability (`bookbridge check`) ---------------------------------------------------------------------------


class ProbeStatus(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad-credentials"  # 401, or 403 on every call: the key or token is wrong or revoked
    MISSING_SCOPE = "missing-scope"  # 403 on one endpoint: the API account lacks a scope
    NOT_FOUND = "not-found"  # 404 on the base address: an unknown store hash or tenant
    UNREACHABLE = "unreachable"  # connection refused, DNS failure, timeout
    FAILED = "failed"  # any other unexpected answer


@dataclass(frozen=True)
class ProbeFinding:
    """One call made to an outside system to prove that bookbridge can use it; reads only, never writes."""

    target: str  # "BigCommerce store abc123", "Consonance https://..."
    call: str  # "GET /v3/channels"
    status: ProbeStatus
    message: str  # what happened, in words; never a secret
    fix: str | None = None  # what a person should do about it

    @property
    def ok(self) -> bool:
        return self.status is ProbeStatus.OK


@dataclass(frozen=True)
class StoreChannel:
    """A sales channel of the store (BigCommerce `GET /v3/channels`): what a storefront's `channel_id` names."""

    id: int
    name: str
    type: str = "storefront"
    platform: str = ""
    status: str = "active"


@dataclass(frozen=True)
class ProbeResult:
    findings: tuple[ProbeFinding, ...]
    channels: tuple[StoreChannel, ...] | None = None  # None: the adapter has no channels, or could not list them

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)


@runtime_checkable
class Probeable(Protocol):
    """An adapter that can prove it reaches its outside system with the configured credentials."""

    def probe(self) -> ProbeResult:
        """Make a few read-only calls and say, per call, what worked and what to fix. Never raises for an
        unreachable host or a refused credential (those are findings); never writes."""
        ...
