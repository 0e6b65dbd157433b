"""A catalogue source held in memory: families are edited directly by tests and simulations."""

from __future__ import annotations

from collections.abc import Iterable

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.domain.problems import Problem


class InMemoryCatalogSource(CatalogSource):
    """Versioned: every `put` bumps a counter, and a cursor returns only families changed after it."""

    def __init__(self, families: Iterable[TitleFamily] = (), *, name: str = "memory") -> None:
        self.name = name
        self._families: dict[str, tuple[int, TitleFamily]] = {}
        self._delisted: dict[ISBN13, int] = {}
        self._version = 0
        self.problems: list[Problem] = []
        for family in families:
            self.put(family)

    def put(self, family: TitleFamily) -> None:
        self._version += 1
        self._families[family.id] = (self._version, family)
        for edition in family.editions:  # back in the catalogue: no longer a delete notification
            self._delisted.pop(edition.isbn, None)

    def remove(self, family_id: str) -> None:
        self._version += 1
        _, family = self._families.pop(family_id)
        for edition in family.editions:
            self._delisted[edition.isbn] = self._version

    @property
    def families(self) -> list[TitleFamily]:
        return [family for _, family in self._families.values()]

    def read(self, cursor: str | None = None) -> SourceRead:
        since = int(cursor) if cursor else 0
        changed = tuple(f for version, f in self._families.values() if version > since)
        delisted = tuple(isbn for isbn, version in self._delisted.items() if version > since)
        return SourceRead(
            families=changed,
            problems=tuple(self.problems),
            delisted=delisted,
            cursor=str(self._version),
            complete=since == 0,
        )
