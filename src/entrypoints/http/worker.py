"""The webhook worker: a background thread that runs `process_webhook_events` after each delivery.

The pass itself (what each scope does, the back-off, the exception a failed trigger opens) is the use case in
`bookbridge.application.webhook_events`. This thread only schedules it: woken on each delivery, it waits
`coalesce_seconds` first, so a burst of deliveries is one pass and one order import, and polls every
`poll_seconds` for retries that came due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bookbridge.application.webhook_events import Pass, ProcessWebhookEvents, process_webhook_events
from bookbridge.domain.ports import Clock, UnitOfWork, WebhookInbox
from bookbridge.domain.ports.scheduling import ServiceHooks

log = logging.getLogger(__name__)


class WebhookWorker:
    def __init__(self, inbox: WebhookInbox, hooks: ServiceHooks, uow: Callable[[], UnitOfWork],
                 clock: Clock, *, store: str, poll_seconds: float = 5.0, max_attempts: int = 5,
                 batch: int = 500, coalesce_seconds: float = 1.0) -> None:
        self.inbox, self.hooks, self.uow, self.clock = inbox, hooks, uow, clock
        self.store, self.poll_seconds, self.max_attempts, self.batch = store, poll_seconds, max_attempts, batch
        self.coalesce_seconds = coalesce_seconds  # after a wake-up, let a burst gather: one import per burst
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        if not self._wake.is_set():  # set: the pass it wakes has not begun, and will see this delivery's event
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
        cmd = ProcessWebhookEvents(store=self.store, max_attempts=self.max_attempts, batch=self.batch)
        return process_webhook_events(cmd, self.inbox, self.hooks.trigger_order_import, self.uow, self.clock)
