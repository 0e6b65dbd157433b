"""The source record each applied product was last written for, so that a sync tells a record whose ISBN changed
from an edition that left the catalogue. Rows written before have none (NULL) and are planned as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("product_mappings") as batch:
        batch.add_column(sa.Column("source_record", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_mappings") as batch:
        batch.drop_column("source_record")
