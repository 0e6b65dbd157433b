"""The UnitOfWork contract: what is committed stays, everything else is rolled back when the block ends."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pytest

from bookbridge.domain.ports import UnitOfWork
from bookbridge.testing.exception_queue_contract import HARDBACK, REJECTED, at
from bookbridge.testing.sync_state_contract import applied


class UnitOfWorkContract(ABC):
    """Subclass as `Test…` and return a unit of work over fresh, empty storage from `make_uow`."""

    @abstractmethod
    def make_uow(self) -> UnitOfWork:
        ...

    def test_committed_work_is_seen_by_the_next_block(self) -> None:
        uow = self.make_uow()
        with uow:
            uow.state.record_applied("uk", applied())
            uow.state.set_cursor("consonance", "c1")
            item = uow.exceptions.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
            uow.commit()
        with uow:
            assert list(uow.state.applied("uk")) == [applied().key]
            assert uow.state.cursor("consonance") == "c1"
            assert uow.exceptions.open_items() == [item]

    def test_uncommitted_work_is_discarded_when_the_block_ends(self) -> None:
        uow = self.make_uow()
        with uow:
            uow.state.set_cursor("consonance", "c1")
            uow.exceptions.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
        with uow:
            assert uow.state.cursor("consonance") is None
            assert uow.exceptions.open_items() == []

    def test_rollback_discards_work_since_the_last_commit(self) -> None:
        uow = self.make_uow()
        with uow:
            uow.state.set_cursor("consonance", "c1")
            uow.commit()
            uow.state.set_cursor("consonance", "c2")
            uow.rollback()
            assert uow.state.cursor("consonance") == "c1"
        with uow:
            assert uow.state.cursor("consonance") == "c1"

    def test_an_error_in_the_block_rolls_back_and_propagates(self) -> None:
        uow = self.make_uow()
        with pytest.raises(RuntimeError, match="boom"), uow:
            uow.state.set_cursor("consonance", "c1")
            raise RuntimeError("boom")
        with uow:
            assert uow.state.cursor("consonance") is None

    def test_dedup_holds_across_transactions(self) -> None:
        uow = self.make_uow()
        with uow:
            first = uow.exceptions.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(0))
            uow.commit()
        with uow:
            again = uow.exceptions.report(REJECTED, isbn=HARDBACK, storefront="uk", message="m", at=at(1))
            uow.commit()
        assert (again.id, again.count) == (first.id, 2)
