"""Processes stored webhook events after they were acknowledged: a background thread, woken on each delivery.

`store/order/*` (and per-channel `store/channel/{id}/order/*`) events ask the scheduler for an immediate order
import, once per batch however many arrived; the import reads orders by `date_modified` from its cursor, so one
run covers them all. Other scopes (`store/product/*`, ...) are recorded: the next sync and reconcile read the
store anyway. A wake-up waits `coalesce_seconds` first, so a burst of deliveries is one batch and one import.
A failed trigger leaves the events pending with a back-off, opens a SOURCE_ERROR exception naming
the event ids, and after `max_attempts` marks them failed (still listed, and the exception stays open).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bookbridge.adapters.persistence.webhook_events import SqlAlchemyWebhookInbox
from bookbridge.domain.ports import Clock, ExceptionKind, UnitOfWork, WebhookEvent
from bookbridge.entrypoints.http.hooks import ServiceHooks

log = logging.getLogger(__name__)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))


def is_order_scope(scope: str) -> bool:
    parts = scope.split("/")
    return scope.startswith("store/order/") or (len(parts) > 3 and parts[:2] == ["store", "channel"]
                                                 and parts[3] == "order")


@dataclass
class Pass:
    """What one pass did: event ids marked done, retried later, or failed for good; the order-import job."""

    done: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    order_import_job: str | None = None
    seen: int = 0


class WebhookWorker:
    def __init__(self, inbox: SqlAlchemyWebhookInbox, hooks: ServiceHooks, uow: Callable[[], UnitOfWork],
                 clock: Clock, *, store: str, poll_seconds: float = 5.0, max_attempts: int = 5,
                 batch: int = 500, coalesce_seconds: float = 1.0) -> None:
        self.inbox, self.hooks, self.uow, self.clock = inbox, hooks, uow, clock
        self.store, self.poll_seconds, self.max_attempts, self.batch = store, poll_seconds, max_attempts, batch
        self.coalesce_seconds = coalesce_seconds  # after a wake-up, let a burst gather: one import per burst
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="bookbridge-webhooks", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the pass in flight, then stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(self.poll_seconds):
                self._stop.wait(self.coalesce_seconds)
            self._wake.clear()
            try:
                while not self._stop.is_set() and self.process_due().seen == self.batch:
                    pass  # a full batch: there may be more
            except Exception:  # the thread must survive a database outage; the next wake-up tries again
                log.exception("webhook events: processing pass failed")

    def process_due(self) -> Pass:
        now = self.clock.now()
        events = self.inbox.due(at=now, limit=self.batch)
        result = Pass(seen=len(events))
        orders = [e for e in events if is_order_scope(e.scope)]
        others = [e for e in events if not is_order_scope(e.scope)]
        if others:
            self.inbox.mark_done([e.id for e in others], result="recorded (no action for this scope)", at=now)
            result.done += [e.id for e in others]
        if orders:
            try:
                job = self.hooks.trigger_order_import()
            except Exception as exc:
                self._failed(orders, f"order import could not be queued: {type(exc).__name__}: {exc}", result)
            else:
                self.inbox.mark_done([e.id for e in orders], result=f"order import queued (job {job})", at=now)
                result.done += [e.id for e in orders]
                result.order_import_job = job
        return result

    def _failed(self, events: Sequence[WebhookEvent], error: str, result: Pass) -> None:
        now = self.clock.now()
        for event in events:
            attempt = event.attempts + 1
            give_up = attempt >= self.max_attempts
            retry_at = None if give_up else now + BACKOFF[min(attempt, len(BACKOFF)) - 1]
            self.inbox.mark_failed(event.id, error=error, at=now, retry_at=retry_at)
            (result.failed if give_up else result.retry).append(event.id)
        ids = ", ".join(str(e.id) for e in events[:20]) + (" ..." if len(events) > 20 else "")
        message = (f"webhook events {ids} ({events[0].scope}): {error}; "
                   f"{'gave up after ' + str(self.max_attempts) + ' attempts' if result.failed else 'will retry'}")
        log.warning("webhook events %s: %s", ids, error)
        uow = self.uow()
        with uow:
            uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=None, storefront=self.store, message=message,
                                  field="webhook_events", at=now)
            uow.commit()

