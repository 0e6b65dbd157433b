"""Orders imported from the store and the sales facts derived from them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_orders",
        sa.Column("order_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("date_modified", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_sales_orders")),
    )
    op.create_table(
        "sales_lines",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("isbn", sa.String(), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("storefront", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("net_e4", sa.BigInteger(), nullable=False),  # ten-thousandths of the currency
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_orders.order_id"],
            name=op.f("fk_sales_lines_order_id_sales_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "line_id", name=op.f("pk_sales_lines")),
    )
    op.create_index("ix_sales_lines_day", "sales_lines", ["day"])
    op.create_table(
        "sales_pending",
        sa.Column("sink", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("sink", "day", name=op.f("pk_sales_pending")),
    )
    op.create_table(
        "sales_cursors",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_sales_cursors")),
    )


def downgrade() -> None:
    op.drop_table("sales_cursors")
    op.drop_table("sales_pending")
    op.drop_index("ix_sales_lines_day", table_name="sales_lines")
    op.drop_table("sales_lines")
    op.drop_table("sales_orders")
