"""The exception queue in memory, with the same dedup and auto-resolve rules as the SQL adapter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from bookbridge.domain.ports import ExceptionKind, ExceptionQueue, SyncException


class InMemoryExceptionQueue(ExceptionQueue):
    def __init__(self) -> None:
        self.items: dict[int, SyncException] = {}
        self._next_id = 1

    def _find_open(self, kind: ExceptionKind, isbn: str | None, storefront: str | None) -> SyncException | None:
        return next(
            (
                e
                for e in self.items.values()
                if e.is_open and (e.kind, e.isbn, e.storefront) == (kind, isbn, storefront)
            ),
            None,
        )

    def _last_resolved(self, kind: ExceptionKind, isbn: str | None, storefront: str | None) -> SyncException | None:
        found = [e for e in self.items.values() if (e.kind, e.isbn, e.storefront) == (kind, isbn, storefront)]
        return max(found, key=lambda e: e.id, default=None)

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
        existing = self._find_open(kind, isbn, storefront)
        if existing is not None:
            updated = replace(existing, count=existing.count + 1, last_seen=at, message=message, field=field)
            self.items[existing.id] = updated
            return updated
        resolved = self._last_resolved(kind, isbn, storefront)
        if resolved is not None:  # the same problem again: it reopens under its own id
            reopened = replace(resolved, count=resolved.count + 1, last_seen=at, message=message, field=field,
                               resolved_at=None, resolution=None)
            self.items[resolved.id] = reopened
            return reopened
        item = SyncException(
            id=self._next_id,
            kind=kind,
            isbn=isbn,
            storefront=storefront,
            message=message,
            field=field,
            count=1,
            first_seen=at,
            last_seen=at,
        )
        self.items[item.id] = item
        self._next_id += 1
        return item

    def clear(self, *, isbn: str, storefront: str, at: datetime, kinds: Iterable[ExceptionKind] | None = None) -> int:
        wanted = set(kinds) if kinds is not None else None
        cleared = 0
        for item in list(self.items.values()):
            if (
                item.is_open
                and item.isbn == isbn
                and item.storefront == storefront
                and (wanted is None or item.kind in wanted)
            ):
                self.items[item.id] = replace(item, resolved_at=at, resolution="resolved by a later successful sync")
                cleared += 1
        return cleared

    def resolve(self, exception_id: int, *, note: str, at: datetime) -> SyncException:
        item = self.items.get(exception_id)
        if item is None:
            raise KeyError(f"no exception with id {exception_id}")
        resolved = replace(item, resolved_at=at, resolution=note)
        self.items[exception_id] = resolved
        return resolved

    def get(self, exception_id: int) -> SyncException:
        item = self.items.get(exception_id)
        if item is None:
            raise KeyError(f"no exception with id {exception_id}")
        return item

    def open_items(self) -> list[SyncException]:
        return sorted((e for e in self.items.values() if e.is_open), key=lambda e: e.id)
