"""How the CLI shows plans, sync reports and exceptions: rich tables for people, JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.application.exception_words import is_record, kind_words, place_key, places_legend, subject_words
from bookbridge.application.field_words import change_texts, field_label, listing_summary, written_again_texts
from bookbridge.application.held_back import FROM_EVERY_STOREFRONT, FROM_SOME_STOREFRONT, HeldBackGroup
from bookbridge.application.isbn_changes import held_back_words
from bookbridge.application.milestones import action_words, transition_words
from bookbridge.application.sync import NO_COUNT, NOT_CALLED, SOURCE_UNREAD, PlannedSync, SyncReport, asks_the_store
from bookbridge.application.sync_exceptions import listing_words
from bookbridge.domain.categories import field_words
from bookbridge.domain.milestones import MilestoneRecord
from bookbridge.domain.plan import ActionKind
from bookbridge.domain.ports import SyncException
from bookbridge.domain.storefront import StorefrontSettings, storefront_words
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.documents import plan_document
from bookbridge.entrypoints.presentation import action_name, named_edition, plural, seen_time, where_words

KEPT_UNREAD = "kept as it is, its record not read"  # a product gone from the source whose record was not read
UNREAD_LISTED = "`bookbridge exceptions list --kind source-error` lists them"  # the exceptions of records not read
KEPT_WHY = (f"fix the record in the source ({UNREAD_LISTED}); to take the product off sale, remove the record and "
            "resolve its exception")
KEPT_ISBN_CHANGED = "kept as it is, its ISBN changed in the source"  # the old ISBN's product, its change open
ISBN_CHANGES_LISTED = "`bookbridge exceptions list --kind isbn-changed`"  # where a person decides each
# A plan with changes that asked the store nothing: it would send them all the same.
PLAN_NOT_CALLED = "the store was not called (a plan asks it only about SKUs it would create)"
FIELDS_SHOWN = 6  # field changes per action in the plan's table; --json prints them all


def add_count_column(table: Table, name: str) -> None:
    """A right-aligned count whose header a narrow terminal may break (`unchang` / `ed`) but never cuts (`unchan…`);
    a minimum width instead would push the table past the terminal's edge."""
    table.add_column(name, justify="right", overflow="fold")


def add_isbn_column(table: Table) -> None:
    """An ISBN column a narrow terminal never cuts (`97818000…`): the other columns wrap instead."""
    table.add_column("ISBN", no_wrap=True, min_width=13)


def add_format_column(table: Table, name: str = "format", **options: Any) -> None:
    """A format column whose names stay whole on a narrow terminal (`eBook (EPUB)`, never `eBook` over `(EPUB)`)."""
    table.add_column(name, no_wrap=True, **options)


def print_plan_json(console: Console, planned: PlannedSync, held: Sequence[HeldBackGroup] = ()) -> None:
    console.print_json(json.dumps(plan_document(planned, held), default=str))


def print_plan(console: Console, planned: PlannedSync, *, storefronts: Sequence[StorefrontSettings], limit: int = 20,
               held: Sequence[HeldBackGroup] = ()) -> None:
    """The plan's counts and changes, the editions held back from every storefront (not in the store), and, from
    `held` (`application.held_back`), why editions are held back from some storefronts while listed on others:
    a product planned on fewer channels than configured says why."""
    plan = planned.plan
    counts = WholeTable(title=escape(f"Plan for store {plan.storefront!r} (dry run: nothing was written)"))
    for column in ("create", "adopt", "update", "hide", "unchanged", FROM_EVERY_STOREFRONT):
        add_count_column(counts, column)
    c = plan.counts
    counts.add_row(str(c["create"]), str(c["adopt"]), str(c["update"]), str(c["hide"]), str(c["unchanged"]),
                   str(c["held_back"]))
    console.print(counts)
    if plan.actions:
        detail = WholeTable(title="Changes")
        for column in ("action", "SKU", "name", "field", "before", "after"):
            detail.add_column(column, overflow="fold", no_wrap=column == "SKU")  # an ISBN, or a family's key
        for action in plan.actions[:limit]:
            sku = action.listing.sku if action.listing else action.key
            name = action_name(action, planned.applied.get(action.key))
            if action.kind is ActionKind.CREATE and action.listing is not None:  # what a person checks first
                detail.add_row(action.kind.value, escape(sku), escape(name), "new product", "",
                               escape(listing_summary(action.listing, storefronts)))
                continue
            changes = action.changes(planned.applied.get(action.key))
            if not changes and action.kind is ActionKind.UPDATE and action.listing is not None:
                # Written again with no field changed: what it writes, and why, in the before and after cells.
                detail.add_row(action.kind.value, escape(sku), escape(name),
                               *(escape(text) for text in written_again_texts(action)))
            elif not changes:  # a hide, an adoption of a product as ours: the reason says it
                detail.add_row(action.kind.value, escape(sku), escape(name), escape(action.reason), "", "")
            for change in changes[:FIELDS_SHOWN]:
                before, after = change_texts(change, storefronts)
                detail.add_row(action.kind.value, escape(sku), escape(name), field_label(change.field),
                               escape(before), escape(after))
            if len(changes) > FIELDS_SHOWN:
                detail.add_row(action.kind.value, escape(sku), escape(name),
                               f"… and {len(changes) - FIELDS_SHOWN} more fields (--json for all)", "", "")
        console.print(detail)
        if len(plan.actions) > limit:
            console.print(f"… and {len(plan.actions) - limit} more actions (use --json for all)")
    for listing in plan.skipped[:limit]:
        console.print(f"[yellow]held back[/yellow] {escape(f'{listing_words(listing)}: {listing.not_listed_reason}')}")
    for mismatch in plan.mismatched[:limit]:
        console.print(f"[red]not adopted[/red] {escape(mismatch.reason)}")
    if plan.kept_unread:
        console.print(f"[yellow]{KEPT_UNREAD}[/yellow]: {escape(kept_words(plan.kept_unread))}")
    for renumbered in plan.isbn_changed[:limit]:  # counted held back from every storefront, as said here
        console.print(f"[yellow]held back[/yellow] {escape(held_back_words(renumbered))}")
    names = [s.name for s in storefronts]
    for group in held:
        if words := held_somewhere_words(group, names):
            console.print(f"[yellow]{FROM_SOME_STOREFRONT}[/yellow]: {escape(words)}")
    if not asks_the_store(planned):
        print_store_not_called(console, changes=bool(plan.actions))
    if (refused := planned.refused_open) is not None:
        console.print(f"[red]{kind_words(refused.kind, refused.storefront)}:[/red] "
                      f"{escape(refused_open_words(refused, plan.storefront))}")


def refused_open_words(item: SyncException, store: str) -> str:
    """The store's open `credentials-refused` exception, as a plan says it: the plan may look fine (it asks the store
    only about new SKUs), while a sync would stop at the store's first refusal."""
    return (f"store {store!r} refused the credentials (exception {item.id}, open: `bookbridge exceptions "
            f"show {item.id}`), so until they are fixed a sync stops at its first refusal and sends nothing: "
            f"{item.message}")


def print_store_not_called(console: Console, *, changes: bool = False) -> None:
    """A plan or sync that never reached the store says so, as both say it: its counts say nothing of the store
    (a wrong token or host would go unnoticed). A plan with `changes` has something to send all the same."""
    console.print(f"{PLAN_NOT_CALLED if changes else NOT_CALLED}; `bookbridge check` tests the connection")


def held_somewhere_words(group: HeldBackGroup, storefronts: Sequence[str]) -> str | None:
    """The editions of `group` held back from some storefronts and listed on another, per storefront: `27 editions:
    14 on storefront 'uk', 13 on storefront 'us' (each listed on the other): not licensed for sale`; one edition by
    its name (`Roseanna (Hardback), ISBN 9780007232833 on storefront 'us' (listed on storefront 'uk'): …`). None
    when every edition of `group` is held back from every storefront (`storefronts`: the configured names)."""
    count = sum(1 for isbn in group.editions if isbn not in group.everywhere)
    if not count:
        return None
    held_on = [name for name, _ in group.some]
    others = [name for name in storefronts if name not in held_on]
    if len(held_on) == 1:
        listed = f"listed on {storefront_words(others)}" if len(storefronts) == 2 and others else \
            "listed on another storefront"
        if count == 1:
            isbn = group.some[0][1][0]
            what = named_edition(isbn, dict(group.names).get(isbn))
        else:
            what = plural(count, "edition")
        return f"{what} on {storefront_words(held_on)} ({listed}): {group.reason}"
    each = ", ".join(f"{len(isbns)} on {storefront_words(name)}" for name, isbns in group.some)
    listed = "each listed on the other" if len(storefronts) == 2 else "each listed on another storefront"
    return f"{plural(count, 'edition')}: {each} ({listed}): {group.reason}"


def print_report(console: Console, report: SyncReport, *, isbn: str | None = None,
                 retry_of: int | None = None, name: str | None = None) -> None:
    """A sync's counts; a retry's (`isbn`) count that edition's products only (`name`: its `Title (Format)`);
    `retry_of`: the exception retried."""
    store = f"store {report.storefront!r}"  # quoted, as in every message that names it
    title = f"{named_edition(isbn, name)} in {store}" if isbn else f"sync of {store}"  # its edition, or the store
    title = (f"Retry of exception {retry_of}: {title}" if retry_of is not None
             else f"Retry of {title}" if isbn else f"Sync of {store}")
    table = WholeTable(title=escape(title))
    for column in ("created", "adopted", "updated", "hidden", "unchanged", FROM_EVERY_STOREFRONT, "failed"):
        add_count_column(table, column)
    if report.source_error:  # nothing was planned: no count applies, and zeros would read as "nothing held back"
        table.add_row(*(NO_COUNT,) * 7)
    else:
        table.add_row(str(report.created), str(report.adopted), str(report.updated), str(report.hidden),
                      str(report.unchanged), str(report.skipped), str(report.failed))
    console.print(table)
    if report.source_error:
        console.print(f"{NO_COUNT}: {SOURCE_UNREAD}")
    print_relinked(console, report)
    print_gone(console, report)
    if report.store_untouched:
        print_store_not_called(console)
    if report.source_error:
        print_source_failure(console, report.source_error, nothing_was="synced")
    if report.store_refused:  # the store's failure, not the editions': the run sent nothing after that answer
        # Said once: by the exception line below when this run opened it, else here (its exception is open already).
        below = any(line.endswith(report.store_refused) for line in report.exceptions_opened)
        console.print(f"[red]the sync stopped: {escape(store)} refused the credentials, so "
                      f"{not_sent_words(report.not_sent)}"
                      + ("[/red] (the exception below)" if below else f":[/red] {escape(report.store_refused)}"))
    for line in report.exceptions_opened[:30]:
        console.print(f"[red]exception[/red] {escape(line)}")


def not_sent_words(count: int) -> str:
    """The products a sync stopped by a refused token did not send, as `sync` says them (`runs` counts them under
    `not sent`)."""
    return f"{plural(count, 'product')} {'was' if count == 1 else 'were'} not sent"


def print_source_failure(console: Console, failure: str, *, nothing_was: str) -> None:
    """A source that could not be read, as `plan`, `sync` and `source inspect` alike say it: `nothing was synced:
    reading source 'consonance' failed: Consonance rejected the API key` (`failure`: `source_failure`'s words)."""
    console.print(f"[red]nothing was {nothing_was}:[/red] {escape(failure)}")


def print_gone(console: Console, report: SyncReport) -> None:
    """Products hidden because their editions left the source, named; when the same read had records it could not
    read, say that one of them may be such an edition (a typo in its ISBN takes it off sale until it is fixed).
    Products kept because their own record was not read, named."""
    if report.kept_unread:
        console.print(f"[yellow]{KEPT_UNREAD}[/yellow]: {escape(kept_words(report.kept_unread))}")
    if not report.gone:
        return
    shown = _first_ten(report.gone)
    console.print(f"hidden, no longer in the source: {plural(len(report.gone), 'product')} ({escape(shown)})")
    if report.records_not_read:
        console.print(f"[yellow]check them:[/yellow] this read also had {plural(report.records_not_read, 'record')}"
                      f" not read ({UNREAD_LISTED}): if one of them is such an edition, fix the record in the "
                      "source and sync again, and it is listed again")


def kept_words(keys: Sequence[str]) -> str:
    """Products gone from the source and kept because their record was not read, and what to do."""
    return f"{plural(len(keys), 'product')} ({_first_ten(keys)}); {KEPT_WHY}"


def kept_changed_words(keys: Sequence[str]) -> str:
    """Products kept as they are while their record's ISBN change is open (a reconcile's), and where to decide."""
    return f"{plural(len(keys), 'product')} ({_first_ten(keys)}) ({ISBN_CHANGES_LISTED})"


def _first_ten(keys: Sequence[str]) -> str:
    return ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")


def print_relinked(console: Console, report: SyncReport) -> None:
    """Why a sync updated more products than its plan said: links to products this run made."""
    if report.relinked:
        console.print(f"{plural(report.relinked, 'update')} of these only link related products (the other formats "
                      "of a title) to products made in this run: the plan could not know their ids.")


def print_milestones(console: Console, records: list[MilestoneRecord], names: Mapping[str, str]) -> None:
    """The milestone transitions a sync found and what their actions did, in the words and the edition naming of
    `bookbridge milestones`, which lists them all (`names`: ISBN -> `Title (Format)`, from the catalogue)."""
    for r in records:
        state = ("[yellow]queued[/yellow]" if r.pending else "done" if r.ok
                 else f"[red]failed[/red], exception {r.exception_id}" if r.exception_id else "[red]failed[/red]")
        edition = named_edition(r.event.isbn, escape(name) if (name := names.get(r.event.isbn)) else None)
        console.print(f"milestone {transition_words(r.event.transition)} of {edition}: "
                      f"{action_words(r.action)} ({state}): {escape(r.detail)}")


def print_exceptions(console: Console, items: list[SyncException], *, store: str, zones: Mapping[str, str],
                     source: str, names: Mapping[str, str] | None = None, sinks: Sequence[str] = (),
                     orders: bool = True) -> None:
    """Open exceptions; each last seen in its storefront's time zone (`zones`: storefront -> zone), naming it, or
    for one on the store itself, a source, the order import or a sales sink, in UTC with each storefront's local
    time beside it (a line each on a terminal), as the dashboard and `exceptions show` give it. `names`: ISBN ->
    the edition as the dashboard names it (`Roseanna (Hardback)`), from the stored catalogue. A record not read
    stands in the edition column as the source's record (`record consonance:work:101/product:1001`), its ISBN blank.
    The legend names the places by the configuration's names: the storefronts (`zones`' keys), the store, the
    source, the order import (`orders`: when orders are imported) and the sales sinks (`sinks`)."""
    names = names or {}
    lines = "\n" if console.is_terminal else None  # a line each in a terminal's cell; elsewhere one sentence

    def seen(e: SyncException) -> str:
        return seen_time(e.last_seen, e.storefront, zones, lines=lines)

    table = WholeTable(title=f"Open exceptions: {len(items)}", caption=escape(
        f"where: {places_legend(store, list(zones), source, sinks, orders=orders)}"))
    # How often it was seen is `seen`, as `exceptions show` and the dashboard say it (JSON's `count`).
    for column in ("id", "kind", "edition", "ISBN", "where", "field", "seen", "last seen", "message"):
        table.add_column(column, overflow="fold", no_wrap=column in ("ISBN", "last seen"))  # whole, on one line
    for e in items:
        where = where_words(place_key(e, store, source), store, zones) or ""
        # A record not read is what the exception is about in place of an edition, and it has no ISBN.
        record = is_record(e.kind, e.isbn, e.storefront)
        about = subject_words(e) if record else names.get(e.isbn or "", "")
        table.add_row(str(e.id), e.kind.value, escape(about), "" if record else escape(e.isbn or ""),
                      escape(where), escape(field_words(e.field) if e.field else ""), plural(e.count, "time"),
                      seen(e), escape(e.message))
    console.print(table)
