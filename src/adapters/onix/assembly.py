"""From OnixRecords to a SourceRead: notification types, block merges, delistings and family grouping.

- 01/02/03: a full record; a later record for the same ISBN replaces an earlier one (reported).
- 04: a block update, merged onto the edition read earlier in this batch or, failing that, onto
  `previous_edition(isbn)` (the stored catalogue). Without either it is read as a full record (reported).
- 05: delete. The ISBN goes into `SourceRead.delisted` (delist, never destroy).
- 88/89: test records, skipped (reported).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from bookbridge.adapters.onix import codes
from bookbridge.adapters.onix.grouping import Membership, group
from bookbridge.adapters.onix.records import OnixRecord, merge
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import SourceRead
from bookbridge.domain.problems import Problem, Severity

PreviousEdition = Callable[[ISBN13], Edition | None]
_SHARED_ITEMS = ("contributors", "subjects", "texts", "prices", "resources")
_SHARED_VALUES = ("series", "dimensions", "rights")


class Assembly:
    """Accumulates records (from one or several files, in order) into editions, delistings and problems."""

    def __init__(self, previous_edition: PreviousEdition | None = None, *, source: str | None = None) -> None:
        self.previous_edition = previous_edition
        self.source = source
        self.editions: dict[ISBN13, Edition] = {}
        self.members: dict[ISBN13, Membership] = {}
        self.delisted: dict[ISBN13, None] = {}  # ordered set
        self.problems: list[Problem] = []
        self._pool: dict[Any, Any] = {}

    def _note(self, record: OnixRecord, code: str, message: str, severity: Severity = Severity.WARNING) -> None:
        self.problems.append(Problem(code=code, severity=severity, message=message, record=record.key,
                                     line=record.line, source=record.source or self.source))

    def add(self, record: OnixRecord) -> None:
        self.problems += record.problems
        kind = record.notification_type or "03"
        if kind in codes.TEST_RECORDS:
            self._note(record, "test-record", f"NotificationType {kind} is a test record; not read")
            return
        if not record.usable or record.isbn is None:
            return  # the blocking problem is already in record.problems
        isbn = record.isbn
        if kind == codes.DELETE:
            self.editions.pop(isbn, None)
            self.members.pop(isbn, None)
            self.delisted[isbn] = None
            return
        self.delisted.pop(isbn, None)  # sent again after a delete: listed again
        previous = self.editions.get(isbn)
        if kind == codes.BLOCK_UPDATE:
            stored = previous or (self.previous_edition(isbn) if self.previous_edition else None)
            if stored is None:
                self._note(record, "block-update-without-record",
                           "NotificationType 04 for an edition not seen before; read as a full record")
                self._build(record, lambda: record.to_edition(family_id=""))
            else:
                self._build(record, lambda: merge(stored, record), known_family=stored.family_id)
            return
        if previous is not None:
            self._note(record, "duplicate-record", "ISBN sent again in this batch; the later record wins")
        self._build(record, lambda: record.to_edition(family_id=""))

    def _build(self, record: OnixRecord, build: Callable[[], Edition], known_family: str | None = None) -> None:
        assert record.isbn is not None
        try:
            edition = build()
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error.get("loc", ()))
            self._note(record, "invalid-record", f"cannot build the edition: {where}: {error['msg']}; not read",
                       Severity.BLOCKING)
            return
        self.editions[record.isbn] = self._shared(edition)
        resent = "RelatedMaterial" in record.blocks_present or record.notification_type != codes.BLOCK_UPDATE
        old = self.members.get(record.isbn)
        if resent or old is None:
            self.members[record.isbn] = Membership(
                isbn=str(record.isbn), work=record.work, alternatives=tuple(map(str, record.alternative_formats)),
                known_family=None if resent else known_family,
            )

    def _shared(self, edition: Edition) -> Edition:
        """Hold one copy of equal immutable parts: the formats of a work repeat contributors (with their
        biographies), texts, subjects and rights, and a feed repeats price rows and territories."""
        pool = self._pool
        updates: dict[str, Any] = {}
        for name in _SHARED_ITEMS:
            items = getattr(edition, name)
            if items:
                updates[name] = tuple(pool.setdefault(item, item) for item in items)
        for name in _SHARED_VALUES:
            value = getattr(edition, name)
            if value is not None:
                updates[name] = pool.setdefault(value, value)
        return edition.model_copy(update=updates)

    def families(self) -> list[TitleFamily]:
        family_of, conflicts = group(self.members.values())
        for message in conflicts:
            self.problems.append(Problem(code="family-conflict", severity=Severity.WARNING, message=message,
                                         source=self.source))
        grouped: dict[str, list[Edition]] = {}
        for isbn in sorted(self.editions):
            edition = self.editions[isbn]
            family = family_of[str(isbn)]
            if edition.family_id != family:
                edition = edition.model_copy(update={"family_id": family})
                self.editions[isbn] = edition  # the copy replaces the original: memory holds one of each
            grouped.setdefault(family, []).append(edition)
        return [TitleFamily(id=fid, title=eds[0].title, editions=tuple(eds)) for fid, eds in sorted(grouped.items())]

    def result(self, *, extra_problems: Iterable[Problem] = (), complete: bool = False,
               cursor: str | None = None) -> SourceRead:
        families = tuple(self.families())
        return SourceRead(families=families, problems=(*extra_problems, *self.problems),
                          delisted=tuple(self.delisted), cursor=cursor, complete=complete)
