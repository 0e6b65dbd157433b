"""What the log lines of the work in hand are about: the sync run, the edition.

The application sets the fields (`with log_context(run_id=7):`); the entrypoints' logging filter copies them
onto every record, so a line logged anywhere below, adapters included, names its run and its ISBN. A context
variable, so concurrent runs (threads with copied contexts, asyncio tasks) never see each other's fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

_EMPTY: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("bookbridge_log_context", default=_EMPTY)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add `fields` (run_id, isbn, storefront, ...) to every log line inside the block."""
    token = _fields.set(MappingProxyType({**_fields.get(), **fields}))
    try:
        yield
    finally:
        _fields.reset(token)


def current_log_context() -> Mapping[str, object]:
    return _fields.get()
