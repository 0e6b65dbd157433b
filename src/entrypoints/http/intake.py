"""Group commit at the HTTP edge: webhook deliveries share transactions, each answered once its row is committed.

A delivery waits on the event loop, not in a thread. One writer thread takes every delivery waiting, stores them
with one `receive_many` (one transaction, one commit) and hands the answers back to the event loop in one call;
then, without going back through the loop, it takes the deliveries that arrived during that commit as the next
batch. Under load a batch holds what arrived during the previous commit; with one delivery at a time nothing
waits for company. The thread is started by the first delivery and ends after `linger` idle seconds (or on
`close`), so an app that is never sent a webhook has no writer thread.

Deliveries are released to the writer once per turn of the event loop, not one by one: the requests that one
turn reads (from every connection with data) are parsed and queued in the next, and the release runs after them.
An idle writer would otherwise take the first delivery alone while the loop is still parsing the others, and a
commit, the largest cost of a delivery, would serve one where it could serve them all. The loop is busy with the
others meanwhile, so the first waits no longer than it would for its answer to be sent.

A batch also waits, at most `gather` seconds (2 ms), for as many deliveries as were in the intake at once while
the last batch was taken and written: the senders answered by one commit come back together, a few milliseconds
apart, and without the wait the first of them would be committed alone or with a few, the rest waiting for that
commit. Each commit then serves more of them: at 16 senders on a loaded machine, 9.7 deliveries on average
against 7.4 without the wait, and a tenth less CPU per delivery (docs/benchmarks.md). A lone delivery waits only
when the intake was busier a moment before, and never longer than `gather`. The loop wakes the writer only for
the first delivery released and once the expected number is reached, not once per turn.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from contextlib import suppress
from typing import Any

from bookbridge.domain.ports import Received, WebhookInbox

_Waiting = tuple[dict[str, Any], asyncio.Future[Received]]


class WebhookIntake:
    def __init__(self, inbox: WebhookInbox, *, linger: float = 5.0, gather: float = 0.002) -> None:
        self._inbox, self._linger, self._gather = inbox, linger, gather
        self._waiting: list[_Waiting] = []
        self._released = 0  # how many of `_waiting`, from the first, the event loop has released to the writer
        self._writing = 0  # how many deliveries the writer is storing now
        self._crowd = 0  # the most deliveries in the intake at once (waiting and writing) since the last batch
        self._expected = 1  # how many a batch waits for, up to `gather`: the crowd when the last batch was taken
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # deliveries are released, or the writer should stop
        self._writer: threading.Thread | None = None
        self._stopping = False  # the writer ends as soon as nothing waits

    async def receive(self, **delivery: Any) -> Received:
        """`WebhookInbox.receive`'s answer, given once the delivery is committed (its error, if not)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Received] = loop.create_future()
        with self._lock:
            self._waiting.append((delivery, future))
            self._crowd = max(self._crowd, len(self._waiting) + self._writing)
            if len(self._waiting) == self._released + 1:  # the first not yet released: release after this turn
                loop.call_soon(self._release)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="bookbridge-webhook-intake", daemon=True)
                self._writer.start()
        return await future

    def _release(self) -> None:
        """On the event loop, after the turn that queued deliveries: they may go into the next batch."""
        with self._lock:
            first = not self._released
            self._released = len(self._waiting)
            if first or self._released >= self._expected:  # the writer is woken once, or twice when it gathers
                self._arrived.notify()

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
                self._writing = 0
                if self._writer is threading.current_thread():
                    self._writer = None

    def _write_batches(self) -> None:
        while True:
            with self._lock:
                while not self._released and not self._stopping:
                    if not self._arrived.wait(self._linger):
                        break  # idle for `linger` seconds (deliveries still held are taken: their loop went away)
                if not self._waiting:  # idle, or stopping with nothing left
                    self._writer = None
                    return
                self._gather_expected()
                taken = self._released or len(self._waiting)  # stopping, or idle: all that waits
                batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
                self._released = max(0, self._released - taken)
                self._expected, self._crowd, self._writing = self._crowd, len(self._waiting), len(batch)
            try:
                outcomes: list[Received | Exception] = self._inbox.receive_many([delivery for delivery, _ in batch])
            except Exception as exc:  # the batch never reached the database: every delivery in it fails
                outcomes = [exc] * len(batch)
            by_loop: defaultdict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Received], Any]]] = (
                defaultdict(list))
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                by_loop[future.get_loop()].append((future, outcome))
            with self._lock:  # stored: from here on, its senders may come back
                self._writing = 0
            for loop, answers in by_loop.items():
                with suppress(RuntimeError):  # a closed loop: nobody waits for these answers (the events are stored)
                    loop.call_soon_threadsafe(_answer, answers)

    def _gather_expected(self) -> None:
        """With the lock held and deliveries released: wait, up to `gather` seconds, until the expected number is
        released (or the intake is closing)."""
        deadline = time.monotonic() + self._gather
        while self._released and self._released < self._expected and not self._stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._arrived.wait(left)


def _answer(answers: list[tuple[asyncio.Future[Received], Received | Exception]]) -> None:
    """On the event loop: each waiting delivery gets its answer or its error."""
    for future, outcome in answers:
        if future.done():  # the client went away; the event is stored all the same
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
