"""Stored webhook events, processed after they were acknowledged: one pass over those that are due.

`store/order/*` (and per-channel `store/channel/{id}/order/*`) events ask the scheduler for an immediate order
import, once per pass however many arrived; the import reads orders by `date_modified` from its cursor, so one
run covers them all. Other scopes (`store/product/*`, ...) are recorded: the next sync and reconcile read the
store anyway. A failed trigger leaves the events pending with a back-off, opens a SOURCE_ERROR exception naming
the event ids, and after `max_attempts` marks them failed (still listed, and the exception stays open).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bookbridge.domain.ports import Clock, ExceptionKind, UnitOfWork, WebhookEvent, WebhookInbox
from bookbridge.domain.words import failure_words

log = logging.getLogger(__name__)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))


def is_order_scope(scope: str) -> bool:
    parts = scope.split("/")
    return scope.startswith("store/order/") or (len(parts) > 3 and parts[:2] == ["store", "channel"]
                                                 and parts[3] == "order")


@dataclass(frozen=True)
class ProcessWebhookEvents:
    store: str  # the storefront named on the exception a failed trigger opens
    max_attempts: int = 5
    batch: int = 500


@dataclass
class Pass:
    """What one pass did: event ids marked done, retried later, or failed for good; the order-import job."""

    done: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    order_import_job: str | None = None
    seen: int = 0


def process_webhook_events(cmd: ProcessWebhookEvents, inbox: WebhookInbox, trigger_order_import: Callable[[], str],
                           new_uow: Callable[[], UnitOfWork], clock: Clock) -> Pass:
    """One pass over the due events: at most `cmd.batch`, and at most one order import queued."""
    now = clock.now()
    events = inbox.due(at=now, limit=cmd.batch)
    result = Pass(seen=len(events))
    orders = [e for e in events if is_order_scope(e.scope)]
    others = [e for e in events if not is_order_scope(e.scope)]
    if others:
        inbox.mark_done([e.id for e in others], result="recorded (no action for this scope)", at=now)
        result.done += [e.id for e in others]
    if orders:
        try:
            job = trigger_order_import()
        except Exception as exc:  # the scheduler refused (shutting down, its store unreachable): retry later
            _failed(cmd, inbox, orders, f"order import could not be queued: {failure_words(exc)}", result,
                    new_uow, clock)
        else:
            inbox.mark_done([e.id for e in orders], result=f"order import queued (job {job})", at=now)
            result.done += [e.id for e in orders]
            result.order_import_job = job
    return result


def _failed(cmd: ProcessWebhookEvents, inbox: WebhookInbox, events: Sequence[WebhookEvent], error: str,
            result: Pass, new_uow: Callable[[], UnitOfWork], clock: Clock) -> None:
    now = clock.now()
    for event in events:
        attempt = event.attempts + 1
        give_up = attempt >= cmd.max_attempts
        retry_at = None if give_up else now + BACKOFF[min(attempt, len(BACKOFF)) - 1]
        inbox.mark_failed(event.id, error=error, at=now, retry_at=retry_at)
        (result.failed if give_up else result.retry).append(event.id)
    ids = ", ".join(str(e.id) for e in events[:20]) + (" ..." if len(events) > 20 else "")
    message = (f"webhook events {ids} ({events[0].scope}): {error}; "
               f"{'gave up after ' + str(cmd.max_attempts) + ' attempts' if result.failed else 'will retry'}")
    log.warning("webhook events %s: %s", ids, error)
    uow = new_uow()
    with uow:
        uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=None, storefront=cmd.store, message=message,
                              field="webhook_events", at=now)
        uow.commit()
