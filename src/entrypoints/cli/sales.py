"""`bookbridge orders import`, `bookbridge sales report` and `bookbridge sales export`: thin commands over
application/orders.py and application/sales_report.py."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from bookbridge.application.money import money_text
from bookbridge.application.orders import DeliveryReport, ImportReport, deliver_sales, import_orders, read_from
from bookbridge.application.sales_report import (
    DAY_BOUNDS,
    DEPRECATED_GROUPINGS,
    EARLIEST_DAY,
    GROUPING_RULE,
    GROUPINGS,
    LATEST_DAY,
    REPORT_DAYS,
    ReversedDays,
    SalesReport,
    rate_text,
    report_csv,
    report_days,
    report_document,
    sales_report,
)
from bookbridge.domain.formats import format_label
from bookbridge.domain.ports import OrderSource, SalesSink
from bookbridge.domain.sales import latest_sales_day
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.words import failure_words, value_error_words
from bookbridge.entrypoints.cli.common import (
    EXIT_BUSY,
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOption,
    command_group,
    instance_id,
    invalid_configuration,
    running,
    screen,
    setup_error,
)
from bookbridge.entrypoints.cli.render import add_format_column, add_isbn_column
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.cli.values import CommandRefused, day_value, instant_value, refused
from bookbridge.entrypoints.container import Container, build_import_command
from bookbridge.entrypoints.presentation import not_catalogued_note, plural, store_time
from bookbridge.entrypoints.settings import ConfigurationError

IMPORT_LEASE_TTL = timedelta(minutes=30)  # SQLite only: a crashed holder's lease lapses
SINKS_DOC = "(see [[sales_sinks]] in docs/configuration.md)"

orders_app = command_group("Store orders: import them into the sales ledger.")
sales_app = command_group("Sales from imported orders: reports and exports.")


@orders_app.command("import")
def orders_import(
    config: Path | None = ConfigOption,
    since: datetime | None = typer.Option(None, "--since", metavar="DAY|INSTANT", parser=instant_value,
                                          help="read orders modified from this day (YYYY-MM-DD, UTC) or instant "
                                          "(ISO 8601, 2026-12-07T09:00Z) instead of the cursor: rebuilds a period's "
                                          f"facts (an earlier start reads from {EARLIEST_DAY})"),
) -> None:
    """Import the store's orders as sales.

    The changed days go to the sales sinks.
    It reads orders modified since the last import (minus the overlap). Exit 1 when the store could not be read or
    a sink failed (see `bookbridge exceptions list`); exit 2 if the configuration is invalid or the order import is
    disabled ([orders] enabled = false); exit 3 if another instance is importing the store's orders.
    """
    # No order is older than the first day a sale can have (an earlier start reads from it, as /api/sales counts it).
    start = min(max(since, _midnight(EARLIEST_DAY)), _midnight(LATEST_DAY)) if since else None
    with running(config) as container:
        report = import_now(container, since=start)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURES)


def import_now(container: Container, *, since: datetime | None = None) -> ImportReport:
    """Import the store's orders under its order-import lease and print what it did (`orders import`, and the
    retry of the order import's exception). Exit 2 when the import is disabled, 3 when another instance holds
    the lease."""
    settings = container.settings()
    with _import_lease(container):
        command = replace(build_import_command(settings), since=since)
        source, sinks = _built(container)
        report = import_orders(command, source, container.sales_ledger(), sinks, container.unit_of_work(),
                               container.clock())
    print_import(screen(), report, settings.storefronts)
    return report


def deliver_now(container: Container, sink: str) -> DeliveryReport:
    """Send the sales sink named `sink` its pending days, reading no order, under the order-import lease (the
    retry of a sales sink's exception) and print what was sent."""
    with _import_lease(container):
        _, sinks = _built(container)
        chosen = [s for s in sinks if s.name == sink]
        if not chosen:
            screen(stderr=True).print(f"[yellow]no \\[\\[sales_sinks]] entry is named {escape(repr(sink))}: "
                                      "nothing was sent[/yellow]")
        report = deliver_sales(container.sales_ledger(), chosen, container.unit_of_work(), container.clock())
    _print_sinks(screen(), report)
    return report


@contextmanager
def _import_lease(container: Container) -> Iterator[None]:
    """The store's order-import lease, as the service's import takes it: exit 2 when the import is disabled
    ([orders] enabled = false), 3 when another instance holds it."""
    settings = container.settings()
    err = screen(stderr=True)
    if not settings.orders.enabled:
        err.print("[yellow]order import is disabled[/yellow] (\\[orders] enabled = false)")
        raise typer.Exit(EXIT_CONFIG)
    with container.leases()(f"order-import:{settings.store.name}", instance_id(), IMPORT_LEASE_TTL) as acquired:
        if not acquired:
            err.print(f"[yellow]another bookbridge instance is importing the orders of store "
                      f"{settings.store.name!r}; nothing was done[/yellow]")
            raise typer.Exit(EXIT_BUSY)
        yield


def _built(container: Container) -> tuple[OrderSource, list[SalesSink]]:
    """The order source and the sinks; a configuration they refuse exits 2 with the reason, not a traceback,
    worded as every command's start-up check words it (`[store] access_token_env: ...`)."""
    try:
        source = container.order_source()
    except ConfigurationError as exc:
        raise invalid_configuration([str(exc)]) from None
    except ValueError as exc:  # the store adapter's own message, its table put before it
        raise invalid_configuration([setup_error("storefront", exc)]) from None
    try:
        return source, container.sales_sinks()
    except (ConfigurationError, ValueError) as exc:  # each names its [[sales_sinks]] entry
        raise invalid_configuration([str(exc)]) from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


# What the order import's `stale` column counts (docs/operations.md, the order import).
STALE_WORDS = ("stale: orders read in an older version than the one the sales ledger already counted (the order "
               "webhook or an earlier import read a later change): ignored, their sales stay as counted")


def print_import(console: Console, report: ImportReport, storefronts: Sequence[StorefrontSettings]) -> None:
    """The import's counts, where it read from and its cursor: the store's instants, in UTC with each storefront's
    local time beside it (docs/glossary.md, instant)."""
    zones = [(s.name, s.timezone) for s in storefronts]

    def when(at: datetime) -> str:
        return store_time(at, zones)

    if report.source_error and not report.orders_read:  # nothing read: a table of zeros would read as success
        console.print(f"[red]nothing was imported:[/red] {escape(report.source_error)}")
        if report.cursor is not None:
            console.print(f"cursor unchanged at {when(report.cursor)}: the next import reads from it less the "
                          "overlap")
        _print_sinks(console, report)
        return
    table = WholeTable(title="Order import", caption=STALE_WORDS)
    for column in ("orders read", "lines counted", "facts changed", "problems", "stale"):
        table.add_column(column, justify="right")
    table.add_row(str(report.orders_read), str(report.lines_counted), str(report.facts_changed),
                  str(len(report.problems)), str(report.orders_stale))
    console.print(table)
    console.print(read_from(report, when))
    if report.cursor is not None:
        console.print(f"cursor now {when(report.cursor)}: the last order change read; the next import reads "
                      "from it less the overlap")
    else:
        console.print("no cursor yet: no order read")
    for problem in report.problems[:20]:
        console.print(f"[yellow]problem:[/yellow] {escape(str(problem))}")
    if len(report.problems) > 20:
        console.print(f"... and {len(report.problems) - 20} more (bookbridge exceptions list)")
    if report.source_error:
        console.print(f"[red]{escape(report.source_error)}[/red]")
    _print_sinks(console, report)


def _print_sinks(console: Console, report: ImportReport | DeliveryReport) -> None:
    """What each sales sink was sent, and its failures."""
    for sink, days in sorted(report.days_sent.items()):
        console.print(f"sales sink {escape(repr(sink))}: {plural(days, 'day')} sent")
    for failure in report.sink_failures.values():
        console.print(f"[red]{escape(str(failure))}[/red]")


TO_DEFAULT = "the latest day among the storefronts' own days (a sale's day is its storefront's local day)"
ToOption = typer.Option(None, "--to", metavar="DAY", parser=day_value,
                        help=f"last day, YYYY-MM-DD (default: {TO_DEFAULT}; {DAY_BOUNDS})")
DEPRECATED_WORDS = "; ".join(f"{old}: deprecated, the same as {new}" for old, new in DEPRECATED_GROUPINGS.items())


def _latest_day(container: Container) -> date:
    """`--to`'s default: a storefront ahead of UTC is already on tomorrow, and sells on it."""
    return latest_sales_day(container.clock().now(), [s.zone for s in container.settings().storefronts])


def _window(start: date | None, end: date | None, latest: date) -> tuple[date, date]:
    """The days from --from to --to, as /api/sales takes them (`report_days`); --to before --from is refused."""
    try:
        return report_days(start, end, latest, start_name="--from")
    except ReversedDays as exc:
        raise refused("--to", str(exc)) from None


@sales_app.command("report")
def report_command(
    config: Path | None = ConfigOption,
    start: date | None = typer.Option(None, "--from", metavar="DAY", parser=day_value,
                                      help=f"first day, YYYY-MM-DD (default: the {REPORT_DAYS} days ending on --to; "
                                      f"{DAY_BOUNDS})"),
    end: date | None = ToOption,
    by: str = typer.Option("edition", "--by", metavar="GROUPING",
                           help=f"group by {'|'.join(GROUPINGS)} ({DEPRECATED_WORDS})"),
    as_json: bool = typer.Option(False, "--json", help="print the report as one JSON document"),
    as_csv: bool = typer.Option(False, "--csv", help="print the rows as CSV"),
) -> None:
    """Show units, revenue, fast movers and the reprint signal.

    Rows are by edition (one ISBN: a title in one format), family (a title family: every format of a title),
    format, storefront, day, week or month. Exit 2 if the configuration or an option is invalid (a day, --by, --to
    before --from, --json with --csv).
    """
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv contradict each other")
    if by not in GROUPINGS and by not in DEPRECATED_GROUPINGS:
        raise refused("--by", value_error_words("grouping", "", None, by, words={"grouping": GROUPING_RULE}))
    if by in DEPRECATED_GROUPINGS:  # on stderr, so that --json and --csv stay as they were
        screen(stderr=True).print(f"[yellow]--by {by} is deprecated:[/yellow] use --by {DEPRECATED_GROUPINGS[by]} "
                                  "(the same rows)")
    with running(config, need_storefronts=False) as container:
        first, last = _window(start, end, _latest_day(container))
        settings = container.settings()
        uow = container.unit_of_work()
        with uow:
            catalogue = uow.state.catalogue(str(settings.source.options().get("name") or settings.source.kind))
        report = sales_report(container.sales_ledger(), first, last, by, catalogue=catalogue)
    if report.not_catalogued:  # on stderr, so that --json and --csv stay whole
        together = " and by title family counted together in one row" if report.group_by == "family" else ""
        screen(stderr=True).print(escape(not_catalogued_note(len(report.not_catalogued), "sold edition") + together))
    console = screen()
    if as_json:
        console.print_json(json.dumps(report_document(report)))
        return
    if as_csv:
        typer.echo(report_csv(report), nl=False)
        return
    print_report(console, report)


GROUPING_WORDS = {"family": "title family"}  # the glossary's words for a grouping, where its name is short for them
WHOLE_GROUPS = frozenset({"storefront", "day"})  # `storefront 'uk'` and a day read as one: a narrow table keeps them


def print_report(console: Console, report: SalesReport, *, limit: int | None = None,
                 listed_by: str = "`bookbridge sales report` lists them all") -> None:
    """The report's rows, the fastest-moving formats and the reprint signal (`limit`: the first rows of each;
    `listed_by`: where to see the rows left out)."""
    by_edition, by_family = report.group_by == "edition", report.group_by == "family"
    grouping = GROUPING_WORDS.get(report.group_by, report.group_by)
    rows = WholeTable(title=f"Sales from {report.start} to {report.end}, by {grouping} (the storefronts' "
                      "local days)")
    # Each group by its label (a title, `storefront 'uk'`, `2026-11`); a family's id after its title, labelled.
    columns = (("ISBN", "title", "format") if by_edition else ("title family", "family id") if by_family
               else (report.group_by,))
    for column in columns:
        if column == "ISBN":
            add_isbn_column(rows)
        elif column == "format" or report.group_by == "format":
            add_format_column(rows, column)
        else:
            rows.add_column(column, no_wrap=column in WHOLE_GROUPS)
    rows.add_column("currency")  # a row per currency: a title sold on two storefronts has two rows
    for column in ("units", "revenue"):
        rows.add_column(column, justify="right")
    for row in report.rows[:limit]:
        cells = ((row.group, row.label, format_label(row.format)) if by_edition else (row.label, row.group) if by_family
                 else (row.label,))
        rows.add_row(*map(escape, cells), row.currency, str(row.units), money_text(row.revenue, row.currency))
    if not report.rows:  # as the dashboard says "No data yet." rather than show empty tables
        console.print(f"No sales from {report.start} to {report.end}: `bookbridge orders import` reads the store's "
                      "orders into the sales ledger.")
        return
    console.print(rows)
    if limit is not None and len(report.rows) > limit:
        console.print(f"… and {len(report.rows) - limit} more rows ({escape(listed_by)})")
    formats = WholeTable(title="Fastest-moving formats")
    add_format_column(formats)
    for column in ("units", "units a week"):
        formats.add_column(column, justify="right")
    for v in report.formats:
        formats.add_row(format_label(v.format), str(v.units), _rate(v.units_per_week))
    console.print(formats)
    reprint = WholeTable(title="Reprint signal (weeks of cover)")
    add_isbn_column(reprint)
    reprint.add_column("title")
    add_format_column(reprint)
    for column in ("units a week", "stock", "weeks of cover", "reprint"):
        reprint.add_column(column, justify="left" if column == "reprint" else "right")
    for r in report.reprint[:limit]:
        reprint.add_row(r.isbn, escape(r.title), format_label(r.format), _rate(r.units_per_week),
                        "unknown" if r.stock is None else str(r.stock),
                        "-" if r.weeks_of_cover is None else _rate(r.weeks_of_cover),
                        "[red]yes[/red]" if r.reprint else "no")
    console.print(reprint)


def _rate(value: Decimal) -> str:
    """Units a week or weeks of cover as JSON has them: one decimal always (`28.0` beside `27.8`, `4.0`)."""
    return rate_text(value)


@sales_app.command("export")
def export_command(
    config: Path | None = ConfigOption,
    start: date | None = typer.Option(None, "--from", metavar="DAY", parser=day_value,
                                      help=f"first day, YYYY-MM-DD ({DAY_BOUNDS})"),
    end: date | None = ToOption,
    sink: str | None = typer.Option(None, "--sink", metavar="NAME", help="only this sink (its name)"),
) -> None:
    """Send days of sales to the sales sinks again.

    Every day from --from to --to is sent whole; a re-send replaces. Exit 1 when a sink failed; exit 2 if the
    configuration or a day is invalid, or no sales sink is configured (or named --sink).
    """
    with running(config, need_storefronts=False) as container:
        first, last = _window(start, end, _latest_day(container))
        sinks = [s for s in _built(container)[1] if sink is None or s.name == sink]
        err = screen(stderr=True)
        if not sinks and sink is not None:
            raise refused("--sink", f"no sales sink named {sink!r} {SINKS_DOC}")
        if not sinks:  # --sink was not given: the command as a whole is refused, naming no option
            raise CommandRefused(f"no sales sink is configured {SINKS_DOC}")
        ledger = container.sales_ledger()
        facts = ledger.facts(first, last)
        days = {f.day for f in facts}
        failed = False
        for target in sinks:
            try:
                target.write(facts)
            except Exception as exc:  # show the reason and go on with the other sinks
                why = failure_words(exc)
                err.print(f"[red]sales sink {escape(repr(target.name))}: {escape(why)}[/red]")
                failed = True
                continue
            ledger.delivered(target.name, days)
            screen().print(f"sales sink {escape(repr(target.name))}: {plural(len(days), 'day')}, "
                           f"{plural(len(facts), 'fact')} sent")
    raise typer.Exit(EXIT_FAILURES if failed else EXIT_OK)
