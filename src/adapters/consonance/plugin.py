"""The Consonance source as a bookbridge plugin (`source.kind = "consonance"`).

Configuration (the `source` mapping):
    base_url      required; the tenant's address, without /graphql
    api_key       the key, or
    api_key_env   the name of an environment variable holding it (preferred: keeps the key out of config files)
    timeout       seconds for every HTTP phase (default 30)
    queries_dir   a folder of tenant-specific .graphql documents (default: the packaged queries/)
    overlap_days  how far a delta read reaches back before its cursor's day (default 1)
    clock         an object with now() (the composition root's clock), or
    today         a callable returning the day, a date, or an ISO date (tests and demos)

The factory opens nothing: each read builds a `ConsonanceClient` and closes it afterwards.
The key is never logged and never shown in a repr or an error message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

from bookbridge.adapters.clock import SystemClock
from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.source import ConsonanceSource
from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl

N = TypeVar("N", int, float)
# Every key the factory reads, besides those the composition root passes (name, clock, today).
OPTIONS = ("base_url", "api_key", "api_key_env", "timeout", "queries_dir", "overlap_days")


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


def create_consonance_source(cfg: Mapping[str, Any]) -> ConsonanceSource:
    base_url = cfg.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("source 'consonance' needs 'base_url', the tenant's address (without /graphql)")
    queries_dir = cfg.get("queries_dir")
    factory = ConsonanceClientFactory(
        base_url.strip(),
        api_key(cfg),
        timeout=_number(cfg, "timeout", 30.0, float),
        queries_dir=Path(queries_dir) if queries_dir else None,
    )
    return ConsonanceSource(
        factory,
        name=str(cfg.get("name", "consonance")),
        today=_today(cfg),
        overlap_days=_number(cfg, "overlap_days", 1, int),
    )


def _number(cfg: Mapping[str, Any], key: str, default: N, kind: Callable[[Any], N]) -> N:
    value = cfg.get(key)
    if value is None:
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"source 'consonance': {key} must be a number, not {value!r}") from None


def api_key(cfg: Mapping[str, Any], where: str = "source 'consonance'") -> str:
    """The Consonance API key from `api_key` or the environment variable named by `api_key_env`; errors name
    `where` (the configuration entry) and the variable, never the key."""
    key = cfg.get("api_key")
    if key is None and cfg.get("api_key_env"):
        variable = str(cfg["api_key_env"])
        key = os.environ.get(variable)
        if not key:
            raise ValueError(f"{where}: environment variable {variable!r} (api_key_env) is not set")
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"{where} needs 'api_key' or 'api_key_env' (an environment variable name)")
    if any(c.isspace() or not c.isprintable() for c in key.strip()):
        raise ValueError(f"{where}: the API key contains whitespace or control characters")
    return key.strip()


def _today(cfg: Mapping[str, Any]) -> Callable[[], date]:
    clock = cfg.get("clock")
    if clock is not None:
        return lambda: clock.now().date()
    today = cfg.get("today")
    if callable(today):
        return cast(Callable[[], date], today)
    if isinstance(today, str):
        today = date.fromisoformat(today)
    if isinstance(today, date):
        fixed = today
        return lambda: fixed
    system = SystemClock()  # the composition root passes its clock; without one, UTC days
    return lambda: system.now().date()


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_source("consonance", create_consonance_source, "Consonance GraphQL API", options=OPTIONS)
