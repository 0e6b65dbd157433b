"""Sync state and unit of work in memory. Commit copies the working state; rollback discards it."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

from bookbridge.adapters.memory.exceptions import InMemoryExceptionQueue
from bookbridge.adapters.memory.outbox import InMemoryOutbox
from bookbridge.adapters.memory.runs import InMemoryRunLog
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CategoryKey, SyncState


class InMemorySyncState(SyncState):
    def __init__(self) -> None:
        self.listings: dict[str, dict[str, AppliedListing]] = {}
        self.cursors: dict[str, str | None] = {}
        self.catalogues: dict[str, dict[str, TitleFamily]] = {}
        self.generations: dict[str, int] = {}  # "applied:<storefront>", "source:<source>" -> writes so far

    def applied(self, storefront: str, *, desired: Mapping[str, StoreListing] | None = None
                ) -> dict[str, AppliedListing]:
        """The records as recorded (`desired` is not needed: a record holds its payloads or its listing)."""
        return dict(self.listings.get(storefront, {}))

    def record_applied(self, storefront: str, listing: AppliedListing, *,
                       previous: AppliedListing | None = None) -> None:
        self._bump(f"applied:{storefront}")
        self.listings.setdefault(storefront, {})[listing.key] = listing

    def record_applied_many(self, storefront: str,
                            records: Sequence[tuple[AppliedListing, AppliedListing | None]]) -> None:
        for listing, previous in records:
            self.record_applied(storefront, listing, previous=previous)

    def cursor(self, source: str) -> str | None:
        return self.cursors.get(source)

    def set_cursor(self, source: str, cursor: str | None) -> None:
        self._bump(f"source:{source}")
        self.cursors[source] = cursor

    def catalogue(self, source: str) -> dict[str, TitleFamily]:
        return dict(self.catalogues.get(source, {}))

    def save_catalogue(self, source: str, families: Mapping[str, TitleFamily]) -> None:
        self._bump(f"source:{source}")
        self.catalogues[source] = dict(families)

    def generation(self, storefront: str, source: str) -> int:
        return self.generations.get(f"applied:{storefront}", 0) + self.generations.get(f"source:{source}", 0)

    def _bump(self, scope: str) -> None:
        self.generations[scope] = self.generations.get(scope, 0) + 1


class InMemoryCategoryIds:
    """Category ids per store, keyed by (channel id, category path)."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[CategoryKey, int]] = {}

    def known(self, store: str) -> dict[CategoryKey, int]:
        return dict(self.ids.get(store, {}))

    def record(self, store: str, ids: Mapping[CategoryKey, int]) -> None:
        self.ids.setdefault(store, {}).update(ids)


class InMemoryUnitOfWork:  # a UnitOfWork (structurally: its repositories are plain attributes)
    def __init__(self) -> None:
        self.committed_state = InMemorySyncState()
        self.committed_exceptions = InMemoryExceptionQueue()
        self.committed_runs = InMemoryRunLog()
        self.committed_outbox = InMemoryOutbox()
        self.committed_categories = InMemoryCategoryIds()
        self.categories = InMemoryCategoryIds()
        self.state = InMemorySyncState()
        self.exceptions = InMemoryExceptionQueue()
        self.runs = InMemoryRunLog()
        self.outbox = InMemoryOutbox()
        self.commits = 0

    def __enter__(self) -> InMemoryUnitOfWork:
        self.state = copy.deepcopy(self.committed_state)
        self.exceptions = copy.deepcopy(self.committed_exceptions)
        self.runs = copy.deepcopy(self.committed_runs)
        self.outbox = copy.deepcopy(self.committed_outbox)
        self.categories = copy.deepcopy(self.committed_categories)
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.committed_state = copy.deepcopy(self.state)
        self.committed_exceptions = copy.deepcopy(self.exceptions)
        self.committed_runs = copy.deepcopy(self.runs)
        self.committed_outbox = copy.deepcopy(self.outbox)
        self.committed_categories = copy.deepcopy(self.categories)
        self.commits += 1

    def rollback(self) -> None:
        self.state = copy.deepcopy(self.committed_state)
        self.exceptions = copy.deepcopy(self.committed_exceptions)
        self.runs = copy.deepcopy(self.committed_runs)
        self.outbox = copy.deepcopy(self.committed_outbox)
        self.categories = copy.deepcopy(self.committed_categories)
