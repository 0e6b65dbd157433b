"""`bookbridge demo`: the sample catalogue, two storefronts, a plan, a sync, a launch and a campaign flip.

Everything runs on embedded defaults: the generated sample catalogue, in-memory state, and an in-memory
store. Time is simulated with a fixed clock that the demo moves forward to the next launch and campaign.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from adapters.memory.state import InMemoryUnitOfWork
from adapters.memory.storefront import InMemoryStorefront
from application.sync import SyncReport, SyncStorefront, plan_storefront, sync_storefront
from domain.plan import ActionKind, Plan
from domain.ports import CatalogSource, FixedClock
from domain.storefront import StorefrontSettings
from entrypoints.container import Container

STOREFRONTS = (
    StorefrontSettings(
        name="uk",
        channel_id=1,
        countries=frozenset({"GB", "GG", "JE", "IM"}),
        currency="GBP",
        tax_inclusive=True,
        timezone="Europe/London",
    ),
    StorefrontSettings(
        name="us",
        channel_id=2,
        countries=frozenset({"US"}),
        currency="USD",
        tax_inclusive=False,
        timezone="America/New_York",
        default_currency=False,
    ),
)


def _plan_table(plan: Plan) -> Table:
    table = Table(title=f"Plan for storefront {plan.storefront}")
    table.add_column("action")
    table.add_column("count", justify="right")
    for name, count in plan.counts.items():
        table.add_row(name, str(count))
    return table


def _report_table(reports: list[SyncReport], title: str) -> Table:
    table = Table(title=title)
    for column in ("storefront", "created", "updated", "hidden", "unchanged", "skipped", "failed"):
        table.add_column(column, justify="right" if column != "storefront" else "left")
    for r in reports:
        table.add_row(
            r.storefront, str(r.created), str(r.updated), str(r.hidden), str(r.unchanged), str(r.skipped), str(r.failed)
        )
    return table


def run_demo(console: Console) -> int:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(start)
    container = Container()
    container.config.from_dict(
        {
            "source": {"kind": "sample", "today": start.date().isoformat()},
            "store": {"kind": "memory", "name": "demo store"},
        }
    )
    container.clock.override(clock)
    source = container.source()
    stores = {s.name: InMemoryStorefront(s.name) for s in STOREFRONTS}
    uow = InMemoryUnitOfWork()
    read = source.read()
    console.rule("[bold]bookbridge demo")
    console.print(
        f"Sample catalogue: {len(read.families)} title families, "
        f"{sum(len(f.editions) for f in read.families)} editions. Clock: {start.isoformat()}"
    )

    for settings in STOREFRONTS:
        planned = plan_storefront(SyncStorefront(settings), source, uow, clock)
        console.print(_plan_table(planned.plan))
        for action in planned.plan.of_kind(ActionKind.CREATE)[:3]:
            listing = action.listing
            assert listing is not None
            price = f"{listing.price.currency} {listing.price.price}" if listing.price else "no price"
            console.print(f"  create {listing.sku}  {listing.name}  [{listing.availability}] {price}")
        held = [li for li in planned.listings if not li.listed and li.not_listed_reason]
        for listing in held[:4]:
            console.print(f"  [yellow]held back[/yellow] {listing.sku} {listing.name}: {listing.not_listed_reason}")
        if len(held) > 4:
            console.print(f"  … and {len(held) - 4} more held back")

    reports = [sync_storefront(SyncStorefront(s), source, stores[s.name], uow, clock) for s in STOREFRONTS]
    console.print(_report_table(reports, "First sync"))
    with uow:
        opened = uow.exceptions.open_items()
    console.print(f"Exception queue: {len(opened)} open")
    for item in opened[:6]:
        console.print(f"  [red]{item.kind}[/red] {item.isbn} on {item.storefront}: {item.message}")

    wakeups = sorted({when for r in reports for _, when in r.wakeups})
    console.print(
        f"Upcoming launches and campaign flips: {len(wakeups)}; next at {wakeups[0].isoformat() if wakeups else 'none'}"
    )
    launches, campaigns = _advance(console, clock, start + timedelta(days=3), wakeups, source, stores, uow)
    total = sum(len(s.products) for s in stores.values())
    console.print(
        f"[green]Done.[/green] {total} products in the stores; {launches} launches and {campaigns} "
        "campaign price flips happened at their instants."
    )
    return 0


def _snapshot(stores: dict[str, InMemoryStorefront]) -> dict[tuple[str, str], tuple[object, object, str]]:
    return {
        (name, p.sku): (p.fields.get("availability"), (p.fields.get("price") or {}).get("sale_price"), p.name)
        for name, store in stores.items()
        for p in store.products.values()
    }


def _advance(
    console: Console,
    clock: FixedClock,
    until: datetime,
    wakeups: list[datetime],
    source: CatalogSource,
    stores: dict[str, InMemoryStorefront],
    uow: InMemoryUnitOfWork,
) -> tuple[int, int]:
    """Move the clock to each launch or campaign instant before `until`, sync, and say what changed."""
    launches = campaigns = 0
    for instant in [w for w in wakeups if clock.now() < w <= until]:
        clock.advance_to(instant)
        before = _snapshot(stores)
        for settings in STOREFRONTS:
            sync_storefront(SyncStorefront(settings), source, stores[settings.name], uow, clock)
        after = _snapshot(stores)
        lines = []
        for key, (availability, sale, name) in sorted(after.items()):
            old_availability, old_sale, _ = before.get(key, (None, None, name))
            if availability != old_availability:
                launches += availability == "available"
                lines.append(f"  {key[0]}: {name}: {old_availability} -> {availability}")
            if sale != old_sale:
                campaigns += 1
                lines.append(f"  {key[0]}: {name}: sale price {old_sale} -> {sale}")
        console.print(f"[bold]{instant.isoformat()}[/bold]: {len(lines)} store changes")
        for line in lines[:4]:
            console.print(line)
        if len(lines) > 4:
            console.print(f"  … and {len(lines) - 4} more")
    return launches, campaigns
