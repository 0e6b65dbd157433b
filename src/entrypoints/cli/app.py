"""`bookbridge`: the command line, assembled from its command modules.

Each command is thin: it parses input, builds a command object, and calls a use case. What commands share (the
exit codes, `--config`, the container they run in) is in `cli/common.py`; no command module imports this one.
"""

from __future__ import annotations

import typer

from bookbridge.entrypoints.cli.check import check
from bookbridge.entrypoints.cli.demo import demo
from bookbridge.entrypoints.cli.init import init
from bookbridge.entrypoints.cli.lease import lease_app
from bookbridge.entrypoints.cli.operations import db_app, exceptions_app, reconcile, runs
from bookbridge.entrypoints.cli.plugins import plugins
from bookbridge.entrypoints.cli.sales import orders_app, sales_app
from bookbridge.entrypoints.cli.serve import jobs, milestones, serve
from bookbridge.entrypoints.cli.source import source_app
from bookbridge.entrypoints.cli.sync import plan, sync
from bookbridge.entrypoints.logs import configure_logging, level_for
from bookbridge.entrypoints.runtime import tune_garbage_collector

app = typer.Typer(
    help="bookbridge: keeps a Consonance catalogue and a BigCommerce store in step.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="log debug lines too (and every HTTP request)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="log warnings and errors only"),
) -> None:
    """Logs go to stderr: JSON lines when it is not a terminal, readable text when it is."""
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet contradict each other")
    configure_logging(level_for(verbose, quiet))


app.add_typer(source_app, name="source")
for command in (init, check, demo, plugins, plan, sync):
    app.command()(command)
app.add_typer(db_app, name="db")
app.add_typer(exceptions_app, name="exceptions")
app.add_typer(lease_app, name="lease")
app.command()(runs)
app.command()(reconcile)
app.add_typer(orders_app, name="orders")
app.add_typer(sales_app, name="sales")
for command in (serve, jobs, milestones):  # the service; its commands read its tables
    app.command()(command)


def main() -> None:
    tune_garbage_collector()
    app()
