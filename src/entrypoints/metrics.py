"""Prometheus metrics, every series prefixed `bookbridge_`, in a registry of their own.

Counters and histograms that the service updates as it works live in one process-wide `Metrics`, made on first
use (nothing is created at import). Callers use the small functions below: `record_sync_report` after a sync,
`record_api_calls` with the BigCommerce client's `ClientStats` deltas, `observe_job_lag` when a scheduled job
starts late, `record_webhook_delivery` per delivery (`record_webhook_refusal` per unauthenticated one,
`record_login_failure` per refused sign-in). Values that live in the database (runs by outcome, open
exceptions, webhook events by status) are read at scrape time by `DatabaseCollector`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

OPERATIONS = ("created", "adopted", "updated", "hidden", "failed")
# Lag from a job's scheduled instant to its start: launches promise under 60 s.
LAG_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sync_reports = Counter("bookbridge_sync_reports", "Sync runs finished, by store",
                                    ["store"], registry=self.registry)
        self.operations = Counter("bookbridge_operations", "Store operations by kind (created, adopted, updated, "
                                  "hidden, failed)", ["store", "operation"], registry=self.registry)
        self.api_calls = Counter("bookbridge_api_calls", "BigCommerce API requests, retries included",
                                 ["store"], registry=self.registry)
        self.api_throttled = Counter("bookbridge_api_throttled", "BigCommerce 429 responses", ["store"],
                                     registry=self.registry)
        self.job_lag = Histogram("bookbridge_job_lag_seconds", "Delay from a job's scheduled instant to its start",
                                 ["kind"], buckets=LAG_BUCKETS, registry=self.registry)
        self.webhook_deliveries = Counter("bookbridge_webhook_deliveries", "Webhook deliveries by result "
                                          "(accepted, duplicate, rejected)", ["result"], registry=self.registry)
        self.webhook_refusals = Counter("bookbridge_webhook_refusals", "Webhook deliveries refused as "
                                        "unauthenticated, by reason (unsigned, malformed, stale, forged, "
                                        "unconfigured)", ["reason"], registry=self.registry)
        self.login_failures = Counter("bookbridge_login_failures", "Dashboard sign-ins refused, by result "
                                      "(wrong_token, throttled)", ["result"], registry=self.registry)


_lock = threading.Lock()
_metrics: Metrics | None = None


def metrics() -> Metrics:
    """The process-wide metrics, created on first use."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


def record_sync_report(store: str, counts: Mapping[str, int]) -> None:
    """After a sync: add its created/adopted/updated/hidden/failed counts (other keys are not operations)."""
    m = metrics()
    m.sync_reports.labels(store=store).inc()
    for operation in OPERATIONS:
        value = int(counts.get(operation, 0))
        if value < 0:
            raise ValueError(f"sync report for {store!r}: {operation} count is negative ({value})")
        m.operations.labels(store=store, operation=operation).inc(value)


def record_api_calls(store: str, calls: int, throttled: int) -> None:
    """Add API requests and 429s since the last call (deltas of `ClientStats.requests` and `.throttled`)."""
    if calls < 0 or throttled < 0:
        raise ValueError(f"API call counts for {store!r} must be deltas >= 0 (got {calls}, {throttled})")
    m = metrics()
    m.api_calls.labels(store=store).inc(calls)
    m.api_throttled.labels(store=store).inc(throttled)


def observe_job_lag(kind: str, seconds: float) -> None:
    """A scheduled job of `kind` started `seconds` after its instant (negative clock skew counts as 0)."""
    metrics().job_lag.labels(kind=kind).observe(max(0.0, seconds))


def record_webhook_delivery(result: str) -> None:
    metrics().webhook_deliveries.labels(result=result).inc()


def record_webhook_refusal(reason: str) -> None:
    """An unauthenticated delivery, counted even when its log line is suppressed (http.refusal_log_*)."""
    metrics().webhook_refusals.labels(reason=reason).inc()


def record_login_failure(result: str) -> None:
    metrics().login_failures.labels(result=result).inc()


class Stats(Protocol):
    """What the database holds (adapters.persistence.stats.DatabaseStats)."""

    @property
    def runs_by_outcome(self) -> Mapping[tuple[str, str], int]: ...

    @property
    def open_exceptions_by_kind(self) -> Mapping[str, int]: ...

    @property
    def webhook_events_by_status(self) -> Mapping[str, int]: ...


class DatabaseCollector(Collector):
    """Reads the database at scrape time; an unreadable database yields `bookbridge_database_up 0`."""

    def __init__(self, read: Callable[[], Stats], exception_kinds: tuple[str, ...] = ()) -> None:
        self._read = read
        self._kinds = exception_kinds  # reported as 0 when none is open, so that alerts see the series

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("bookbridge_database_up", "1 when the metrics could read the state database")
        try:
            stats = self._read()
        except Exception:  # a scrape must answer; readiness says why
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        runs = GaugeMetricFamily("bookbridge_runs", "Sync runs recorded, by store and outcome",
                                 labels=["store", "outcome"])
        for (store, outcome), n in sorted(stats.runs_by_outcome.items()):
            runs.add_metric([store, outcome], n)
        yield runs
        opened = GaugeMetricFamily("bookbridge_exceptions_open", "Open exceptions by kind", labels=["kind"])
        for kind in sorted(set(self._kinds) | set(stats.open_exceptions_by_kind)):
            opened.add_metric([kind], stats.open_exceptions_by_kind.get(kind, 0))
        yield opened
        events = GaugeMetricFamily("bookbridge_webhook_events", "Stored webhook events by status",
                                   labels=["status"])
        for status, n in sorted(stats.webhook_events_by_status.items()):
            events.add_metric([status], n)
        yield events


def exposition(*registries: CollectorRegistry) -> bytes:
    """The Prometheus text format for several registries, one after the other."""
    return b"".join(generate_latest(registry) for registry in registries)
