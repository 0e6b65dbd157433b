"""What the command-line tests share: a storefront, a configuration file on the sample catalogue, and `run()`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app

# One storefront on the store's default channel: the smallest valid `[[storefronts]]` table.
UK_STOREFRONT = """
[[storefronts]]
name = "uk"
channel_id = 1
countries = ["GB"]
currency = "GBP"
timezone = "Europe/London"
"""


def sample_config(families: int) -> str:
    """A configuration on the generated sample catalogue and the in-memory store, with one storefront."""
    return f'''
[source]
kind = "sample"
families = {families}

[store]
kind = "memory"
name = "shop"
{UK_STOREFRONT}'''


def write_config(directory: Path, body: str) -> Path:
    """`directory/bookbridge.toml`: `body`, after a `database_url` that keeps the state database in `directory`."""
    path = directory / "bookbridge.toml"
    path.write_text(f'database_url = "sqlite:///{directory / "state.db"}"\n{body}', encoding="utf-8")
    return path


def forget_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's configuration file alone decides: no BOOKBRIDGE_CONFIG or BOOKBRIDGE_DATABASE_URL from outside."""
    for name in ("BOOKBRIDGE_CONFIG", "BOOKBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None, columns: int = 250) -> Result:
    """`bookbridge *args` in this process, on a terminal wide enough that rich wraps no line of interest."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), **(env or {})})
