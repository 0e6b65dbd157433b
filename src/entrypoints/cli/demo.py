"""`bookbridge demo`: the sample catalogue, one store with two storefronts, a plan, a sync, launches and
campaign flips, and orders that come back as sales.

Everything runs on embedded defaults, through the same composition root as `bookbridge sync`: the generated
sample catalogue, a temporary SQLite state database, and the BigCommerce sandbox on a free loopback port, whose
UK channel sells in GBP (on the product) and US channel in USD (price-list records). Time is simulated with a
fixed clock that the demo moves forward to each launch and campaign instant; the sandbox itself runs in real
time. Orders are placed in the sandbox over the four weeks before the demo's start and imported back.

`--serve` then keeps the service running on that state (`bookbridge serve`: the scheduler on the real clock,
the HTTP app and its dashboard) until Ctrl-C.
"""

from __future__ import annotations

import secrets
import shutil
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.application.sync import SyncReport, SyncStore, plan_store, sync_store
from bookbridge.domain.plan import ActionKind, Plan
from bookbridge.domain.ports import CatalogSource, FixedClock, Storefront, UnitOfWork
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli.demo_adopt import make_by_hand, print_adoptions
from bookbridge.entrypoints.cli.demo_orders import run_orders
from bookbridge.entrypoints.cli.serve import run_service
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.settings import AdapterSettings, HttpSettings, Settings, StoreSettings

if TYPE_CHECKING:
    from bookbridge.entrypoints.container import DemoSandbox

CATEGORIES = Path(__file__).with_name("demo_categories.toml")  # the demo's small category mapping

# The sandbox's channels (`container.open_demo_sandbox`): 1, the store's default, and 2.
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
    table = Table(title=f"Plan for store {plan.storefront!r}")
    table.add_column("action")
    table.add_column("count", justify="right")
    for name, count in plan.counts.items():
        table.add_row(name, str(count))
    return table


def _report_table(reports: list[SyncReport], title: str) -> Table:
    table = Table(title=title)
    for column in ("storefront", "created", "adopted", "updated", "hidden", "unchanged", "skipped", "failed"):
        table.add_column(column, justify="right" if column != "storefront" else "left")
    for r in reports:
        table.add_row(r.storefront, str(r.created), str(r.adopted), str(r.updated), str(r.hidden), str(r.unchanged),
                      str(r.skipped), str(r.failed))
    return table


SIMULATED = timedelta(days=3)  # the demo's clock runs through the three days that end now


def demo(
    serve: bool = typer.Option(False, "--serve", help="then keep the service and its dashboard running (Ctrl-C "
                               "stops it) and print the URL"),
    port: int | None = typer.Option(None, help="with --serve: the HTTP port (default: 8080 when free, else any)"),
    keep: bool = typer.Option(False, "--keep", help="keep the demo's folder (SQLite state, the sales CSV files) "
                              "and print its path"),
) -> None:
    """Run the mission on embedded defaults: the bundled sample catalogue planned and synced into the BigCommerce
    sandbox, a launch and a campaign flip at their instants, and orders that come back as sales."""
    raise typer.Exit(run_demo(Console(), serve=serve, port=port, keep=keep))


def run_demo(console: Console, *, serve: bool = False, port: int | None = None, keep: bool = False) -> int:
    """The demo on a simulated clock that starts three days ago and ends now, so that `--serve` carries on from
    the demo's state on the real clock with nothing to undo. `keep`: the demo's folder (SQLite state, the sales
    CSV files, the admin token) is left in place, and its path printed."""
    folder = Path(mkdtemp(prefix="bookbridge-demo-"))
    container = Container()
    try:
        sandbox = container.demo_sandbox()
        end = datetime.now(UTC).replace(microsecond=0)
        clock = FixedClock(end - SIMULATED)
        container.settings.override(demo_settings(folder, sandbox, today=clock.now().date()))
        container.clock.override(clock)
        code = _run(console, container, sandbox, clock)
        if serve and code == 0:
            code = _serve(console, container, folder, port)
        return code
    finally:
        container.shutdown_resources()  # the sandbox stops with the database engine and the clients
        if keep:
            console.print(f"Kept the demo's folder: {folder} (state.db, sales/*.csv, admin-token)")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def demo_settings(directory: Path, sandbox: DemoSandbox, *, today: date | None = None) -> Settings:
    """The embedded defaults: the sample catalogue, the sandbox as the store, SQLite state in `directory`, the CSV
    sales export in `directory/sales`, and the dashboard's admin token in a file there."""
    token_file = directory / "admin-token"
    token_file.write_text(secrets.token_urlsafe(18), encoding="utf-8")
    token_file.chmod(0o600)
    store = StoreSettings(kind="bigcommerce", name="demo store", store_hash=sandbox.config.store_hash,
                          access_token=sandbox.config.token, v3_base_url=sandbox.base_url_v3,
                          v2_base_url=sandbox.base_url_v2, max_in_flight=2)
    return Settings(
        # Anchored on the demo's first day, so the service (`--serve`) reads the same catalogue.
        source=AdapterSettings(kind="sample", **({"today": today.isoformat()} if today else {})), store=store,
        storefronts=list(STOREFRONTS),
        database_url=f"sqlite:///{directory / 'state.db'}",
        sales_sinks=[AdapterSettings(kind="csv", name="consonance-csv", directory=str(directory / "sales"))],
        mapping={"categories": str(CATEGORIES)},  # the file, read as the settings load
        http=HttpSettings(admin_token_file=token_file))


def _run(console: Console, container: Container, sandbox: DemoSandbox, clock: FixedClock) -> int:
    start = clock.now()
    database = container.settings().database_url.removeprefix("sqlite:///")
    source = container.source()
    store = container.storefront()
    command = build_command(container.settings())
    uow = container.unit_of_work()
    read = source.read()
    console.rule("[bold]bookbridge demo")
    console.print(f"Sample catalogue: {len(read.families)} title families, "
                  f"{sum(len(f.editions) for f in read.families)} editions. Clock: simulated from "
                  f"{start.isoformat()} (three days ago) to now")
    console.print(f"State: SQLite at {database}. Store: the BigCommerce sandbox at {sandbox.base_url} (its "
                  "rate-limit window runs 100 times faster than BigCommerce's, so the demo takes seconds).")
    console.print("Store 'demo store': storefront uk (channel 1, GB GG JE IM, GBP incl. tax, Europe/London) and "
                  "storefront us (channel 2, US, USD excl. tax, America/New_York, as a price list)")

    make_by_hand(console, sandbox, next(li for li in plan_store(command, source, uow, clock).listings if li.listed))
    planned = plan_store(command, source, uow, clock, store=store)
    console.print(_plan_table(planned.plan))
    print_adoptions(console, planned.plan)
    for action in planned.plan.of_kind(ActionKind.CREATE)[:3]:
        listing = action.listing
        assert listing is not None
        prices = [p for p in (listing.price, *listing.extra_prices) if p is not None]
        shown = ", ".join(f"{p.currency} {p.price}" for p in prices) or "no price"
        console.print(f"  create {listing.sku}  {listing.name}  [{listing.availability}] {shown} "
                      f"channels {list(listing.channels)}")
    for listing in [li for li in planned.listings if li.listed and len(li.channels) == 1][:2]:
        console.print(f"  {listing.sku} {listing.name}: only on channel {listing.channels[0]} (rights)")
    held = [li for li in planned.listings if not li.listed and li.not_listed_reason]
    for listing in held[:4]:
        console.print(f"  [yellow]held back[/yellow] {listing.sku} "
                      f"{escape(f'{listing.name}: {listing.not_listed_reason}')}")
    if len(held) > 4:
        console.print(f"  … and {len(held) - 4} more held back")

    calls = len(sandbox.requests)
    report = sync_store(command, source, store, uow, clock)
    console.print(_report_table([report], f"First sync: {len(sandbox.requests) - calls} BigCommerce API calls"))
    with uow:
        opened = uow.exceptions.open_items()
    console.print(_categories_line(sandbox))
    console.print(f"Exception queue: {len(opened)} open")
    for item in opened[:6]:
        console.print(f"  [red]{item.kind}[/red] {item.isbn} on {item.storefront}: {escape(item.message)}")
    calls = len(sandbox.requests)
    again = sync_store(command, source, store, uow, clock)
    writes = sum(1 for r in list(sandbox.requests)[calls:] if r.method != "GET")
    changed = again.created + again.adopted + again.updated + again.hidden
    console.print(f"Second sync with nothing changed: {changed} product "
                  f"changes, {writes} API writes.")

    wakeups = sorted({when for _, when in report.wakeups})
    console.print(f"Upcoming launches and campaign flips: {len(wakeups)}; next at "
                  f"{wakeups[0].isoformat() if wakeups else 'none'}")
    launches, campaigns = _advance(console, clock, start + SIMULATED, wakeups, source, store, command, uow,
                                   sandbox)
    clock.advance_to(start)  # the orders are placed over the four weeks before the demo's start
    sales = run_orders(console, container, sandbox)
    revenue = ", ".join(f"{c} {v:,.2f}" for c, v in sorted(sales.report.revenue().items()))
    console.print(f"[green]Done.[/green] {len(sandbox.state.products)} products in the store; {launches} launches "
                  f"and {campaigns} campaign price flips happened at their instants; {sales.orders} orders came back "
                  f"as sales of {sales.units} units ({revenue}).")
    return 0


def _categories_line(sandbox: DemoSandbox) -> str:
    """The categories the sync filed products under, per channel's tree, with their product counts."""
    state = sandbox.state
    counts: dict[int, int] = {}
    for product in state.products.values():
        for cid in product.get("categories") or []:
            counts[cid] = counts.get(cid, 0) + 1

    def path(cid: int) -> str:
        c = state.categories[cid]
        return (path(c["parent_id"]) + " > " if c["parent_id"] in state.categories else "") + str(c["name"])

    trees = {t["id"]: t["channels"] for t in state.category_trees.values()}
    shown = sorted((trees.get(state.categories[c]["tree_id"], [0])[0], path(c), n) for c, n in counts.items())
    return (f"Categories (from the demo's subject mapping): {len(state.categories)} in the channels' trees; "
            + "; ".join(f"channel {ch}: {escape(p)} ({n})" for ch, p, n in shown[:6])
            + (f"; … {len(shown) - 6} more" if len(shown) > 6 else ""))


def _serve(console: Console, container: Container, directory: Path, port: int | None) -> int:
    """Keep the service running on the demo's state: the scheduler on the real clock and the HTTP app."""
    container.clock.reset_override()
    chosen = port if port is not None else _free_port(container.settings().service.port)
    token = (directory / "admin-token").read_text(encoding="utf-8")
    console.rule("[bold]bookbridge serve")
    console.print(f"Dashboard: http://127.0.0.1:{chosen}/  (sign in with the demo's admin token: {token})")
    console.print(f"API: http://127.0.0.1:{chosen}/docs   Metrics: http://127.0.0.1:{chosen}/metrics")
    console.print("The service runs on the real clock from where the demo's simulated days ended (now): it "
                  "syncs, schedules the next launches and campaign flips at their instants, and imports orders. "
                  "Ctrl-C stops it.")
    return run_service(container, http=True, host="127.0.0.1", port=chosen)


def _free_port(preferred: int) -> int:
    """`preferred` when it is free on loopback, else one the system picks."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _snapshot(sandbox: DemoSandbox) -> dict[str, tuple[object, object, str]]:
    """(availability, sale prices by currency, name) per SKU, read from the sandbox's state."""
    state = sandbox.state
    by_variant: dict[int, list[tuple[str, object]]] = {}
    for record in state.price_records.values():
        by_variant.setdefault(record["variant_id"], []).append(
            (str(record["currency"]).upper(), record.get("sale_price")))
    snapshot: dict[str, tuple[object, object, str]] = {}
    for p in state.products.values():
        sales = [("GBP", p.get("sale_price") or None), *by_variant.get(p.get("base_variant_id") or -1, [])]
        snapshot[p["sku"]] = (p.get("availability"), tuple(sorted(sales, key=lambda x: x[0])), p["name"])
    return snapshot


def _advance(console: Console, clock: FixedClock, until: datetime, wakeups: list[datetime], source: CatalogSource,
             store: Storefront, command: SyncStore, uow: UnitOfWork, sandbox: DemoSandbox) -> tuple[int, int]:
    """Move the clock to each launch or campaign instant before `until`, sync, and say what changed."""
    launches = campaigns = 0
    pending = sorted(w for w in wakeups if clock.now() < w <= until)
    while pending:
        instant = pending[0]
        clock.advance_to(instant)
        before = _snapshot(sandbox)
        report = sync_store(command, source, store, uow, clock)
        # As the service does: after every sync, wake up at the next instant any listing changes.
        pending = sorted({w for w in [*pending, *(when for _, when in report.wakeups)] if instant < w <= until})
        lines = []
        for sku, (availability, sales, name) in sorted(_snapshot(sandbox).items()):
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
    pairs = [(c, p) for c, p in sales if p] if isinstance(sales, tuple) else []
    return ", ".join(f"{c} {float(p):.2f}" for c, p in pairs) or "none"
