"""`bookbridge plugins`: every registered adapter, where it came from, and the plugins that failed to load."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.entrypoints.cli.common import EXIT_FAILURES
from bookbridge.entrypoints.container import Container


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
        raise typer.Exit(EXIT_FAILURES)
