"""Benchmark: planning a large generated catalogue with `application.sync.plan_store` (issue: the sync engine).

Each size runs in a fresh child process, so the peak RSS is that of planning alone (generation included, since
the editions must be in memory to be planned). One store with two storefronts (UK in GBP on the product, US in
USD as price-list records), the sync state in memory (no database) and a source that returns the whole catalogue.

- cold: the first plan (nothing applied, no stored catalogue): every listing is built, every product a create;
- warm: the same process after the first sync was recorded (applied hashes and the catalogue stored), with 1% of
  the families edited and the clock moved on by an hour: the plan a scheduled sync makes in a running service.

Run: `.venv/bin/python -m benchmarks.plan_catalogue` (sizes 10k, 50k, 100k). `--sizes 10000 20000` picks sizes;
`--baseline DIR` also runs every size against the `src` tree in DIR (for example a `git worktree` of main), so
that before and after are measured in one run on the same machine: the child imports `bookbridge` from a
temporary folder whose `bookbridge` links to DIR/src, ahead of the installed package, and reports which it used.
Each tree is planned as its service plans: with the listing memos it is given, where its `plan_store` takes them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES = (10_000, 50_000, 100_000)
NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
EDITED = 0.01  # share of families edited between the cold and the warm plan


def _catalogue(editions: int):  # type: ignore[no-untyped-def]
    """`editions` editions in families of about 2.5, cloned from the sample catalogue with unique ISBNs/titles."""
    from bookbridge.adapters.sample.catalogue import make_isbn, sample_catalogue

    templates = sample_catalogue(NOW.date(), families=50)
    families = []
    made = 0
    n = 0
    while made < editions:
        template = templates[n % len(templates)]
        title = f"{template.title} {n}"
        family_id = f"bench-{n}"
        picked = template.editions[: max(1, min(len(template.editions), editions - made))]
        copies = tuple(
            e.model_copy(update={"isbn": make_isbn(made + i, prefix="979"), "title": title, "family_id": family_id,
                                 "record_reference": f"bench-{made + i}"})
            for i, e in enumerate(picked)
        )
        families.append(template.model_copy(update={"id": family_id, "title": title, "editions": copies}))
        made += len(copies)
        n += 1
    return families


class _Source:
    """The whole catalogue on every read (a complete read), as a full ONIX file or a Consonance export."""

    name = "bench"

    def __init__(self, families: list[Any]) -> None:
        self.families = tuple(families)

    def read(self, cursor: str | None = None) -> Any:
        from bookbridge.domain.ports import SourceRead

        return SourceRead(families=self.families, cursor="c")


class _StateOnly:
    """A unit of work holding the sync state in memory without the in-memory fake's copy on every `with`
    (plan_store only reads the applied hashes, the cursor and the stored catalogue): the figures are planning's."""

    def __init__(self) -> None:
        from bookbridge.adapters.memory.state import InMemorySyncState

        self.state = InMemorySyncState()

    def __enter__(self) -> _StateOnly:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _plan(cmd: Any, source: _Source, uow: Any, at: datetime, options: dict[str, Any]) -> tuple[Any, float, float]:
    from bookbridge.application.sync import plan_store
    from bookbridge.domain.ports import FixedClock

    wall, cpu = time.perf_counter(), _cpu()
    planned = plan_store(cmd, source, uow, FixedClock(at), **options)
    return planned, time.perf_counter() - wall, _cpu() - cpu


def _memos() -> dict[str, Any]:
    """`plan_store`'s listing memos where it takes them (a tree whose memo is the domain's own takes none)."""
    import inspect

    from bookbridge.application import sync

    if "memos" not in inspect.signature(sync.plan_store).parameters:
        return {}
    from bookbridge.application.listing_memos import ListingMemos  # type: ignore[import-not-found,unused-ignore]

    return {"memos": ListingMemos()}


def _as_the_entrypoint_runs() -> None:
    """The process settings the tree's entrypoint applies (`bookbridge.entrypoints.runtime`), where it has them."""
    try:
        from bookbridge.entrypoints.runtime import tune_garbage_collector  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return  # a tree whose plan_store pauses the collector itself
    tune_garbage_collector()


def run_one(editions: int) -> dict[str, Any]:
    _as_the_entrypoint_runs()
    from bookbridge.application.sync import SyncStore
    from bookbridge.domain.plan import applied_after
    from bookbridge.domain.storefront import StorefrontSettings

    families = _catalogue(editions)
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                            timezone="Europe/London")
    us = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                            tax_inclusive=False, timezone="Europe/London", default_currency=False)
    cmd = SyncStore(store="shop", storefronts=(uk, us))
    uow = _StateOnly()
    source = _Source(families)
    options = _memos()
    planned, cold_s, cold_cpu = _plan(cmd, source, uow, NOW, options)
    creates = len(planned.plan.actions)
    cold_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Record the first sync as if every action succeeded, then edit 1% of the families and move the clock.
    state = uow.state
    state.listings["shop"] = {a.key: applied_after(a, None, i + 1) for i, a in enumerate(planned.plan.actions)}
    state.catalogues[source.name] = dict(planned.catalogue)
    del planned
    step = int(1 / EDITED)
    source.families = tuple(
        f.model_copy(update={"editions": tuple(e.model_copy(update={"subtitle": "Revised"}) for e in f.editions)})
        if i % step == 0 else f
        for i, f in enumerate(source.families)
    )
    warm, warm_s, warm_cpu = _plan(cmd, source, uow, NOW + timedelta(hours=1), options)
    return {
        "editions": sum(len(f.editions) for f in families),
        "cold_s": cold_s,
        "cold_cpu_s": cold_cpu,
        "creates": creates,
        "cold_peak_rss_mb": cold_rss,
        "warm_s": warm_s,
        "warm_cpu_s": warm_cpu,
        "warm_updates": len(warm.plan.actions),
        "warm_unchanged": warm.plan.unchanged,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "package": str(Path(sys.modules["bookbridge"].__file__ or "").resolve().parent),
    }


def _child(size: int, tree: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as links:
        if tree is not None:
            # `bookbridge` is the src/ folder (setuptools maps it): a link named so, found before the installed one.
            (Path(links) / "bookbridge").symlink_to((tree / "src").resolve(), target_is_directory=True)
            env["PYTHONPATH"] = os.pathsep.join([links, str(Path.cwd()), env.get("PYTHONPATH", "")])
        out = subprocess.run([sys.executable, "-m", "benchmarks.plan_catalogue", "--child", str(size)],
                             check=True, capture_output=True, text=True, env=env).stdout
    result = dict(json.loads(out.strip().splitlines()[-1]))
    expected = (tree / "src").resolve() if tree is not None else Path(__file__).resolve().parents[1] / "src"
    if Path(result["package"]).resolve() != expected:
        raise SystemExit(f"the child imported bookbridge from {result['package']}, not {expected}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--baseline", type=Path, help="a directory whose src/ tree to measure as 'before'")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.baseline is not None:
        trees.insert(0, (f"baseline {args.baseline}", args.baseline))
    rows = [(label, _child(size, tree)) for size in args.sizes for label, tree in trees]
    print("| code | editions | cold s | cold CPU s | µs/edition (CPU) | creates | peak RSS cold (MB) | warm s "
          "| warm CPU s | warm updates | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        per = r["cold_cpu_s"] / r["editions"] * 1e6
        print(f"| {label} | {int(r['editions']):,} | {r['cold_s']:.2f} | {r['cold_cpu_s']:.2f} | {per:.0f} "
              f"| {int(r['creates']):,} | {r['cold_peak_rss_mb']:.0f} | {r['warm_s']:.2f} | {r['warm_cpu_s']:.2f} "
              f"| {int(r['warm_updates']):,} | {r['peak_rss_mb']:.0f} |")
    print(f"\nload average {os.getloadavg()[0]:.1f}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)


if __name__ == "__main__":
    main()
