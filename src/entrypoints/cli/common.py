"""What every command shares: the exit codes, the `--config` option, the consoles it prints to, and the container
a command runs in."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup

from bookbridge.domain.ports import MAX_INTEGER
from bookbridge.domain.words import unset_variable
from bookbridge.entrypoints.cli.values import count_value
from bookbridge.entrypoints.container import Container, close_adapter, entry_error, entry_names, lease_holder
from bookbridge.entrypoints.logs import add_secrets
from bookbridge.entrypoints.secrets import configured_secrets, forms
from bookbridge.entrypoints.settings import AdapterSettings, ConfigurationError, Settings, configuration_message
from bookbridge.plugin import AdapterKind, AdapterRegistry

# README's exit codes: EXIT_CONFIG is bad input of any kind, the configuration or an argument (nothing was done).
EXIT_OK, EXIT_FAILURES, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3
ConfigOption = typer.Option(None, "--config", "-c", metavar="FILE", help="bookbridge.toml (default: "
                            "$BOOKBRIDGE_CONFIG, else ./bookbridge.toml)", exists=False, dir_okay=False)


def limit_option(default: int, what: str) -> Any:
    """`--limit N`: how many `what` to show, from 1 (as the HTTP API's limits) to the largest count the state
    database takes; anything else is refused as typer refuses a value (exit 2), in the API's words
    (`count_value`)."""
    return typer.Option(default, metavar="N", parser=count_value,
                        help=f"how many {what} to show (from 1 to {MAX_INTEGER})")


# Off a terminal (a file, a pipe, CI logs, journald) nothing is wrapped: a line is as long as what it says, and a
# table as wide as its widest row, so that an ISBN or a token is never cut. Rich needs a width; this one is never
# reached by a table (they are as wide as their content) and never filled (no rule is drawn off a terminal).
UNWRAPPED_WIDTH = 10_000


CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


class Command(TyperCommand):
    """A command whose help names an argument as it names an option, by its metavar alone (`ID...`, `FILE`):
    typer would follow the name with the Python type (`ID <list[int]>`), which tells a reader nothing. Its usage
    line writes an argument one way, as click does: a required one bare (`ID`), an optional one in brackets as
    `[OPTIONS]` is (`[FILE]`), several followed by `...` (`[ID]...`); typer would brace a required one (`{ID}`)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument) and not param.hidden:
                name = param.display_name_raw
                pieces.append((name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else ""))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                placeholder = param.display_type_rich(ctx)
                arguments.append((record[0].removesuffix(f" {placeholder}") if placeholder else record[0], record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class Group(TyperGroup):
    """A group whose help lists each command with its whole summary, wrapped to the width: click would cut it to
    one line (`Every lease, its holder (host:pid) and when it lapses unless...`)."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, command.get_short_help_str(limit=UNWRAPPED_WIDTH)) for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class Commands(typer.Typer):
    """The top level or a group of commands (`bookbridge exceptions ...`): plain help, each command's `Command`'s."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"no_args_is_help": True, "rich_markup_mode": None, "add_completion": False,
                            "cls": Group, **options})

    def command(self, *args: Any, **kwargs: Any) -> Callable[[CommandFunction], CommandFunction]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


def command_group(help_text: str) -> Commands:
    """A group of commands (`bookbridge exceptions ...`), with the same plain help as the top level."""
    return Commands(help=help_text)


def on_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def screen(*, stderr: bool = False) -> Console:
    """Where a command prints for people: stdout (or stderr for errors). On a terminal, rich wraps to its width;
    anywhere else, nothing is wrapped or cut."""
    if on_terminal(sys.stderr if stderr else sys.stdout):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH, soft_wrap=True)


def heading(out: Console, title: str) -> None:
    """A section's title: a rule across a terminal, a plain line elsewhere."""
    if out.is_terminal:
        out.rule(f"[bold]{escape(title)}")
    else:
        out.print(f"== {escape(title)} ==")


def configured(config: Path | None) -> Container:
    """A fresh container that reads `config` (or the default file and BOOKBRIDGE_* variables)."""
    container = Container()
    container.config_path.override(config)
    return container


CONFIG_HELP = "(see docs/configuration.md, or `bookbridge init` for a commented example)"


def config_error(message: str) -> typer.Exit:
    """Print an invalid configuration's message on stderr, with where to read up unless it says what to do
    already; raise what this returns (exit 2). Every command ends such a message the same way."""
    hint = "" if "bookbridge init" in message else f"\n{CONFIG_HELP}"
    screen(stderr=True).print(f"[red]{escape(message)}[/red]{escape(hint)}")
    return typer.Exit(EXIT_CONFIG)


def invalid_configuration(lines: list[str]) -> typer.Exit:
    """`config_error` for every line at fault: one on the heading's line, several each on its own."""
    return config_error(configuration_message(lines))


@contextmanager
def running(config: Path | None, *, need_storefronts: bool = True,
            adapters: tuple[str, ...] = ()) -> Iterator[Container]:
    """A container built from the configuration; its resources (the database engine) are closed afterwards.

    `adapters` ("source", "storefront") are built up front: an unknown kind or a bad key is a configuration
    error (exit 2) naming the table, not a traceback halfway through the command."""
    container = configured(config)
    try:
        settings = container.settings()
    except ConfigurationError as exc:
        raise config_error(str(exc)) from None
    add_secrets(form for secret in configured_secrets(settings) if secret for form in forms(secret))
    if need_storefronts and not settings.storefronts:
        raise config_error("invalid configuration: no [[storefronts]] configured; run `bookbridge init` for a "
                           "commented example")
    try:
        # The whole configuration, as `check` reads it: a table this command does not use is no less misspelt.
        if wrong := option_errors(container.registry(), settings):
            raise invalid_configuration(wrong)
        if unset := [line for adapter in adapters if (line := unset_variables(settings, adapter))]:
            raise invalid_configuration(unset)  # all, as `check`
        for adapter in adapters:
            try:
                getattr(container, adapter)()
            except (ConfigurationError, LookupError, ValueError, TypeError, OSError) as exc:
                raise config_error(f"invalid configuration: {setup_error(adapter, exc)}") from None
        yield container
    finally:
        container.shutdown_resources()


# The configuration table of each adapter a command builds, and what the glossary calls the adapter.
ADAPTER_TABLES = {"source": ("[source]", "source adapter"), "storefront": ("[store]", "store adapter")}


def unset_env(options: Mapping[str, Any]) -> list[str]:
    """The `*_env` options whose environment variable is not set (or blank), each named with its key, as the
    adapter says it when it is built (`bookbridge.plugin.variable_value`)."""
    return [unset_variable(key, value) for key, value in options.items()
            if key.endswith("_env") and isinstance(value, str) and not os.environ.get(value, "").strip()]


def unset_variables(settings: Settings, adapter: str) -> str | None:
    """The unset variables of the `[source]` or `[store]` table (`unset_env`) as one line naming the adapter;
    None when all are set. Every command that builds the adapter words it so."""
    table, _ = ADAPTER_TABLES[adapter]
    options = (settings.source if adapter == "source" else settings.store).options()
    unset = unset_env(options)
    return f"{table} {'; '.join(unset)}" if unset else None


def setup_error(adapter: str, exc: Exception) -> str:
    """Why the `[source]` or `[store]` adapter could not be built, as every command says it: an unknown kind
    names the key (`[store] kind: no ... adapter named 'shopify'`), an adapter's own message is prefixed with its
    table (`[store] store adapter 'bigcommerce': ...`) unless it names the table already."""
    table, _ = ADAPTER_TABLES[adapter]
    if isinstance(exc, LookupError):
        return f"{table} kind: {exc}"
    return str(exc) if table in str(exc) else f"{table} {exc}"


def option_errors(registry: AdapterRegistry, settings: Settings) -> list[str]:
    """What is wrong with the options of every adapter table (`[source]`, `[store]`, each `[[exception_queues]]`
    and `[[sales_sinks]]` entry): an unknown kind, a misspelt key, a bad value, two entries of one name, each a
    line naming its table. Nothing is built and nothing read, so every command says it before it starts, whether
    or not it uses the table; `bookbridge check` builds each adapter, which says more."""
    errors: list[str] = []
    for adapter, kind in (("source", AdapterKind.SOURCE), ("storefront", AdapterKind.STOREFRONT)):
        table = settings.source if adapter == "source" else settings.store
        try:
            registry.get(kind, table.kind).parse_options(table.options())
        except (LookupError, ValueError) as exc:
            errors.append(setup_error(adapter, exc))
    for key, kind, entries in (("exception_queues", AdapterKind.NOTIFIER, settings.exception_queues),
                               ("sales_sinks", AdapterKind.SALES_SINK, settings.sales_sinks)):
        errors.extend(entry_errors(key, entries, partial(_parsed, registry, kind)))
    return errors


def entry_errors(key: str, entries: list[AdapterSettings], build: Callable[[str, AdapterSettings], object], *,
                 need_env: bool = False) -> list[str]:
    """`build` (and close what it returns) for each entry of a list of tables (`[[exception_queues]]`,
    `[[sales_sinks]]`; `key`, the list's key), by its name: what stops one is a line naming the entry
    (`[[sales_sinks]] 'ledger': ...`). `need_env`: the environment variables its `*_env` options name must be
    set (they are, to build the adapter)."""
    errors: list[str] = []
    try:
        names = entry_names(entries, key)
    except ConfigurationError as exc:
        errors.append(str(exc))
        names = tuple(f"#{n + 1}" for n in range(len(entries)))
    for name, entry in zip(names, entries, strict=True):
        if need_env and (unset := unset_env(entry.options())):
            errors.append(f"[[{key}]] {name!r} {'; '.join(unset)}")
            continue
        try:
            close_adapter(build(name, entry))
        except (ConfigurationError, LookupError, ValueError, TypeError, OSError, ImportError) as exc:
            errors.append(entry_error(key, name, exc))
    return errors


def _parsed(registry: AdapterRegistry, kind: AdapterKind, _: str, entry: AdapterSettings) -> object:
    """An entry's options as its adapter reads them (`AdapterSpec.parse_options`): nothing is built."""
    return registry.get(kind, entry.kind).parse_options(entry.options())


def instance_id() -> str:
    """Who holds a lease: host and process, so a dead holder is recognised."""
    return lease_holder()
