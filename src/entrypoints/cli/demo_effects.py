"""The milestone actions a demo sync does not cover: `MilestoneEffects` over the store's applied state.

The service has the same effects with a scheduler behind `schedule_launch`; the demo has none, so a launch to
schedule is one the demo's timeline (or `--serve`) takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bookbridge.application.milestones import ActionFailed, MilestoneEffects
from bookbridge.application.sync import SyncReport
from bookbridge.domain.listing import Section
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import UnitOfWork


class DemoEffects(MilestoneEffects):
    def __init__(self, store: str, uow: UnitOfWork, catalogue: Mapping[str, TitleFamily], *,
                 sync_again: Callable[[], SyncReport]) -> None:
        self._store = store
        self._uow = uow
        self._sync_again = sync_again
        self._families = {str(e.isbn): f.id for f in catalogue.values() for e in f.editions}

    def _keys(self, isbn: str) -> list[str]:
        family = self._families.get(isbn)
        with self._uow:
            applied = self._uow.state.applied(self._store)
        return [k for k, a in applied.items() if a.product_id is not None
                and (k == isbn or (family is not None and k.startswith(f"family:{family}:")))]

    def has_product(self, isbn: str) -> bool:
        return bool(self._keys(isbn))

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        """Forget the media hash of these products, so that the next sync sends the section again, and sync."""
        keys = {isbn: self._keys(isbn) for isbn in isbns}
        with self._uow:
            applied = self._uow.state.applied(self._store)
            for key in {k for ks in keys.values() for k in ks}:
                record = applied[key]
                hashes: dict[Section, str] = {s: h for s, h in record.hashes.items() if s is not Section.MEDIA}
                self._uow.state.record_applied(self._store, replace(record, hashes=hashes))
            self._uow.commit()
        report = self._sync_again()
        failed = {o.key: (o.error.message if o.error else "the store refused it") for o in report.outcomes
                  if not o.ok}
        return {isbn: next((failed[k] for k in ks if k in failed), None) for isbn, ks in keys.items() if ks}

    def schedule_launch(self, isbn: str) -> str:
        raise ActionFailed(f"the demo schedules no jobs; {isbn}'s launch is on its timeline")
