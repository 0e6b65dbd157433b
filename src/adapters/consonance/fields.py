"""Tolerant readers for raw Consonance GraphQL values: a bad value becomes None and, where it matters, a note.

`Note` is how a reader reports: `note(code, message, field[, severity])`, bound by the mapper to one product.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.problems import Severity


class Note(Protocol):
    """Report a problem about the product being mapped; `field` is the GraphQL field (`prices.amount`)."""

    def __call__(self, code: str, message: str, field: str, severity: Severity = Severity.WARNING) -> None: ...


def as_object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_objects(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def as_ids(value: object) -> frozenset[int]:
    return frozenset(v for v in value if isinstance(v, int)) if isinstance(value, list) else frozenset()


def as_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def as_isbn(value: object) -> ISBN13 | None:
    try:
        return ISBN13(value) if value is not None else None
    except InvalidISBN:
        return None


def as_day(value: object) -> date | None:
    """An ISO8601Date ("YYYY-MM-DD")."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value))  # str() first: Decimal(16.99) would keep the float's binary error
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def as_count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def date_field(raw: Mapping[str, Any], name: str, note: Note, *, prefix: str = "") -> date | None:
    value = raw.get(name)
    if value is None:
        return None
    parsed = as_day(value)
    if parsed is None:
        note("malformed-date", f"{prefix}{name} {value!r} is not a YYYY-MM-DD date; ignored", f"{prefix}{name}")
    return parsed


def measure_field(product: Mapping[str, Any], name: str, note: Note) -> Decimal | None:
    """productHeight/Width/Thickness(unit: MM) and weight(unit: G). ASSUMPTION: 0 means 'not measured'."""
    value = product.get(name)
    if value is None:
        return None
    number = as_decimal(value)
    if number is None or number < 0:
        note("malformed-measure", f"{name} {value!r} is not a measure; ignored", name)
        return None
    return number or None


def count_field(product: Mapping[str, Any], name: str, note: Note) -> int | None:
    """approximatePageCount, durationMinutes: a whole number; 0 means not given."""
    value = product.get(name)
    if value is None:
        return None
    if as_count(value) is None:
        note("malformed-count", f"{name} {value!r} is not a whole number; ignored", name)
        return None
    return value or None
