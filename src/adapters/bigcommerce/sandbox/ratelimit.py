"""The store-wide request quota and its `X-Rate-Limit-*` headers."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .config import MonotonicClock, RateLimitConfig


@dataclass(frozen=True)
class Admission:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Fixed window: the quota refreshes a full window after the first request that opened it.

    Header names and meanings follow BigCommerce's API overview (rate limits); all millisecond values
    are real (time-scaled) milliseconds, see `RateLimitConfig`.
    """

    def __init__(self, config: RateLimitConfig, clock: MonotonicClock) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._used = 0

    @property
    def config(self) -> RateLimitConfig:
        return self._config

    def admit(self) -> Admission:
        """Spend one request of the quota, or refuse with 429 headers when none is left."""
        with self._lock:
            now = self._roll(self._clock())
            if not self._config.enabled:  # "Unlimited Rate Plan": no request-rate limit
                return Admission(True, self._headers(now, refused=False))
            if self._used >= self._config.quota:
                return Admission(False, self._headers(now, refused=True))
            self._used += 1
            return Admission(True, self._headers(now, refused=False))

    def current_headers(self) -> dict[str, str]:
        """Headers describing the quota without spending any of it (e.g. for 401 responses)."""
        with self._lock:
            return self._headers(self._roll(self._clock()), refused=False)

    def reset(self) -> None:
        with self._lock:
            self._window_start = None
            self._used = 0

    def _roll(self, now: float) -> float:
        if self._window_start is None or now - self._window_start >= self._config.real_window_seconds:
            self._window_start = now
            self._used = 0
        return now

    def _headers(self, now: float, *, refused: bool) -> dict[str, str]:
        cfg = self._config
        start = now if self._window_start is None else self._window_start
        reset_s = max(0.0, start + cfg.real_window_seconds - now)
        reset_ms = max(1, math.ceil(reset_s * 1000))
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(max(1, round(cfg.window_ms * cfg.time_scale))),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(cfg.quota),
            "X-Rate-Limit-Requests-Left": str(max(0, cfg.quota - self._used)),
        }
        if refused:
            # X-Retry-After is seconds "before the quota refreshes", sent on rate-limited responses.
            # Whole seconds at real speed; with a time_scale the value is fractional ("0.123").
            headers["X-Retry-After"] = str(math.ceil(reset_s)) if cfg.time_scale == 1.0 else f"{reset_ms / 1000:.3f}"
        return headers
