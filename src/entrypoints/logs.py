"""Logging, configured in one place: JSON lines when stderr is not a terminal, readable text when it is.

Every record carries the fields of `bookbridge.application.logcontext` (the sync run, the edition's ISBN) and passes a
filter that masks secrets: the values of secret-looking environment variables (and of those the configuration
names in `*_env` options), values written as `token=...`, `"api_key": "..."` or `Bearer ...`, and extra
fields named like a secret. `configure_logging` is called by the CLI's callback; nothing happens at import.

APScheduler's own records (`apscheduler.*`) speak the glossary too (`SchedulerWords`): a trigger's text
(`interval[0:15:00]`, `cron[...]`, `date[...]`) becomes its schedule in words (`every 15 minutes`), and its INFO
chatter (a job added, running, executed) is DEBUG: the service logs each job's start and end in its own words
(`entrypoints.scheduler`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from bookbridge.application.logcontext import current_log_context
from bookbridge.domain.redaction import MASK, Redactor
from bookbridge.entrypoints.presentation import plain_schedule

SECRET_NAME = re.compile(r"(token|secret|passw(or)?d|api[_-]?key|private[_-]?key|\w+_key|credential|authorization)",
                         re.IGNORECASE)
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_HANDLER_FLAG = "_bookbridge_handler"


class SecretMasker(Redactor):
    """The logs' redactor: secret-looking environment variables, and those a configuration names."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ, named: Iterable[str] = ()) -> SecretMasker:
        """Values of environment variables whose names look secret, plus those named in `named`."""
        masker = cls(value for name, value in environ.items() if SECRET_NAME.search(name))
        for name in named:
            masker.add(environ.get(name))
        return masker


class SecretFilter(logging.Filter):
    """Masks the message (arguments merged in), the traceback, and extra fields named like secrets."""

    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.masker.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.masker.mask(record.exc_text)
        for name, value in list(vars(record).items()):
            if name in _STANDARD:
                continue
            if SECRET_NAME.search(name) and value is not None:
                setattr(record, name, MASK)
            elif isinstance(value, str):
                setattr(record, name, self.masker.mask(value))
        return True


class ContextFilter(logging.Filter):
    """Copies the application's log context (run_id, isbn, store, ...) onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_log_context().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


_TRIGGER = re.compile(r"(?:trigger: )?\b(?:interval|cron|date)\[[^\]]*\]")


def schedule_words(text: str) -> str:
    """`text` with every APScheduler trigger in it said as its schedule: `delta_sync (trigger: interval[0:15:00],
    next run at: ...)` -> `delta_sync (every 15 minutes, next run at: ...)`."""
    return _TRIGGER.sub(lambda m: plain_schedule(m.group(0).removeprefix("trigger: ")), text)


class SchedulerWords(logging.Filter):
    """APScheduler's records in the glossary's words: triggers as schedules, and its INFO lines lowered to DEBUG
    (shown only when the handler shows DEBUG, under --verbose)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level  # the handler's

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("apscheduler"):
            return True
        record.msg, record.args = schedule_words(record.getMessage()), None
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return record.levelno >= self.level


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the context fields, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = record.exc_text
        return json.dumps(document, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`12:00:01 WARNING  adapters.bigcommerce.client  message  run_id=7 isbn=978...`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s  %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        if not fields:
            return line
        head, _, tail = line.partition("\n")
        return f"{head}  {fields}" + (f"\n{tail}" if tail else "")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now (a test runner swaps it), like logging's last-resort handler."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def level_for(verbose: int = 0, quiet: bool = False, *, quiet_info: bool = False) -> int:
    """--quiet: warnings; --verbose: debug; else info, or warnings when info lines would interrupt a command's
    own output (`quiet_info`: a command that prints for people, with its logs on the same screen)."""
    if quiet:
        return logging.WARNING
    if verbose:
        return logging.DEBUG
    return logging.WARNING if quiet_info else logging.INFO


def configure_logging(
    level: int = logging.INFO,
    *,
    json_lines: bool | None = None,
    masker: SecretMasker | None = None,
) -> logging.Handler:
    """Install bookbridge's one handler on the root logger (replacing an earlier one) and return it.

    `json_lines`: None chooses by whether stderr is a terminal. `masker`: defaults to the secret-looking
    environment variables; `add_secret_names` adds the variables a configuration names.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_FLAG, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _HANDLER_FLAG, True)
    if json_lines is None:
        json_lines = not _is_terminal(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(SchedulerWords(level))
    handler.addFilter(SecretFilter(masker or SecretMasker.from_environment()))
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty libraries (every HTTP request, every migration step at INFO) speak only under --verbose.
    for name in ("httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    return handler


def add_secret_names(names: Iterable[str], environ: Mapping[str, str] = os.environ) -> None:
    """Mask the values of these environment variables too (the `*_env` options of a loaded configuration)."""
    add_secrets(environ.get(name) for name in names)


def add_secrets(values: Iterable[str | None]) -> None:
    """Mask these values too (every secret of a loaded configuration: `entrypoints.secrets`)."""
    values = list(values)
    for handler in logging.getLogger().handlers:
        if getattr(handler, _HANDLER_FLAG, False):
            for log_filter in handler.filters:
                if isinstance(log_filter, SecretFilter):
                    for value in values:
                        log_filter.masker.add(value)


def secret_env_names(options: Mapping[str, Any]) -> list[str]:
    """The environment variables an adapter's options point at: the values of its `*_env` keys."""
    return [str(v) for k, v in options.items() if k.endswith("_env") and isinstance(v, str)]


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
