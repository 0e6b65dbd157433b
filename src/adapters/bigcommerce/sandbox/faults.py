"""Fault injection: seeded random faults and deterministic scheduled ones."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Literal

from .config import FaultConfig

FaultKind = Literal["error", "bare_429", "slow", "drop", "partial_207"]

# Batch PUTs whose real responses include 207 Multi-Status (BigCommerce's Catalog API spec: products, variants).
BATCH_PUT_PATHS = ("/v3/catalog/products", "/v3/catalog/variants")


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or before) answering a request.

    * `error`: answer `status` (5xx by default) with a BigCommerce error body.
    * `bare_429`: 429 with no rate-limit headers (BigCommerce: "platform under high load").
    * `slow`: wait `delay_seconds`, then answer normally.
    * `drop`: abort the connection without any response.
    * `partial_207`: batch PUT applies its main write but reports a failed sub-part with 207.
    """

    kind: FaultKind
    status: int = 500
    delay_seconds: float = 0.0


@dataclass
class ScheduledFault:
    fault: Fault
    method: str | None
    path_prefix: str
    remaining: int
    after: int = 0  # matching requests let through before the fault starts

    def matches(self, method: str, api_path: str) -> bool:
        return (self.method is None or self.method == method) and api_path.startswith(self.path_prefix)


@dataclass(frozen=True)
class InjectedFault:
    method: str
    api_path: str
    fault: Fault
    scheduled: bool


def is_batch_put(method: str, api_path: str) -> bool:
    return method == "PUT" and api_path.rstrip("/") in BATCH_PUT_PATHS


class FaultInjector:
    """Decides, per request, whether to inject a fault.

    Scheduled faults win over random ones and are consumed in the order they were scheduled.
    Random faults use one `random.Random(seed)` draw per request, so the same request
    sequence with the same seed yields the same faults.
    """

    def __init__(self, config: FaultConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._scheduled: list[ScheduledFault] = []
        self.injected: list[InjectedFault] = []

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the random-fault odds and reseed the generator."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)

    def schedule(
        self,
        kind: FaultKind = "error",
        *,
        count: int = 1,
        method: str | None = None,
        path_prefix: str = "",
        status: int = 500,
        delay_seconds: float = 0.0,
        after: int = 0,
    ) -> None:
        """Inject `kind` into the next `count` requests matching METHOD and path prefix, once `after` matching
        requests have gone through (to fail a step half-way, e.g. the second image of a product).

        `path_prefix` is matched against the path after `/stores/{store_hash}`, e.g.
        `/v3/catalog/products` or `/v2/orders`.
        """
        if count < 1 or after < 0:
            raise ValueError("count must be at least 1 and after at least 0")
        fault = Fault(kind=kind, status=status, delay_seconds=delay_seconds)
        with self._lock:
            self._scheduled.append(ScheduledFault(fault, method and method.upper(), path_prefix, count, after))

    def fail_next(self, count: int, method: str | None, path_prefix: str, status: int = 500) -> None:
        """Shorthand: the next `count` matching requests answer `status` (5xx or 429 without headers)."""
        kind: FaultKind = "bare_429" if status == 429 else "error"
        self.schedule(kind, count=count, method=method, path_prefix=path_prefix, status=status)

    def clear(self) -> None:
        with self._lock:
            self._scheduled.clear()
            self.injected.clear()

    @property
    def pending(self) -> list[ScheduledFault]:
        with self._lock:
            return list(self._scheduled)

    def pick(self, method: str, api_path: str) -> Fault | None:
        with self._lock:
            batch = is_batch_put(method, api_path)
            for entry in self._scheduled:
                if entry.matches(method, api_path) and (entry.fault.kind != "partial_207" or batch):
                    if entry.after:
                        entry.after -= 1
                        continue
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        self._scheduled.remove(entry)
                    self.injected.append(InjectedFault(method, api_path, entry.fault, scheduled=True))
                    return entry.fault
            fault = self._draw(batch)
            if fault is not None:
                self.injected.append(InjectedFault(method, api_path, fault, scheduled=False))
            return fault

    def _draw(self, batch: bool) -> Fault | None:
        cfg = self._config
        u = self._rng.random()
        if cfg.drop_rate and u < cfg.drop_rate:
            return Fault("drop")
        u -= cfg.drop_rate
        if cfg.error_rate and u < cfg.error_rate:
            statuses = cfg.error_statuses
            return Fault("error", status=statuses[int(u / cfg.error_rate * len(statuses)) % len(statuses)])
        u -= cfg.error_rate
        if cfg.bare_429_rate and u < cfg.bare_429_rate:
            return Fault("bare_429", status=429)
        u -= cfg.bare_429_rate
        if cfg.slow_rate and u < cfg.slow_rate:
            return Fault("slow", delay_seconds=cfg.slow_seconds)
        u -= cfg.slow_rate
        if batch and cfg.partial_207_rate and u < cfg.partial_207_rate:
            return Fault("partial_207", status=207)
        return None
