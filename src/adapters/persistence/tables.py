"""The schema as SQLAlchemy 2 row classes. Alembic owns it: `migrations/` creates exactly these tables.

Rows are plain storage shapes; `mapping.py` turns them into domain objects and back. Every instant is stored
timezone-aware and comes back in UTC (SQLite keeps no offset, so `UTCDateTime` restores it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Unicode,
    false,
)
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
    # The source record the product was last written for (Consonance's product, ONIX's RecordReference); NULL
    # for a family product, or a row written before records were kept.
    source_record: Mapped[str | None]


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


class StateGenerationRow(Base):
    """How many writes the applied listings of a storefront (`applied:<storefront>`), or the stored catalogue and
    cursor of a source (`source:<source>`), have had: a plan made ahead of its instant is stale once it changes."""

    __tablename__ = "state_generations"

    scope: Mapped[str] = mapped_column(String, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class SyncRunRow(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_storefront_started", "storefront", "started"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storefront: Mapped[str]
    started: Mapped[datetime]
    finished: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str]  # running, ok, failed, crashed
    what: Mapped[str | None]  # what the run was when not a sync of the store: "retry of exception 10"


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


# --- milestones (migration 0004) ---


class MilestoneEventRow(Base):
    """A milestone transition detected between two syncs, and what its configured store action did."""

    __tablename__ = "milestone_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    store: Mapped[str]
    isbn: Mapped[str] = mapped_column(String, index=True)
    transition: Mapped[str]
    before: Mapped[str | None]
    after: Mapped[str | None]
    action: Mapped[str]
    ok: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text)
    exception_id: Mapped[int | None]  # the exception opened when the action failed
    pending: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)  # for the service


class SchedulerJobRow(Base):
    """APScheduler 3's job store (`SQLAlchemyJobStore(tablename="scheduler_jobs")`), created by Alembic so that
    the service's jobs live in the state database, under the same migrations. Columns exactly as APScheduler
    declares them: the id, the next run as a POSIX timestamp, and the pickled job."""

    __tablename__ = "scheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


# --- webhook events (migration 0005) ---


class WebhookEventRow(Base):
    """A BigCommerce webhook delivery, stored before it is acknowledged and processed afterwards.

    Deduplicated by the payload's `hash` (BigCommerce resends an event with the same hash) and by the Standard
    Webhooks `webhook-id`: each is unique, so a second delivery of either is refused by the database itself.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_pending", "status", "next_attempt_at"),
                      Index("ix_webhook_events_processed", "processed_at"))  # retention (migration 0007)

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String, unique=True)
    delivery_id: Mapped[str | None] = mapped_column(String, unique=True)  # webhook-id; NULL for custom-header auth
    scope: Mapped[str]
    store_id: Mapped[str | None]
    resource_id: Mapped[str | None]  # data.id: the order or product to fetch again
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    status: Mapped[str]  # pending, done, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # what processing did, or the last error


# --- dashboard sessions (migration 0007) ---


class AdminSessionRow(Base):
    """A signed-in dashboard session. The cookie holds a random token; the row holds only its SHA-256, so a
    copy of the database signs no one in. Signing out deletes the row: the cookie stops working at once."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


# --- sales (migration 0003) ---


class SalesOrderRow(Base):
    """An order imported from the store: the `date_modified` of the snapshot its lines were counted from."""

    __tablename__ = "sales_orders"

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    date_modified: Mapped[datetime]


class SalesLineRow(Base):
    """What one order line last contributed to one sales fact (zeros once the line no longer counts)."""

    __tablename__ = "sales_lines"
    __table_args__ = (Index("ix_sales_lines_day", "day"),)

    order_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sales_orders.order_id", ondelete="CASCADE"), primary_key=True
    )
    line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    isbn: Mapped[str]
    format: Mapped[str]
    storefront: Mapped[str]
    day: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int]
    net_e4: Mapped[int] = mapped_column(BigInteger)  # net amount in ten-thousandths: exact on SQLite too


class SalesPendingRow(Base):
    """A day whose facts changed since the sales sink last received it."""

    __tablename__ = "sales_pending"

    sink: Mapped[str] = mapped_column(String, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)


class SalesCursorRow(Base):
    """The last `date_modified` imported from an order source."""

    __tablename__ = "sales_cursors"

    source: Mapped[str] = mapped_column(String, primary_key=True)
    at: Mapped[datetime]


class CategoryIdRow(Base):
    """A store category bookbridge made or found: its id in one channel's category tree, by path."""

    __tablename__ = "category_ids"

    store: Mapped[str] = mapped_column(String, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    path: Mapped[str] = mapped_column(Unicode, primary_key=True)  # the names, as a JSON array
    category_id: Mapped[int] = mapped_column(BigInteger)
