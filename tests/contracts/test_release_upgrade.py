"""A state database made by release 0.1.0 upgrades in place: its stored jobs run under the `bookbridge` package,
and its job at an instant, stored as `launch:{store}:{instant}`, takes its id `at:{store}:{instant}`.

`tests/data/state-0.1.0.sqlite3` was written by release 0.1.0 itself (its migrations, then its scheduler adding
the service's periodic jobs and one launch), when the code was installed as the top-level packages `domain`,
`application`, `adapters` and `entrypoints`. Its jobs name their functions `entrypoints.scheduler:…`.
"""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bookbridge.adapters.persistence import current_revision, head_revision, make_engine, upgrade
from bookbridge.adapters.persistence.migrate import downgrade
from bookbridge.entrypoints import scheduler

RELEASE_0_1_0 = Path(__file__).parents[1] / "data" / "state-0.1.0.sqlite3"
JOB_IDS = {"delta-sync:shop", "order-import", "reconcile:shop", "retry-transient:shop",
           "launch:shop:2031-03-01T00:00:00+00:00"}


def _stored_functions(path: Path) -> dict[str, str]:
    """Each stored job's function reference, read as the raw pickle (read-only: the release file is never written)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT id, job_state FROM scheduler_jobs").fetchall()
    return {job_id: pickle.loads(state)["func"] for job_id, state in rows}


class LaunchRecorder:
    def __init__(self) -> None:
        self.launches: list[tuple[str, datetime, str]] = []

    def run_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None:
        self.launches.append((store, instant, detail))


def test_jobs_stored_by_release_0_1_0_resolve_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copy(RELEASE_0_1_0, path)
    url = f"sqlite:///{path}"
    before = _stored_functions(path)
    assert set(before) == JOB_IDS and all(func.startswith("entrypoints.scheduler:") for func in before.values())

    upgrade(url)

    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        jobs = {job.id: job for job in scheduler.stored_jobs(engine)}  # unpickling resolves each reference
        assert set(jobs) == JOB_IDS
        assert jobs["delta-sync:shop"].func is scheduler.delta_sync and jobs["delta-sync:shop"].args == ("shop",)
        assert jobs["order-import"].func is scheduler.order_import
        assert jobs["reconcile:shop"].func is scheduler.reconcile
        assert jobs["retry-transient:shop"].func is scheduler.retry_transient
        launch = jobs["launch:shop:2031-03-01T00:00:00+00:00"]
        assert launch.func is scheduler.launch
        assert launch.next_run_time == datetime(2031, 3, 1, tzinfo=UTC)
        assert launch.kwargs["detail"] == "9781800000018 goes on sale on uk"
        runner = LaunchRecorder()  # the stored arguments still fit the function: its call reaches the use case
        launch.func(*launch.args, **launch.kwargs)(runner)
        assert runner.launches == [("shop", datetime(2031, 3, 1, tzinfo=UTC), "9781800000018 goes on sale on uk")]
    finally:
        engine.dispose()


def test_the_job_at_an_instant_of_release_0_1_0_is_renamed_and_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copy(RELEASE_0_1_0, path)
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert scheduler.rename_former_jobs(engine, "shop") == ["at:shop:2031-03-01T00:00:00+00:00",
                                                                "order-import:shop"]
        jobs = {job.id: job for job in scheduler.stored_jobs(engine)}
        assert set(jobs) == JOB_IDS - {"launch:shop:2031-03-01T00:00:00+00:00", "order-import"} | {
            "at:shop:2031-03-01T00:00:00+00:00", "order-import:shop"}  # the order import names its store
        assert jobs["order-import:shop"].func is scheduler.order_import
        job = jobs["at:shop:2031-03-01T00:00:00+00:00"]
        assert job.func is scheduler.launch and job.next_run_time == datetime(2031, 3, 1, tzinfo=UTC)
        runner = LaunchRecorder()
        job.func(*job.args, **job.kwargs)(runner)
        assert runner.launches == [("shop", datetime(2031, 3, 1, tzinfo=UTC), "9781800000018 goes on sale on uk")]
        assert scheduler.rename_former_jobs(engine, "shop") == []  # the next start finds none
    finally:
        engine.dispose()


def test_the_rename_downgrades_to_the_release_names(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    shutil.copy(RELEASE_0_1_0, path)
    url = f"sqlite:///{path}"
    upgrade(url)
    assert all(f.startswith("bookbridge.entrypoints.scheduler:") for f in _stored_functions(path).values())
    engine = make_engine(url)
    try:
        downgrade(engine, "0005")
    finally:
        engine.dispose()
    assert _stored_functions(path) == _stored_functions(RELEASE_0_1_0)
