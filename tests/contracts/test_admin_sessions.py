"""Dashboard sessions on SQLite and PostgreSQL: open until they expire or are closed; only hashes are stored;
opening a session sweeps the expired ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bookbridge.adapters.persistence import make_session_factory
from bookbridge.adapters.persistence.sessions import SqlAlchemyAdminSessions
from bookbridge.adapters.persistence.tables import AdminSessionRow

AT = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_a_session_is_open_until_it_expires_or_is_closed(engine: Engine) -> None:
    sessions = SqlAlchemyAdminSessions(make_session_factory(engine))
    sessions.open("cookie-a", at=AT, expires=AT + timedelta(hours=12))
    sessions.open("cookie-b", at=AT, expires=AT + timedelta(hours=12))
    assert sessions.is_open("cookie-a", at=AT + timedelta(hours=1))
    assert not sessions.is_open("cookie-a", at=AT + timedelta(hours=12, seconds=1))
    assert not sessions.is_open("never-opened", at=AT)
    assert sessions.close("cookie-a") and not sessions.close("cookie-a")
    assert not sessions.is_open("cookie-a", at=AT) and sessions.is_open("cookie-b", at=AT)
    with make_session_factory(engine)() as session:
        stored = session.scalars(select(AdminSessionRow.token_hash)).all()
    assert stored and all("cookie" not in h and len(h) == 64 for h in stored)  # SHA-256, never the cookie


def test_opening_a_session_sweeps_the_expired_ones(engine: Engine) -> None:
    sessions = SqlAlchemyAdminSessions(make_session_factory(engine))
    sessions.open("old", at=AT, expires=AT + timedelta(hours=12))
    sessions.open("new", at=AT + timedelta(days=1), expires=AT + timedelta(days=1, hours=12))
    assert sessions.count() == 1
    assert sessions.close_all() == 1 and sessions.count() == 0
