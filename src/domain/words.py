"""Counts and storefronts in words, for every layer's messages and log lines: `1 problem`, `2 problems`,
`1 title family`, `storefront 'us'`.

One rule, so that no message says `1 problems`: the count, then the word that agrees with it.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def not_in_catalogue(isbn: str) -> str:
    """An edition the stored catalogue does not hold, as the sales report, `milestones` and `sync` all name it:
    `not in the catalogue (ISBN 9780306406157)`, never its bare number posing as a title."""
    return f"{NOT_IN_CATALOGUE} (ISBN {isbn})"
