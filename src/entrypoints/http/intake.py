"""Group commit at the HTTP edge: webhook deliveries share transactions, each answered once its row is committed.

A delivery waits on the event loop, not in a thread. One writer thread takes every delivery waiting, stores them
with one `receive_many` (one transaction, one commit) and hands the answers back to the event loop in one call;
then, without going back through the loop, it takes the deliveries that arrived during that commit as the next
batch. Under load a batch holds what arrived during the previous commit; with one delivery at a time nothing
waits for company. The thread is started by the first delivery and ends after `linger` idle seconds (or on
`close`), so an app that is never sent a webhook has no writer thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from contextlib import suppress
from typing import Any

from bookbridge.domain.ports import Received, WebhookInbox

_Waiting = tuple[dict[str, Any], asyncio.Future[Received]]


class WebhookIntake:
    def __init__(self, inbox: WebhookInbox, *, linger: float = 5.0) -> None:
        self._inbox, self._linger = inbox, linger
        self._waiting: list[_Waiting] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # a delivery is waiting, or the writer should stop
        self._writer: threading.Thread | None = None
        self._stopping = False  # the writer ends as soon as nothing waits

    async def receive(self, **delivery: Any) -> Received:
        """`WebhookInbox.receive`'s answer, given once the delivery is committed (its error, if not)."""
        future: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiting.append((delivery, future))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="bookbridge-webhook-intake", daemon=True)
                self._writer.start()
            elif len(self._waiting) == 1:
                self._arrived.notify()  # the writer may be idle; while it commits it looks again anyway
        return await future

    @property
    def writing(self) -> bool:
        """Whether the writer thread is up: from the first delivery until `linger` idle seconds, or `close`."""
        with self._lock:
            return self._writer is not None

    def close(self, timeout: float = 10.0) -> None:
        """Store what is waiting, then end the writer thread (at the app's shutdown). A later delivery starts
        another one."""
        with self._lock:
            self._stopping = True
            writer = self._writer
            self._arrived.notify()
        if writer is not None:
            writer.join(timeout)
        with self._lock:
            self._stopping = False

    def _write(self) -> None:
        try:
            self._write_batches()
        finally:  # ended, or killed by something no batch catches: the next delivery starts another writer
            with self._lock:
                if self._writer is threading.current_thread():
                    self._writer = None

    def _write_batches(self) -> None:
        while True:
            with self._lock:
                if not self._waiting and not self._stopping:
                    self._arrived.wait(self._linger)
                if not self._waiting:  # idle for `linger` seconds, or stopping
                    self._writer = None
                    return
                batch, self._waiting = self._waiting, []
            try:
                outcomes: list[Received | Exception] = self._inbox.receive_many([delivery for delivery, _ in batch])
            except Exception as exc:  # the batch never reached the database: every delivery in it fails
                outcomes = [exc] * len(batch)
            by_loop: defaultdict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Received], Any]]] = (
                defaultdict(list))
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                by_loop[future.get_loop()].append((future, outcome))
            for loop, answers in by_loop.items():
                with suppress(RuntimeError):  # a closed loop: nobody waits for these answers (the events are stored)
                    loop.call_soon_threadsafe(_answer, answers)


def _answer(answers: list[tuple[asyncio.Future[Received], Received | Exception]]) -> None:
    """On the event loop: each waiting delivery gets its answer or its error."""
    for future, outcome in answers:
        if future.done():  # the client went away; the event is stored all the same
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
