"""Exceptions follow their editions out of the source: readiness and rights exceptions of an edition that is
withdrawn, delisted or gone from a complete read resolve; source errors open as the read finds them and resolve
when a later read of the record succeeds (the BigCommerce sandbox over real HTTP on loopback)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import ExceptionKind
from bookbridge.domain.problems import blocking
from sync_drills import UK

COMMAND = SyncStore.single(UK)


@pytest.fixture
def world(make_world):
    return make_world(families=6, name="uk")


def _open(uow: InMemoryUnitOfWork, isbn: str, kind: ExceptionKind) -> list:
    with uow:
        return [e for e in uow.exceptions.open_items() if e.isbn == isbn and e.kind is kind]


def _unpriced(source: InMemoryCatalogSource, family: TitleFamily) -> str:
    """The family's first edition loses its prices: a blocking readiness problem on the storefront."""
    edition = family.editions[0]
    source.put(family.model_copy(update={"editions": (edition.model_copy(update={"prices": ()}),
                                                      *family.editions[1:])}))
    return str(edition.isbn)


def _gone(source: InMemoryCatalogSource, family: TitleFamily) -> InMemoryCatalogSource:
    source.remove(family.id)  # a delta that delists the family's editions (ONIX NotificationType 05)
    return source


def _absent(source: InMemoryCatalogSource, family: TitleFamily) -> InMemoryCatalogSource:
    """The whole catalogue, without the family (read with `full`)."""
    return InMemoryCatalogSource([f for f in source.families if f.id != family.id], name=source.name)


def _withdrawn(source: InMemoryCatalogSource, family: TitleFamily) -> InMemoryCatalogSource:
    family = next(f for f in source.families if f.id == family.id)
    withdrawn = family.editions[0].model_copy(update={"publishing_status": "07"})  # List 64: out of print
    source.put(family.model_copy(update={"editions": (withdrawn, *family.editions[1:])}))
    return source


@pytest.mark.parametrize("leave", [_gone, _absent, _withdrawn], ids=["delisted", "absent-from-a-full-read",
                                                                    "withdrawn"])
def test_readiness_exceptions_of_an_edition_leaving_the_source_resolve(world, leave):
    source, store, uow, clock = world
    family = source.families[1]
    isbn = _unpriced(source, family)
    sync_store(COMMAND, source, store, uow, clock)
    assert _open(uow, isbn, ExceptionKind.BLOCKING_READINESS)
    report = sync_store(replace(COMMAND, full=True), leave(source, family), store, uow, clock)
    assert report.ok, report.exceptions_opened
    assert not _open(uow, isbn, ExceptionKind.BLOCKING_READINESS)
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.isbn == isbn]


def test_source_errors_open_as_read_and_resolve_when_the_record_reads_again(sandbox, world):
    source, store, uow, clock = world
    family = source.families[3]
    isbn = str(family.editions[0].isbn)
    source.remove(family.id)
    source.problems = [blocking("bad-date", "PublishingDate 2026-13-40 is not a date", record=isbn,
                                field="PublishingDate")]

    class Broken:
        name = "broken"

        def apply(self, actions, applied):
            raise RuntimeError("the store went away mid-run")

        def read_back(self):
            return iter(())

    with pytest.raises(RuntimeError):
        sync_store(COMMAND, source, Broken(), uow, clock)
    [item] = _open(uow, isbn, ExceptionKind.SOURCE_ERROR)  # recorded as the read found it, before the crash
    assert item.field == "PublishingDate"

    sync_store(COMMAND, source, store, uow, clock)
    assert _open(uow, isbn, ExceptionKind.SOURCE_ERROR)  # still unreadable: still open (counted again)
    source.problems = []
    source.put(family)  # the record is fixed at the source and read again
    sync_store(COMMAND, source, store, uow, clock)
    assert not _open(uow, isbn, ExceptionKind.SOURCE_ERROR)
    with uow:
        [resolved] = [e for e in uow.exceptions.items.values() if e.id == item.id]
    assert resolved.resolution and "later read" in resolved.resolution
