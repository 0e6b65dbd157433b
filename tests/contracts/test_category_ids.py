"""The CategoryIds contract against the in-memory store, SQLite and PostgreSQL (migrated by Alembic)."""

from __future__ import annotations

from bookbridge.adapters.memory.state import InMemoryCategoryIds
from bookbridge.adapters.persistence.categories import SqlAlchemyCategoryIds
from bookbridge.domain.ports import CategoryIds
from bookbridge.testing import CategoryIdsContract
from contracts.test_persistence_contracts import OnCleanDatabase


class TestInMemoryCategoryIds(CategoryIdsContract):
    def make_ids(self) -> CategoryIds:
        return InMemoryCategoryIds()


class TestSqlAlchemyCategoryIds(OnCleanDatabase, CategoryIdsContract):
    def make_ids(self) -> CategoryIds:
        return SqlAlchemyCategoryIds(self.session)
