"""Back-off for wrong sign-ins per client, and a log that says a repeated warning once a while, not each time.

Both live in the process (an instance's memory), bounded in size; time is an argument (`now`, monotonic
seconds), so that tests drive it without sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_CLIENTS = 10_000  # clients remembered; the least recently seen is forgotten first
FORGET_AFTER = 3600.0  # a client with no wrong attempt for this long starts afresh


@dataclass
class _Client:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """After `free_attempts` wrong tokens from one client, each further wrong one locks that client out for a
    doubling delay (1 s, 2 s, 4 s, ... up to `max_delay`). A locked-out client is refused without its token
    being checked; a right token resets the count."""

    def __init__(self, *, free_attempts: int = 5, max_delay: float = 300.0) -> None:
        self.free_attempts, self.max_delay = free_attempts, max_delay
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str, *, now: float) -> float:
        """Seconds until `client` may try again (0: now)."""
        with self._lock:
            entry = self._clients.get(client)
            return 0.0 if entry is None else max(0.0, entry.locked_until - now)

    def failed(self, client: str, *, now: float) -> float:
        """Record a wrong token; returns the delay before the next try (0 while attempts are free)."""
        with self._lock:
            entry = self._clients.pop(client, None)
            if entry is None or now - entry.last > FORGET_AFTER:
                entry = _Client()
            entry.failures += 1
            entry.last = now
            over = entry.failures - self.free_attempts
            delay = min(self.max_delay, 2.0 ** (over - 1)) if over > 0 else 0.0
            entry.locked_until = now + delay
            self._clients[client] = entry
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
            return delay

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)


class RateLimitedLog:
    """At most `per_minute` lines a minute through `log`; the next line after a quiet spell says how many
    were suppressed. The caller still counts every event (a Prometheus counter)."""

    def __init__(self, log: logging.Logger, *, per_minute: int = 10) -> None:
        self.log, self.per_minute = log, per_minute
        self._window_start = float("-inf")
        self._in_window = 0
        self._suppressed = 0
        self._lock = threading.Lock()

    def warning(self, message: str, *args: object, now: float) -> bool:
        """Log `message % args` unless this minute's lines are spent; True when it was logged."""
        with self._lock:
            if now - self._window_start >= 60.0:
                self._window_start, self._in_window = now, 0
            if self._in_window >= self.per_minute:
                self._suppressed += 1
                return False
            self._in_window += 1
            suppressed, self._suppressed = self._suppressed, 0
        if suppressed:
            message += " (%d similar warnings suppressed before this one; all are counted in /metrics)"
            args = (*args, suppressed)
        self.log.warning(message, *args)
        return True
