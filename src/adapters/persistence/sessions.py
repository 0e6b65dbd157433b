"""Dashboard sessions, stored server-side so that signing out revokes one at once, on every instance.

A session is known by the SHA-256 of its random token (the cookie holds the token itself). `open` also deletes
expired sessions, so the table holds no more than the sessions opened within one session's lifetime.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import AdminSessionRow
from bookbridge.domain.ports import AdminSessions


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class SqlAlchemyAdminSessions(AdminSessions):
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    def open(self, token: str, *, at: datetime, expires: datetime) -> None:
        with self._sessions() as session, translated("dashboard session"):
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at < at))
            session.add(AdminSessionRow(token_hash=token_hash(token), created_at=at, expires_at=expires))
            session.commit()

    def is_open(self, token: str, *, at: datetime) -> bool:
        query = select(AdminSessionRow.expires_at).where(AdminSessionRow.token_hash == token_hash(token))
        with self._sessions() as session, translated("dashboard session"):
            expires = session.scalar(query)
        return expires is not None and expires > at

    def close(self, token: str) -> bool:
        """Revoke a session; True when it was open."""
        with self._sessions() as session, translated("dashboard session"):
            outcome = session.execute(delete(AdminSessionRow).where(AdminSessionRow.token_hash == token_hash(token)))
            session.commit()
        return bool(getattr(outcome, "rowcount", 0))

    def close_all(self) -> int:
        with self._sessions() as session, translated("dashboard sessions"):
            outcome = session.execute(delete(AdminSessionRow))
            session.commit()
        return int(getattr(outcome, "rowcount", 0) or 0)

    def count(self) -> int:
        with self._sessions() as session, translated("dashboard sessions"):
            return len(session.scalars(select(AdminSessionRow.token_hash)).all())
