"""The values commands take that are more than a string: an ISBN, an exception's id or kind, a storefront.

Each is read at the edge and refused with a message naming the option and the value (exit 2), never passed on to
match nothing. Typer reads options through pydantic, which words a parser's plain `ValueError` as "Value error,
..." and an int's as "Input should be a valid integer": a parser here raises `PydanticCustomError`, whose message
click shows as it is ("Invalid value for '--isbn': ...").
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import typer
from pydantic_core import PydanticCustomError

from bookbridge.application.exception_words import PREFIXES
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.ports import ExceptionKind
from bookbridge.domain.storefront import storefront_words


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
    """An exception's id: the whole number `bookbridge exceptions list` shows."""
    if isinstance(value, int) or (value.strip().isascii() and value.strip().isdigit()):
        return int(value)
    raise _refused(f"{value!r} is not an exception id: give the number `bookbridge exceptions list` shows")


def exception_kind(value: str | ExceptionKind) -> ExceptionKind:
    """An exception kind by its code (`drift`); a near miss is named (`drfit`: did you mean 'drift'?)."""
    if isinstance(value, ExceptionKind):
        return value
    codes = [k.value for k in ExceptionKind]
    if value.strip().lower() in codes:
        return ExceptionKind(value.strip().lower())
    close = difflib.get_close_matches(value.strip().lower(), codes, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise _refused(f"{value!r} is not an exception kind ({hint}the kinds: {', '.join(codes)})")


def refused(option: str, message: str) -> typer.BadParameter:
    """A value refused after parsing (it needs the configuration to judge), framed as a parser's refusal is:
    `Usage: …` and `Error: Invalid value for '--where': …`, exit 2."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


def checked_storefront(option: str, value: str | None, configured: Sequence[str]) -> str | None:
    """A storefront filter's value, if it is a configured storefront's name; otherwise exit 2 naming the
    configured ones (and the one meant, for a different case or a near miss), since it would match nothing."""
    if value is None or value in configured:
        return value
    same = [name for name in configured if name.casefold() == value.casefold()]
    close = same or difflib.get_close_matches(value, configured, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    if value.startswith(PREFIXES):  # a place that is no storefront: a source, the order import, ...
        hint = f"a place that is not a storefront is filtered by --where {value!r}; "
    known = f"configured: {storefront_words(sorted(configured))}" if configured else "no [[storefronts]] configured"
    raise refused(option, f"no storefront is named {value!r} ({hint}{known})")




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
    known = ", ".join(sorted(set(places.values())))
    raise refused(option, f"no place is {value!r} (give one in words or by key: {known})")

