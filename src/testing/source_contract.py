"""The CatalogSource contract: what every catalogue source must do for a sync to be right.

Subclass it in a pytest module as `Test…` and implement `make_source`, a source over a small catalogue of at
least one family (the same catalogue each time it is called)::

    class TestMySource(CatalogSourceContract):
        def make_source(self) -> CatalogSource:
            return MySource(...)

The checks: the source names itself; a read returns a `SourceRead` whose families each hold editions with
valid ISBNs and whose problems are `Problem`s; the cursor it returns is a string (or None) that the next read
accepts, and a complete re-read of an unchanged catalogue finds the same editions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.domain.problems import Problem


def isbns(read: SourceRead) -> set[str]:
    return {str(edition.isbn) for family in read.families for edition in family.editions}


class CatalogSourceContract(ABC):
    """Subclass as `Test…`; `make_source` returns a new source over the same, non-empty catalogue each call."""

    @abstractmethod
    def make_source(self) -> CatalogSource:
        ...

    def test_the_source_is_a_catalog_source_with_a_name(self) -> None:
        source = self.make_source()
        assert isinstance(source, CatalogSource)
        assert isinstance(source.name, str) and source.name.strip()

    def test_a_first_read_finds_families_of_valid_editions(self) -> None:
        read = self.make_source().read(None)
        assert isinstance(read, SourceRead)
        assert read.families, "the contract needs a source over at least one family"
        for family in read.families:
            assert isinstance(family, TitleFamily)
            assert family.editions, f"family {family.id!r} has no editions"
            for edition in family.editions:
                assert ISBN13(str(edition.isbn)) == edition.isbn  # a valid ISBN-13 (raises otherwise)
        assert all(isinstance(problem, Problem) for problem in read.problems)

    def test_an_edition_appears_in_one_family_only(self) -> None:
        read = self.make_source().read(None)
        seen = [str(e.isbn) for family in read.families for e in family.editions]
        assert len(seen) == len(set(seen)), "an ISBN is listed in two families (or twice in one)"

    def test_the_cursor_is_opaque_text_the_next_read_accepts(self) -> None:
        source = self.make_source()
        first = source.read(None)
        assert first.cursor is None or isinstance(first.cursor, str)
        again = source.read(first.cursor)  # a delta: maybe empty, but never an error
        assert isinstance(again, SourceRead)
        if again.complete:  # a whole catalogue again, unchanged in between
            assert isbns(again) == isbns(first)
