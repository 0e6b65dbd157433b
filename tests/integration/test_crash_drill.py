"""Crash drill: a real sync in a child process, killed with SIGKILL at random points, restarted each time.

The sandbox and the SQLite file outlive every child, as the store and the database outlive a killed worker.
After the kills and one uninterrupted run, the store matches the desired listing with no duplicate SKU or
name, and the edition the store refuses has exactly one open exception, however often the process died.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import httpx

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.persistence import make_engine, upgrade
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.listing import build_store_listings
from bookbridge.domain.ports import ExceptionKind, FixedClock
from sync_drills import (
    COMMAND,
    NOW,
    STOREFRONTS,
    child_command,
    divergence,
    duplicates,
    sqlite_uow,
    strangers,
)

FAMILIES = 30  # the sample catalogue's first families stay the same however many are asked for
KILLS = 12
HAND_MADE_SKU = "HAND-MADE-1"


def _run_child(argv: list[str], sandbox: SandboxServer, rng: random.Random) -> bool:
    """Start a sync and kill it at a random point: after a random number of store requests, or (one time in
    four) after a random delay, which may land before its first request or inside a SQLite commit.
    True if it was killed, False if it finished first."""
    by_delay = rng.random() < 0.25
    deadline = time.monotonic() + rng.uniform(0.2, 1.5) if by_delay else None
    target = len(sandbox.requests) + rng.randint(1, 20)
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while child.poll() is None:
            if (time.monotonic() >= deadline) if deadline is not None else len(sandbox.requests) >= target:
                child.send_signal(signal.SIGKILL)
                child.wait()
                return True
            time.sleep(0.0005)
        _, err = child.communicate()
        assert child.returncode == 0, err.decode()
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_sync_killed_at_random_points_converges_without_duplicates_or_lost_exceptions(tmp_path: Path):
    db = tmp_path / "drill.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    families = sample_catalogue(NOW.date(), families=FAMILIES)
    desired = build_store_listings(families, STOREFRONTS, at=NOW, store=COMMAND.store)
    victim = next(li for li in desired if li.listed)
    config = SandboxConfig(
        extra_channels=(ChannelSeed(id=2, name="US storefront"),), rate_limit=RateLimitConfig(time_scale=0.001)
    )
    with SandboxServer(config) as sandbox:
        # A merchandiser made a product by hand under the victim's name (names are unique: BigCommerce says 409).
        httpx.post(
            f"{sandbox.base_url_v3}/catalog/products",
            headers=sandbox.auth_headers,
            json={"name": victim.name, "type": "physical", "weight": 1, "price": 1, "sku": HAND_MADE_SKU},
        ).raise_for_status()

        def argv(run: int) -> list[str]:
            """The catalogue grows by two families a run, so that every run has products to create."""
            return child_command(db, sandbox.base_url_v3, sandbox.base_url_v2, sandbox.config.store_hash,
                                 sandbox.config.token, NOW.isoformat(), min(FAMILIES, 2 + 2 * run))

        rng = random.Random(20261128)
        kills = runs = 0
        while kills < KILLS and runs < 4 * KILLS:
            runs += 1
            kills += _run_child(argv(runs), sandbox, rng)
            assert duplicates(sandbox.state) == []
        assert kills >= KILLS, f"only {kills} of {runs} runs were killed before they finished"

        final = subprocess.run(argv(FAMILIES), capture_output=True, timeout=60)
        assert final.returncode == 0, final.stderr.decode()

        assert duplicates(sandbox.state) == []
        editions = {str(e.isbn) for f in families for e in f.editions}
        assert strangers(sandbox.state, editions | {HAND_MADE_SKU}) == []
        expected = [li for li in desired if li.key != victim.key]
        assert divergence(sandbox.state, expected, hand_made=[HAND_MADE_SKU]) == []
        assert sandbox.state.find_by_sku(victim.sku) is None
        hand_made = sandbox.state.find_by_sku(HAND_MADE_SKU)
        assert hand_made is not None and hand_made["name"] == victim.name  # bookbridge never touches it

    uow = sqlite_uow(str(db), FixedClock(NOW))
    with uow:
        store_problems = [(e.kind, e.isbn, e.field) for e in uow.exceptions.open_items()
                          if e.kind in (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED)]
    assert store_problems == [(ExceptionKind.STORE_REJECTION, victim.sku, "name")]
