"""`bookbridge`: thin commands that parse input, build a command object, and call a use case."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.adapters.persistence import lease
from bookbridge.application.sync import SyncReport, plan_store, sync_store
from bookbridge.domain.ports import SourceUnreadable
from bookbridge.entrypoints.cli.check import check
from bookbridge.entrypoints.cli.init import init
from bookbridge.entrypoints.cli.render import print_plan, print_plan_json, print_report
from bookbridge.entrypoints.cli.source import source_app
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.logs import add_secret_names, configure_logging, level_for, secret_env_names
from bookbridge.entrypoints.settings import ConfigurationError

EXIT_OK, EXIT_FAILURES, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3
SYNC_LEASE_TTL = timedelta(hours=2)  # SQLite only: a crashed holder's lease lapses (PostgreSQL frees it at once)
ConfigOption = typer.Option(None, "--config", "-c", help="bookbridge.toml (default: ./bookbridge.toml or "
                            "$BOOKBRIDGE_CONFIG)", exists=False, dir_okay=False)

app = typer.Typer(
    help="bookbridge: keeps a Consonance catalogue and a BigCommerce store in step.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(source_app, name="source")
app.command()(init)
app.command()(check)


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="log debug lines too (and every HTTP request)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="log warnings and errors only"),
) -> None:
    """Logs go to stderr: JSON lines when it is not a terminal, readable text when it is."""
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet contradict each other")
    configure_logging(level_for(verbose, quiet))


def _register_operations() -> None:
    from bookbridge.entrypoints.cli.operations import db_app, exceptions_app, reconcile, runs

    app.add_typer(db_app, name="db")
    app.add_typer(exceptions_app, name="exceptions")
    app.command()(runs)
    app.command()(reconcile)
    from bookbridge.entrypoints.cli.sales import orders_app, sales_app

    app.add_typer(orders_app, name="orders")
    app.add_typer(sales_app, name="sales")
    from bookbridge.entrypoints.cli.serve import jobs, milestones, serve  # the service; its commands read its tables

    for command in (serve, jobs, milestones):
        app.command()(command)


@app.command()
def demo(
    serve: bool = typer.Option(False, "--serve", help="then keep the service and its dashboard running (Ctrl-C "
                               "stops it) and print the URL"),
    port: int | None = typer.Option(None, help="with --serve: the HTTP port (default: 8080 when free, else any)"),
    keep: bool = typer.Option(False, "--keep", help="keep the demo's folder (SQLite state, the sales CSV files) "
                              "and print its path"),
) -> None:
    """Run the mission on embedded defaults: the bundled sample catalogue planned and synced into the BigCommerce
    sandbox, a launch and a campaign flip at their instants, and orders that come back as sales."""
    from bookbridge.entrypoints.cli.demo import run_demo

    raise typer.Exit(run_demo(Console(), serve=serve, port=port, keep=keep))


@app.command()
def plugins() -> None:
    """List every registered adapter, where it came from, and its kind."""
    container = Container()
    registry = container.registry()
    failures = container.plugin_failures()
    table = Table(title="Registered adapters")
    for column in ("kind", "name", "plugin", "origin", "description"):
        table.add_column(column)
    for spec in registry.all():
        table.add_row(spec.kind.value, spec.name, spec.plugin, spec.origin, spec.description)
    console = Console()
    console.print(table)
    for failure in failures:
        console.print(f"[red]plugin {failure.plugin} disabled:[/red] {escape(failure.error)}")
    if failures:
        raise typer.Exit(1)


@contextmanager
def running(config: Path | None, *, need_storefronts: bool = True,
            adapters: tuple[str, ...] = ()) -> Iterator[Container]:
    """A container built from the configuration; its resources (the database engine) are closed afterwards.

    `adapters` ("source", "storefront") are built up front: an unknown kind or a bad option is a configuration
    error (exit 2) naming the section, not a traceback halfway through the command."""
    container = Container()
    container.config_path.override(config)
    err = Console(stderr=True)
    try:
        settings = container.settings()
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_CONFIG) from None
    add_secret_names(name for adapter in (settings.source, settings.store, *settings.exception_queues,
                                          *settings.sales_sinks)
                     for name in secret_env_names(adapter.options()))
    if need_storefronts and not settings.storefronts:
        err.print("[red]invalid configuration:[/red] " + escape("no [[storefronts]] configured; run `bookbridge init` "
                                                              "for a commented example"))
        raise typer.Exit(EXIT_CONFIG)
    try:
        for adapter in adapters:
            try:
                getattr(container, adapter)()
            except (ConfigurationError, LookupError, ValueError, TypeError, OSError) as exc:
                section = "[source]" if adapter == "source" else "[store]"
                err.print(f"[red]invalid configuration:[/red] {escape(f'{section} {exc}')}")
                raise typer.Exit(EXIT_CONFIG) from None
        yield container
    finally:
        container.shutdown_resources()


@app.command()
def plan(
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="print the plan as one JSON document"),
    full: bool = typer.Option(False, "--full", help="plan every section of every product, and read the whole source"),
) -> None:
    """Dry run: what a sync would create, update (field by field) and hide. Writes nothing to the store."""
    with running(config, adapters=("source",)) as container:
        settings = container.settings()
        try:
            planned = plan_store(build_command(settings, full=full), container.source(), container.unit_of_work(),
                                 container.clock())
        except SourceUnreadable as exc:
            Console(stderr=True).print(f"[red]could not read the source:[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_FAILURES) from None
        console = Console()
        if as_json:
            print_plan_json(console, planned)
        else:
            print_plan(console, planned)


@app.command()
def sync(
    config: Path | None = ConfigOption,
    full: bool = typer.Option(False, "--full", help="resend every section and read the whole source"),
) -> None:
    """Bring the store in line with the source; exit 1 when any edition failed (see `bookbridge exceptions`)."""
    with running(config, adapters=("source", "storefront")) as container:
        store = container.settings().store.name
        with lease(container.engine(), f"sync:{store}", instance_id(), SYNC_LEASE_TTL,
                   clock=container.clock()) as acquired:
            if not acquired:
                Console(stderr=True).print(f"[yellow]another bookbridge instance is syncing store {store!r}; "
                                           "nothing was done[/yellow] (try again when it has finished)")
                raise typer.Exit(EXIT_BUSY)
            report = run_sync(container, full=full, on_batch=acquired.renew)  # stops if the lease is lost
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURES)


def instance_id() -> str:
    """Who holds a lease: host and process, so an operator can tell instances apart."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_sync(container: Container, *, full: bool = False, on_batch: Callable[[], bool] | None = None) -> SyncReport:
    from rich.progress import Progress

    settings = container.settings()
    console = Console()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("syncing", total=None)
        report = sync_store(build_command(settings, full=full), container.source(), container.storefront(),
                            container.unit_of_work(), container.clock(),
                            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                            on_batch=on_batch)
    print_report(console, report)
    return report


_register_operations()


def main() -> None:
    app()
