"""Profile: where the time of a first sync of 2,000 editions into an empty BigCommerce sandbox goes (cProfile).

    .venv/bin/python -m benchmarks.first_sync_profile                    # this tree
    .venv/bin/python -m benchmarks.first_sync_profile --baseline DIR     # and DIR's src/ tree first, in a child

The catalogue, store and storefronts of `benchmarks.bigcommerce_sync` (a). `workers=1` and `max_in_flight=1`, so
every step runs in the profiled thread. The sandbox serves in the same process: time in `request` includes its
own work. Prints, per step of the sync and the storefront, how often it ran and its cumulative seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS = ("sync_store", "plan_store", "apply", "request", "_create", "_resolve_unknown", "_update_products",
         "_sync_attachments", "_sync_channels", "_sync_price_lists", "flush", "_record_batch",
         "_record_create_intents")


def profile_first_sync() -> None:
    import bookbridge
    from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
    from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
    from bookbridge.adapters.memory import InMemoryCatalogSource
    from bookbridge.application.sync import sync_store
    from bookbridge.domain.ports import FixedClock

    from .bigcommerce_sync import COMMAND, COUNT_TIME_SCALE, NOW, SharedUnitOfWork, catalogue, client_for

    families = catalogue()
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=COUNT_TIME_SCALE))
    with SandboxServer(config) as sandbox, client_for(sandbox, max_in_flight=1) as client:
        store = BigCommerceStorefront(client, name="shop", workers=1)
        source, uow, clock = InMemoryCatalogSource(families), SharedUnitOfWork(), FixedClock(NOW)
        profiler = cProfile.Profile()
        profiler.enable()
        report = sync_store(COMMAND, source, store, uow, clock)
        profiler.disable()
        requests = len(sandbox.requests)
    assert report.failed == 0, report.exceptions_opened[:3]
    print(f"bookbridge from {Path(bookbridge.__file__).parent}: {requests} requests, load average "
          f"{os.getloadavg()[0]:.1f}")
    rows: dict[str, tuple[int, float]] = {}
    for (file, _, name), (_, calls, _, cumulative, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        module = Path(file).name
        if name in STEPS and module in {"sync.py", "storefront.py", "client.py", "buffers.py"}:
            count, seconds = rows.get(f"{module}:{name}", (0, 0.0))
            rows[f"{module}:{name}"] = (count + calls, seconds + cumulative)
    print("| step | calls to it | cumulative s |\n|---|---:|---:|")
    for step, (count, seconds) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(f"| `{step}` | {count:,} | {seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", type=Path, help="a directory whose src/ tree to profile first")
    args = parser.parse_args()
    if args.baseline is not None:
        with tempfile.TemporaryDirectory() as links:
            # `bookbridge` is the src/ folder (setuptools maps it): a link named so, found before the installed one.
            (Path(links) / "bookbridge").symlink_to((args.baseline / "src").resolve(), target_is_directory=True)
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([links, str(Path.cwd())])}
            subprocess.run([sys.executable, "-m", "benchmarks.first_sync_profile"], check=True, env=env)
    profile_first_sync()


if __name__ == "__main__":
    main()
