"""State generations: a counter per storefront's applied listings and per source's stored catalogue and cursor,
so that a plan made ahead of its instant can tell cheaply whether it is stale.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "state_generations",
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_state_generations")),
    )


def downgrade() -> None:
    op.drop_table("state_generations")
