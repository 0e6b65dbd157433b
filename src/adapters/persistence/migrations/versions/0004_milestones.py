"""Milestone transitions detected between syncs and the store actions they triggered; the scheduler's job store.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "milestone_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("isbn", sa.String(), nullable=False),
        sa.Column("transition", sa.String(), nullable=False),
        sa.Column("before", sa.String(), nullable=True),
        sa.Column("after", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_events")),
    )
    op.create_index(op.f("ix_milestone_events_at"), "milestone_events", ["at"])
    op.create_index(op.f("ix_milestone_events_isbn"), "milestone_events", ["isbn"])
    # APScheduler 3's SQLAlchemyJobStore table, column for column; it finds the table and creates nothing.
    op.create_table(
        "scheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_jobs")),
    )
    op.create_index(op.f("ix_scheduler_jobs_next_run_time"), "scheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduler_jobs_next_run_time"), table_name="scheduler_jobs")
    op.drop_table("scheduler_jobs")
    op.drop_index(op.f("ix_milestone_events_isbn"), table_name="milestone_events")
    op.drop_index(op.f("ix_milestone_events_at"), table_name="milestone_events")
    op.drop_table("milestone_events")
