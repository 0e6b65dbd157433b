"""What every command shares: the exit codes, the `--config` option, and the container a command runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from bookbridge.entrypoints.container import Container, lease_holder
from bookbridge.entrypoints.logs import add_secrets
from bookbridge.entrypoints.secrets import configured_secrets, forms
from bookbridge.entrypoints.settings import ConfigurationError

EXIT_OK, EXIT_FAILURES, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3
ConfigOption = typer.Option(None, "--config", "-c", help="bookbridge.toml (default: ./bookbridge.toml or "
                            "$BOOKBRIDGE_CONFIG)", exists=False, dir_okay=False)


def configured(config: Path | None) -> Container:
    """A fresh container that reads `config` (or the default file and BOOKBRIDGE_* variables)."""
    container = Container()
    container.config_path.override(config)
    return container


@contextmanager
def running(config: Path | None, *, need_storefronts: bool = True,
            adapters: tuple[str, ...] = ()) -> Iterator[Container]:
    """A container built from the configuration; its resources (the database engine) are closed afterwards.

    `adapters` ("source", "storefront") are built up front: an unknown kind or a bad option is a configuration
    error (exit 2) naming the section, not a traceback halfway through the command."""
    container = configured(config)
    err = Console(stderr=True)
    try:
        settings = container.settings()
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_CONFIG) from None
    add_secrets(form for secret in configured_secrets(settings) if secret for form in forms(secret))
    if need_storefronts and not settings.storefronts:
        err.print("[red]invalid configuration:[/red] " + escape("no [[storefronts]] configured; run `bookbridge init` "
                                                              "for a commented example"))
        raise typer.Exit(EXIT_CONFIG)
    try:
        for adapter in adapters:
            try:
                getattr(container, adapter)()
            except (ConfigurationError, LookupError, ValueError, TypeError, OSError) as exc:
                section = "[source]" if adapter == "source" else "[store]"
                err.print(f"[red]invalid configuration:[/red] {escape(f'{section} {exc}')}")
                raise typer.Exit(EXIT_CONFIG) from None
        yield container
    finally:
        container.shutdown_resources()


def instance_id() -> str:
    """Who holds a lease: host and process, so a dead holder is recognised."""
    return lease_holder()
