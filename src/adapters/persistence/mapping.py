"""Rows to domain objects and back: small explicit functions, one per record type.

A value that cannot be stored or read back raises a PersistenceError naming the record and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from pydantic import ValidationError

from bookbridge.adapters.persistence.codecs import PackedHashes, PackedPayloads
from bookbridge.adapters.persistence.errors import PersistenceError
from bookbridge.adapters.persistence.tables import AppliedSectionRow, CatalogueFamilyRow, ExceptionRow
from bookbridge.domain.applied import SECTIONS, AppliedListing, ListingPayloads, same_sections
from bookbridge.domain.categories import field_words
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import ExceptionKind, SyncException

# --- applied listings ---------------------------------------------------------------------------------------------


def applied_record(storefront: str, key: str) -> str:
    return f"applied listing {key!r} on storefront {storefront!r}"


def changed_sections(previous: AppliedListing, listing: AppliedListing) -> set[Section]:
    """The sections whose row may differ between two records of a key: a different hash, no hash (nothing vouches
    for the payload), or a payload on one side only. A section's payload is what its hash was computed from, so an
    equal hash is an equal row."""
    sections = set(previous.hashes) | set(previous.payloads) | set(listing.hashes) | set(listing.payloads)
    return {s for s in sections if listing.hashes.get(s) is None or previous.hashes.get(s) != listing.hashes.get(s)
            or (s in previous.payloads) != (s in listing.payloads)}


def section_rows(storefront: str, listing: AppliedListing, *,
                 only: set[Section] | None = None) -> list[AppliedSectionRow]:
    """One row per section that has a hash or a payload (of `only`, when given). Payloads must be JSON (they come
    from model_dump)."""
    rows = []
    for section in sorted((set(listing.hashes) | set(listing.payloads)) & (only if only is not None else set(Section))):
        payload = listing.payloads.get(section)
        plain = None if payload is None else _json_object(payload, applied_record(storefront, listing.key), section)
        rows.append(
            AppliedSectionRow(
                storefront=storefront,
                key=listing.key,
                section=str(section),
                hash=listing.hashes.get(section),
                payload=plain,
            )
        )
    return rows


def remote_ids(storefront: str, listing: AppliedListing) -> dict[str, Any]:
    return _json_object(listing.remote, applied_record(storefront, listing.key), "remote", prefix="")


def applied_sections(
    storefront: str, rows: Iterable[Sequence[Any]]
) -> Iterator[tuple[str, tuple[Mapping[Section, str], Mapping[Section, Any]]]]:
    """(key, (hashes, payloads)) from (key, section, hash, payload JSON text) rows in key order: the hashes and the
    text are packed as they are, not decoded (`PackedHashes`, `PackedPayloads`)."""
    for key, group in groupby(rows, key=itemgetter(0)):
        hashes: dict[Section, str] = {}
        texts: dict[Section, str] = {}
        for _, name, hash_, text in group:
            section = _SECTIONS.get(name) or _section(name, applied_record(storefront, key))
            if hash_ is not None:
                hashes[section] = hash_
            if text is not None:
                texts[section] = text
        yield key, (PackedHashes.of(hashes), PackedPayloads.from_json(texts))


def served_sections(
    storefront: str, rows: Iterable[Sequence[Any]], desired: Mapping[str, StoreListing]
) -> tuple[dict[str, tuple[Mapping[Section, str], Mapping[Section, Any]]], list[str]]:
    """From (key, section, hash, payload missing) rows in key order: (hashes, payloads) of each product whose
    section hashes are exactly its desired listing's (and whose sections all have a payload): the listing's own
    (`plan.same_sections`: equal hashes are equal payloads); and the keys of the others, whose payloads must be
    read."""
    served: dict[str, tuple[Mapping[Section, str], Mapping[Section, Any]]] = {}
    unread: list[str] = []
    for key, group in groupby(rows, key=itemgetter(0)):
        hashes: dict[Section, str] = {}
        complete = True
        for _, name, hash_, missing in group:
            section = _SECTIONS.get(name) or _section(name, applied_record(storefront, key))
            if hash_ is not None:
                hashes[section] = hash_
            complete = complete and not missing
        listing = desired.get(key)
        if complete and listing is not None and same_sections(listing, hashes):
            served[key] = (listing.hashes, ListingPayloads(listing))
        else:
            unread.append(key)
    return served, unread


def applied_from_columns(
    storefront: str, mapping: Sequence[Any], hashes: Mapping[Section, str], payloads: Mapping[Section, Any]
) -> AppliedListing:
    """An applied listing from a product mapping's (key, product_id, visible, remote, held, source_record) and its
    sections."""
    key, product_id, visible, remote, held, record = mapping
    return AppliedListing(
        key=key,
        hashes=hashes,
        visible=visible,
        product_id=product_id,
        payloads=payloads,
        remote=remote,
        held=frozenset(_section(name, applied_record(storefront, key)) for name in held.split(",") if name)
        if held else frozenset(),
        record=record,
    )


def held_sections(listing: AppliedListing) -> str | None:
    return ",".join(sorted(section.value for section in listing.held)) or None


_SECTIONS = {section.value: section for section in SECTIONS}


def _section(value: str, record: str) -> Section:
    try:
        return Section(value)
    except ValueError:
        raise PersistenceError(record, "section", f"unknown section {value!r}") from None


def _json_object(value: Mapping[str, Any], record: str, name: str, *, prefix: str = "payloads.") -> dict[str, Any]:
    """A plain JSON copy, checked here so that the error names the field rather than failing at flush."""
    try:
        return dict(json.loads(json.dumps(dict(value))))
    except (TypeError, ValueError) as error:
        raise PersistenceError(record, f"{prefix}{name}", f"not JSON: {error}") from None


# --- the catalogue ------------------------------------------------------------------------------------------------


def family_row(source: str, family: TitleFamily, *, at: datetime) -> CatalogueFamilyRow:
    return CatalogueFamilyRow(source=source, family_id=family.id, family_json=family.model_dump_json(), stored_at=at)


def family_from_row(source: str, family_id: str, family_json: str) -> TitleFamily:
    """A stored family from its row's columns (read as plain rows: no ORM object per family)."""
    try:
        return TitleFamily.model_validate_json(family_json)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "family_json"
        record = f"catalogue family {family_id!r} from source {source!r}"
        raise PersistenceError(record, field, first["msg"]) from None


# --- exceptions ---------------------------------------------------------------------------------------------------


def exception_from_row(row: ExceptionRow) -> SyncException:
    try:
        kind = ExceptionKind(row.kind)
    except ValueError:
        raise PersistenceError(f"exception {row.id}", "kind", f"unknown kind {row.kind!r}") from None
    return SyncException(
        id=row.id,
        kind=kind,
        isbn=row.isbn,
        storefront=row.storefront,
        message=row.message,
        field=row.field,
        count=row.count,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
    )


def place_as_it_is(key: str | None) -> str | None:
    return key


def exception_payload(item: SyncException, event: str, *, where: str | None = None) -> dict[str, Any]:
    """The outbox message for an exception: what a webhook receiver needs to show and link it. `where`: its place
    in words (`storefront 'uk'`, `store 'shop'`), as /api/exceptions says it; `storefront` is the raw key."""
    return {
        "event": event,
        "exception": {
            "id": item.id,
            "kind": str(item.kind),
            "isbn": item.isbn,
            "storefront": item.storefront,
            "where": where if where is not None else item.storefront,
            "message": item.message,
            "field": item.field,
            "field_label": field_words(item.field) if item.field else None,  # as /api/exceptions gives it
            "count": item.count,
            "first_seen": item.first_seen.isoformat(),
            "last_seen": item.last_seen.isoformat(),
            "resolved_at": item.resolved_at.isoformat() if item.resolved_at else None,
            "resolution": item.resolution,
        },
    }
