"""A sales sink that keeps what it was sent, replacing whole days as the port requires."""

from __future__ import annotations

from collections.abc import Sequence

from bookbridge.domain.ports import SalesFact, SalesSink


class InMemorySalesSink(SalesSink):
    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.facts: dict[tuple[str, str, object], SalesFact] = {}

    def write(self, facts: Sequence[SalesFact]) -> None:
        days = {(f.storefront, f.day) for f in facts}
        for key in [k for k, f in self.facts.items() if (f.storefront, f.day) in days]:
            del self.facts[key]
        for fact in facts:
            self.facts[(fact.isbn, fact.storefront, fact.day)] = fact
