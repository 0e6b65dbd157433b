"""The values commands take that are more than a string: an ISBN, an exception's id or kind, a storefront.

Each is read at the edge and refused with a message naming the option and the value (exit 2), never passed on to
match nothing. Typer reads options through pydantic, which words a parser's plain `ValueError` as "Value error,
..." and an int's as "Input should be a valid integer": a parser here raises `PydanticCustomError`, whose message
click shows as it is ("Invalid value for '--isbn': ...").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import typer
from pydantic_core import PydanticCustomError

from bookbridge.application.exception_words import PREFIXES, UnknownKind
from bookbridge.application.exception_words import exception_kind as kind_of
from bookbridge.application.reconcile import resolution_note
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.ports import MAX_INTEGER, ExceptionKind
from bookbridge.domain.storefront import storefront_words
from bookbridge.domain.words import value_error_words
from bookbridge.entrypoints.presentation import date_reason, exception_id_number, names_nothing, not_a_day


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError("bookbridge", message.replace("{", "{{").replace("}", "}}"))


def isbn_value(value: str | ISBN13) -> ISBN13:
    """An ISBN as a person types it (hyphens or spaces, ISBN-10 too) as the 13 digits the records carry; a
    wrong length or check digit is refused, with the reason in words (`domain/isbn.py`)."""
    try:
        return ISBN13(value)
    except InvalidISBN as exc:
        raise _refused(f"{exc} (an ISBN-13 or ISBN-10; hyphens and spaces are allowed)") from None


def exception_id(value: str | int) -> int:
    """An exception's id: the whole number `bookbridge exceptions list` shows, from 1 to the largest id the state
    database holds; refused as the HTTP API refuses it (`exception_id_number`)."""
    try:
        return exception_id_number(value)
    except ValueError as exc:
        raise _refused(str(exc)) from None


def count_value(value: str | int) -> int:
    """A count to show (`--limit N`): a whole number from 1 (as the HTTP API's limits) to the largest count the
    state database takes, refused in the words the API and the settings use (`must be at least 1; it is 0`)."""
    if isinstance(value, int):
        number = value
    elif re.fullmatch(r"-?[0-9]+", value.strip()):
        number = int(value)
    else:
        raise _refused(value_error_words("int_parsing", "", None, value))
    if number < 1:
        raise _refused(value_error_words("greater_than_equal", "", {"ge": 1}, number))
    if number > MAX_INTEGER:
        raise _refused(value_error_words("less_than_equal", "", {"le": MAX_INTEGER}, number))
    return number


def note_value(value: str) -> str:
    """A note resolving exceptions by hand: what was done about them, without the spaces around it; one that says
    nothing is refused (`resolution_note`)."""
    try:
        return resolution_note(value)
    except ValueError as exc:
        raise _refused(str(exc)) from None


def day_value(value: str | date) -> date:
    """A day as YYYY-MM-DD; anything else is refused, with the reason when it is more than "not a date"."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _refused(not_a_day(value, exc)) from None


def instant_value(value: str | datetime) -> datetime:
    """A day (its start, in UTC) or an instant (ISO 8601; without a zone, UTC), as `orders import --since` takes
    it; anything else is refused as `day_value` refuses a day."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError as exc:
        raise _refused(f"{value!r} is not a day or an instant{date_reason(exc)}: give one as 2026-12-07 or "
                       "2026-12-07T09:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def exception_kind(value: str | ExceptionKind) -> ExceptionKind:
    """An exception kind by its code (`drift`); a near miss is named (`drfit`: did you mean 'drift'?)."""
    if isinstance(value, ExceptionKind):
        return value
    try:
        return kind_of(value)
    except UnknownKind as exc:
        raise _refused(str(exc)) from None


def refused(option: str, message: str) -> typer.BadParameter:
    """A value refused after parsing (it needs the configuration to judge), framed as a parser's refusal is:
    `Usage: …` and `Error: Invalid value for '--where': …`, exit 2."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


class CommandRefused(typer.BadParameter):
    """A refusal of the command as a whole, no one option or argument at fault (none was given): `Usage: …` and
    `Error: no sales sink is configured …`, exit 2, framed as typer frames a refused value without naming one
    (a bare BadParameter would say `Invalid value: …` of no value)."""

    def format_message(self) -> str:
        return self.message


def checked_storefront(option: str, value: str | None, configured: Sequence[str]) -> str | None:
    """A storefront filter's value, if it is a configured storefront's name; otherwise exit 2 naming the
    configured ones (and the one meant, for a different case or a near miss), since it would match nothing."""
    if value is None or value in configured:
        return value
    # A place that is no storefront: a source, the order import, ...
    hint = f"a place that is not a storefront is filtered by --where {value!r}; " if value.startswith(PREFIXES) else ""
    known = f"configured: {storefront_words(sorted(configured))}" if configured else "no [[storefronts]] configured"
    raise refused(option, names_nothing("storefront", value, configured, known, hint=hint))




def checked_places(option: str, value: str | None, places: Mapping[str, str]) -> frozenset[str] | None:
    """The place keys a `--where` filter names (`places`: key -> words, every place known: those the
    configuration makes, `known_places`, and the places of the open exceptions). A place is given in words
    (`storefront 'us'`, `order import of store 'shop'`), by the words' first part (`source`, `store`,
    `storefront`: every such place) or by its key (`source:consonance`, `orders:shop`, `us`). Otherwise refused
    naming the known places, since it would match nothing."""
    if value is None:
        return None
    given = value.strip().casefold()
    chosen = frozenset(key for key, words in places.items()
                       if given in (key.casefold(), words.casefold(), words.split(" '")[0].casefold()))
    if chosen:
        return chosen
    # Each place in words and by its key, in the configuration's order (a key no words are known for, once).
    known = ", ".join(words if words == key else f"{words} (key {key})" for key, words in places.items())
    raise refused(option, f"no place is {value!r} (give one in words or by its key: {known})")

