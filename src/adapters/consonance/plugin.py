"""The Consonance source as a bookbridge plugin (`source.kind = "consonance"`).

Configuration (the `source` mapping):
    base_url      required; the tenant's address, without /graphql
    api_key       the key, or
    api_key_env   the name of an environment variable holding it (preferred: keeps the key out of config files)
    timeout       seconds for every HTTP phase (default 30)
    queries_dir   a folder of tenant-specific .graphql documents (default: the packaged queries/)
    overlap_days  how far a delta read reaches back before its cursor's day (default 1)

Its days are the composition root's clock's (`AdapterContext.clock`).

The factory opens nothing: each read builds a `ConsonanceClient` and closes it afterwards.
The key is never logged and never shown in a repr or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.source import ConsonanceSource
from bookbridge.plugin import (
    AdapterContext,
    AdapterOptions,
    ConfigFloat,
    ConfigInt,
    PluginRegistrar,
    hookimpl,
    variable_value,
)


class ConsonanceOptions(AdapterOptions):
    """The `[source]` table of a Consonance source."""

    base_url: str = ""
    api_key: str | None = Field(default=None, repr=False)
    api_key_env: str | None = None
    timeout: ConfigFloat = Field(default=30.0, gt=0)
    queries_dir: Path | None = None
    overlap_days: ConfigInt = Field(default=1, ge=0)


class ConsonanceClientFactory:
    """Builds one client per read. Holds the key without ever showing it."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float, queries_dir: Path | None) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self.timeout = timeout
        self.queries_dir = queries_dir

    def __call__(self) -> ConsonanceClient:
        return ConsonanceClient(self.base_url, self._api_key, timeout=self.timeout, queries_dir=self.queries_dir)

    def __repr__(self) -> str:
        return f"ConsonanceClientFactory(base_url={self.base_url!r}, api_key=<redacted>)"


def create_consonance_source(options: ConsonanceOptions, context: AdapterContext) -> ConsonanceSource:
    base_url = options.base_url.strip()
    if not base_url:
        raise ValueError("source adapter 'consonance' needs 'base_url', the tenant's address (without /graphql)")
    factory = ConsonanceClientFactory(base_url, api_key(options.model_dump()), timeout=options.timeout,
                                      queries_dir=options.queries_dir)
    clock = context.clock
    return ConsonanceSource(factory, name=context.name, today=lambda: clock.now().date(),
                            overlap_days=options.overlap_days)


def api_key(cfg: Mapping[str, Any], where: str = "source adapter 'consonance'") -> str:
    """The Consonance API key from `api_key` or the environment variable named by `api_key_env`; errors name
    `where` (the configuration entry), or the variable as every command's start-up check does, never the key."""
    key = cfg.get("api_key")
    if key is None and cfg.get("api_key_env"):
        key = variable_value("api_key_env", str(cfg["api_key_env"]))
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"{where} needs 'api_key' or 'api_key_env' (an environment variable name)")
    if any(c.isspace() or not c.isprintable() for c in key.strip()):
        raise ValueError(f"{where}: the API key contains whitespace or control characters")
    return key.strip()


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_source("consonance", create_consonance_source, options=ConsonanceOptions,
                        description="Consonance GraphQL API")
