"""Fault injection for the stand-in: by explicit schedule and by seed.

Consonance documents no rate limits, so the faults are the ones any HTTP API can
show: 429 (optionally with Retry-After), 5xx, slow answers, and GraphQL `errors` in a 200 response.

- Schedule: `FaultPlan(schedule={1: Fault.rate_limited(), 2: Fault.server_error(503)})` keys are
  1-based numbers of authorised POST /graphql requests; `plan.queue(...)` fails the next requests.
- Seed: `FaultPlan(seed=7, rate=0.3)` draws a fault for each request from `kinds` with probability
  `rate`, reproducibly for the same seed and request order.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    kind: str  # "rate_limited" | "server_error" | "slow" | "graphql_error"
    status: int = 200
    retry_after: float | None = None  # seconds, sent as Retry-After on a 429/503
    delay: float = 0.0  # seconds to wait before answering (then answer normally)
    message: str = ""

    @classmethod
    def rate_limited(cls, retry_after: float | None = None) -> Fault:
        return cls("rate_limited", status=429, retry_after=retry_after, message="Too many requests")

    @classmethod
    def server_error(cls, status: int = 503, retry_after: float | None = None) -> Fault:
        if not 500 <= status <= 599:
            raise ValueError(f"a server error needs a 5xx status, not {status}")
        return cls("server_error", status=status, retry_after=retry_after, message="Internal server error")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", delay=seconds)

    @classmethod
    def graphql_error(cls, message: str = "Internal error while resolving the query") -> Fault:
        return cls("graphql_error", message=message)


DEFAULT_KINDS: tuple[Fault, ...] = (
    Fault.rate_limited(retry_after=1),
    Fault.server_error(500),
    Fault.server_error(503),
)


class FaultPlan:
    """Decides, request by request, whether the stand-in misbehaves. Thread-safe."""

    def __init__(
        self,
        schedule: Mapping[int, Fault] | None = None,
        *,
        seed: int | None = None,
        rate: float = 0.0,
        kinds: Sequence[Fault] = DEFAULT_KINDS,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        if rate and seed is None:
            raise ValueError("a random fault rate needs a seed, so failures can be replayed")
        self._schedule = dict(schedule or {})
        self._random = random.Random(seed)
        self._rate = rate
        self._kinds = tuple(kinds)
        self._lock = threading.Lock()
        self._count = 0
        self.injected: list[tuple[int, Fault]] = []

    @property
    def request_count(self) -> int:
        return self._count

    def queue(self, *faults: Fault, skip: int = 0) -> None:
        """Fail the next requests, in order, with these faults; `skip` leaves that many requests alone first
        (a source read starts with one introspection request)."""
        with self._lock:
            for offset, fault in enumerate(faults, start=self._count + 1 + skip):
                self._schedule[offset] = fault

    def clear(self) -> None:
        with self._lock:
            self._schedule.clear()
            self._rate = 0.0

    def next_fault(self) -> Fault | None:
        with self._lock:
            self._count += 1
            fault = self._schedule.pop(self._count, None)
            if fault is None and self._rate and self._random.random() < self._rate:
                fault = self._random.choice(self._kinds)
            if fault is not None:
                self.injected.append((self._count, fault))
            return fault
