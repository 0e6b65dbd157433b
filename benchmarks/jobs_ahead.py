"""What scheduling every instant ahead costs after a sync: `launches_ahead` over the sample catalogue, two
storefronts (London, New York), from the wake-ups a sync reports (each product's nearest change).

    python -m benchmarks.jobs_ahead [FAMILIES ...]   (default 2000)

For each size: the jobs at an instant it asks for, the time of the first call (every edition with a change ahead
followed through all its changes, on each storefront) and of a second one on the catalogue read again (equal
content, new objects, as the service reads it after each sync), which reuses the first call's walks
(`ChangesMemo`).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.launches import launches_ahead
from bookbridge.application.upcoming import ChangesMemo
from bookbridge.domain.listing import MappingSettings, build_edition_listing
from bookbridge.domain.storefront import StorefrontSettings

UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="America/New_York", default_currency=False)


def measure(families: int) -> str:
    now = datetime.now(UTC)
    catalogue = {f.id: f for f in sample_catalogue(now.date(), families=families)}
    storefronts = [UK, US]
    wakeups = []  # as a sync reports them: per product, its nearest change over the storefronts
    for family in catalogue.values():
        for edition in family.editions:
            changes = [c for s in storefronts if (c := build_edition_listing(edition, s, at=now).next_change)]
            if changes:
                wakeups.append((str(edition.isbn), min(changes)))
    memo = ChangesMemo()
    start = time.perf_counter()
    first = launches_ahead(wakeups, catalogue, storefronts=storefronts, mapping=MappingSettings(), now=now, memo=memo)
    walked = time.perf_counter() - start
    again = {key: family.model_copy(deep=True) for key, family in catalogue.items()}
    start = time.perf_counter()
    second = launches_ahead(wakeups, again, storefronts=storefronts, mapping=MappingSettings(), now=now, memo=memo)
    reused = time.perf_counter() - start
    assert first == second
    editions = sum(len(f.editions) for f in catalogue.values())
    return (f"| {families:,} | {editions:,} | {len(wakeups):,} | {len({at for _, at in wakeups}):,} | {len(first):,} "
            f"| {walked:.2f} | {reused:.2f} |")


def main(sizes: list[int]) -> None:
    print("| families | editions | with a change ahead | nearest instants | jobs at an instant | first call s "
          "| again s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for families in sizes:
        print(measure(families), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000])
