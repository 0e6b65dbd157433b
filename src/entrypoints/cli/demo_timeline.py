"""The demo's three simulated days: the clock moves to each launch and campaign instant, and the store changes.

At each instant the demo syncs, as the service's job at an instant does, and says what changed in the store. An
instant is the store's, so it is shown in UTC with each storefront's local time beside it, naming the zone: a US
midnight launch is `05:00 UTC (...; storefront 'us': 00:00 EST (America/New_York))`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from bookbridge.application.launches import launches_ahead
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.application.upcoming import (
    UpcomingChange,
    change_words,
    held_back_note,
    held_by_exceptions,
    in_store,
    is_campaign_flip,
    is_launch,
    upcoming_changes,
)
from bookbridge.domain.listing import MappingSettings
from bookbridge.domain.ports import CatalogSource, FixedClock, Storefront, UnitOfWork
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.presentation import plural, store_time

if TYPE_CHECKING:
    from bookbridge.entrypoints.container import DemoSandbox

SHOWN = 4  # store changes listed per instant; the rest are counted


@dataclass(frozen=True)
class Timeline:
    instants: int
    launches: int  # an edition going on sale on a storefront (docs/glossary.md), as the timeline lists them
    campaigns: int  # a campaign price starting or ending on a storefront, as the timeline lists them
    store_launches: int  # products the store put on sale (one per edition, whatever its storefronts)
    store_campaigns: int  # products whose sale price the store changed
    ahead: tuple[datetime, ...]  # the service's jobs at an instant after the simulated days (`launches_ahead`)


def flips(timeline: Timeline) -> str:
    """What the timeline's instants did, counted as it lists them (a change on a storefront each), with the store
    changes they made (one product per edition, whatever its storefronts): `20 launches (13 store changes) and 9
    campaign flips (7 store changes)`."""
    return (f"{plural(timeline.launches, 'launch', 'launches')} ({plural(timeline.store_launches, 'store change')}) "
            f"and {plural(timeline.campaigns, 'campaign flip')} ({plural(timeline.store_campaigns, 'store change')})")


def when(instant: datetime, storefronts: Sequence[StorefrontSettings]) -> str:
    """A store's instant, as `bookbridge jobs` and `runs` give it: in UTC, with each storefront's local time beside
    it, naming the storefront and the zone: `2026-12-05 05:00 UTC (storefront 'uk': 2026-12-05 05:00 GMT
    (Europe/London); storefront 'us': 2026-12-05 00:00 EST (America/New_York))`."""
    return store_time(instant, [(s.name, s.timezone) for s in storefronts])


def _snapshot(sandbox: DemoSandbox) -> dict[str, tuple[object, tuple[tuple[str, object], ...], str]]:
    """(availability, sale prices by currency, name) per SKU, read from the sandbox's state."""
    state = sandbox.state
    by_variant: dict[int, list[tuple[str, object]]] = {}
    for record in state.price_records.values():
        by_variant.setdefault(record["variant_id"], []).append(
            (str(record["currency"]).upper(), record.get("sale_price")))
    snapshot: dict[str, tuple[object, tuple[tuple[str, object], ...], str]] = {}
    for p in state.products.values():
        sales = [("GBP", p.get("sale_price") or None), *by_variant.get(p.get("base_variant_id") or -1, [])]
        snapshot[p["sku"]] = (p.get("availability"), tuple(sorted(sales, key=lambda x: x[0])), p["name"])
    return snapshot


def play(console: Console, clock: FixedClock, until: datetime, wakeups: Sequence[tuple[str, datetime]],
         source: CatalogSource, store: Storefront, command: SyncStore, uow: UnitOfWork, sandbox: DemoSandbox,
         mapping: MappingSettings) -> Timeline:
    """Move the clock to each launch or campaign instant up to `until`, sync, and say what changed. What is ahead
    then is what the service schedules after the last sync: a job at each instant a listing changes
    (`launches_ahead`, as `bookbridge jobs` and /api/upcoming list them)."""
    launches = campaigns = store_launches = store_campaigns = instants = 0
    known = {w for _, w in wakeups}
    latest = list(wakeups)
    pending = sorted(w for w in known if clock.now() < w <= until)
    while pending:
        instant = pending[0]
        # What changes on each storefront at the instant, said as `bookbridge jobs` says the job at it.
        listed, held_back = in_store(_changes_at(instant, clock, source, uow, command, mapping), _held(uow, command))
        clock.advance_to(instant)
        before = _snapshot(sandbox)
        report = sync_store(command, source, store, uow, clock)
        known |= {w for _, w in report.wakeups}
        latest = list(report.wakeups)
        # As the service does: after every sync, wake up at the next instant any listing changes.
        pending = sorted(w for w in known if instant < w <= until)
        changed = 0  # products the sync changed in the store
        for sku, (availability, sales, _) in sorted(_snapshot(sandbox).items()):
            old_availability, old_sales, _ = before.get(sku, (None, (), ""))
            if availability != old_availability:
                store_launches += availability == "available"
            store_campaigns += sales != old_sales
            changed += availability != old_availability or sales != old_sales
        instants += 1
        launches += sum(is_launch(change) for change in listed)
        campaigns += sum(is_campaign_flip(change) for change in listed)
        counts = "; ".join(filter(None, (plural(len(listed), "change") + " on the storefronts",
                                         held_back_note(held_back))))
        console.print(f"[bold]{when(instant, command.storefronts)}[/bold]: {plural(changed, 'store change')} "
                      f"({counts})")
        for change in listed[:SHOWN]:
            console.print(f"  {escape(change_words(change))}")
        if len(listed) > SHOWN:
            console.print(f"  … and {len(listed) - SHOWN} more")
    with uow:
        stored = uow.state.catalogue(source.name)
    ahead = launches_ahead(latest, stored, storefronts=command.storefronts, mapping=mapping, now=until,
                           held=_held(uow, command))
    return Timeline(instants, launches, campaigns, store_launches, store_campaigns, tuple(sorted(ahead)))


def _held(uow: UnitOfWork, command: SyncStore) -> frozenset[tuple[str, str | None]]:
    with uow:
        return held_by_exceptions(uow.exceptions.open_items(), uow.state.applied(command.store).values())


def _changes_at(instant: datetime, clock: FixedClock, source: CatalogSource, uow: UnitOfWork, command: SyncStore,
                mapping: MappingSettings) -> list[UpcomingChange]:
    """The storefront listings that change at `instant`, from the catalogue the last sync stored."""
    with uow:
        stored = uow.state.catalogue(source.name)
    return upcoming_changes(stored.values(), command.storefronts, [instant], now=clock.now(), mapping=mapping)[instant]
