"""The app's guards, built once by `protect(app)`: one error shape (problems.py), dashboard sessions stored
server-side, sign-in back-off per client, rate-limited warnings about refused webhooks, and the webhook events'
retention.

Sessions live in the database (`admin_sessions`), so signing out on one instance ends the session on all of
them. The back-off and the log limit live in each instance's memory. Retention runs after a delivery has been
answered, at most once an hour per instance: events only accumulate when deliveries arrive.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from bookbridge.domain.ports import AdminSessions, Clock, WebhookInbox
from bookbridge.entrypoints.http import problems
from bookbridge.entrypoints.http.security import SESSION_COOKIE, SESSION_SECONDS, HttpSecrets
from bookbridge.entrypoints.http.state import AppState
from bookbridge.entrypoints.http.throttle import LoginThrottle, RateLimitedLog

log = logging.getLogger(__name__)
RETENTION_EVERY = 3600.0  # seconds between two retention passes of one instance


@dataclass
class WebhookRetention:
    """Deletes processed webhook events older than `days`; `run_if_due` runs at most once per `every` seconds."""

    inbox: WebhookInbox
    clock: Clock
    days: int
    every: float = RETENTION_EVERY
    _last: float = field(default=float("-inf"), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def due(self, *, now: float | None = None) -> bool:
        """Whether a pass is due: a cheap check, so that callers schedule `run_if_due` only when it may run."""
        return (time.monotonic() if now is None else now) - self._last >= self.every

    def run_if_due(self, *, now: float | None = None) -> int | None:
        """Events deleted, or None when the last pass is too recent (or one is running)."""
        now = time.monotonic() if now is None else now
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if now - self._last < self.every:
                return None
            self._last = now
            return self.run()
        finally:
            self._lock.release()

    def run(self) -> int:
        cutoff = self.clock.now() - timedelta(days=self.days)
        deleted = self.inbox.purge(processed_before=cutoff)
        if deleted:
            log.info("webhook events: deleted %d processed before %s ([http] webhook_retention_days = %d)",
                     deleted, cutoff.isoformat(timespec="seconds"), self.days)
        return deleted


@dataclass
class Protection:
    secrets: HttpSecrets
    sessions: AdminSessions
    clock: Clock
    login: LoginThrottle
    refusals: RateLimitedLog
    retention: WebhookRetention

    def open_session(self) -> str:
        """A new session's cookie value, stored server-side for SESSION_SECONDS."""
        cookie = self.secrets.new_session()
        at = self.clock.now()
        self.sessions.open(cookie, at=at, expires=at + timedelta(seconds=SESSION_SECONDS))
        return cookie

    def session(self, request: Request) -> str | None:
        """The request's session cookie when it is signed under the current admin token and still open."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None or not self.secrets.session_signed(cookie):
            return None
        return cookie if self.sessions.is_open(cookie, at=self.clock.now()) else None

    def close_session(self, request: Request) -> bool:
        cookie = request.cookies.get(SESSION_COOKIE)
        return bool(cookie) and self.secrets.session_signed(cookie) and self.sessions.close(cookie or "")


def protect(app: FastAPI) -> Protection:
    """Install the guards on `app`, whose `state.bookbridge` (AppState) is already set."""
    state: AppState = app.state.bookbridge
    http = state.settings.http
    guard = Protection(
        secrets=state.secrets,
        sessions=state.sessions,
        clock=state.clock,
        login=LoginThrottle(free_attempts=http.login_free_attempts, max_delay=float(http.login_backoff_max_seconds)),
        refusals=RateLimitedLog(logging.getLogger("bookbridge.entrypoints.http.webhooks"),
                                per_minute=http.refusal_log_per_minute),
        retention=WebhookRetention(state.inbox, state.clock, http.webhook_retention_days),
    )
    app.state.protection = guard
    problems.install(app)
    return guard


async def protection(request: Request) -> Protection:  # async: no worker thread for a lookup
    guard: Protection = request.app.state.protection
    return guard


Guard = Annotated[Protection, Depends(protection)]
