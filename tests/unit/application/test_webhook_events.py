"""One pass over the stored webhook events, over an in-memory inbox: order scopes queue one import per pass,
other scopes are recorded, a refused trigger backs off and then gives up, naming the events on an exception."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bookbridge.adapters.memory import InMemoryUnitOfWork
from bookbridge.application.webhook_events import (
    BACKOFF,
    ProcessWebhookEvents,
    is_order_scope,
    process_webhook_events,
)
from bookbridge.domain.ports import ExceptionKind, FixedClock, Received, WebhookEvent, WebhookInbox

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class ListInbox(WebhookInbox):
    def __init__(self) -> None:
        self.events: dict[int, WebhookEvent] = {}

    def receive(self, *, hash: str, delivery_id: str | None, scope: str, store_id: str | None,
                resource_id: str | None, payload: Mapping[str, Any], at: datetime) -> Received:
        if any(e.hash == hash for e in self.events.values()):
            return Received(id=None, duplicate=True)
        event_id = len(self.events) + 1
        self.events[event_id] = WebhookEvent(id=event_id, hash=hash, delivery_id=delivery_id, scope=scope,
                                             store_id=store_id, resource_id=resource_id, payload=payload,
                                             received_at=at, status="pending", attempts=0, next_attempt_at=at)
        return Received(id=event_id, duplicate=False)

    def due(self, *, at: datetime, limit: int = 500) -> list[WebhookEvent]:
        return [e for e in self.events.values() if e.status == "pending" and e.next_attempt_at <= at][:limit]

    def mark_done(self, event_ids: Sequence[int], *, result: str, at: datetime) -> int:
        for event_id in event_ids:
            self.events[event_id] = replace(self.events[event_id], status="done", result=result, processed_at=at)
        return len(event_ids)

    def mark_failed(self, event_id: int, *, error: str, at: datetime, retry_at: datetime | None) -> WebhookEvent:
        event = self.events[event_id]
        self.events[event_id] = replace(event, attempts=event.attempts + 1, result=error,
                                        status="pending" if retry_at else "failed", next_attempt_at=retry_at or at)
        return self.events[event_id]

    def get(self, event_id: int) -> WebhookEvent | None:
        return self.events.get(event_id)

    def counts(self) -> dict[str, int]:
        return {s: sum(e.status == s for e in self.events.values()) for s in ("pending", "done", "failed")}

    def recent(self, *, limit: int = 50) -> list[WebhookEvent]:
        return list(reversed(self.events.values()))[:limit]

    def purge(self, *, processed_before: datetime, limit: int = 10_000) -> int:
        old = [i for i, e in self.events.items() if e.status != "pending" and e.processed_at is not None
               and e.processed_at < processed_before][:limit]
        for event_id in old:
            del self.events[event_id]
        return len(old)


def deliver(inbox: ListInbox, *scopes: str) -> None:
    for n, scope in enumerate(scopes):
        inbox.receive(hash=f"h{len(inbox.events)}-{n}", delivery_id=None, scope=scope, store_id="1",
                      resource_id=None, payload={}, at=NOW)


@pytest.mark.parametrize(("scope", "order"), [("store/order/created", True), ("store/channel/1/order/updated", True),
                                              ("store/product/updated", False), ("store/channel/1/product/x", False),
                                              ("store/channel", False)])
def test_order_scopes_are_told_apart(scope: str, order: bool) -> None:
    assert is_order_scope(scope) is order


def test_order_events_queue_one_import_and_other_scopes_are_recorded() -> None:
    inbox, uow, jobs = ListInbox(), InMemoryUnitOfWork(), []
    deliver(inbox, "store/order/created", "store/product/updated", "store/channel/2/order/statusUpdated")
    done = process_webhook_events(ProcessWebhookEvents(store="shop"), inbox, lambda: jobs.append(1) or "job-1",
                                  lambda: uow, FixedClock(NOW))
    assert jobs == [1] and sorted(done.done) == [1, 2, 3] and done.order_import_job == "job-1"
    assert inbox.events[2].result == "recorded (no action for this scope)"
    assert inbox.events[1].result == inbox.events[3].result == "order import queued (job job-1)"


def test_a_refused_trigger_backs_off_then_gives_up_with_an_exception_naming_the_events() -> None:
    inbox, uow, clock = ListInbox(), InMemoryUnitOfWork(), FixedClock(NOW)
    deliver(inbox, "store/order/created")

    def refuse() -> str:
        raise RuntimeError("scheduler is shutting down")

    cmd = ProcessWebhookEvents(store="shop", max_attempts=2)
    first = process_webhook_events(cmd, inbox, refuse, lambda: uow, clock)
    assert first.retry == [1] and inbox.events[1].next_attempt_at == NOW + BACKOFF[0]
    assert process_webhook_events(cmd, inbox, refuse, lambda: uow, clock).seen == 0  # backing off
    clock.at = NOW + BACKOFF[0]
    assert process_webhook_events(cmd, inbox, refuse, lambda: uow, clock).failed == [1]
    with uow:
        [item] = uow.exceptions.open_items()
    assert item.kind is ExceptionKind.SOURCE_ERROR and item.field == "webhook_events" and item.storefront == "shop"
    assert "webhook events 1 (store/order/created)" in item.message and "gave up after 2 attempts" in item.message
    assert "order import could not be queued: scheduler is shutting down" in item.message, item.message
    assert inbox.counts() == {"pending": 0, "done": 0, "failed": 1}
