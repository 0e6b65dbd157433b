"""`bookbridge demo`: the sample catalogue, one store with two storefronts, a plan, a sync, launches and
campaign flips.

Everything runs on embedded defaults: the generated sample catalogue, in-memory state, and an in-memory
store whose UK channel sells in GBP (on the product) and US channel in USD (price-list records). Time is
simulated with a fixed clock that the demo moves forward to each launch and campaign instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from adapters.memory.state import InMemoryUnitOfWork
from adapters.memory.storefront import InMemoryStorefront
from application.sync import SyncReport, SyncStore, plan_store, sync_store
from domain.plan import ActionKind, Plan
from domain.ports import CatalogSource, FixedClock
from domain.storefront import StorefrontSettings
from entrypoints.container import Container
from entrypoints.settings import AdapterSettings, Settings

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
    container.settings.override(Settings(source=AdapterSettings(kind="sample"), storefronts=list(STOREFRONTS)))
    container.clock.override(clock)
    source = container.source()
    store = InMemoryStorefront("demo store")
    command = SyncStore(store="demo store", storefronts=STOREFRONTS)
    uow = InMemoryUnitOfWork()
    read = source.read()
    console.rule("[bold]bookbridge demo")
    console.print(
        f"Sample catalogue: {len(read.families)} title families, "
        f"{sum(len(f.editions) for f in read.families)} editions. Clock: {start.isoformat()}"
    )
    console.print(
        "Store 'demo store': storefront uk (channel 1, GB GG JE IM, GBP incl. tax, Europe/London) and "
        "storefront us (channel 2, US, USD excl. tax, America/New_York)"
    )

    planned = plan_store(command, source, uow, clock)
    console.print(_plan_table(planned.plan))
    for action in planned.plan.of_kind(ActionKind.CREATE)[:3]:
        listing = action.listing
        assert listing is not None
        prices = [p for p in (listing.price, *listing.extra_prices) if p is not None]
        shown = ", ".join(f"{p.currency} {p.price}" for p in prices) or "no price"
        console.print(
            f"  create {listing.sku}  {listing.name}  [{listing.availability}] {shown} "
            f"channels {list(listing.channels)}"
        )
    for listing in [li for li in planned.listings if li.listed and len(li.channels) == 1][:2]:
        console.print(f"  {listing.sku} {listing.name}: only on channel {listing.channels[0]} (rights)")
    held = [li for li in planned.listings if not li.listed and li.not_listed_reason]
    for listing in held[:4]:
        console.print(f"  [yellow]held back[/yellow] {listing.sku} {listing.name}: {listing.not_listed_reason}")
    if len(held) > 4:
        console.print(f"  … and {len(held) - 4} more held back")

    report = sync_store(command, source, store, uow, clock)
    console.print(_report_table([report], "First sync"))
    with uow:
        opened = uow.exceptions.open_items()
    console.print(f"Exception queue: {len(opened)} open")
    for item in opened[:6]:
        console.print(f"  [red]{item.kind}[/red] {item.isbn} on {item.storefront}: {item.message}")
    again = sync_store(command, source, store, uow, clock)
    console.print(f"Second sync with nothing changed: {again.created + again.updated + again.hidden} writes.")

    wakeups = sorted({when for _, when in report.wakeups})
    console.print(
        f"Upcoming launches and campaign flips: {len(wakeups)}; next at {wakeups[0].isoformat() if wakeups else 'none'}"
    )
    launches, campaigns = _advance(console, clock, start + timedelta(days=3), wakeups, source, store, command, uow)
    console.print(
        f"[green]Done.[/green] {len(store.products)} products in the store; {launches} launches and {campaigns} "
        "campaign price flips happened at their instants."
    )
    return 0


def _snapshot(store: InMemoryStorefront) -> dict[str, tuple[object, object, str]]:
    def sales(fields: dict[str, object]) -> object:
        prices = [fields.get("price"), *(fields.get("extra_prices") or [])]  # type: ignore[misc]
        return tuple((p["currency"], p["sale_price"]) for p in prices if isinstance(p, dict))

    return {p.sku: (p.fields.get("availability"), sales(p.fields), p.name) for p in store.products.values()}


def _advance(
    console: Console,
    clock: FixedClock,
    until: datetime,
    wakeups: list[datetime],
    source: CatalogSource,
    store: InMemoryStorefront,
    command: SyncStore,
    uow: InMemoryUnitOfWork,
) -> tuple[int, int]:
    """Move the clock to each launch or campaign instant before `until`, sync, and say what changed."""
    launches = campaigns = 0
    for instant in [w for w in wakeups if clock.now() < w <= until]:
        clock.advance_to(instant)
        before = _snapshot(store)
        sync_store(command, source, store, uow, clock)
        lines = []
        for sku, (availability, sales, name) in sorted(_snapshot(store).items()):
            old_availability, old_sales, _ = before.get(sku, (None, (), name))
            if availability != old_availability:
                launches += availability == "available"
                lines.append(f"  {name}: {old_availability} -> {availability}")
            if sales != old_sales:
                campaigns += 1
                lines.append(f"  {name}: sale prices {_money(old_sales)} -> {_money(sales)}")
        console.print(f"[bold]{instant.isoformat()}[/bold]: {len(lines)} store changes")
        for line in lines[:4]:
            console.print(line)
        if len(lines) > 4:
            console.print(f"  … and {len(lines) - 4} more")
    return launches, campaigns


def _money(sales: object) -> str:
    pairs = [(c, p) for c, p in sales if p is not None] if isinstance(sales, tuple) else []
    return ", ".join(f"{c} {p}" for c, p in pairs) or "none"
