"""The schema as SQLAlchemy 2 row classes. Alembic owns it: `migrations/` creates exactly these tables.

Rows are plain storage shapes; `mapping.py` turns them into domain objects and back. Every instant is stored
timezone-aware and comes back in UTC (SQLite keeps no offset, so `UTCDateTime` restores it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, ForeignKeyConstraint, Index, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so that migrations on SQLite (batch mode) and PostgreSQL name them the same.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant in, a UTC instant out. Naive datetimes are refused: they hide a clock bug."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given where a UTC instant is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(none_as_null=True)}


class ProductMappingRow(Base):
    """Which store product bookbridge made for a listing key on a storefront."""

    __tablename__ = "product_mappings"

    storefront: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    product_id: Mapped[int | None]
    remote: Mapped[dict[str, Any]] = mapped_column(default=dict)  # store-side ids: variants by SKU, images, ...
    visible: Mapped[bool]
    held: Mapped[str | None]  # comma-separated sections under a DRIFT hold; NULL when none


class AppliedSectionRow(Base):
    """The hash and payload last applied for one section of a listing (ports: AppliedListing)."""

    __tablename__ = "applied_sections"
    __table_args__ = (
        ForeignKeyConstraint(
            ["storefront", "key"], ["product_mappings.storefront", "product_mappings.key"], ondelete="CASCADE"
        ),
    )

    storefront: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    section: Mapped[str] = mapped_column(String, primary_key=True)
    hash: Mapped[str | None]
    payload: Mapped[dict[str, Any] | None]


class SourceCursorRow(Base):
    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(String, primary_key=True)
    cursor: Mapped[str | None]


class CatalogueFamilyRow(Base):
    """One title family as last read from a source, deltas merged (`TitleFamily.model_dump_json()`)."""

    __tablename__ = "catalogue_families"

    source: Mapped[str] = mapped_column(String, primary_key=True)
    family_id: Mapped[str] = mapped_column(String, primary_key=True)
    family_json: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime]


class SyncRunRow(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_storefront_started", "storefront", "started"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storefront: Mapped[str]
    started: Mapped[datetime]
    finished: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str]  # running, ok, failed, crashed


class EditionOutcomeRow(Base):
    """What one store action did for one listing key in a run."""

    __tablename__ = "edition_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str]
    isbn: Mapped[str | None] = mapped_column(String, index=True)
    action: Mapped[str]
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    ok: Mapped[bool]
    error: Mapped[str | None]
    at: Mapped[datetime]


class ExceptionRow(Base):
    """The exception queue. At most one OPEN row per (kind, isbn, storefront): the queue dedups on report."""

    __tablename__ = "exceptions"
    __table_args__ = (Index("ix_exceptions_open_key", "kind", "isbn", "storefront", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    isbn: Mapped[str | None]
    storefront: Mapped[str | None]
    message: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None]
    count: Mapped[int]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class OutboxRow(Base):
    """A notification to deliver (webhook, chat), written in the transaction that changed an exception."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str]
    payload: Mapped[dict[str, Any]]
    created: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class LeaseRow(Base):
    """A named lease with an expiry (SQLite; PostgreSQL uses advisory locks instead)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    holder: Mapped[str]
    expires_at: Mapped[datetime]
