"""Every secret a configuration holds or points at, for the one redactor (`bookbridge.domain.redaction`).

Adapters take secrets by reference (`*_env`, `*_file`) or, in tests, by value (`api_key`, `access_token`, a
`url` with a password in it); the HTTP settings name their own. Whatever an adapter's error text says, these
values never reach an exception, the outbox, the API, a page or the CLI.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from bookbridge.domain.redaction import Redactor
from bookbridge.entrypoints.logs import SECRET_NAME
from bookbridge.entrypoints.settings import Settings

_SECRET_BY_VALUE = ("url",)  # a webhook URL (Slack's is a credential) or a broker URL with a password


def configured_secrets(settings: Settings, environ: Mapping[str, str] = os.environ) -> Iterator[str]:
    adapters = (settings.source, settings.store, *settings.exception_queues, *settings.sales_sinks)
    for adapter in adapters:
        yield from _option_secrets(adapter.options(), environ)
    yield from _option_secrets(settings.http.model_dump(), environ)
    with contextlib.suppress(ValueError):
        yield urlsplit(settings.database_url).password or ""  # the database URL itself is no secret
    yield from (value for name, value in environ.items() if SECRET_NAME.search(name))


def _option_secrets(options: Mapping[str, Any], environ: Mapping[str, str]) -> Iterator[str]:
    for key, value in options.items():
        if value is None or isinstance(value, bool | int | float):
            continue
        if key.endswith("_env"):
            yield environ.get(str(value), "")
        elif key.endswith("_file"):
            try:
                yield Path(value).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
        elif isinstance(value, str) and (key in _SECRET_BY_VALUE or SECRET_NAME.search(key)):
            yield value


def forms(value: str) -> Iterator[str]:
    """A secret as it may travel: itself, URL-quoted and unquoted, and for a URL the password inside it."""
    value = value.strip()
    yield from (value, quote(value, safe=""), unquote(value))
    if "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password:
            yield from (password, unquote(password))


def configured_redactor(settings: Settings, environ: Mapping[str, str] = os.environ) -> Redactor:
    return Redactor(form for secret in configured_secrets(settings, environ) if secret for form in forms(secret))
