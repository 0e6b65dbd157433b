"""Driver errors, translated: a `PersistenceError` names the record and the field that the database refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, StatementError

# SQLite: "NOT NULL constraint failed: exceptions.message", "UNIQUE constraint failed: leases.name"
_SQLITE_COLUMN = re.compile(r"constraint failed: \w+\.(\w+)")


class PersistenceError(Exception):
    """The database refused a write or a read failed to map. `record` says which, `field` which column."""

    def __init__(self, record: str, field: str | None, reason: str) -> None:
        where = f"{record}, field {field}" if field else record
        super().__init__(f"{where}: {reason}")
        self.record = record
        self.field = field
        self.reason = reason


def field_of(error: StatementError) -> str | None:
    """The column a driver error is about, when the driver says."""
    orig = getattr(error, "orig", None)
    diag = getattr(orig, "diag", None)  # psycopg
    if diag is not None:
        column = getattr(diag, "column_name", None) or getattr(diag, "constraint_name", None)
        if column:
            return str(column)
    match = _SQLITE_COLUMN.search(str(orig))
    return match.group(1) if match else None


@contextmanager
def translated(record: str, field: str | None = None) -> Iterator[None]:
    """Run a flush or a query; a driver error comes out as a PersistenceError naming `record`."""
    try:
        yield
    except (DBAPIError, StatementError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise PersistenceError(record, field or field_of(error), reason) from error
