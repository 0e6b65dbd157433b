"""Counts and storefronts in words, for every layer's messages and log lines: `1 problem`, `2 problems`,
`1 title family`, `storefront 'us'`.

One rule, so that no message says `1 problems`: the count, then the word that agrees with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# An edition sold or seen that the stored catalogue does not hold (a title since removed, another source's).
NOT_IN_CATALOGUE = "not in the catalogue"


def plural(count: float, one: str, many: str | None = None) -> str:
    """`1 unit`, `2 units`, `0.5 units`; `many` where adding an s is wrong (`1 family`, `2 families`)."""
    return f"{count:g} {one if count == 1 else many or one + 's'}"


def storefront_words(names: str | Sequence[str]) -> str:
    """Storefronts named in prose: "storefront 'us'", "storefronts 'uk' and 'us'". A bare name can read as a word
    ("until us follows"), and a storefront is never the store, so the word goes with it (docs/glossary.md)."""
    names = [names] if isinstance(names, str) else list(names)
    if len(names) == 1:
        return f"storefront {names[0]!r}"
    quoted = [repr(n) for n in names]
    return f"storefronts {', '.join(quoted[:-1])} and {quoted[-1]}"


def unset_variable(key: str, variable: str) -> str:
    """An `*_env` option whose environment variable is not set (or blank), one way wherever it is found (the
    start-up check, the adapter itself, `[http]`): `access_token_env: environment variable 'BC_TOKEN' is not set`,
    the key first, so that its table goes before it (`[store] access_token_env: ...`)."""
    return f"{key}: environment variable {variable!r} is not set"


# An error with no message of its own: the words for what its class says happened.
_SILENT = ((TimeoutError, "timed out"), (ConnectionRefusedError, "connection refused"),
           (ConnectionResetError, "the connection was reset"), (ConnectionError, "the connection failed"),
           (MemoryError, "out of memory"))


def failure_words(exc: BaseException) -> str:
    """An error from outside (an adapter, a plugin's sink, a notifier) as people read it: its message, which says
    what happened; never the Python class that carried it ("ConnectError: ..."). An operating system error in its
    own words and the file it names; a missing key named; the class only when it is all there is, said to be so."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return exc.strerror[:1].lower() + exc.strerror[1:] + where
    if isinstance(exc, KeyError) and exc.args:
        return f"no {exc.args[0]!r}"
    if text := str(exc).strip():
        return text
    for cls, words in _SILENT:
        if isinstance(exc, cls):
            return words
    return f"failed without saying why ({type(exc).__name__})"


# A value refused by a settings or options model, by the check it failed (pydantic's error `type`), in the
# project's words: what the key takes, then what it was given. Other types keep the model's own message.
_VALUE_WORDS = {
    "int_parsing": "must be a whole number", "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number", "float_type": "must be a number",
    "decimal_parsing": "must be a number", "decimal_type": "must be a number",
    "bool_parsing": "must be true or false", "bool_type": "must be true or false",
    "string_type": "must be text in quotes",
    "list_type": "must be a list ([...])", "dict_type": "must be a table", "model_type": "must be a table",
    "date_type": "must be a day as YYYY-MM-DD", "date_parsing": "must be a day as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a day as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a day as YYYY-MM-DD",
    "missing": "must be given",
}
# A flag or a number given as text where its type is wanted (a strict model's; the file's `enabled = "yes"`).
_NOT_TEXT = frozenset({"int_type", "float_type", "decimal_type", "bool_type"})
_BOUND_WORDS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
                "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}


def value_error_words(error_type: str, message: str, context: dict[str, object] | None, given: object, *,
                      words: Mapping[str, str] | None = None) -> str:
    """`must be a whole number; it is 'two'` for pydantic's "Input should be a valid integer, unable to parse
    string as an integer"; `must not be empty` for a string too short at one character; a bound in words.
    `words`: what a type says where the file's words do not fit (JSON's "object" where TOML has a "table")."""
    context = context or {}
    said_by = {**_VALUE_WORDS, **(words or {})}
    if error_type in said_by:
        said = said_by[error_type]
    elif error_type in _BOUND_WORDS:
        key, bound = _BOUND_WORDS[error_type]
        said = f"must be {bound} {context.get(key)}"
    elif error_type == "string_too_short":
        limit = context.get("min_length")
        said = "must not be empty" if limit == 1 else f"must be at least {limit} characters"
    elif error_type == "string_too_long":
        said = f"must be at most {context.get('max_length')} characters"
    elif error_type in ("literal_error", "enum"):
        said = f"must be {context.get('expected')}"
    else:
        return message.removeprefix("Value error, ")
    if error_type in _NOT_TEXT and isinstance(given, str):  # `"15"`: a number in quotes, which is text
        said += ", not text"
    if isinstance(given, (str, int, float, bool)) and not isinstance(given, dict):
        # A bound is checked on a number read from the text (a query string's '0'): said as the number it is.
        return f"{said}; it is {given_words(given, as_number=error_type in _BOUND_WORDS)}"
    return said


_NUMBER = re.compile(r"\s*-?[0-9]+(\.[0-9]+)?\s*")


def given_words(given: str | float, *, as_number: bool = False) -> str:
    """A value refused, as a refusal shows what it was given: text quoted (`'abc'`), a number not (`0`), and
    `as_number`, text that is a number as the number (`0` for '0': the CLI's `--limit 0` and the API's `?limit=0`
    alike); cut at 60 characters."""
    text = given.strip() if as_number and isinstance(given, str) and _NUMBER.fullmatch(given) else repr(given)
    return text if len(text) <= 60 else text[:57] + "..."


def named_edition(isbn: str, name: str | None, *, between: str = ", ") -> str:
    """An edition in a message, as docs/glossary.md names it: `Roseanna (Hardback), ISBN 9780007232833` (`name`:
    the whole `Title (Format)`, never cut, markup escaped by the caller), or `not in the catalogue (ISBN
    9780007232833)` when the catalogue does not hold it. Every layer's messages and log lines name an edition so."""
    return f"{name}{between}ISBN {isbn}" if name else not_in_catalogue(isbn)


def not_in_catalogue(isbn: str) -> str:
    """An edition the stored catalogue does not hold, as the sales report, `milestones` and `sync` all name it:
    `not in the catalogue (ISBN 9780306406157)`, never its bare number posing as a title."""
    return f"{NOT_IN_CATALOGUE} (ISBN {isbn})"
