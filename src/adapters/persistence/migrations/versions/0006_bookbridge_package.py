"""Scheduled jobs name their functions under the one import package, `bookbridge`.

Release 0.1.0 installed four top-level packages (`domain`, `application`, `adapters`, `entrypoints`); a job
stored then names its function `entrypoints.scheduler:launch`. APScheduler pickles each job's state, so the
function reference is rewritten inside the pickle. Jobs already under `bookbridge.` are left as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PACKAGES = ("domain", "application", "adapters", "entrypoints")
JOBS = sa.table("scheduler_jobs", sa.column("id", sa.String()), sa.column("job_state", sa.LargeBinary()))


def _renamed(reference: str, *, to_package: bool) -> str:
    module = reference.partition(":")[0]
    if to_package and module.split(".")[0] in OLD_PACKAGES:
        return f"bookbridge.{reference}"
    if not to_package and module.startswith("bookbridge."):
        return reference.removeprefix("bookbridge.")
    return reference


def _rewrite(*, to_package: bool) -> None:
    connection = op.get_bind()
    for job_id, blob in connection.execute(sa.select(JOBS.c.id, JOBS.c.job_state)).all():
        # Our own table, written by our own scheduler: the pickles are ours, not outside input.
        state = pickle.loads(blob)
        func = state.get("func")
        if not isinstance(func, str) or (new := _renamed(func, to_package=to_package)) == func:
            continue
        state["func"] = new
        connection.execute(sa.update(JOBS).where(JOBS.c.id == job_id).values(
            job_state=pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))


def upgrade() -> None:
    _rewrite(to_package=True)


def downgrade() -> None:
    _rewrite(to_package=False)
