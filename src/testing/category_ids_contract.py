"""The CategoryIds contract: category ids per store, by (channel id, category path), recorded and read back."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bookbridge.domain.ports import CategoryIds


class CategoryIdsContract(ABC):
    @abstractmethod
    def make_ids(self) -> CategoryIds:
        """A fresh, empty store of category ids (a repository on an open session, for SQL adapters)."""

    def test_recorded_ids_come_back_per_store(self) -> None:
        ids = self.make_ids()
        ids.record("shop", {(1, ("Fiction",)): 11, (1, ("Fiction", "Crime & mystery")): 12,
                            (2, ("Fiction",)): 21, (1, ("Bücher", "Über > Reisen")): 13})
        ids.record("other", {(1, ("Fiction",)): 99})
        assert ids.known("shop") == {(1, ("Fiction",)): 11, (1, ("Fiction", "Crime & mystery")): 12,
                                     (2, ("Fiction",)): 21, (1, ("Bücher", "Über > Reisen")): 13}
        assert ids.known("other") == {(1, ("Fiction",)): 99}
        assert ids.known("nobody") == {}

    def test_a_path_recorded_again_takes_its_new_id(self) -> None:
        ids = self.make_ids()
        ids.record("shop", {(1, ("Fiction",)): 11})
        ids.record("shop", {(1, ("Fiction",)): 31, (1, ("Poetry",)): 32})
        assert ids.known("shop") == {(1, ("Fiction",)): 31, (1, ("Poetry",)): 32}
