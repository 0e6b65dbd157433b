"""Crash drill on SQLite through the real command: `bookbridge sync` is SIGKILLed at random moments, ten times,
each kill leaving its lease and its run behind. Every following sync proceeds at once (the dead holder's lease
is taken over, not waited out for its ttl), and no run is left `running`."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, text

from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.persistence import make_engine, upgrade
from cli_support import sandbox_store

KILLS = 10
EXIT_BUSY = 3


def _config(path: Path, db: Path, sandbox: SandboxServer) -> Path:
    config = path / "bookbridge.toml"
    config.write_text(f"""
database_url = "sqlite:///{db}"
[source]
kind = "sample"
families = 12
{sandbox_store(sandbox, token='access_token_env = "BB_DRILL_TOKEN"')}
[[storefronts]]
name = "uk"
channel_id = 1
countries = ["GB"]
currency = "GBP"
require_cover = false
require_description = false
""")
    return config


def _wait_for_its_run(engine: Engine, child: subprocess.Popen[bytes], *, after: int) -> None:
    """Until the child's sync has recorded its run (a run after `after`), or it has ended, or a minute has passed."""
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(text("SELECT count(*) FROM sync_runs WHERE id > :after"), {"after": after}).scalar():
                return
        time.sleep(0.01)


def test_killed_syncs_never_block_the_next_one_nor_leave_runs_running(tmp_path: Path) -> None:
    db = tmp_path / "drill.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    rng = random.Random(20261207)
    with SandboxServer(SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.001))) as sandbox:
        argv = [sys.executable, "-c", "from bookbridge.entrypoints.cli import main; main()", "sync", "--config",
                str(_config(tmp_path, db, sandbox))]
        env = {**os.environ, "BB_DRILL_TOKEN": sandbox.config.token, "BOOKBRIDGE_CONFIG": ""}
        kills = busy = 0
        deadline = time.monotonic() + 300  # bounded: ten kills take well under a minute each
        while kills < KILLS and time.monotonic() < deadline:
            with engine.connect() as connection:
                last = connection.execute(text("SELECT coalesce(max(id), 0) FROM sync_runs")).scalar()
            child = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # After a few store requests (mid-batch), or a random delay (start-up, planning, a commit); every other
            # kill as soon as the run is recorded, so that runs are caught running however long a loaded machine
            # takes to start Python (an unchanged sync, once started, can end before any random delay).
            target = len(sandbox.requests) + rng.randint(1, 12)
            moment = time.monotonic() + rng.uniform(0.5, 6.0)
            if kills % 2:
                _wait_for_its_run(engine, child, after=last)
                moment = time.monotonic()
            while child.poll() is None and time.monotonic() < moment and len(sandbox.requests) < target:
                time.sleep(0.002)
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                child.wait()
                kills += 1
            else:
                busy += child.returncode == EXIT_BUSY
                assert child.returncode in (0, 1), child.stderr.read().decode() if child.stderr else ""
            if child.stderr:
                child.stderr.close()
        assert kills == KILLS
        started = time.monotonic()
        final = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, timeout=60)
        assert final.returncode == 0, final.stderr.decode()
        assert time.monotonic() - started < 60
        assert busy == 0
    with engine.connect() as connection:
        outcomes = dict(connection.execute(text("SELECT outcome, count(*) FROM sync_runs GROUP BY outcome")).all())
        leases = connection.execute(text("SELECT name, holder FROM leases")).all()
    engine.dispose()
    assert "running" not in outcomes, outcomes
    assert outcomes.get("crashed", 0) >= 1 and outcomes.get("ok", 0) >= 1
    assert leases == []  # the final sync released its lease
