"""Counts in words, for every layer's messages and log lines: `1 problem`, `2 problems`, `1 title family`.

One rule, so that no message says `1 problems`: the count, then the word that agrees with it.
"""

from __future__ import annotations


def plural(count: float, one: str, many: str | None = None) -> str:
    """`1 unit`, `2 units`, `0.5 units`; `many` where adding an s is wrong (`1 family`, `2 families`)."""
    return f"{count:g} {one if count == 1 else many or one + 's'}"
