"""The unit of work over one SQLAlchemy session: state, exceptions, the outbox and the run log together.

`with uow:` opens a session; `commit()` commits; leaving the block rolls back whatever was not committed
and closes the session. The repositories exist only inside the block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.categories import SqlAlchemyCategoryIds
from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.exceptions import SqlAlchemyExceptionQueue
from bookbridge.adapters.persistence.mapping import place_as_it_is
from bookbridge.adapters.persistence.outbox import SqlAlchemyOutbox
from bookbridge.adapters.persistence.runs import SqlAlchemyRunLog
from bookbridge.adapters.persistence.state import SqlAlchemySyncState
from bookbridge.domain.ports import Clock, UnitOfWork
from bookbridge.domain.redaction import NO_SECRETS


class _Open:
    def __init__(self, session: Session, clock: Clock, notify: Sequence[str], redact: Callable[[str], str],
                 where: Callable[[str | None], str | None]) -> None:
        self.session = session
        self.state = SqlAlchemySyncState(session, clock=clock)
        self.exceptions = SqlAlchemyExceptionQueue(session, notify=notify, redact=redact, where=where)
        self.outbox = SqlAlchemyOutbox(session)
        self.runs = SqlAlchemyRunLog(session, redact=redact)
        self.categories = SqlAlchemyCategoryIds(session)


class SqlAlchemyUnitOfWork(UnitOfWork):
    """`notify` names the outbox targets (e.g. "webhook") that hear of opened and resolved exceptions. `redact`
    masks the configured secrets in every error text before it is stored (see application/redaction.py). `where`
    words an exception's place for those messages (`storefront 'uk'`, `store 'shop'`); by default, the key as it is."""

    def __init__(self, session_factory: Callable[[], Session], *, clock: Clock, notify: Sequence[str] = (),
                 redact: Callable[[str], str] = NO_SECRETS,
                 where: Callable[[str | None], str | None] = place_as_it_is) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._notify = tuple(notify)
        self._redact = redact
        self._where = where
        self._open: _Open | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        if self._open is not None:
            raise RuntimeError("this unit of work is already open: units of work do not nest")
        self._open = _Open(self._session_factory(), self._clock, self._notify, self._redact, self._where)
        return self

    def __exit__(self, *exc: object) -> None:
        current, self._open = self._open, None
        if current is not None:
            try:
                current.session.rollback()
            finally:
                current.session.close()

    def commit(self) -> None:
        with translated("unit of work commit"):
            self._current.session.commit()

    def rollback(self) -> None:
        self._current.session.rollback()

    @property
    def _current(self) -> _Open:
        if self._open is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return self._open

    @property
    def state(self) -> SqlAlchemySyncState:
        return self._current.state

    @property
    def exceptions(self) -> SqlAlchemyExceptionQueue:
        return self._current.exceptions

    @property
    def outbox(self) -> SqlAlchemyOutbox:
        return self._current.outbox

    @property
    def runs(self) -> SqlAlchemyRunLog:
        return self._current.runs

    @property
    def categories(self) -> SqlAlchemyCategoryIds:
        return self._current.categories
