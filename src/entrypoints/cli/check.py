"""`bookbridge check`: is this configuration ready for a first sync? Writes nothing, anywhere.

1. The configuration: the file and BOOKBRIDGE_* variables, then each adapter built from its table's keys (a missing
   key or an unset environment variable is named here), and the [http] secrets `serve` reads. Any failure:
   exit 2.
2. The outside world: each adapter that can (`bookbridge.domain.ports.Probeable`) makes read-only calls; then each
   storefront's channel_id is looked up among the store's channels.
3. The catalogue: a full read, the listings a first sync would build, the problems by code, and how many
   editions each storefront would hold back (`bookbridge.application.readiness`).

Exit 0: all good; 1: a check failed (or, with --strict, a blocking problem would hold an edition back), named in
the last line; 2: invalid configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from bookbridge.application.readiness import ReadinessReport, check_readiness
from bookbridge.domain.ports import CatalogSource, Clock, Probeable, ProbeFinding, ProbeResult, ProbeStatus, Storefront
from bookbridge.domain.problems import Problem
from bookbridge.domain.storefront import storefront_words
from bookbridge.domain.words import failure_words, named_edition
from bookbridge.entrypoints.cli.common import (
    CONFIG_HELP,
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOption,
    configured,
    entry_errors,
    screen,
    setup_error,
    unset_variables,
)
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.container import (
    Container,
    build_command,
    build_notifier,
    build_sales_sink,
    build_source,
    build_storefront,
    close_adapter,
    optional_store_calls,
)
from bookbridge.entrypoints.http.security import secret_problems
from bookbridge.entrypoints.logs import add_secret_names, secret_env_names
from bookbridge.entrypoints.presentation import plural
from bookbridge.entrypoints.settings import ConfigurationError, Settings, configuration_message

_LIVE_CHANNEL = frozenset({"active", "prelaunch"})
# What a failed call's first column says: people read words; the codes are the adapters' and the tests'.
STATUS_WORDS = {ProbeStatus.BAD_CREDENTIALS: "credentials refused", ProbeStatus.MISSING_SCOPE: "a scope is missing",
                ProbeStatus.NOT_FOUND: "not found", ProbeStatus.UNREACHABLE: "cannot be reached",
                ProbeStatus.FAILED: "failed"}
# Why the catalogue could not be read, by the source's first failed call.
_UNREAD = {ProbeStatus.UNREACHABLE: "the source cannot be reached",
           ProbeStatus.BAD_CREDENTIALS: "the source refused its credentials",
           ProbeStatus.NOT_FOUND: "the source's address was not found"}


@dataclass
class Adapters:
    source: CatalogSource | None = None
    store: Storefront | None = None
    errors: list[str] = field(default_factory=list)


def build_adapters(container: Container, settings: Settings, clock: Clock) -> Adapters:
    """Build the source, the store, the notifiers and the sales sinks from their options, as the composition root
    does; every failure becomes a line to fix.

    The source gets no stored-edition lookup (nothing reads the state database here): ONIX block updates (04)
    in a full read are then reported as problems, as on a first sync.
    """
    built = Adapters()
    registry = container.registry()
    if not settings.storefronts:
        built.errors.append("[[storefronts]]: none configured; add one for each place the store sells in, each on its "
                            "own channel (`bookbridge init` writes an example)")
    if len({s.format_strategy for s in settings.storefronts}) > 1:
        built.errors.append("[[storefronts]] format_strategy: storefronts of one store share its products, so they "
                            "must all use the same strategy")
    # Every variable an adapter names must be set: all of them are listed at once, not one per run of `check`.
    # The words are `plan`'s and `sync`'s (`cli/common.py`).
    if unset := unset_variables(settings, "source"):
        built.errors.append(unset)
    else:
        try:
            built.source = build_source(registry, settings, clock, None)  # no unit of work: no stored editions
        except (LookupError, ValueError, TypeError, OSError) as exc:  # the adapter's own message names the key
            built.errors.append(setup_error("source", exc))
    if unset := unset_variables(settings, "storefront"):
        built.errors.append(unset)
    else:
        try:
            built.store = build_storefront(registry, settings, clock)
        except (LookupError, ValueError, TypeError, OSError) as exc:
            built.errors.append(setup_error("storefront", exc))
    built.errors.extend(secret_problems(settings.http))  # what `serve` reads before it starts
    built.errors.extend(entry_errors("exception_queues", settings.exception_queues,
                                     lambda name, queue: build_notifier(registry, name, queue, clock), need_env=True))
    built.errors.extend(entry_errors("sales_sinks", settings.sales_sinks,
                                     lambda name, sink: build_sales_sink(registry, name, sink, clock), need_env=True))
    return built


def probe(adapter: object, what: str) -> ProbeResult:
    if isinstance(adapter, Probeable):
        return adapter.probe()
    return ProbeResult(findings=(ProbeFinding(what, "-", ProbeStatus.OK,
                                              f"{type(adapter).__name__} makes no connection check"),))


def channel_findings(settings: Settings, result: ProbeResult) -> tuple[list[ProbeFinding], list[str]]:
    """Each storefront's channel_id must name a channel of the store (one that is live, ideally): a finding for
    each, and what is wrong with each mapping that is, in a sentence for the last line."""
    if result.channels is None:
        return [], []
    by_id = {c.id: c for c in result.channels}
    known = ", ".join(f"{c.id} ({c.name})" for c in result.channels) or "none"
    found, wrong = [], []
    for storefront in settings.storefronts:
        named = storefront_words(storefront.name)
        call = f"{named}: channel_id = {storefront.channel_id}"
        channel = by_id.get(storefront.channel_id)
        if channel is None:
            found.append(ProbeFinding("storefronts", call, ProbeStatus.NOT_FOUND,
                                      f"the store has no channel {storefront.channel_id}",
                                      f"set channel_id to one of the store's channels: {known}"))
            wrong.append(f"{named}: channel_id {storefront.channel_id} is not a channel of store "
                         f"{settings.store.name!r}")
        elif channel.status and channel.status not in _LIVE_CHANNEL:
            found.append(ProbeFinding("storefronts", call, ProbeStatus.FAILED,
                                      f"channel {channel.id} ({channel.name}) is {channel.status}",
                                      "activate the channel in the control panel, or map the storefront elsewhere"))
            wrong.append(f"{named}: {found[-1].message}")
        else:
            found.append(ProbeFinding("storefronts", call, ProbeStatus.OK,
                                      f"channel {channel.id}: {channel.name} ({channel.type}, {channel.status})"))
    return found, wrong


def print_findings(console: Console, findings: list[ProbeFinding]) -> None:
    table = WholeTable(title="Connections")
    for column in ("status", "target", "call", "result", "how to fix"):
        table.add_column(column, overflow="fold")
    for f in findings:
        mark = "[green]ok[/green]" if f.ok else f"[red]{STATUS_WORDS[f.status]}[/red]"
        fix = escape(f.fix or "") if not f.ok else ""
        table.add_row(mark, escape(f.target), escape(f.call), escape(f.message), fix)
    console.print(table)


def print_channels(console: Console, result: ProbeResult, settings: Settings) -> None:
    if result.channels is None:
        return
    mapped = {s.channel_id: s.name for s in settings.storefronts}
    table = WholeTable(title="The store's channels (map storefronts with channel_id)")
    for column in ("id", "name", "type", "platform", "status", "storefront"):
        table.add_column(column)
    for c in result.channels:
        storefront = storefront_words(mapped[c.id]) if c.id in mapped else ""  # `storefront 'uk'`, never bare
        table.add_row(str(c.id), escape(c.name), c.type, c.platform, c.status, escape(storefront))
    console.print(table)


def example_words(problem: Problem, names: Mapping[str, str]) -> str:
    """A problem as the "for example" column says it: its edition as every message names it (`The Salt Road
    (Hardback), ISBN 9781999990015: not licensed …`), or the record not read by the source's own id (`record
    consonance:work:101/product:1001: …`)."""
    record = problem.record or ""
    what = named_edition(record, names[record]) if record in names else f"record {record}" if record else ""
    return f"{what}: {problem.message}" if what else problem.message


def print_readiness(console: Console, report: ReadinessReport, store: str) -> None:
    console.print(f"Catalogue: {plural(report.families, 'title family', 'title families')}, "
                  f"{plural(report.editions, 'edition')} read"
                  + (f", {report.delisted} withdrawn" if report.delisted else "")
                  + f"; {plural(report.blocking, 'blocking problem')}, {plural(report.warnings, 'warning')}")
    if report.by_code:
        # Records, not editions per storefront: the two tables count different things, and say so.
        table = WholeTable(title="Problems by code",
                           caption="records: each record with the problem once, whatever its storefronts; an "
                                   "edition withdrawn anyway has no licence to fix, so it counts under \"not "
                                   "licensed\" per storefront below, not here; an edition by its title, format "
                                   "and ISBN, a record not read by the source's own id (a Consonance work is a title "
                                   "family, its product an edition)")
        for column in ("severity", "code", "records", "for example"):
            table.add_column(column, overflow="fold")
        for (severity, code), count in report.by_code.items():
            example = report.examples[code]
            table.add_row(severity.value, code, str(count), escape(example_words(example, report.names)))
        console.print(table)
    if report.unmapped_subjects:
        console.print(escape("Subject codes with no category (warnings, see [mapping] categories): " + ", ".join(
            f"{scheme} {count}" for scheme, count in report.unmapped_subjects.items())))
    table = WholeTable(title="Per storefront: where each edition stands",
                       caption="editions, each counted once per storefront, under its first cause (the licence, "
                               "then a problem, then its stage), so that the columns add up; the dashboard lists "
                               "every cause")
    table.add_column("storefront")
    # In the listing rules' order, so that they add up; every reason not to list is "held back" (the glossary).
    for column in ("editions", "listed", "held back: not licensed", "held back: a problem",
                   "held back: not yet announced or withdrawn"):
        table.add_column(column, justify="right")
    for s in report.storefronts:
        table.add_row(escape(storefront_words(s.storefront)), str(s.editions), str(s.listed), str(s.not_licensed),
                      str(s.blocked), str(s.not_yet_or_withdrawn))
    console.print(table)
    # Held back are editions, from every storefront (the glossary): not products. The check reads no state, so it
    # counts against an empty store, and says so: after a sync, `plan` is the count of what would change.
    console.print(f"Into an empty store, a sync would create {plural(report.products, 'product')} and hold back "
                  f"{plural(report.products_held, 'edition')} from every storefront; `bookbridge plan` counts against "
                  f"what store {store!r} holds")


def run_check(container: Container, console: Console, *, strict: bool = False) -> int:
    err = screen(stderr=True)  # one line per problem, whole, for grep and for logs
    try:
        settings = container.settings()
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]\n{escape(CONFIG_HELP)}")
        return EXIT_CONFIG
    add_secret_names([*secret_env_names(settings.source.options()), *secret_env_names(settings.store.options()),
                      *(n for q in settings.exception_queues for n in secret_env_names(q.options()))])
    clock = container.clock()
    adapters = build_adapters(container, settings, clock)
    try:
        for failure in container.plugin_failures():
            err.print(f"[yellow]plugin {failure.plugin} is disabled:[/yellow] {escape(failure.error)}")
        if adapters.errors:
            err.print(f"[red]{escape(configuration_message(adapters.errors))}[/red]\n{escape(CONFIG_HELP)}")
            return EXIT_CONFIG
        console.print("configuration: ok")
        failed = reach_and_read(console, err, settings, adapters, clock, strict=strict)
    finally:
        close_adapter(adapters.store)
    if failed:  # each failed check, by name, with what failed in it
        console.print("[red]some checks failed:[/red] " + escape("; ".join(failed)))
    else:
        console.print("[green]all checks passed[/green]")
    return EXIT_FAILURES if failed else EXIT_OK


def reach_and_read(console: Console, err: Console, settings: Settings, adapters: Adapters, clock: Clock, *,
                   strict: bool) -> list[str]:
    """Steps 2 and 3; the checks that failed, each named with what failed in it (none: all passed)."""
    assert adapters.source is not None and adapters.store is not None
    source_probe = probe(adapters.source, f"source {settings.source.kind}")
    store_probe = probe(adapters.store, f"{settings.store.kind} store adapter")
    unneeded = optional_store_calls(settings)
    # The store by its name, as every command says it; the adapter's own target (a BigCommerce store hash) after it.
    store_findings = [replace(f, target=f"store {settings.store.name!r} ({f.target})") for f in store_probe.findings
                      if f.call not in unneeded]
    mappings, wrong = channel_findings(settings, store_probe)
    calls = [*source_probe.findings, *store_findings]
    print_findings(console, [*calls, *mappings])
    print_channels(console, store_probe, settings)
    # A failed call and a storefront mapped to the wrong channel (after a call that succeeded) are said apart.
    failed_calls = sum(not f.ok for f in calls)
    said = [f"{plural(failed_calls, 'call')} failed", *wrong] if failed_calls else wrong
    failed = [f"connections: {', '.join(said)} (see Connections)"] if said else []
    if not source_probe.ok:  # "not read" is a record's fate (the glossary), not the catalogue's
        status = next(f.status for f in source_probe.findings if not f.ok)
        why = _UNREAD.get(status, "the source's connection check failed")
        console.print(f"catalogue: could not be read: {why} (see Connections above)")
        return [*failed, f"catalogue: could not be read ({why})"]
    try:
        report = check_readiness(build_command(settings, full=True), adapters.source, clock)
    except Exception as exc:  # the source cannot be read: say why, as `source inspect` does
        err.print(f"[red]could not read the catalogue:[/red] {escape(failure_words(exc))}")
        return [*failed, "catalogue: could not be read"]
    print_readiness(console, report, settings.store.name)
    if strict and (blocked := [s for s in report.storefronts if s.blocked]):
        failed.append("--strict: a blocking problem would hold editions back: "
                      + ", ".join(f"{s.blocked} on {storefront_words(s.storefront)}" for s in blocked)
                      + " (see Problems by code)")
    return failed


def check(
    config: Path | None = ConfigOption,
    strict: bool = typer.Option(False, "--strict", help="also fail (exit 1) when a blocking problem (no cover, "
                                "description or price) would hold an edition back on a storefront"),
) -> None:
    """Check the configuration, the connections and the catalogue.

    It writes nothing. It validates the configuration, reaches Consonance and BigCommerce, lists the store's
    channels and says how many editions each storefront would hold back. Exit 0: all good; 1: a check failed;
    2: the configuration is invalid.
    """
    raise typer.Exit(run_check(configured(config), screen(), strict=strict))
