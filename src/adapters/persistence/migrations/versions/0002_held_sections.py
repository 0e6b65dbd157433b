"""Held sections: sections under the `report` drift policy that a sync must not overwrite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Comma-separated section names, NULL when none (so existing rows need no default). batch_alter_table:
    # SQLite cannot drop a column in place.
    with op.batch_alter_table("product_mappings") as batch:
        batch.add_column(sa.Column("held", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_mappings") as batch:
        batch.drop_column("held")
