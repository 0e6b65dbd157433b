"""Benchmark: planning a large generated catalogue (issue: the sync engine).

Each size runs in a fresh child process, so the peak RSS is that of planning alone (generation included,
since the editions must be in memory to be planned). Run: `.venv/bin/python -m benchmarks.plan_catalogue`.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

SIZES = (10_000, 100_000)
NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)


def _catalogue(editions: int):  # type: ignore[no-untyped-def]
    """`editions` editions in families of about 2.5, cloned from the sample catalogue with unique ISBNs/titles."""
    from adapters.sample.catalogue import make_isbn, sample_catalogue

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


def run_one(editions: int) -> dict[str, float]:
    from application.sync import collector_paused
    from domain.listing import build_store_listings
    from domain.plan import plan_changes
    from domain.storefront import StorefrontSettings

    families = _catalogue(editions)
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                            timezone="Europe/London")
    us = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                            tax_inclusive=False, timezone="Europe/London", default_currency=False)
    start = time.perf_counter()
    with collector_paused():  # as application.sync.plan_store does
        listings = build_store_listings(families, [uk, us], at=NOW, store="shop")
    built = time.perf_counter()
    plan = plan_changes("shop", listings, {})
    done = time.perf_counter()
    return {
        "editions": sum(len(f.editions) for f in families),
        "build_s": built - start,
        "diff_s": done - built,
        "total_s": done - start,
        "creates": len(plan.actions),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run_one(int(sys.argv[2]))))
        return
    rows = []
    for size in SIZES:
        out = subprocess.run([sys.executable, "-m", "benchmarks.plan_catalogue", "--child", str(size)],
                             check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out))
    print("| editions | build listings (s) | diff (s) | total (s) | µs per edition | creates | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        per = r["total_s"] / r["editions"] * 1e6
        print(f"| {int(r['editions']):,} | {r['build_s']:.2f} | {r['diff_s']:.2f} | {r['total_s']:.2f} | {per:.0f} "
              f"| {int(r['creates']):,} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
