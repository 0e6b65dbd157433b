"""The demo's three simulated days: the clock moves to each launch and campaign instant, and the store changes.

At each instant the demo syncs, as the service's job at an instant does, and says what changed in the store. An
instant is the store's, so it is shown in UTC with each storefront's local time beside it, naming the zone: a US
midnight launch is `05:00 UTC (...; storefront 'us': 00:00 EST (America/New_York))`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from bookbridge.application.field_words import availability_words
from bookbridge.application.launches import launches_ahead
from bookbridge.application.money import money_text
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.application.upcoming import held_by_exceptions
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
    launches: int
    campaigns: int
    ahead: tuple[datetime, ...]  # the service's jobs at an instant after the simulated days (`launches_ahead`)


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


def _money(sales: tuple[tuple[str, object], ...]) -> str:
    return ", ".join(money_text(Decimal(str(p)), c) for c, p in sales if p)


def _campaign(before: tuple[tuple[str, object], ...], after: tuple[tuple[str, object], ...]) -> str:
    """A sale price's change in the dashboard's words: a campaign price starts, ends or changes."""
    was, now = _money(before), _money(after)
    if not was:
        return f"campaign price starts: {now}"
    if not now:
        return f"campaign price ends (it was {was})"
    return f"campaign price changes: {was} → {now}"


def play(console: Console, clock: FixedClock, until: datetime, wakeups: Sequence[tuple[str, datetime]],
         source: CatalogSource, store: Storefront, command: SyncStore, uow: UnitOfWork, sandbox: DemoSandbox,
         mapping: MappingSettings) -> Timeline:
    """Move the clock to each launch or campaign instant up to `until`, sync, and say what changed. What is ahead
    then is what the service schedules after the last sync: a job at each instant a listing changes
    (`launches_ahead`, as `bookbridge jobs` and /api/upcoming list them)."""
    launches = campaigns = instants = 0
    known = {w for _, w in wakeups}
    latest = list(wakeups)
    pending = sorted(w for w in known if clock.now() < w <= until)
    while pending:
        instant = pending[0]
        clock.advance_to(instant)
        before = _snapshot(sandbox)
        report = sync_store(command, source, store, uow, clock)
        known |= {w for _, w in report.wakeups}
        latest = list(report.wakeups)
        # As the service does: after every sync, wake up at the next instant any listing changes.
        pending = sorted(w for w in known if instant < w <= until)
        lines = []
        for sku, (availability, sales, name) in sorted(_snapshot(sandbox).items()):
            old_availability, old_sales, _ = before.get(sku, (None, (), name))
            if availability != old_availability:
                launches += availability == "available"
                lines.append(f"  {escape(name)}: {availability_words(str(old_availability))} → "
                             f"{availability_words(str(availability))}")
            if sales != old_sales:
                campaigns += 1
                lines.append(f"  {escape(name)}: {_campaign(old_sales, sales)}")
        instants += 1
        console.print(f"[bold]{when(instant, command.storefronts)}[/bold]: {plural(len(lines), 'store change')}")
        for line in lines[:SHOWN]:
            console.print(line)
        if len(lines) > SHOWN:
            console.print(f"  … and {len(lines) - SHOWN} more")
    with uow:
        held = held_by_exceptions(uow.exceptions.open_items(), uow.state.applied(command.store).values())
        stored = uow.state.catalogue(source.name)
    ahead = launches_ahead(latest, stored, storefronts=command.storefronts, mapping=mapping, now=until, held=held)
    return Timeline(instants, launches, campaigns, tuple(sorted(ahead)))
