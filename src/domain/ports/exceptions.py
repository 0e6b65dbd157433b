"""The exception queue: every failure, named by edition, field and reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

# --- exceptions -----------------------------------------------------------------------------------------------


class ExceptionKind(StrEnum):
    BLOCKING_READINESS = "blocking-readiness"
    STORE_REJECTION = "store-rejection"
    TRANSIENT_EXHAUSTED = "transient-exhausted"
    RIGHTS_CONFLICT = "rights-conflict"
    DRIFT = "drift"
    SOURCE_ERROR = "source-error"
    UNMAPPED_SUBJECT = "unmapped-subject"  # non-blocking: a subject code the category mapping does not cover
    # The store refused bookbridge's credentials (a wrong or revoked token, an API account without a scope): one per
    # store, never per edition; the next sync whose write the store accepts resolves it.
    CREDENTIALS_REFUSED = "credentials-refused"
    # A milestone action the edition as the catalogue has it rules out (withdrawn, no publication date): no store
    # refused anything.
    ACTION_NOT_POSSIBLE = "action-not-possible"
    ISBN_CHANGED = "isbn-changed"  # a record's ISBN changed in the source: its product is held as it is


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
        """Open an exception, or bump the count and last-seen time of the open one with the same key; a resolved
        one with the same key that is reported again reopens under its own id."""
        ...

    def clear(self, *, isbn: str, storefront: str, at: datetime, kinds: Iterable[ExceptionKind] | None = None) -> int:
        """Resolve open exceptions for an edition that a later sync handled successfully. Returns how many."""
        ...

    def resolve(self, exception_id: int, *, note: str, at: datetime) -> SyncException:
        """Resolve by hand, with a note."""
        ...

    def get(self, exception_id: int) -> SyncException:
        """One exception, open or resolved (`exceptions show`); KeyError naming the id when there is none."""
        ...

    def open_items(self) -> list[SyncException]:
        ...
