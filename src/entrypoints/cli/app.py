"""`bookbridge`: thin commands that parse input, build a command object, and call a use case."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from entrypoints.container import Container

app = typer.Typer(
    help="bookbridge: keeps a Consonance catalogue and a BigCommerce store in step.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def demo() -> None:
    """Run the mission on embedded defaults: the bundled sample catalogue, planned and synced."""
    from entrypoints.cli.demo import run_demo

    raise typer.Exit(run_demo(Console()))


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
        console.print(f"[red]plugin {failure.plugin} disabled:[/red] {failure.error}")
    if failures:
        raise typer.Exit(1)


def main() -> None:
    app()
