"""`bookbridge plan` and `bookbridge sync`: the dry run and the sync of the configured store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import typer
from rich.progress import Progress

from bookbridge.application.held_back import held_back
from bookbridge.application.milestone_effects import SyncEffects, queue_for_the_service, sync_milestones
from bookbridge.application.milestones import DEFAULT_ACTIONS, settle_pending
from bookbridge.application.sync import SyncReport, plan_store, retry_edition, sync_store
from bookbridge.entrypoints.cli.common import (
    EXIT_BUSY,
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOption,
    instance_id,
    running,
    screen,
)
from bookbridge.entrypoints.cli.render import (
    print_milestones,
    print_plan,
    print_plan_json,
    print_report,
    print_source_failure,
)
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.documents import NotPlanned, planned_or_why
from bookbridge.entrypoints.presentation import edition_names

SYNC_LEASE_TTL = timedelta(minutes=5)  # SQLite only, renewed after each batch; a dead holder on this host is
# taken over at once (PostgreSQL frees it at once anyway)


def plan(
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="print the plan as one JSON document"),
    full: bool = typer.Option(False, "--full", help="plan every section of every product, and read the whole source"),
) -> None:
    """Show what a sync would change, without changing anything.

    It lists what would be created, adopted (a product the store already holds under the SKU), updated (field by
    field) and hidden, and what is held back and why. It writes nothing to the store, and reads it only to ask
    whether it already holds the SKUs a sync would create: with none to ask about, the store is not called, and
    it says so (`bookbridge check` tests the connection).

    Exit 1 when the source could not be read at all, or the store refused the credentials (nothing is planned).
    A plan made while the store's `credentials-refused` exception is open exits 0 and names it: a sync would stop
    at the store's first refusal until the credentials are fixed. Exit 2 if the configuration is invalid.
    """
    with running(config, adapters=("source", "storefront")) as container:
        settings = container.settings()
        try:
            planned = planned_or_why(lambda: plan_store(build_command(settings, full=full), container.source(),
                                                        container.unit_of_work(), container.clock(),
                                                        store=container.storefront()),
                                     container.source().name, settings.store.name)
        except NotPlanned as exc:
            print_source_failure(screen(stderr=True), str(exc), nothing_was="planned")
            raise typer.Exit(EXIT_FAILURES) from None
        console = screen()
        groups = held_back(planned.catalogue.values(), settings.storefronts, now=container.clock().now(),
                           mapping=settings.mapping)  # the text's lines by cause, the JSON's entries alike
        if as_json:
            print_plan_json(console, planned, groups)
        else:
            print_plan(console, planned, storefronts=settings.storefronts, held=groups)


def sync(
    config: Path | None = ConfigOption,
    full: bool = typer.Option(False, "--full", help="resend every section and read the whole source"),
) -> None:
    """Bring the store in line with the catalogue.

    A sync with nothing to send does not call the store, and says so (`bookbridge check` tests the connection).

    Exit 0: all good (editions held back by the listing rules are not failures: they open exceptions); 1: an
    edition the store refused (see `bookbridge exceptions list`), a store that refused the credentials (the sync
    stops at its first such answer), or a source that could not be read at all; 2: the configuration is invalid;
    3: another instance holds the store's lease (nothing was done).
    """
    with running(config, adapters=("source", "storefront")) as container:
        report = sync_under_lease(container, full=full)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURES)


def sync_under_lease(container: Container, *, full: bool = False, isbn: str | None = None,
                     retry_of: int | None = None) -> SyncReport:
    """`run_sync` under the store's sync lease, as the service's syncs take it (`sync`, and `exceptions retry` of an
    exception a sync retries): exit 3 when another instance holds it, nothing done."""
    store = container.settings().store.name
    with container.leases()(f"sync:{store}", instance_id(), SYNC_LEASE_TTL) as acquired:
        if not acquired:
            screen(stderr=True).print(f"[yellow]another bookbridge instance is syncing store {store!r}; "
                                       "nothing was done[/yellow] (try again when it has finished)")
            raise typer.Exit(EXIT_BUSY)
        container.close_abandoned_runs()(store)  # runs whose holder died: we hold the lease now
        return run_sync(container, full=full, on_batch=acquired.renew, isbn=isbn,  # stops if the lease is lost
                        retry_of=retry_of)


def run_sync(container: Container, *, full: bool = False, on_batch: Callable[[], bool] | None = None,
             isbn: str | None = None, retry_of: int | None = None) -> SyncReport:
    """One sync of the configured store (of `isbn`'s product only, when given), with a progress bar, then its
    milestones (as the service's sync does; what needs the service's scheduler is queued for it, and a retry queues
    the store-written actions of other editions for the next sync, which carries them out); prints and returns the
    report."""
    settings = container.settings()
    console = screen()
    run = sync_store if isbn is None else partial(retry_edition, isbn=isbn)
    uow, source, clock = container.unit_of_work(), container.source(), container.clock()
    with uow:
        before = uow.state.catalogue(source.name)
    # A progress bar on a terminal only: elsewhere it would leave an empty line before the report.
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("syncing", total=None)
        report = run(replace(build_command(settings, full=full), retry_of=retry_of), source, container.storefront(),
                     uow, clock,
                            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                            on_batch=on_batch)
    with uow:
        after = uow.state.catalogue(source.name)
    names = edition_names(after.values())
    print_report(console, report, isbn=isbn, retry_of=retry_of, name=names.get(isbn) if isbn else None)

    def sync_again() -> SyncReport:  # `attach-assets`: the media resent by a follow-up sync, under the same lease
        return run(build_command(settings), container.source(), container.storefront(),
                   container.unit_of_work(), clock, on_batch=on_batch)  # a retry's follow-up: its edition only

    only = None if isbn is None else frozenset({isbn})  # a retry queues other editions' actions for the next sync
    # What a retry of another edition queued for this sync, once it went through (a launch queued for the service
    # stays queued; a sync that read nothing, stopped early or was refused by the store leaves everything queued).
    settled = []
    if report.source_error is None and not report.stopped and report.store_refused is None:
        effects = SyncEffects(settings.store.name, uow, after, sync_again=sync_again,
                              schedule_launch=queue_for_the_service, report=report)
        settled = settle_pending(settings.store.name, effects, uow, container.milestone_log(), clock, only=only)
    records = sync_milestones(settings.store.name, before, after, report,
                              actions={**DEFAULT_ACTIONS, **settings.milestones}, uow=uow,
                              log=container.milestone_log(), clock=clock, sync_again=sync_again,
                              schedule_launch=queue_for_the_service, only=only)
    print_milestones(console, settled + records, names)
    return report
