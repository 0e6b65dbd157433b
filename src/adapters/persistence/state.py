"""Sync state in SQL: last-applied listings per storefront, source cursors and the merged catalogue."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Row, Text, cast, delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.codecs import PackedPayloads
from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.mapping import (
    applied_from_columns,
    applied_record,
    applied_sections,
    changed_sections,
    family_from_row,
    family_row,
    held_sections,
    remote_ids,
    section_rows,
    served_sections,
)
from bookbridge.adapters.persistence.tables import (
    AppliedSectionRow,
    CatalogueFamilyRow,
    ProductMappingRow,
    SourceCursorRow,
    StateGenerationRow,
)
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import Clock, SyncState

_SECTIONS_PER_FETCH = 10_000
_KEYS_PER_QUERY = 500  # products whose payloads one query reads (bound parameters)


class SqlAlchemySyncState(SyncState):
    """Reads and writes through one session; the unit of work owns the transaction.

    `clock` stamps when a catalogue family was stored (only when its JSON changed).
    """

    def __init__(self, session: Session, *, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    # --- applied listings -------------------------------------------------------------------------------------

    def applied(self, storefront: str, *, desired: Mapping[str, StoreListing] | None = None
                ) -> dict[str, AppliedListing]:
        """Every applied listing of `storefront`, read as plain rows streamed in key order, not as ORM objects (a
        store of 100,000 products has half a million sections). Payloads are read as JSON text and kept packed, not
        decoded (`codecs.PackedPayloads`). With `desired`, the sections' hashes are read first, and a record whose
        hashes are its desired listing's takes that listing's hashes and payloads (`plan.same_sections`): only
        the payloads of the others (changed, held or no longer desired products) are read."""
        with translated(f"applied listings of storefront {storefront!r}"):
            columns = ProductMappingRow.__table__.c
            mappings = self._session.execute(
                select(columns.key, columns.product_id, columns.visible, columns.remote, columns.held,
                       columns.source_record)
                .where(columns.storefront == storefront)
            ).all()
            if desired is None:
                by_key = dict(applied_sections(storefront, self._sections(storefront)))
            else:
                by_key, unread = served_sections(storefront, self._sections(storefront, payloads=False), desired)
                for start in range(0, len(unread), _KEYS_PER_QUERY):
                    keys = unread[start:start + _KEYS_PER_QUERY]
                    by_key.update(applied_sections(storefront, self._sections(storefront, keys=keys)))
        none = PackedPayloads.of({})  # immutable: shared by the products that have no section yet
        return {m.key: applied_from_columns(storefront, m, *(by_key.get(m.key) or ({}, none))) for m in mappings}

    def _sections(self, storefront: str, *, payloads: bool = True, keys: Sequence[str] | None = None
                  ) -> Iterator[Row[Any]]:
        """(key, section, hash, payload) rows of `storefront` (of `keys` only, when given) in key order: the
        payload as JSON text, or, without `payloads`, whether it is missing. Table columns, not the row class's
        attributes: plain rows, without the ORM's per-row loading."""
        columns = AppliedSectionRow.__table__.c
        query = select(columns.key, columns.section, columns.hash,
                       cast(columns.payload, Text) if payloads else columns.payload.is_(None))
        query = query.where(columns.storefront == storefront)
        if keys is not None:
            query = query.where(columns.key.in_(keys))
        result = self._session.execute(query.order_by(columns.key, columns.section)
                                       .execution_options(yield_per=_SECTIONS_PER_FETCH))
        return chain.from_iterable(result.partitions())  # a batch at a time: no per-row call into the result

    def record_applied(self, storefront: str, listing: AppliedListing, *,
                       previous: AppliedListing | None = None) -> None:
        """With `previous`, only the sections whose hash (or presence) changed are rewritten: a price flip writes
        its pricing row, not the five sections of every product it touches."""
        record = applied_record(storefront, listing.key)
        changed = None if previous is None else changed_sections(previous, listing)
        new_sections = section_rows(storefront, listing, only=changed)
        remote = remote_ids(storefront, listing)
        self._bump(f"applied:{storefront}")
        with translated(record):
            mapping = self._session.get(ProductMappingRow, (storefront, listing.key))
            if mapping is None:
                mapping = ProductMappingRow(storefront=storefront, key=listing.key)
                self._session.add(mapping)
                changed = None  # nothing recorded for the key: every section
                new_sections = section_rows(storefront, listing)
            mapping.product_id, mapping.visible, mapping.remote = listing.product_id, listing.visible, remote
            mapping.held, mapping.source_record = held_sections(listing), listing.record
            self._session.flush()
            if changed is not None and not changed:
                return
            gone = delete(AppliedSectionRow).where(AppliedSectionRow.storefront == storefront,
                                                   AppliedSectionRow.key == listing.key)
            if changed is not None:
                gone = gone.where(AppliedSectionRow.section.in_([str(s) for s in changed]))
            self._session.execute(gone)
            self._session.add_all(new_sections)
            self._session.flush()

    def record_applied_many(self, storefront: str,
                            records: Sequence[tuple[AppliedListing, AppliedListing | None]]) -> None:
        """A batch's records in four statements: the mappings read, then written, the changed sections deleted,
        then inserted (instead of five per record)."""
        if not records:
            return
        keys = [listing.key for listing, _ in records]
        self._bump(f"applied:{storefront}")
        with translated(f"applied listings {keys[0]!r}… ({len(keys)}) on storefront {storefront!r}"):
            mappings = {row.key: row for row in self._session.scalars(
                select(ProductMappingRow).where(ProductMappingRow.storefront == storefront,
                                                ProductMappingRow.key.in_(keys)))}
            whole: list[str] = []
            parts: list[tuple[str, str]] = []
            rows: list[AppliedSectionRow] = []
            for listing, previous in records:
                mapping = mappings.get(listing.key)
                if mapping is None:
                    mapping = ProductMappingRow(storefront=storefront, key=listing.key)
                    self._session.add(mapping)
                changed = None if previous is None or listing.key not in mappings \
                    else changed_sections(previous, listing)
                with translated(applied_record(storefront, listing.key)):
                    mapping.product_id, mapping.visible = listing.product_id, listing.visible
                    mapping.remote, mapping.held = remote_ids(storefront, listing), held_sections(listing)
                    mapping.source_record = listing.record
                    rows += section_rows(storefront, listing, only=changed)
                if changed is None:
                    whole.append(listing.key)
                else:
                    parts += [(listing.key, str(section)) for section in changed]
            self._session.flush()
            here = AppliedSectionRow.storefront == storefront
            if whole:
                self._session.execute(delete(AppliedSectionRow).where(here, AppliedSectionRow.key.in_(whole)))
            if parts:
                self._session.execute(delete(AppliedSectionRow).where(
                    here, tuple_(AppliedSectionRow.key, AppliedSectionRow.section).in_(parts)))
            self._session.add_all(rows)
            self._session.flush()

    # --- cursors --------------------------------------------------------------------------------------------------

    def cursor(self, source: str) -> str | None:
        with translated(f"cursor of source {source!r}"):
            row = self._session.get(SourceCursorRow, source)
        return row.cursor if row is not None else None

    def set_cursor(self, source: str, cursor: str | None) -> None:
        self._bump(f"source:{source}")
        with translated(f"cursor of source {source!r}", "cursor"):
            row = self._session.get(SourceCursorRow, source)
            if row is None:
                self._session.add(SourceCursorRow(source=source, cursor=cursor))
            else:
                row.cursor = cursor
            self._session.flush()

    # --- the catalogue --------------------------------------------------------------------------------------------

    def catalogue(self, source: str) -> dict[str, TitleFamily]:
        with translated(f"catalogue of source {source!r}"):
            rows = self._session.execute(
                select(CatalogueFamilyRow.family_id, CatalogueFamilyRow.family_json)
                .where(CatalogueFamilyRow.source == source)
                .order_by(CatalogueFamilyRow.family_id)
            ).all()
        return {family_id: family_from_row(source, family_id, text) for family_id, text in rows}

    def save_catalogue(self, source: str, families: Mapping[str, TitleFamily]) -> None:
        """Replace the catalogue of `source`: unchanged families keep their row and their stored time."""
        now = self._clock.now()
        self._bump(f"source:{source}")
        with translated(f"catalogue of source {source!r}"):
            existing = {
                row.family_id: row
                for row in self._session.scalars(select(CatalogueFamilyRow).where(CatalogueFamilyRow.source == source))
            }
            for family_id, gone in existing.items():
                if family_id not in families:
                    self._session.delete(gone)
            for family_id, family in families.items():
                fresh = family_row(source, family, at=now)
                fresh.family_id = family_id
                row = existing.get(family_id)
                if row is None:
                    self._session.add(fresh)
                elif row.family_json != fresh.family_json:
                    row.family_json, row.stored_at = fresh.family_json, now
            self._session.flush()

    # --- generations ----------------------------------------------------------------------------------------------

    def generation(self, storefront: str, source: str) -> int:
        """The two counters' sum: each only grows, so the sum changes whenever either does."""
        column = StateGenerationRow.__table__.c
        with translated(f"generation of storefront {storefront!r} and source {source!r}"):
            total = self._session.execute(select(func.coalesce(func.sum(column.generation), 0)).where(
                column.scope.in_([f"applied:{storefront}", f"source:{source}"]))).scalar_one()
        return int(total)

    def _bump(self, scope: str) -> None:
        """One more write of `scope`, in the caller's transaction (an upsert: no race on the first)."""
        column = StateGenerationRow.__table__.c
        insert = postgresql.insert if self._session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(StateGenerationRow).values(scope=scope, generation=1)
        with translated(f"generation of {scope!r}"):
            self._session.execute(statement.on_conflict_do_update(
                index_elements=[column.scope], set_={"generation": column.generation + 1}))
