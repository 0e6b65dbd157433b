"""The listing memo: one store's listings of its last plan, per family, to reuse in its next plan."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.values import StoreListing
from bookbridge.domain.model import TitleFamily


def _fingerprint(family: TitleFamily) -> bytes:
    return hashlib.sha256(family.model_dump_json().encode()).digest()


class MemoEntry:
    __slots__ = ("_fingerprint", "built_at", "context", "family", "listings", "until")

    def __init__(self, family: TitleFamily, listings: list[StoreListing], built_at: datetime,
                 context: tuple[Any, ...]) -> None:
        self.context = context  # the settings it was built under (the memo's canonical object for them)
        self.family = family  # what it was built from (frozen all the way down)
        self._fingerprint: bytes | None = None  # the family's, computed when first compared (see ListingMemo)
        self.listings = listings  # before names are made unique store-wide (that depends on other families)
        self.built_at = built_at
        self.until = min((li.next_change for li in listings if li.next_change is not None), default=None)

    def built_from(self, family: TitleFamily) -> bool:
        """Whether `family` has the content this entry was built from: the same (frozen) object, or the same
        fingerprint. On a match the entry keeps `family`, so that the next plan may find it by identity."""
        if family is self.family:
            return True
        if self._fingerprint is None:
            self._fingerprint = _fingerprint(self.family)
        if _fingerprint(family) != self._fingerprint:
            return False
        self.family = family
        return True


class ListingMemo:
    """The listings of one store's last plan, per family, to reuse in its next plan, and the caches its builds
    share (`ListingCaches`).

    A family's listings are a pure function of the family, the storefronts, the mapping, the store and the
    instant, and they change with the instant only at their `next_change` (a launch, a campaign edge, a
    restriction's start or end). So a family whose content is unchanged (the same frozen object, or the same
    fingerprint, a SHA-256 of its canonical JSON), planned with the same storefronts and mapping at an instant
    from the one it was built at up to (not including) its earliest `next_change`, has exactly the listings
    built last time: they are reused. Any other family is built again. Holds one plan's listings; whoever plans
    keeps one memo per store for as long as it likes (the application's `ListingMemos`): nothing in it is state
    that must persist.

    Fingerprints are taken only when needed: a plan that reuses nothing (the first of a process) takes none, a
    family that is the very object it was built from needs none (a catalogue kept in memory), and an entry
    fingerprints the family it was built from the first time it is compared with another object.
    """

    def __init__(self) -> None:
        self.context: tuple[Any, ...] | None = None
        self.entries: dict[str, MemoEntry] = {}
        self.caches = ListingCaches()
        self.reused = 0  # families reused by the last plan (for tests and benchmarks)

    def start(self, context: tuple[Any, ...]) -> tuple[Any, ...]:
        """Begin a plan under `context` (storefronts, mapping, store); returns the canonical object for it, which
        the plan passes to `reuse`. Entries built under other settings (another object) are never reused, even
        if two plans with different settings overlap."""
        if context != self.context:
            self.context = context
        self.reused = 0
        return self.context

    def forget(self) -> None:
        """Build every family again on the next plan (a full sync starts over)."""
        self.context, self.entries = None, {}

    def reuse(self, family: TitleFamily, at: datetime, context: tuple[Any, ...]) -> MemoEntry | None:
        """The family's entry if its listings at `at` are those built last time; None to build them again."""
        entry = self.entries.get(family.id)
        if (entry is None or entry.context is not context or at < entry.built_at
                or (entry.until is not None and at >= entry.until) or not entry.built_from(family)):
            return None
        self.reused += 1
        return entry
