"""Category ids: the store categories bookbridge made or found, per store, channel and category path.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "category_ids",
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Unicode(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store", "channel_id", "path", name=op.f("pk_category_ids")),
    )


def downgrade() -> None:
    op.drop_table("category_ids")
