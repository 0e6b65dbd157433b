"""The dashboard's sign-in sessions, kept server-side so that signing out ends one on every instance, as a port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class AdminSessions(Protocol):
    def open(self, token: str, *, at: datetime, expires: datetime) -> None:
        """Keep a new session until `expires` (the store holds a hash of the token, never the token)."""
        ...

    def is_open(self, token: str, *, at: datetime) -> bool:
        """The session was opened and is neither closed nor expired at `at`."""
        ...

    def close(self, token: str) -> bool:
        """Revoke a session; True when it was open."""
        ...
