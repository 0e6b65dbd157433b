"""Pacing from BigCommerce's `X-Rate-Limit-*` headers, and retry back-off.

BigCommerce counts requests in a fixed window (30 s; 150 requests on Standard/Plus, 450 on Pro) that
all apps on the store share, and answers every response with how many are left and when the window
resets (BigCommerce's API overview and its API rate limits page). The
official Python client's throttle still hit 429s (bigcommerce-api-python#88, #116), so we pace from
the headers ourselves:

* spread the requests left in a window evenly over the time until it resets;
* when only `safety_margin` are left, wait for the reset;
* after a reset, send one probe and wait for its headers: the new window's quota is unknown, because
  "the quota available to one app adjusts as other clients make or stop requests".

`RateLimitPacer` is thread-safe. `reserve` and `complete` take the time as an argument (a pure core
that the property tests drive directly); `acquire` is the blocking wrapper that the client calls.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitHeaders:
    """The rate-limit headers of one response; a field is None when absent or malformed."""

    left: int | None = None
    reset_s: float | None = None
    quota: int | None = None
    window_s: float | None = None
    retry_after_s: float | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        # Header names are case-insensitive since Jan 2022 (BigCommerce's API overview).
        lower = {key.lower(): value for key, value in headers.items()}
        reset_ms = _number(lower.get("x-rate-limit-time-reset-ms"))
        window_ms = _number(lower.get("x-rate-limit-time-window-ms"))
        left = _number(lower.get("x-rate-limit-requests-left"))
        quota = _number(lower.get("x-rate-limit-requests-quota"))
        retry_after = _number(lower.get("x-retry-after"))  # seconds
        return cls(
            left=int(left) if left is not None else None,
            reset_s=reset_ms / 1000 if reset_ms is not None else None,
            quota=int(quota) if quota is not None and quota >= 1 else None,
            window_s=window_ms / 1000 if window_ms is not None and window_ms > 0 else None,
            retry_after_s=retry_after if retry_after is not None and retry_after <= 3600 else None,
        )

    @property
    def describes_window(self) -> bool:
        return self.left is not None and self.reset_s is not None

    def throttle_wait(self) -> float | None:
        """How long a 429 asks us to wait: "honor the longer of the two" (BigCommerce's API error guide)."""
        waits = [w for w in (self.retry_after_s, self.reset_s) if w is not None]
        return max(waits) if waits else None


_MAX_PLAUSIBLE = 3_600_000.0  # an hour, in ms or s: a larger value is garbage, not a reason to stall


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    if value is None or not 0 <= value <= _MAX_PLAUSIBLE:  # also rejects NaN and infinities
        return None
    return value


@dataclass(frozen=True)
class Slot:
    """A reserved send time. `epoch` counts the windows the pacer has seen; `probe` marks the one
    request allowed out while the current window's quota is unknown."""

    at: float
    epoch: int
    probe: bool


class RateLimitPacer:
    def __init__(
        self,
        *,
        safety_margin: int = 1,
        reset_slack_s: float = 0.05,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
        probe_wait_s: float = 1.0,
    ) -> None:
        self._margin = max(0, safety_margin)
        self._slack = max(0.0, reset_slack_s)
        self._monotonic = monotonic
        self._sleep = sleep
        self._probe_wait_s = probe_wait_s
        self._cond = threading.Condition()
        self._left: int | None = None  # requests we may still send in this window, ours reserved
        self._reset_at: float | None = None  # never earlier than the server's reset: see complete()
        self._quota: int | None = None
        self._epoch = 0
        self._next_slot = float("-inf")
        self._hold_until = float("-inf")
        self._outstanding = 0  # reserved and not yet completed
        self._probe_out = False
        self._unpaced = False  # the server sends no rate-limit headers at all

    def acquire(self) -> tuple[Slot, float]:
        """Block until this request may be sent; return its slot and the seconds slept."""
        with self._cond:
            while (slot := self.reserve(self._monotonic())) is None:
                self._cond.wait(self._probe_wait_s)  # another thread's probe is in flight
        delay = slot.at - self._monotonic()
        if delay > 0:
            self._sleep(delay)
            return slot, delay
        return slot, 0.0

    def reserve(self, now: float) -> Slot | None:
        """Book the earliest send time at or after `now`, or None while a probe is in flight."""
        with self._cond:
            at = max(now, self._next_slot, self._hold_until)
            if self._left is not None and self._reset_at is not None:
                if at < self._reset_at:
                    # Keep a margin because other apps draw on the same quota.
                    margin = min(self._margin, self._quota - 1) if self._quota else self._margin
                    budget = self._left - margin
                    if budget > 0:
                        self._left -= 1
                        # Spread what is left of the window evenly over the time to its reset.
                        self._next_slot = at + (self._reset_at - at) / budget
                        self._outstanding += 1
                        return Slot(at, self._epoch, probe=False)
                    at = self._reset_at  # quota spent: wait for the window to reset
                self._roll_over()
            if self._unpaced:
                self._outstanding += 1
                return Slot(at, self._epoch, probe=False)
            if self._probe_out:
                return None
            self._probe_out = True
            self._outstanding += 1
            return Slot(at, self._epoch, probe=True)

    def complete(self, slot: Slot, now: float, limits: RateLimitHeaders | None) -> None:
        """Record the outcome of a reserved request; `limits` is None when no response arrived."""
        with self._cond:
            self._outstanding = max(0, self._outstanding - 1)
            if slot.probe:
                self._probe_out = False
            self._cond.notify_all()
            if limits is None:
                return
            if limits.quota is not None:
                self._quota = limits.quota
            if not limits.describes_window:
                self._unpaced = self._unpaced or slot.probe
                return
            self._unpaced = False
            if slot.epoch != self._epoch or limits.left is None or limits.reset_s is None:
                return  # counted in a window we have already left behind
            # The server measured reset-ms before the response travelled, so now + reset is never
            # earlier than the real reset. Requests still in flight may not be counted yet.
            reset_at = now + limits.reset_s + self._slack
            left = max(0, limits.left - self._outstanding)
            if self._left is None or self._reset_at is None:
                self._left, self._reset_at = left, reset_at
            else:  # within one window, left only falls; every estimate of the reset is an upper bound
                self._left, self._reset_at = min(self._left, left), min(self._reset_at, reset_at)

    def hold(self, until: float) -> None:
        """Send nothing before `until` (after a 429); then probe the new window."""
        with self._cond:
            self._hold_until = max(self._hold_until, until + self._slack)
            if self._left is not None:
                self._left = 0
                self._reset_at = max(self._reset_at or until, until + self._slack)

    def _roll_over(self) -> None:
        self._epoch += 1
        self._left = None
        self._reset_at = None


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter (AWS architecture blog; BigCommerce's API error guide
    advises back-off with jitter), capped at `max_s`. Writes wait longer (BigCommerce's integration design guide)."""

    base_s: float = 1.0
    max_s: float = 60.0
    write_factor: float = 2.0

    def delay(self, failures: int, *, write: bool, rng: random.Random) -> float:
        ceiling = self.base_s * (self.write_factor if write else 1.0) * 2 ** max(0, failures - 1)
        return rng.uniform(0.0, min(self.max_s, ceiling))
