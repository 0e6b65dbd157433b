"""The listing memos of a running service: one per store, owned by whoever builds the service (the container),
passed to the sync use cases. A memo is a planning cache (`bookbridge.domain.listing.ListingMemo`): losing it
costs one full build, never a wrong plan."""

from __future__ import annotations

from threading import Lock

from bookbridge.domain.listing import ListingMemo


class ListingMemos:
    """One `ListingMemo` per store name. Plans of one store are serialised by its lease; the lock only guards
    the dict when two stores plan at once."""

    def __init__(self) -> None:
        self._memos: dict[str, ListingMemo] = {}
        self._lock = Lock()

    def for_store(self, store: str) -> ListingMemo:
        with self._lock:
            memo = self._memos.get(store)
            if memo is None:
                memo = self._memos[store] = ListingMemo()
            return memo
