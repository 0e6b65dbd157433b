"""`bookbridge plugins`: every registered adapter, where it came from, and the plugins that failed to load."""

from __future__ import annotations

import typer
from rich.markup import escape

from bookbridge.entrypoints.cli.common import EXIT_FAILURES, screen
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.container import Container
from bookbridge.plugin import TABLES


def plugins() -> None:
    """List the installed adapters and the plugins they come from.

    Exit 1 when a plugin could not be loaded.
    """
    container = Container()
    registry = container.registry()
    failures = container.plugin_failures()
    table = WholeTable(title="Registered adapters")
    for column in ("kind", "name", "configured in", "plugin", "origin", "description"):
        table.add_column(column)
    for spec in registry.all():
        table.add_row(spec.kind.words, spec.name, escape(TABLES[spec.kind]), spec.plugin, spec.origin,
                      spec.description)
    console = screen()
    console.print(table)
    for failure in failures:
        console.print(f"[red]plugin {failure.plugin} disabled:[/red] {escape(failure.error)}")
    if failures:
        raise typer.Exit(EXIT_FAILURES)
