"""Category ids in the state database (`category_ids`): per store, (channel id, category path) → category id."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import PersistenceError, translated
from bookbridge.adapters.persistence.tables import CategoryIdRow
from bookbridge.domain.ports import CategoryIds, CategoryKey


def path_text(path: tuple[str, ...]) -> str:
    return json.dumps(list(path), ensure_ascii=False, separators=(",", ":"))


def path_of(row: CategoryIdRow) -> tuple[str, ...]:
    try:
        names = json.loads(row.path)
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PersistenceError(f"category of store {row.store!r} on channel {row.channel_id}", "path",
                               "not a JSON array of names")
    return tuple(names)


class SqlAlchemyCategoryIds(CategoryIds):
    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, store: str) -> dict[CategoryKey, int]:
        with translated(f"categories of store {store!r}"):
            rows = self.session.scalars(select(CategoryIdRow).where(CategoryIdRow.store == store)).all()
        return {(row.channel_id, path_of(row)): row.category_id for row in rows}

    def record(self, store: str, ids: Mapping[CategoryKey, int]) -> None:
        for (channel, path), category_id in ids.items():
            self.session.merge(CategoryIdRow(store=store, channel_id=channel, path=path_text(path),
                                             category_id=category_id))
        with translated(f"categories of store {store!r}", "category_id"):
            self.session.flush()
