"""The store: applying planned actions, reading products back, and reachability checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from bookbridge.domain.adoption import StoredProduct as StoredProduct  # the port returns it
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.plan import StoreAction

# --- storefronts --------------------------------------------------------------------------------------------


class StoreErrorKind(StrEnum):
    REJECTED = "rejected"  # the store refused the data (4xx): permanent until the data changes
    TRANSIENT = "transient"  # 5xx, timeouts, 429s past the retry bound
    CONFLICT = "conflict"  # a name, SKU or URL clash with a product bookbridge does not own
    # The store refused the credentials (401), or the API account may not use the resource (403): every call fails
    # the same way until a person fixes the configuration; the whole store's failure, never an edition's.
    CREDENTIALS = "credentials"


@dataclass(frozen=True)
class StoreError:
    kind: StoreErrorKind
    message: str
    field: str | None = None
    status: int | None = None


class StoreUnreadable(Exception):
    """The store could not be read (`Storefront.read_back`, `find_by_skus`): `error` says why, as an action's
    failure says it. `StoreErrorKind.CREDENTIALS`: it refused the credentials (every call fails the same way until
    a person fixes the configuration); `TRANSIENT`: it did not answer, or stayed busy, past the retries."""

    def __init__(self, error: StoreError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class ActionOutcome:
    """The result of one StoreAction. `product_id` is the store's id once the product exists."""

    key: str
    ok: bool
    product_id: int | None = None
    error: StoreError | None = None
    calls: int = 0
    remote: Mapping[str, Any] | None = None  # store-side ids to keep with the applied record
    # The product exists (its ids are in `product_id` and `remote`) but some writes wait in the store's buffers
    # (`Buffering`): the action is not applied until `flush` reports its final outcome.
    pending: bool = False


@runtime_checkable
class Storefront(Protocol):
    """A shop that lists products (BigCommerce; plugins add others)."""

    name: str

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        """Carry out the actions, idempotently: a retried create finds the existing product by SKU and never
        makes a duplicate. Returns one outcome per action, in order; never raises for a rejected item."""
        ...

    def read_back(self) -> Iterator[StoredProduct]:
        """Every product the store holds (paged), for reconciliation. Raises `StoreUnreadable` when the store
        refuses the credentials or does not answer."""
        ...

    def find_by_skus(self, skus: Sequence[str]) -> list[StoredProduct]:
        """The products the store holds under any of these SKUs (case-insensitive), with their current fields:
        what adopting an existing shop compares the catalogue with. Reads only; an unknown SKU is simply absent.
        Raises `StoreUnreadable` as `read_back` does.

        This default reads every product back; a store that can look SKUs up (BigCommerce's `sku:in`) does so."""
        wanted = {sku.casefold() for sku in skus}
        return [p for p in self.read_back() if p.sku.casefold() in wanted] if wanted else []


@runtime_checkable
class ChannelPriced(Protocol):
    """A store that prices other currencies per channel (BigCommerce price lists): the sync tells it, before
    applying, which channels sell in each currency other than the store's default."""

    def price_channels(self, channels: Mapping[str, Sequence[int]]) -> None:
        ...


@runtime_checkable
class Buffering(Protocol):
    """A store that gathers some writes (channel assignments, price-list records) across `apply` calls, to send
    them in the largest batches its API accepts. `apply` answers `pending=True` for an action whose buffered
    writes are not sent yet; `flush` sends what is due and returns those actions' final outcomes."""

    def begin(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> None:
        """A sync run starts with these actions: forget the last run's buffers and what was learned of the
        store, which may have changed since."""
        ...

    def flush(self, *, final: bool, every: bool = False) -> list[ActionOutcome]:
        """Send the buffers that are full (every buffer when `final` or `every`); one outcome per action no
        longer pending, in any order. Never raises for a rejected item. `final` ends the run (later `apply`
        calls send their writes before they return); `every` does not: the run goes on buffering."""
        ...


# (channel id, category path): a category in the tree of one channel's storefront
CategoryKey = tuple[int, tuple[str, ...]]


@runtime_checkable
class CategoryMaking(Protocol):
    """A store that files products under categories it makes (BigCommerce's category trees, one per channel): the
    sync gives it the category ids the state keeps, and keeps the ids it made or found."""

    def use_categories(self, known: Mapping[CategoryKey, int]) -> None:
        ...

    def categories_made(self) -> dict[CategoryKey, int]:
        """The ids resolved since `use_categories` that it did not give, or that differ from those it gave."""
        ...


@runtime_checkable
class RelatedLinking(Protocol):
    """A store that links related products by store id and keeps the ids it wrote in the applied record's `remote`
    (domain/related.py): the sync writes again the products whose links went stale. Stores without it are not."""

    links_related_products: bool


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

    target: str  # "BigCommerce store hash abc123", "Consonance https://..."
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
