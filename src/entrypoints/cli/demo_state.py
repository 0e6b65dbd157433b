"""Reading the demo's state once it has ended: `--keep` leaves its folder with a `bookbridge.toml` in it, and the
demo's pointers to commands (`bookbridge sales report`, `exceptions list`, `milestones`) say how to run them on
that state; without `--keep` the state goes with the demo, and the pointers say to rerun it with `--keep` (or
`--serve`, whose dashboard shows the same) to look further, or, under `--serve`, point to the dashboard it serves."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEPT_CONFIG = "bookbridge.toml"  # in the kept folder, beside state.db
KEPT_EDITS = "catalogue-edits.json"  # the demo's edits of the sample catalogue, which the kept source reads


@dataclass(frozen=True)
class Afterwards:
    """How a command reads the demo's state after the demo: `config`, the kept folder's configuration file
    (`--keep`); None when the state goes with the demo."""

    config: Path | None = None
    serving: bool = False  # --serve: the demo serves its dashboard once it is done, on the same state

    def command(self, command: str) -> str:
        """`bookbridge sales report -c /tmp/bookbridge-demo-…/bookbridge.toml`: the command on the kept state."""
        return f"`bookbridge {command}{f' -c {self.config}' if self.config is not None else ''}`"

    def lists(self, command: str, what: str) -> str:
        """Where to see `what` after the demo: `bookbridge milestones -c … lists them`; without --keep, that the
        demo must be run again with --keep (or --serve) first."""
        if self.config is not None:
            return f"{self.command(command)} lists {what}"
        if self.serving:
            return f"the dashboard this demo serves once it is done (its address follows) shows {what} too"
        return (f"{self.command(command)} lists {what} on the demo's state, which goes when the demo ends: run "
                "`bookbridge demo --keep` to keep it (or `--serve`, to look in the dashboard)")


    def jobs(self) -> str:
        """How the demo's jobs at an instant are seen after it: the service schedules them, and the demo's state
        holds none scheduled until one runs on it. Kept, `bookbridge serve -c …` schedules them; under --serve,
        the service the demo runs, whose dashboard shows them; else the state goes before a service could."""
        if self.config is not None:
            return f"as {self.command('serve')} schedules them, and then {self.command('jobs')} lists them"
        if self.serving:
            return ("as the service this demo runs once it is done schedules them, and its dashboard's "
                    "\"Scheduled jobs\" then lists them")
        return ("as `bookbridge serve` schedules them, and then `bookbridge jobs` lists them, on the demo's state, "
                "which goes when the demo ends: run `bookbridge demo --keep` to keep it (or `--serve`, to look in "
                "the dashboard)")


def write_kept_config(folder: Path, configuration: Mapping[str, Any]) -> Path:
    """The demo's configuration (as `Settings` takes it: its file's tables) written to the kept folder, so that
    every command reads the demo's state with `-c` (its store, the sandbox, stopped with the demo)."""
    path = folder / KEPT_CONFIG
    path.write_text(f"# The configuration `bookbridge demo --keep` ran on: `bookbridge <command> -c {path}` reads its "
                    "state.\n# Its store was the demo's BigCommerce sandbox, which stopped with the demo.\n"
                    + toml_text(configuration), encoding="utf-8")
    return path


def toml_text(data: Mapping[str, Any]) -> str:
    """`data` as TOML: its keys, then its tables, then its lists of tables. Values are strings, numbers, booleans
    and lists of them, written as JSON writes them (which TOML reads alike)."""
    def rows(table: Mapping[str, Any]) -> list[str]:
        return [f"{key} = {json.dumps(value)}" for key, value in table.items()]

    def is_tables(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(item, Mapping) for item in value)

    lines = rows({k: v for k, v in data.items() if not isinstance(v, Mapping) and not is_tables(v)})
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines += ["", f"[{key}]", *rows(value)]
    for key, value in data.items():
        if is_tables(value):
            for table in value:
                lines += ["", f"[[{key}]]", *rows(table)]
    return "\n".join(lines) + "\n"
