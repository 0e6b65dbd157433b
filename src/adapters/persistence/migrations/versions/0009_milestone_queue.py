"""Milestone actions a sync without the service's scheduler queued for it (`bookbridge sync` from cron).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("milestone_events") as batch:
        batch.add_column(sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index(op.f("ix_milestone_events_pending"), ["pending"])


def downgrade() -> None:
    with op.batch_alter_table("milestone_events") as batch:
        batch.drop_index(op.f("ix_milestone_events_pending"))
        batch.drop_column("pending")
