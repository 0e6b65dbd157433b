"""Counts and storefronts in words, for every layer's messages and log lines: `1 problem`, `2 problems`,
`1 title family`, `storefront 'us'`.

One rule, so that no message says `1 problems`: the count, then the word that agrees with it.
"""

from __future__ import annotations

from collections.abc import Sequence


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
