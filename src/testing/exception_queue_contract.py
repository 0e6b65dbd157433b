"""The ExceptionQueue contract: dedup by (kind, isbn, storefront) among open items, auto-clear, manual resolve."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bookbridge.domain.ports import ExceptionKind, ExceptionQueue

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
HARDBACK = "9780007232833"
PAPERBACK = "9780141036144"
REJECTED = ExceptionKind.STORE_REJECTION
TRANSIENT = ExceptionKind.TRANSIENT_EXHAUSTED


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class ExceptionQueueContract(ABC):
    """Subclass as `Test…` and return a fresh, empty queue from `make_queue` for each test."""

    @abstractmethod
    def make_queue(self) -> ExceptionQueue:
        ...

    def test_a_first_report_opens_an_item_seen_once(self) -> None:
        queue = self.make_queue()
        item = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="name too long", field="name", at=at(0))
        assert (item.kind, item.isbn, item.storefront, item.message, item.field) == (
            REJECTED, HARDBACK, "uk", "name too long", "name",
        )
        assert (item.count, item.first_seen, item.last_seen, item.is_open) == (1, at(0), at(0), True)
        assert queue.open_items() == [item]

    def test_a_repeat_report_bumps_the_open_item(self) -> None:
        queue = self.make_queue()
        first = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="old", field="name", at=at(0))
        again = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="new", field=None, at=at(5))
        assert again.id == first.id
        assert (again.count, again.first_seen, again.last_seen) == (2, at(0), at(5))
        assert (again.message, again.field) == ("new", None)  # the latest reason is the one shown
        assert queue.open_items() == [again]

    def test_kind_isbn_and_storefront_each_separate_items(self) -> None:
        queue = self.make_queue()
        base = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        others = [
            queue.report(TRANSIENT, isbn=HARDBACK, storefront="uk", message="m", at=at(1)),
            queue.report(REJECTED, isbn=PAPERBACK, storefront="uk", message="m", at=at(2)),
            queue.report(REJECTED, isbn=HARDBACK, storefront="us", message="m", at=at(3)),
        ]
        assert len({base.id, *(o.id for o in others)}) == 4
        assert all(o.count == 1 for o in others)

    def test_missing_isbn_and_storefront_dedup_like_values(self) -> None:
        queue = self.make_queue()
        kind = ExceptionKind.SOURCE_ERROR
        first = queue.report(kind, isbn=None, storefront=None, message="feed unreadable", at=at(0))
        again = queue.report(kind, isbn=None, storefront=None, message="feed unreadable", at=at(1))
        only_isbn = queue.report(kind, isbn=HARDBACK, storefront=None, message="bad price", at=at(2))
        assert again.id == first.id and again.count == 2
        assert only_isbn.id != first.id
        assert [i.id for i in queue.open_items()] == [first.id, only_isbn.id]

    def test_ids_increase_and_open_items_come_in_id_order(self) -> None:
        queue = self.make_queue()
        ids = [queue.report(REJECTED, isbn=HARDBACK, storefront=s, message="m", at=at(0)).id for s in "cab"]
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert [i.id for i in queue.open_items()] == ids

    def test_clear_resolves_the_open_items_of_one_edition_on_one_storefront(self) -> None:
        queue = self.make_queue()
        a = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        b = queue.report(TRANSIENT, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        other_store = queue.report(REJECTED, isbn=HARDBACK, storefront="us", message="m", at=at(0))
        other_isbn = queue.report(REJECTED, isbn=PAPERBACK, storefront="uk", message="m", at=at(0))
        assert queue.clear(isbn=HARDBACK, storefront="uk", at=at(10)) == 2
        assert [i.id for i in queue.open_items()] == [other_store.id, other_isbn.id]
        assert queue.clear(isbn=HARDBACK, storefront="uk", at=at(11)) == 0  # resolved items are not counted again
        assert {a.id, b.id}.isdisjoint(i.id for i in queue.open_items())

    def test_clear_only_touches_the_kinds_given(self) -> None:
        queue = self.make_queue()
        queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        readiness = queue.report(ExceptionKind.BLOCKING_READINESS, isbn=HARDBACK, storefront="uk", message="m",
                                 at=at(0))
        assert queue.clear(isbn=HARDBACK, storefront="uk", at=at(1), kinds=[]) == 0
        assert queue.clear(isbn=HARDBACK, storefront="uk", at=at(1), kinds=[REJECTED, TRANSIENT]) == 1
        assert queue.open_items() == [readiness]

    def test_a_report_after_resolution_reopens_the_same_item(self) -> None:
        queue = self.make_queue()
        old = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        other = queue.report(REJECTED, isbn=PAPERBACK, storefront="uk", message="m", at=at(0))
        queue.clear(isbn=HARDBACK, storefront="uk", at=at(1))
        again = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="still too long", field="name",
                             at=at(2))
        assert again.id == old.id  # the same problem keeps its id: no churn of new ids
        assert (again.count, again.first_seen, again.last_seen, again.is_open) == (2, at(0), at(2), True)
        assert (again.message, again.field, again.resolution) == ("still too long", "name", None)
        assert [i.id for i in queue.open_items()] == [old.id, other.id]

    def test_a_problem_resolved_by_hand_reopens_when_it_is_still_there(self) -> None:
        queue = self.make_queue()
        item = queue.report(ExceptionKind.DRIFT, isbn=HARDBACK, storefront="uk", message="price edited", at=at(0))
        queue.resolve(item.id, note="fixed in the store", at=at(5))
        again = queue.report(ExceptionKind.DRIFT, isbn=HARDBACK, storefront="uk", message="price edited", at=at(9))
        assert (again.id, again.count, again.is_open, again.resolved_at) == (item.id, 2, True, None)
        assert queue.open_items() == [again]

    def test_resolve_by_hand_keeps_the_note(self) -> None:
        queue = self.make_queue()
        item = queue.report(ExceptionKind.DRIFT, isbn=HARDBACK, storefront="uk", message="price edited", at=at(0))
        note = "accepted the store's price"
        resolved = queue.resolve(item.id, note=note, at=at(30))
        assert (resolved.id, resolved.resolved_at, resolved.resolution) == (item.id, at(30), note)
        assert (resolved.count, resolved.message, resolved.is_open) == (1, "price edited", False)
        assert queue.open_items() == []

    def test_resolving_an_unknown_id_is_a_key_error(self) -> None:
        queue = self.make_queue()
        with pytest.raises(KeyError, match="12345"):
            queue.resolve(12345, note="n", at=at(0))

    def test_get_finds_an_item_open_or_resolved_and_an_unknown_id_is_a_key_error(self) -> None:
        queue = self.make_queue()
        item = queue.report(ExceptionKind.DRIFT, isbn=HARDBACK, storefront="uk", message="price edited", at=at(0))
        assert queue.get(item.id) == item
        resolved = queue.resolve(item.id, note="fixed", at=at(5))
        assert queue.get(item.id) == resolved and not queue.get(item.id).is_open
        with pytest.raises(KeyError, match="12345"):
            queue.get(12345)

    def test_instants_come_back_as_the_same_aware_instants(self) -> None:
        queue = self.make_queue()
        paris = timezone(timedelta(hours=1))
        seen = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=paris)
        item = queue.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=seen)
        stored = queue.open_items()[0]
        assert stored.first_seen == seen == item.first_seen
        assert stored.first_seen.utcoffset() is not None

    def test_text_survives_exactly(self) -> None:
        queue = self.make_queue()
        message = "Nom « Pêcheur d'Islande » refusé: 'name' > 250 chars — 🙂\nsecond line"
        queue.report(REJECTED, isbn=HARDBACK, storefront="fr", message=message, field="custom_fields[0].value",
                     at=at(0))
        (item,) = queue.open_items()
        assert (item.message, item.field) == (message, "custom_fields[0].value")
