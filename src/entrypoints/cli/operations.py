"""Operator commands: the state database, the exception queue, and sync runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bookbridge.application.exception_retry import RetryBy, retry_of
from bookbridge.application.exception_words import is_record, kind_words, place_key, subject_words
from bookbridge.application.notifications import deliver_outbox
from bookbridge.application.reconcile import FINDING_WORDS, ReconcileStore, reconcile_store, release_drift
from bookbridge.application.sync import NO_COUNT, RETRY, SOURCE_UNREAD, retry_key, source_unread
from bookbridge.domain.categories import field_words
from bookbridge.domain.ports import EditionOutcome, ExceptionKind, SyncException, SyncRun, UnitOfWork
from bookbridge.domain.storefront import storefront_words
from bookbridge.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOption,
    command_group,
    limit_option,
    running,
    screen,
)
from bookbridge.entrypoints.cli.render import (
    KEPT_ISBN_CHANGED,
    KEPT_UNREAD,
    kept_changed_words,
    kept_words,
    print_exceptions,
)
from bookbridge.entrypoints.cli.sales import deliver_now, import_now
from bookbridge.entrypoints.cli.sync import sync_under_lease
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.cli.values import (
    checked_places,
    checked_storefront,
    exception_id,
    exception_kind,
    isbn_value,
    note_value,
    refused,
)
from bookbridge.entrypoints.container import entry_names, known_places_of, source_name, upgrade_database
from bookbridge.entrypoints.documents import exception_document, json_instant
from bookbridge.entrypoints.presentation import (
    COUNT_WORDS,
    RUN_COUNTS,
    duration_words,
    exception_edition_names,
    named_edition,
    no_such_exception,
    none_open,
    not_sent_runs,
    plural,
    resolved_already,
    resolved_words,
    run_counts,
    run_what,
    seen_time,
    storefront_times,
    utc_time,
    where_words,
)
from bookbridge.entrypoints.settings import ConfigurationError, Settings

db_app = command_group("The state database: SQLite, or PostgreSQL for production.")
exceptions_app = command_group("The exception queue: what failed, why, and what to do.")


@db_app.command("upgrade")
def db_upgrade(config: Path | None = ConfigOption) -> None:
    """Apply the schema migrations (every command also does on start).

    Exit 2 if the configuration is invalid.
    """
    with running(config, need_storefronts=False) as container:
        before, after, head = upgrade_database(container.settings())
        screen().print(f"database schema: {before or 'empty'} -> {after} (head {head})")


KindOption = typer.Option(None, "--kind", "-k", metavar="KIND", show_default=False, parser=exception_kind,
                          help="only exceptions of this kind (repeat for several), one of:\n\n\b\n"
                          + "\n".join(ExceptionKind))  # \b: click keeps the lines, so no code breaks at a hyphen
StorefrontOption = typer.Option(None, "--storefront", "-s", metavar="STOREFRONT",
                                help="only exceptions on this storefront")
IdArgument = typer.Argument(..., metavar="ID", show_default=False, parser=exception_id,
                            help="the exception's id (`bookbridge exceptions list`)")
IsbnOption = typer.Option(None, "--isbn", metavar="ISBN", parser=isbn_value,
                          help="only exceptions about this edition (its ISBN-13 or ISBN-10, hyphens allowed)")


# Each place in words, then its key as it is stored; \b: click keeps the lines, so no key breaks at a hyphen.
WHERE_EXAMPLES = ("\"storefront 'us'\" (key `us`, the storefront's name)",
                  "\"store 'shop'\" (key `shop`, the store's name)",
                  "\"source 'consonance'\" (key `source:consonance`)",
                  "\"order import of store 'shop'\" (key `orders:shop`)",
                  "\"sales sink 'ledger'\" (key `sales-sink:ledger`)",
                  "\"sync lease of store 'shop'\" (key `lease:sync:shop`)")
WhereOption = typer.Option(None, "--where", "-w", metavar="PLACE",
                           help="only exceptions in this place, in words or by its key, or by the words' first part, "
                                "for every place of that kind: `storefront`, `store`, `source`. A place the "
                                "configuration does not make, with nothing open there, is refused, naming the "
                                "places. Each kind of place, in words and by its key (the names are examples):"
                                "\n\n\b\n" + "\n".join(WHERE_EXAMPLES))


class Places:
    """Where the open exceptions are: each one's place (`place_key`), and every place known by key, in words: the
    configuration's and the open exceptions'."""

    def __init__(self, settings: Settings, items: list[SyncException]) -> None:
        self.store, self.source = settings.store.name, source_name(settings)
        self.words = known_places_of(settings, map(self.of, items))

    def of(self, item: SyncException) -> str | None:
        return place_key(item, self.store, self.source)


def _matching(items: list[SyncException], kinds: list[ExceptionKind] | None, storefront: str | None,
              isbn: str | None, where: frozenset[str] | None = None,
              places: Places | None = None) -> list[SyncException]:
    return [e for e in items if (not kinds or e.kind in kinds) and (storefront is None or e.storefront == storefront)
            and (isbn is None or e.isbn == isbn) and (where is None or (places and places.of(e)) in where)]


@exceptions_app.command("list")
def exceptions_list(
    kind: list[ExceptionKind] | None = KindOption,
    storefront: str | None = StorefrontOption,
    where: str | None = WhereOption,
    isbn: str | None = IsbnOption,
    as_json: bool = typer.Option(False, "--json", help="print them as one JSON document"),
    config: Path | None = ConfigOption,
) -> None:
    """List open exceptions, oldest first.

    --kind, --storefront, --where and --isbn narrow the list. Exit 2 if the configuration or a filter is invalid
    (a kind, storefront, place or ISBN that names nothing).
    """
    with running(config, need_storefronts=False) as container:
        uow = container.unit_of_work()
        settings = container.settings()
        checked_storefront("--storefront", storefront, [s.name for s in settings.storefronts])
        with uow:
            open_items = uow.exceptions.open_items()
            catalogue = uow.state.catalogue(str(settings.source.options().get("name") or settings.source.kind))
            applied = uow.state.applied(settings.store.name)
        places = Places(settings, open_items)
        chosen = checked_places("--where", where, places.words)
        items = _matching(open_items, kind, storefront, isbn, chosen, places)
        store, zones = settings.store.name, {s.name: s.timezone for s in settings.storefronts}
        source = source_name(settings)
        if as_json:  # the rows of /api/exceptions
            screen().print_json(json.dumps([exception_document(e, store, zones, source=source) for e in items]))
            return
        if not items:  # an empty table would not say whether the filter or the queue is empty
            screen().print(escape(_none_matched(len(open_items), kind, storefront, chosen, places, isbn)))
            return
        names = exception_edition_names(catalogue.values(), items, applied)
        print_exceptions(screen(), items, store=store, zones=zones, source=source, names=names,
                         sinks=entry_names(settings.sales_sinks, "sales_sinks"), orders=settings.orders.enabled)


def _none_matched(total: int, kind: list[ExceptionKind] | None, storefront: str | None,
                  chosen: frozenset[str] | None, places: Places, isbn: str | None) -> str:
    """That no open exception matches the filters, as `list` and `resolve` say it: `No open exceptions of kind
    'drift' in storefront 'uk' (8 open exceptions in all).` (`chosen`: the keys of the places --where names)."""
    at = [storefront_words(storefront)] if storefront else []
    at += [places.words[key] for key in sorted(chosen or ())]
    return none_open(total, kinds=[k.value for k in kind or ()], places=at, isbn=isbn)


@exceptions_app.command("show")
def exceptions_show(
    exception_id: int = IdArgument,
    as_json: bool = typer.Option(False, "--json", help="print it as one JSON document, with its outcomes"),
    config: Path | None = ConfigOption,
) -> None:
    """Show one exception in full, open or resolved.

    With its edition and the last outcomes logged for it in the last 5 sync runs: its edition's writes, and each
    retry of it (`retry`: ok when it resolved the exception, else failed and why; an order import's or a sales
    sink's retry is no sync run and logs none), each in UTC, as `runs` shows a run, and in each storefront's time
    zone, naming it. Exit 2 if the configuration is invalid or no exception
    has the id.
    """
    with running(config, need_storefronts=False) as container:
        uow = container.unit_of_work()
        settings = container.settings()
        with uow:
            try:
                item = uow.exceptions.get(exception_id)
            except KeyError:
                item = None
            runs = uow.runs.recent_runs(limit=5)
            history = _history(uow, item, runs) if item else []
            catalogue = uow.state.catalogue(str(settings.source.options().get("name") or settings.source.kind))
            applied = uow.state.applied(settings.store.name) if item is not None and item.isbn else {}
        store, zones = settings.store.name, {s.name: s.timezone for s in settings.storefronts}
        if item is None:
            _no_such([exception_id])
        edition = exception_edition_names(catalogue.values(), [item], applied).get(item.isbn or "")
        console = screen()
        if as_json:  # the row of `exceptions list --json`, with its edition and outcomes
            console.print_json(json.dumps(exception_document(item, store, zones, source=source_name(settings)) | {
                "edition": edition, "outcomes": [outcome_document(o) for o in history]}))
            return
        # A storefront's exception is seen in its zone, naming it, as `exceptions list` says it; the store's (or a
        # source's) in UTC with each storefront's local time beside it, a line each on a terminal.
        lines = "\n" + " " * 12 if console.is_terminal else None  # elsewhere the glossary's one sentence

        def when(at: datetime) -> str:
            return seen_time(at, item.storefront, zones, lines=lines)

        state = "open" if item.resolved_at is None else resolved_words(item, zones, lines=lines)
        for label, value in (("id", item.id), ("state", state),
                             ("kind", kind_label(item)),
                             ("edition", edition),
                             ("record" if is_record(item.kind, item.isbn, item.storefront) else "ISBN", item.isbn),
                             ("where", where_words(place_key(item, store, source_name(settings)), store, zones)),
                             ("field", field_words(item.field) if item.field else None), ("message", item.message),
                             ("seen", plural(item.count, 'time')),
                             ("first seen", when(item.first_seen)), ("last seen", when(item.last_seen))):
            # An exception of no edition, no record or no field has no row for it, as on the dashboard's page.
            if label not in ("edition", "ISBN", "field") or value:
                console.print(f"[bold]{label:>10}[/bold]  {escape('' if value is None else str(value))}",
                              soft_wrap=not console.is_terminal)
        if history:  # of the edition (or record) by name, as above; of the exception when it has none
            about = edition or _about(item, {}) or f"exception {item.id}"
            print_outcomes(console, about, history, list(zones.items()), runs=len(runs))


def _history(uow: UnitOfWork, item: SyncException, runs: list[SyncRun]) -> list[EditionOutcome]:
    """The outcomes logged for `item` in `runs` (inside `uow`): its edition's (or record's) and its own retries';
    only its own retries' for an exception of no edition. Another exception's retry of the edition is not its."""
    mine = retry_key(item.id)
    logged = (o for r in runs for o in uow.runs.outcomes(r.id, isbn=item.isbn, key=None if item.isbn else mine))
    return [o for o in logged if o.action != RETRY or o.key == mine]


def kind_label(item: SyncException) -> str:
    """An exception's kind as the CLI says it: its code, with its words beside (`rights-conflict (rights
    conflict)`)."""
    return f"{item.kind.value} ({kind_words(item.kind, item.storefront)})"


def outcome_document(o: EditionOutcome) -> dict[str, Any]:
    """One outcome of an edition in a run, as `exceptions show --json` gives it."""
    return {"run": o.run_id, "at": json_instant(o.at), "action": o.action, "sections": list(o.sections),
            "ok": o.ok, "error": o.error or None}


def print_outcomes(console: Console, edition: str, history: list[EditionOutcome],
                   storefronts: list[tuple[str, str]], *, runs: int) -> None:
    """An edition's outcomes in the last `runs` runs (a run that did not write it has none). A run is the store's,
    so its times are as `runs` and `jobs` give them: in UTC, and in each storefront's time zone, naming it."""
    table = WholeTable(title=f"{plural(len(history), 'outcome')} of {escape(edition)} "
                             f"in the last {plural(runs, 'sync run')}")
    for column in ("run", "at", "in the storefronts' time zones", "action", "outcome"):
        table.add_column(column, no_wrap=column in ("at", "in the storefronts' time zones"))
    between = "\n" if console.is_terminal else "; "  # a line each on a terminal; elsewhere a row is one line
    for o in history:
        outcome = "ok" if o.ok else f"failed: {o.error}" if o.error else "failed"
        table.add_row(str(o.run_id), utc_time(o.at), storefront_times(o.at, storefronts, between=between), o.action,
                      escape(outcome))
    console.print(table)


@exceptions_app.command("resolve")
def exceptions_resolve(
    exception_ids: list[int] | None = typer.Argument(None, metavar="ID", show_default=False, parser=exception_id,
                                                      help="the ids to resolve (`bookbridge exceptions list`)"),
    note: str = typer.Option(..., "--note", "-n", metavar="TEXT", parser=note_value,
                             help="what was done about it (needed: a note that says nothing is refused)"),
    kind: list[ExceptionKind] | None = KindOption,
    storefront: str | None = StorefrontOption,
    where: str | None = WhereOption,
    isbn: str | None = IsbnOption,
    keep_store_value: bool = typer.Option(
        False, "--keep-store-value",
        help="for a drift exception: adopt the store's edit (default: the next sync overwrites it); refused "
             "for any other kind"),
    config: Path | None = ConfigOption,
) -> None:
    """Resolve open exceptions by hand, with a note.

    Give their ids, or --kind, --storefront, --where and --isbn to resolve every open one that matches. Resolving
    a drift exception releases its held fields; resolving an ISBN change accepts it (the next sync hides the old
    ISBN's product and creates the new one). Exit 1 if an id was resolved already; exit 2, resolving nothing, if
    the configuration is invalid or an argument is: an id that names no exception, ids and filters both or
    neither, a filter that names nothing (a kind, storefront, place or ISBN), a --note that says nothing,
    --keep-store-value on an exception that is no drift.
    """
    filtered = bool(kind or storefront or where or isbn)
    if bool(exception_ids) == filtered:
        raise refused("ID", "name the exceptions to resolve: their ids, or --kind/--storefront/--where/--isbn for "
                            "every open one that matches (not both)")
    with running(config, need_storefronts=False) as container:
        checked_storefront("--storefront", storefront, [s.name for s in container.settings().storefronts])
        uow = container.unit_of_work()
        settings = container.settings()
        with uow:
            open_items = uow.exceptions.open_items()
            catalogue = uow.state.catalogue(source_name(settings))
            applied = uow.state.applied(settings.store.name)
            if unknown := _unknown(uow, [] if filtered else exception_ids or []):
                _no_such(unknown)
            is_open = {e.id for e in open_items}
            resolved = {i: uow.exceptions.get(i) for i in dict.fromkeys(exception_ids or []) if i not in is_open}
        names = exception_edition_names(catalogue.values(), open_items, applied)
        places = Places(settings, open_items)
        at = checked_places("--where", where, places.words)
        chosen = ([e.id for e in _matching(open_items, kind, storefront, isbn, at, places)] if filtered
                  else list(dict.fromkeys(exception_ids or [])))
        items = {e.id: e for e in open_items}
        if keep_store_value and (other := [i for i in chosen if i in items
                                           and items[i].kind is not ExceptionKind.DRIFT]):
            raise refused("--keep-store-value", f"it is for drift exceptions only, and exception {other[0]} is "
                          f"{kind_label(items[other[0]])}; nothing was resolved")
        store = container.storefront() if keep_store_value else None
        missing = [i for i in chosen if i not in is_open]
        for exception_id in missing:  # resolved already: its note stays as it was
            _not_open(resolved[exception_id], settings)
        for exception_id in (i for i in chosen if i in is_open):
            item = release_drift(uow, exception_id, note=note, clock=container.clock(),
                                 keep_store_value=keep_store_value, store=store)
            shop = settings.store.name
            where = _about(item, names) or where_words(place_key(item, shop, source_name(settings)), shop,
                                                        [s.name for s in settings.storefronts]) or ""
            screen().print(f"resolved {item.id}, {kind_label(item)}, {escape(where)}: {escape(note)}")
        if filtered and not chosen:
            words = _none_matched(len(open_items), kind, storefront, at, places, isbn)
            screen().print(escape(words.removesuffix(".") + "; nothing was resolved"))
        raise typer.Exit(EXIT_FAILURES if missing else EXIT_OK)


def _about(item: SyncException, names: Mapping[str, str]) -> str:
    """What an exception is about, in a message: its edition as the glossary names one (`Roseanna (Hardback), ISBN
    9780007232833`, or `not in the catalogue (ISBN …)`; `names`: `exception_edition_names`), a record not read as
    the source's (`record consonance:work:101/product:1001`); "" for an exception of no edition."""
    if item.isbn is None or is_record(item.kind, item.isbn, item.storefront):
        return subject_words(item)
    return named_edition(item.isbn, names.get(item.isbn))


@exceptions_app.command("retry")
def exceptions_retry(exception_id: int = IdArgument, config: Path | None = ConfigOption) -> None:
    """Retry one exception now, by what it is about.

    An edition's: only that edition's product is sent. One of no edition (a source that could not be read, a record
    not read, whose id is the source's, not an edition's, or the store's refusal of the credentials): a sync of the
    whole store, reading the source again. The order import's: an order import, reading the store's orders again. A
    sales sink's: its pending days sent to it again. The exception resolves itself if it now succeeds. Failed
    editions are not recorded as applied, so every sync retries them too. Exit 1 if the exception stays open (the
    retry failed, or its problem is still there: the message says which) or if it was resolved already; 2 if the
    configuration is invalid, the id names no exception, it is of a kind no retry can fix (a milestone action not
    possible, an edit in the store, an ISBN changed in the source: the message says what to do instead), or it is
    the order import's or a sink's and the order import is disabled ([orders] enabled = false); 3 if another
    instance holds the lease the retry needs: the store's sync lease (a retry by a sync, an edition's included),
    the order import's (an order import's or a sink's retry); nothing was done.
    """
    with running(config) as container:
        uow = container.unit_of_work()
        with uow:
            if _unknown(uow, [exception_id]):
                _no_such([exception_id])
            item = uow.exceptions.get(exception_id)
        if item.resolved_at is not None:
            _not_open(item, container.settings())
            raise typer.Exit(EXIT_FAILURES)
        retry = retry_of(item, container.settings().store.name)
        if retry.refused:  # a person's decision, not a retry, fixes it
            screen(stderr=True).print(f"[red]{escape(retry.what)}[/red]")
            raise typer.Exit(EXIT_CONFIG)
        if retry.by is not RetryBy.EDITION:  # an edition's retry says so in its table's title
            screen().print(f"exception {exception_id} is retried by {escape(retry.what)}")
        if retry.by is RetryBy.ORDER_IMPORT:
            import_now(container)
        elif retry.by is RetryBy.DELIVERY:
            deliver_now(container, retry.subject or "")
        else:
            sync_under_lease(container, isbn=retry.subject, retry_of=exception_id)
        with uow:
            now_open = next((e for e in uow.exceptions.open_items() if e.id == exception_id), None)
        if now_open is not None:  # why, in its own words: what is still to fix
            screen().print(f"exception {exception_id} is still open: {escape(now_open.message)}")
            raise typer.Exit(EXIT_FAILURES)
        screen().print(f"exception {exception_id} is resolved")
        raise typer.Exit(EXIT_OK)


def _unknown(uow: UnitOfWork, exception_ids: list[int]) -> list[int]:
    """The ids that name no exception, open or resolved (inside `uow`)."""
    unknown = []
    for number in exception_ids:
        try:
            uow.exceptions.get(number)
        except KeyError:
            unknown.append(number)
    return unknown


def _no_such(exception_ids: list[int]) -> NoReturn:
    """Ids that name no exception, as `show`, `resolve` and `retry` say them: bad input, refused as an id that is
    not a number is (`Error: Invalid value for 'ID': …`, exit 2), so nothing is done."""
    raise refused("ID", "; ".join(no_such_exception(number) for number in exception_ids)
                  + " (`bookbridge exceptions list` shows the open ones)")


def _not_open(item: SyncException, settings: Settings) -> None:
    """An exception resolved already, as `resolve` and `retry` (and the admin API's 409) say it: when and how, on
    stderr; exit 1."""
    zones = {s.name: s.timezone for s in settings.storefronts}
    screen(stderr=True).print(f"[red]{escape(resolved_already(item, zones))}[/red] (`bookbridge exceptions list` "
                              "shows the open ones)")


@exceptions_app.command("deliver")
def exceptions_deliver(config: Path | None = ConfigOption) -> None:
    """Send pending notifications (webhook, AMQP) once.

    What fails is retried later, with back-off. Exit 1 when a notification was not delivered; exit 2 if the
    configuration is invalid.
    """
    with running(config, need_storefronts=False) as container:
        try:
            notifiers = container.notifiers()
        except (ConfigurationError, LookupError, ValueError) as exc:
            screen(stderr=True).print(f"[red]invalid configuration:[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_CONFIG) from None
        report = deliver_outbox(container.unit_of_work(), notifiers, container.clock())
    console = screen()
    console.print(f"delivered {len(report.delivered)}, failed {len(report.failed)}, "
                  f"waiting behind a failure {len(report.deferred)}")
    for outcome in report.failed:
        console.print(f"[red]message {outcome.message_id} to {outcome.target}[/red] (attempt {outcome.attempts}"
                      f"{', exhausted' if outcome.exhausted else ''}): {escape(str(outcome.error))}; "
                      f"next try {utc_time(outcome.retry_at) if outcome.retry_at else 'none (exhausted)'}")
    for target in report.unconfigured:
        console.print(f"[yellow]messages for {target!r} wait: no \\[\\[exception_queues]] entry is named so[/yellow]")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURES)


def reconcile(config: Path | None = ConfigOption) -> None:
    """Read the store back and report what was changed there by hand.

    It reports edits and deletions made in the store and products the catalogue does not have. Per section,
    `field_ownership` decides: overwrite (the next sync restores it) or report (an exception, and the edit is left
    alone until it is resolved). Exit 1 when any exception was opened, or the store could not be read: a store that
    refused the credentials counts on the store's `credentials-refused` exception, as a sync does, and one that
    does not answer opens a `transient-exhausted` exception at the store (store unreachable); exit 2 if the
    configuration is invalid.
    """
    with running(config, adapters=("source", "storefront")) as container:
        settings = container.settings()
        cmd = ReconcileStore(store=settings.store.name, source=container.source().name,
                             policies=settings.drift_policies())
        report = reconcile_store(cmd, container.storefront(), container.unit_of_work(), container.clock())
    console = screen()
    if report.store_failure is not None:  # the store's own failure, on its exception: nothing was checked
        why = "refused the credentials" if report.store_refused else "could not be read"
        console.print(f"[red]the reconcile stopped: store {report.storefront!r} {why}, so nothing was checked:[/red] "
                      f"{escape(report.store_failure)}")
        raise typer.Exit(EXIT_FAILURES)
    console.print(f"checked {plural(report.checked, 'product')} in store {report.storefront!r}: "
                  f"{plural(len(report.findings), 'drift finding')}, "
                  f"{plural(len(report.exceptions_opened), 'exception')} opened")
    for finding in report.findings:
        console.print(f"  {FINDING_WORDS.get(finding.what, finding.what)} {finding.isbn}"
                      f"{' ' if finding.field else ': '}{escape(finding.words())}")
    if report.kept_unread:
        console.print(f"[yellow]{KEPT_UNREAD}[/yellow]: {escape(kept_words(report.kept_unread))}")
    if report.kept_isbn_changed:
        console.print(f"[yellow]{KEPT_ISBN_CHANGED}[/yellow]: {escape(kept_changed_words(report.kept_isbn_changed))}")
    for line in report.exceptions_opened:
        console.print(f"[yellow]exception[/yellow] {escape(line)}")
    raise typer.Exit(EXIT_FAILURES if report.exceptions_opened else EXIT_OK)


def runs(
    config: Path | None = ConfigOption,
    limit: int = limit_option(20, "runs"),
) -> None:
    """List recent syncs, newest first.

    A run is the store's: when it started is in UTC and in each storefront's time zone, naming it; then how long
    it took (/api/runs gives its finish too). Exit 2 if the configuration or --limit is invalid.
    """
    with running(config, need_storefronts=False) as container:
        uow = container.unit_of_work()
        with uow:
            recent = uow.runs.recent_runs(limit=limit)
        storefronts = [(s.name, s.timezone) for s in container.settings().storefronts]
    out = screen()
    if not recent:  # an empty table would say nothing of why
        out.print("No runs yet: bookbridge sync makes one.")
        return
    table = WholeTable(title="Sync runs")
    # A run is placed by its start (UTC and each storefront's time); how long it took, not a second instant, ends it.
    instants = ("started", "started in the storefronts' time zones")
    for column in ("run", "what", "store", *instants, "took", "outcome"):  # `run`, as the dashboard says it
        if storefronts or column != instants[1]:
            table.add_column(column, no_wrap=column in instants)  # an instant, whole
    for column in RUN_COUNTS:  # as `sync` shows them, then `not sent`
        table.add_column(COUNT_WORDS.get(column, column), justify="right")
    between = "\n" if out.is_terminal else "; "  # a line each on a terminal; elsewhere a run's row is one line
    for r in recent:
        local = (storefront_times(r.started, storefronts, between=between),) if storefronts else ()
        table.add_row(str(r.id), escape(run_what(r)), escape(where_words(r.storefront, r.storefront) or r.storefront),
                      utc_time(r.started),
                      *local,
                      duration_words((r.finished - r.started).total_seconds()) if r.finished else "running",
                      r.outcome,
                      *(str(run_counts(r).get(c, NO_COUNT)) for c in RUN_COUNTS))
    out.print(table)
    if said := not_sent_runs(recent):  # why a run did not send what it planned
        out.print(escape(said))
    if unread := [str(r.id) for r in recent if source_unread(r)]:
        out.print(f"{NO_COUNT}: {SOURCE_UNREAD} ({'run' if len(unread) == 1 else 'runs'} {', '.join(unread)}): "
                  "none of the counts applies")
