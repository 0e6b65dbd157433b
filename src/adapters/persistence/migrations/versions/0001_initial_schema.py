"""Initial schema: sync state, the catalogue, runs, exceptions, the outbox and leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "product_mappings",
        sa.Column("storefront", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("remote", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("storefront", "key", name=op.f("pk_product_mappings")),
    )
    op.create_table(
        "applied_sections",
        sa.Column("storefront", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("section", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["storefront", "key"],
            ["product_mappings.storefront", "product_mappings.key"],
            name=op.f("fk_applied_sections_storefront_product_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("storefront", "key", "section", name=op.f("pk_applied_sections")),
    )
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("cursor", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_cursors")),
    )
    op.create_table(
        "catalogue_families",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("family_id", sa.String(), nullable=False),
        sa.Column("family_json", sa.Text(), nullable=False),
        _instant("stored_at"),
        sa.PrimaryKeyConstraint("source", "family_id", name=op.f("pk_catalogue_families")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storefront", sa.String(), nullable=False),
        _instant("started"),
        _instant("finished", nullable=True),
        sa.Column("counts", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("ix_sync_runs_storefront_started", "sync_runs", ["storefront", "started"])
    op.create_table(
        "edition_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("isbn", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        _instant("at"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_runs.id"], name=op.f("fk_edition_outcomes_run_id_sync_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edition_outcomes")),
    )
    op.create_index(op.f("ix_edition_outcomes_isbn"), "edition_outcomes", ["isbn"])
    op.create_index(op.f("ix_edition_outcomes_run_id"), "edition_outcomes", ["run_id"])
    op.create_table(
        "exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("isbn", sa.String(), nullable=True),
        sa.Column("storefront", sa.String(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        _instant("first_seen"),
        _instant("last_seen"),
        _instant("resolved_at", nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exceptions")),
    )
    op.create_index("ix_exceptions_open_key", "exceptions", ["kind", "isbn", "storefront", "resolved_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=False),
        _instant("created"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _instant("next_attempt_at"),
        _instant("delivered_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "next_attempt_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        _instant("expires_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    for table in (
        "leases",
        "outbox",
        "exceptions",
        "edition_outcomes",
        "sync_runs",
        "catalogue_families",
        "source_cursors",
        "applied_sections",
        "product_mappings",
    ):
        op.drop_table(table)  # indexes go with their tables
