"""`bookbridge init`: write a commented bookbridge.toml to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from bookbridge.entrypoints.cli.common import screen
from bookbridge.entrypoints.cli.values import refused

TEMPLATE = "init_template.toml"


def template() -> str:
    """The commented configuration `init` writes (it loads with `load_settings` as written)."""
    return resources.files("bookbridge.entrypoints.cli").joinpath(TEMPLATE).read_text(encoding="utf-8")


def init(
    path: Path = typer.Argument(Path("bookbridge.toml"), metavar="FILE",
                                help="where to write the file", dir_okay=False),
    force: bool = typer.Option(False, "--force", "-f", help="overwrite an existing file"),
) -> None:
    """Write a commented bookbridge.toml to start from.

    It has every key, each with its default or an example. Tables set: source, store, storefronts, mapping,
    schedules. Tables commented out, to uncomment as needed: field_ownership, service, milestones, http, orders,
    sales_sinks, exception_queues.

    Exit 2, writing nothing, if FILE exists already (without --force) or its folder does not.
    """
    if path.exists() and not force:
        raise refused("FILE", f"{path} already exists; nothing was written (use --force to overwrite it)")
    if not path.parent.is_dir():
        raise refused("FILE", f"folder {path.parent} does not exist; nothing was written")
    path.write_text(template(), encoding="utf-8")
    screen().print(f"wrote {path}. Next: set BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN and "
                    f"CONSONANCE_API_KEY, edit the storefronts, then run `bookbridge check -c {path}`.")
