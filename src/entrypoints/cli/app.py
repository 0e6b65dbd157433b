"""`bookbridge`: the command line, assembled from its command modules.

Each command is thin: it parses input, builds a command object, and calls a use case. What commands share (the
exit codes, `--config`, the consoles, the container they run in) is in `cli/common.py`; no command module imports
this one. Help is click's plain layout: flags without a type placeholder, paragraphs reflowed to the terminal.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import typer

from bookbridge.entrypoints.cli.check import check
from bookbridge.entrypoints.cli.common import Commands, on_terminal
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

app = Commands()
# Commands whose output is their logs: they log at info on a terminal too. Every other command prints for people
# on stdout, and its info lines would only interrupt that: on a terminal they show with --verbose alone.
LOG_COMMANDS = frozenset({"serve"})
# Commands that print for people only, even when stderr is a file: info lines need --verbose there too.
HUMAN_ONLY = frozenset({"demo"})


def installed_version() -> str:
    try:
        return version("bookbridge")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bookbridge {installed_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug lines too, and every HTTP request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log warnings and errors only."),
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                      help="Print the version and exit."),
) -> None:
    """bookbridge keeps a Consonance catalogue and a BigCommerce store in step.

    Logs go to stderr: readable text on a terminal, JSON lines elsewhere. Commands print for people on stdout.
    Info log lines show on a terminal only with --verbose (serve shows them always); JSON lines keep them,
    except the demo's.
    """
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet contradict each other")
    command = ctx.invoked_subcommand or ""
    quiet_info = command in HUMAN_ONLY or (command not in LOG_COMMANDS and on_terminal(sys.stderr))
    configure_logging(level_for(verbose, quiet, quiet_info=quiet_info))


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
