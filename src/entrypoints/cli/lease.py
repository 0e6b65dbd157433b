"""`bookbridge lease list|release`: see who holds which lease, and free one whose holder will not come back."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from bookbridge.entrypoints.cli.common import EXIT_OK, Commands, ConfigOption, running, screen
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.cli.values import refused
from bookbridge.entrypoints.documents import json_instant
from bookbridge.entrypoints.presentation import utc_time

lease_app = Commands(help="Leases: what keeps two instances from running one job at once (a store's sync, the "
                          "order import, a launch).", short_help="Leases: one instance per job at a time.")


@lease_app.command("list")
def list_leases(
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="print the leases as JSON"),
) -> None:
    """Every lease, its holder (host:pid) and when it lapses unless renewed.

    Exit 2 if the configuration is invalid.
    """
    with running(config, need_storefronts=False) as container:
        held = container.lease_table().held()
    rows = [{"name": i.name, "holder": i.holder,
             "expires_at": json_instant(i.expires_at) if i.expires_at else None,
             "holder_gone": i.holder_gone} for i in held]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    out = screen()
    if not held:
        out.print("No lease is held: no instance is syncing a store, importing orders or running a launch now.")
        return
    table = WholeTable(title="Leases")
    for column in ("name", "holder", "lapses at", "state"):
        table.add_column(column, no_wrap=column == "lapses at")  # an instant, whole
    for info in held:
        table.add_row(escape(info.name), escape(info.holder),
                      utc_time(info.expires_at) if info.expires_at else "with its session",
                      "holder gone: taken over at the next try" if info.holder_gone else "")
    out.print(table)


@lease_app.command("release")
def release_lease(
    name: str = typer.Argument(..., metavar="NAME",
                               help="the lease's name, as `bookbridge lease list` shows it (e.g. sync:shop)"),
    config: Path | None = ConfigOption,
) -> None:
    """Free a lease whoever holds it. Only when its holder is stopped: otherwise two instances run the job.

    Exit 2 if the configuration is invalid or no lease of that name is held (a name that names nothing, as an
    unknown exception id is).
    """
    with running(config, need_storefronts=False) as container:
        freed = container.lease_table().force_release(name)
    if not freed:
        raise refused("NAME", f"no lease named {name!r} is held (`bookbridge lease list` shows the held ones)")
    screen().print(f"released lease {escape(name)!r}")
    raise typer.Exit(EXIT_OK)
