"""What bookbridge last applied to the store, one record per product key, and what the source records it was
written for tell: a record whose ISBN changed in the source (`isbn_changes`) is told from an edition that left the
catalogue. Planning (`plan.plan_changes`) diffs the desired listings against these records.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field, replace
from typing import Any

from bookbridge.domain.listing import Section, StoreListing, section_payloads

# Every section, in order. Iterating an Enum class is slow (a generator over its member names): planning
# 100,000 products does it once per product.
SECTIONS: tuple[Section, ...] = tuple(Section)
_SECTION_SET = frozenset(SECTIONS)


@dataclass(frozen=True, slots=True)
class AppliedListing:
    """What bookbridge last applied for one product key on one storefront.

    A running service holds one per product (the in-memory state, or what the SQL state store read): the payloads
    are computed or decoded when a section is read (`ListingPayloads` here; the SQL state store keeps them packed),
    and the hashes of a record made by `applied_after` are the listing's own (shared, never modified).
    """

    key: str
    hashes: Mapping[Section, str]
    visible: bool = True
    product_id: int | None = None
    payloads: Mapping[Section, Mapping[str, Any]] = field(default_factory=dict)
    remote: Mapping[str, Any] = field(default_factory=dict)  # store-side ids the store adapter keeps
    # Sections under the `report` drift policy whose store-side edit is still open: never overwritten until a
    # person resolves the DRIFT exception.
    held: frozenset[Section] = frozenset()
    # The source record the product was last written for (`StoreListing.record`): how a record whose ISBN changed
    # is told from an edition that left the catalogue. None: a family product, or recorded before records were kept.
    record: str | None = None


class ListingPayloads(Mapping[Section, Mapping[str, Any]]):
    """The section payloads of the listing an applied record was made from, computed when read.

    Listings are immutable, and in a running service the listing memo holds the listings of the last plan anyway:
    keeping the listing costs nothing, where a copy of its payloads cost about 4 KB per product. Every read
    serialises the listing again (about 20 µs); nothing is cached.
    """

    __slots__ = ("_listing",)

    def __init__(self, listing: StoreListing) -> None:
        self._listing = listing

    def __getitem__(self, section: Section) -> Mapping[str, Any]:
        if section not in _SECTION_SET:
            raise KeyError(section)
        return section_payloads(self._listing)[section]

    def __iter__(self) -> Iterator[Section]:
        return iter(SECTIONS)

    def __len__(self) -> int:
        return len(SECTIONS)

    def __contains__(self, section: object) -> bool:
        return section in _SECTION_SET

    def items(self) -> ItemsView[Section, Mapping[str, Any]]:
        return section_payloads(self._listing).items()

    def values(self) -> ValuesView[Mapping[str, Any]]:
        return section_payloads(self._listing).values()

    def __repr__(self) -> str:
        return f"ListingPayloads({self._listing.key!r})"

    def __copy__(self) -> ListingPayloads:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ListingPayloads:
        return self  # immutable, as is the listing


def last_name(record: AppliedListing | None) -> str | None:
    """The name `record`'s product was last written with (its `core` payload's), if known: how a product no listing
    names any more (its edition gone from the source, the old ISBN of an ISBN change) is still named."""
    name = record.payloads.get(Section.CORE, {}).get("name") if record is not None else None
    return str(name) if name else None


def same_sections(listing: StoreListing | None, hashes: Mapping[Section, str]) -> bool:
    """Whether a record's section `hashes` are exactly `listing`'s. A section's hash is that of its payload's
    canonical JSON, so such a record's payloads are the listing's (`ListingPayloads`): a state store that has the
    hashes need not read or keep them (`SyncState.applied(..., desired=...)`)."""
    return listing is not None and len(hashes) == len(SECTIONS) and hashes == listing.hashes


@dataclass(frozen=True)
class IsbnChange:
    """A record whose product bookbridge wrote under one ISBN (`old`, its key) and that the source now gives
    another: `listing` is the record's listing under the new ISBN. Held: the old product is neither hidden nor
    replaced, and no product is made for the new ISBN, until the source gives the old ISBN again (a typo fixed)
    or a person accepts the change (`accepted`)."""

    record: str
    old: str
    listing: StoreListing


def isbn_changes(desired: Sequence[StoreListing], applied: Mapping[str, AppliedListing]) -> dict[str, IsbnChange]:
    """The records whose ISBN changed in the source, by the key of their listing under the new ISBN: a desired
    listing whose record was last written under another key that no desired listing has any more. A key still
    desired (another record took the ISBN) is that record's; a record applied under no key (recorded before
    records were kept, or its change `accepted`) is planned as before: its old key hidden, its new one created."""
    keys = {listing.key for listing in desired}
    old = {a.record: a.key for a in applied.values() if a.record is not None and a.key not in keys}
    if not old:
        return {}
    changes: dict[str, IsbnChange] = {}
    for listing in desired:
        if listing.record is None or (key := old.get(listing.record)) is None:
            continue
        before = applied.get(listing.key)
        if before is None or before.record != listing.record:
            changes[listing.key] = IsbnChange(listing.record, key, listing)
    return changes


def accepted(record: AppliedListing) -> AppliedListing:
    """`record` once a person accepted its source record's new ISBN: it keeps no record, so the next plan hides
    its product (its key left the source) and creates one for the new ISBN, as for any edition that left."""
    return replace(record, record=None)
