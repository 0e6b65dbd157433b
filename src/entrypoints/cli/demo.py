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
from typing import TYPE_CHECKING, Any

import typer
from dependency_injector import providers
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.application.exception_words import kind_words
from bookbridge.application.field_words import availability_words, listing_summary
from bookbridge.application.held_back import FROM_EVERY_STOREFRONT
from bookbridge.application.money import money_text
from bookbridge.application.sync import SyncReport, plan_store, sync_store
from bookbridge.application.sync_exceptions import listing_words, opened_line
from bookbridge.domain.plan import ActionKind, Plan
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings, storefront_words
from bookbridge.entrypoints.cli.common import EXIT_FAILURES, heading, screen
from bookbridge.entrypoints.cli.demo_adopt import make_by_hand, print_adoptions
from bookbridge.entrypoints.cli.demo_flows import (
    VARIANTS_STATE,
    DemoStore,
    EditableCatalogue,
    approved_cover,
    sandbox_store,
    variants,
)
from bookbridge.entrypoints.cli.demo_orders import run_orders
from bookbridge.entrypoints.cli.demo_state import KEPT_CONFIG, KEPT_EDITS, Afterwards, write_kept_config
from bookbridge.entrypoints.cli.demo_timeline import flips, play, when
from bookbridge.entrypoints.cli.render import add_count_column, print_relinked
from bookbridge.entrypoints.cli.serve import CannotListen, listening_sockets, run_service
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.presentation import plural, where_words
from bookbridge.entrypoints.settings import ServiceSettings, Settings, embedded_settings

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


# Each count of the plan in words: actions count products; held back counts editions, from every storefront, so
# not in the store at all (docs/glossary.md, held back).
PLAN_WORDS = {"create": "products to create", "adopt": "products to adopt", "update": "products to update",
              "hide": "products to hide", "unchanged": "products unchanged",
              "held_back": f"editions {FROM_EVERY_STOREFRONT}"}


def _plan_table(plan: Plan) -> Table:
    table = WholeTable(title=f"Plan for store {plan.storefront!r}")
    table.add_column("plan")
    table.add_column("count", justify="right")
    for name, count in plan.counts.items():
        table.add_row(PLAN_WORDS.get(name, name.replace("_", " ")), str(count))
    return table


def _report_table(reports: list[SyncReport], title: str) -> Table:
    table = WholeTable(title=title)
    table.add_column("store")
    for column in ("created", "adopted", "updated", "hidden", "unchanged", FROM_EVERY_STOREFRONT, "failed"):
        add_count_column(table, column)
    for r in reports:
        table.add_row(escape(where_words(r.storefront, r.storefront) or r.storefront), str(r.created),
                      str(r.adopted), str(r.updated), str(r.hidden), str(r.unchanged),
                      str(r.skipped), str(r.failed))
    return table


# Where each flow shows in the dashboard (`bookbridge demo --serve`), or the command that shows it.
LOOK = {
    "metadata": 'dashboard: "Last runs", each sync and what it did; `bookbridge plan` lists changes field by field',
    "rights": 'dashboard: the status header\'s "Held back", per storefront and why',
    "exceptions": 'dashboard: "Open exceptions", to filter, resolve with a note, or retry one edition',
    "timeline": 'dashboard: "Upcoming launches and campaign flips", per storefront in its own time zone',
    "assets": 'dashboard: "Last runs" (the syncs that replaced the cover)',
    "variants": 'not in the dashboard (a second store): `bookbridge plan` shows such products for a store whose '
                '[[storefronts]] have format_strategy = "variants"',
    "sales": 'dashboard: "Sales", units and revenue per currency, and sales over time',
}


def look(console: Console, flow: str, *, also: str = "") -> None:
    """Where `flow` shows in the dashboard, and `also` a command that shows it (`Afterwards.lists`)."""
    console.print(f"[dim]Where to look: {escape(LOOK[flow] + (f'; {also}' if also else ''))}.[/dim]")


SIMULATED = timedelta(days=3)  # the demo's clock runs through the three days that end now


def demo(
    serve: bool = typer.Option(False, "--serve", help="then keep the service and its dashboard running (Ctrl-C "
                               "stops it) and print the URL"),
    port: int | None = typer.Option(None, metavar="PORT",
                                    help="with --serve: the HTTP port (default: 8080 when free, else any)"),
    keep: bool = typer.Option(False, "--keep", help="keep the demo's folder (SQLite state, the sales CSV files, "
                              "a bookbridge.toml) and print how commands read it (-c FILE)"),
) -> None:
    """Show bookbridge at work on a sample shop, start to finish.

    Nothing to set up and nothing real is touched: a sample catalogue is sent to a local copy of BigCommerce's API,
    three days of launches and price changes play out, shoppers' orders come back as sales, and each step says
    where to look in the dashboard (--serve). Exit 1 if --serve cannot listen on its address (another `bookbridge
    serve` may hold it).
    """
    raise typer.Exit(run_demo(screen(), serve=serve, port=port, keep=keep))


def run_demo(console: Console, *, serve: bool = False, port: int | None = None, keep: bool = False) -> int:
    """The demo on a simulated clock that starts three days ago and ends now, so that `--serve` carries on from
    the demo's state on the real clock with nothing to undo. `keep`: the demo's folder (SQLite state, the sales
    CSV files, the admin token) is left in place, and its path printed. `serve`: the address is bound before
    anything else, so that one that cannot be says so (exit 1) with nothing started."""
    try:
        sockets = _listen(port) if serve else []
    except CannotListen as exc:  # `--port` names a taken one: said as `serve` says it
        screen(stderr=True).print(f"[red]{escape(str(exc))}[/red]")
        return EXIT_FAILURES
    try:
        return _run_demo(console, serve=serve, sockets=sockets, keep=keep)
    finally:
        for sock in sockets:  # the service's server closes them; a demo that fails first, here
            sock.close()


def _run_demo(console: Console, *, serve: bool, sockets: list[socket.socket], keep: bool) -> int:
    folder = Path(mkdtemp(prefix="bookbridge-demo-"))
    container = Container()
    afterwards = Afterwards(serving=serve)
    try:
        sandbox = container.demo_sandbox()
        end = datetime.now(UTC).replace(microsecond=0)
        clock = FixedClock(end - SIMULATED)
        configuration = demo_configuration(folder, sandbox, today=clock.now().date())
        if keep:  # every command reads the kept state with `-c` and this file, the demo's edits and all
            afterwards = Afterwards(write_kept_config(folder, {
                **configuration, "source": {**configuration["source"], "edits": str(folder / KEPT_EDITS)}}),
                serving=serve)
        container.settings.override(embedded_settings(**configuration))
        container.clock.override(clock)
        code = _run(console, container, sandbox, clock, folder, afterwards)
        if serve and code == 0:
            code = _serve(console, container, folder, sockets)
        return code
    finally:
        container.shutdown_resources()  # the sandbox stops with the database engine and the clients
        if afterwards.config is not None:
            console.print(escape(f"Kept the demo's folder: {folder} ({KEPT_CONFIG}, {KEPT_EDITS}, state.db, "
                                 f"sales/*.csv, admin-token; {VARIANTS_STATE}, the state of the second store, "
                                 "which sells formats as variants). Commands read its state with -c "
                                 f"{afterwards.config}, as in {afterwards.command('sales report')}; `exceptions "
                                 "list`, `milestones`, `runs` and `plan` alike (its store, the sandbox, stopped "
                                 "with the demo)."))
        else:
            shutil.rmtree(folder, ignore_errors=True)


def demo_settings(directory: Path, sandbox: DemoSandbox, *, today: date | None = None) -> Settings:
    """The embedded defaults (`demo_configuration`)."""
    return embedded_settings(**demo_configuration(directory, sandbox, today=today))


def demo_configuration(directory: Path, sandbox: DemoSandbox, *, today: date | None = None) -> dict[str, Any]:
    """The demo's configuration, as a file's tables: the sample catalogue, the sandbox as the store, SQLite state
    in `directory`, the CSV sales export in `directory/sales`, and the dashboard's admin token in a file there."""
    token_file = directory / "admin-token"
    token_file.write_text(secrets.token_urlsafe(18), encoding="utf-8")
    token_file.chmod(0o600)
    store = sandbox_store(sandbox, "demo store")
    return {
        "database_url": f"sqlite:///{directory / 'state.db'}",
        # Anchored on the demo's first day, so the service (`--serve`) reads the same catalogue.
        "source": {"kind": "sample", **({"today": today.isoformat()} if today else {})},
        "store": {"kind": store.kind, "name": store.name, **store.options()},
        "mapping": {"categories": str(CATEGORIES)},  # the file, read as the settings load
        "http": {"admin_token_file": str(token_file)},
        "storefronts": [{**s.model_dump(mode="json", exclude_defaults=True), "countries": sorted(s.countries)}
                        for s in STOREFRONTS],
        "sales_sinks": [{"kind": "csv", "name": "consonance-csv", "directory": str(directory / "sales")}],
    }


def _describe(storefront: StorefrontSettings) -> str:
    tax = "incl. tax" if storefront.tax_inclusive else "excl. tax"
    countries = " ".join(sorted(storefront.countries))
    return (f"{storefront_words(storefront.name)} (channel {storefront.channel_id}, {countries}, "
            f"{storefront.currency} {tax}, {storefront.timezone})")


def _run(console: Console, container: Container, sandbox: DemoSandbox, clock: FixedClock, folder: Path,
         afterwards: Afterwards) -> int:
    start = clock.now()
    catalogue = EditableCatalogue(container.source(),
                                  kept=folder / KEPT_EDITS if afterwards.config is not None else None)
    # The service (--serve) reads the demo's catalogue, edits and all.
    container.source.override(providers.Callable(lambda **_: catalogue))
    store = container.storefront()
    command = build_command(container.settings())
    uow = container.unit_of_work()
    demo_store = DemoStore(catalogue, store, uow, clock, command, sandbox)
    read = catalogue.read()
    heading(console, "bookbridge demo")
    console.print(f"Sample catalogue: {plural(len(read.families), 'title family', 'title families')}, "
                  f"{plural(sum(len(f.editions) for f in read.families), 'edition')}. The clock is simulated: "
                  f"it starts three days ago, at {when(start, STOREFRONTS)}, and ends now.")
    console.print(f"Store 'demo store': the BigCommerce sandbox at {sandbox.base_url}, a local stand-in for "
                  "BigCommerce's API (its rate-limit window runs 100 times faster, so the demo takes seconds), with "
                  f"{' and '.join(_describe(s) for s in STOREFRONTS)}. State: SQLite in {folder}.")

    heading(console, "Title metadata becomes products")
    made = next(li for li in plan_store(command, catalogue, uow, clock).listings if li.listed)
    make_by_hand(console, sandbox, command.store, made)
    planned = plan_store(command, catalogue, uow, clock, store=store)
    console.print(_plan_table(planned.plan))
    print_adoptions(console, planned.plan)
    for action in planned.plan.of_kind(ActionKind.CREATE)[:3]:
        listing = action.listing
        assert listing is not None
        selling = availability_words(listing.availability)
        summary = listing_summary(listing, STOREFRONTS)
        console.print(escape(f"  create {listing.sku}  {listing.name}  [{selling}] {summary}"))
    calls = len(sandbox.requests)
    report = sync_store(command, catalogue, store, uow, clock)
    console.print(_report_table([report], f"First sync: {len(sandbox.requests) - calls} BigCommerce API calls"))
    print_relinked(console, report)
    console.print(_categories_line(sandbox))
    for line in _links_and_credits(sandbox):
        console.print(line)
    calls = len(sandbox.requests)
    again = sync_store(command, catalogue, store, uow, clock)
    writes = sum(1 for r in list(sandbox.requests)[calls:] if r.method != "GET")
    console.print(f"A second sync with nothing changed makes "
                  f"{again.created + again.adopted + again.updated + again.hidden} "
                  f"product changes and {plural(writes, 'API write')}.")
    look(console, "metadata")

    heading(console, "Territorial rights")
    names = {s.channel_id: s.name for s in STOREFRONTS}
    for listing in [li for li in planned.listings if li.listed and len(li.channels) == 1][:2]:
        console.print(f"  {escape(listing_words(listing))}: on {storefront_words(names[listing.channels[0]])} only "
                      "(licensed there alone)")
    held = [li for li in planned.listings if not li.listed and li.not_listed_reason]
    for listing in held[:4]:
        said = f"{listing_words(listing)}: {listing.not_listed_reason}"
        console.print(f"  [yellow]held back[/yellow] {escape(said)}")
    if len(held) > 4:
        console.print(f"  … and {len(held) - 4} more held back")
    look(console, "rights")

    heading(console, "Every failure in the exception queue")
    with uow:
        opened = uow.exceptions.open_items()
    console.print(f"{plural(len(opened), 'open exception')}:")
    listings = {str(isbn): listing for listing in planned.listings for isbn in listing.isbns}
    for item in opened[:6]:  # on a storefront, or on the store itself (a subject without a category)
        if (listing := listings.get(item.isbn or "")) is not None:
            line = opened_line(item, listing)  # as `bookbridge sync` prints it
        else:
            where = where_words(item.storefront, command.store, names.values()) or ""
            line = f"{kind_words(item.kind, item.storefront)}: {item.isbn} on {where}: {item.message}"
        console.print(f"  [red]exception[/red] {escape(line)}")
    if len(opened) > 6:
        console.print(f"  … and {len(opened) - 6} more ({escape(afterwards.lists('exceptions list', 'them all'))})")
    look(console, "exceptions")

    heading(console, "Launches and campaign prices, at their instants")
    console.print("The clock moves to each instant in the three days up to now at which an edition launches or a "
                  "campaign price starts or ends, and syncs there, as the service does: the products its sync "
                  "changes in the store, then what changes on each storefront, as `bookbridge jobs` says it:")
    timeline = play(console, clock, start + SIMULATED, report.wakeups, catalogue, store, command, uow, sandbox,
                    container.settings().mapping)
    clock.advance_to(start + SIMULATED)  # now: what follows (a cover, orders) happens at the end of the three days
    ahead = f"; the next at {when(timeline.ahead[0], STOREFRONTS)}" if timeline.ahead else ""
    console.print(f"{plural(timeline.instants, 'instant')}: {flips(timeline)}. Ahead of now, for the service: "
                  f"{plural(len(timeline.ahead), 'job at an instant', 'jobs at an instant')} (every instant a "
                  f"listing changes, a price-only campaign flip or a held-back edition's change too, "
                  f"{afterwards.jobs()}){ahead}.")
    look(console, "timeline")

    records = approved_cover(console, demo_store, container.milestone_log())
    look(console, "assets", also=afterwards.lists("milestones", "the milestones"))
    family = next(f for f in read.families if len(f.editions) > 1)
    variants(console, folder, family, catalogue, clock, STOREFRONTS[0])
    look(console, "variants")

    sales = run_orders(console, container, sandbox, afterwards)
    look(console, "sales")
    revenue = ", ".join(money_text(v, c) for c, v in sorted(sales.report.revenue().items()))
    heading(console, "Done")
    console.print(f"[green]Done.[/green] {plural(len(sandbox.state.products), 'product')} in the store; "
                  f"{flips(timeline)} happened at their instants; "
                  f"{plural(len(records), 'milestone')} fired; {sales.summary()} ({revenue}).")
    return 0


def _links_and_credits(sandbox: DemoSandbox) -> list[str]:
    """One title's formats linked to each other (`related_products`), and one title's credits with their roles
    (the page title's byline and the Contributors custom field), read back from the store."""
    state = sandbox.state
    products = sorted(state.products.values(), key=lambda p: p["id"])
    lines: list[str] = []
    linked = next((p for p in products if p.get("related_products")), None)
    if linked is not None:
        others = [state.products[i] for i in linked["related_products"] if i in state.products]
        back = all(linked["id"] in (o.get("related_products") or []) for o in others)
        lines.append(escape(f"Formats linked: {linked['name']} (product {linked['id']}) lists "
                            f"{' and '.join(str(o['name']) for o in others)} as related products"
                            + (", and they list it." if back else ".")))
    for product in products:
        fields = {f["name"]: f["value"] for f in state.children(state.custom_fields, product["id"])}
        if "translated by" in str(product.get("page_title") or "") and "Contributors" in fields:
            lines.append(escape(f"Credits with roles: page title \"{product['page_title']}\"; "
                                f"Contributors field \"{fields['Contributors']}\"."))
            break
    return lines


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
    # The count is of what the list shows: the categories products are filed under, not their parents.
    parents = f" ({len(state.categories)} with their parents)" if len(state.categories) > len(shown) else ""
    return (f"Categories (from the demo's subject mapping): {plural(len(shown), 'category', 'categories')} with "
            f"products in the channels' trees{parents}; "
            + "; ".join(f"{escape(_on_channel(ch))}: {escape(p)} ({n})" for ch, p, n in shown[:6])
            + (f"; … {len(shown) - 6} more" if len(shown) > 6 else ""))


def _on_channel(channel_id: int) -> str:
    """`storefront 'uk' (channel 1)`: the storefront that sells on a channel, and the channel (BigCommerce's word)."""
    names = [s.name for s in STOREFRONTS if s.channel_id == channel_id]
    return f"{storefront_words(names)} (channel {channel_id})" if names else f"channel {channel_id}"


def _serve(console: Console, container: Container, directory: Path, sockets: list[socket.socket]) -> int:
    """Keep the service running on the demo's state: the scheduler on the real clock and the HTTP app on
    `sockets`, bound before the demo began."""
    container.clock.reset_override()
    chosen: int = sockets[0].getsockname()[1]
    token = (directory / "admin-token").read_text(encoding="utf-8")
    heading(console, "bookbridge serve")
    console.print(f"Dashboard: http://127.0.0.1:{chosen}/  (sign in with the demo's admin token: {token})")
    console.print(f"API: http://127.0.0.1:{chosen}/docs   Metrics: http://127.0.0.1:{chosen}/metrics")
    console.print("The service runs on the real clock from where the demo's simulated days ended (now): it "
                  "syncs, runs the next launches and campaign flips at their instants, and imports orders. "
                  "Ctrl-C stops it.")
    return run_service(container, http=True, host="127.0.0.1", port=chosen, sockets=sockets)


def _listen(port: int | None) -> list[socket.socket]:
    """Loopback bound at `port`; without one, at the service's default port when it is free, else at one the
    system picks. CannotListen when `port` cannot be bound."""
    if port is not None:
        return listening_sockets("127.0.0.1", port)
    try:
        return listening_sockets("127.0.0.1", ServiceSettings().port)
    except CannotListen:
        return listening_sockets("127.0.0.1", 0)
