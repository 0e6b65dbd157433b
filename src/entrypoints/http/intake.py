"""Group commit at the HTTP edge: webhook deliveries share transactions, each answered once its row is committed.

A delivery waits on the event loop, not in a thread: the first to arrive starts a writer task, which takes every
delivery waiting, stores them with one `receive_many` (one transaction, one commit, in a worker thread) and
answers each. Deliveries that arrive meanwhile form the next batch, so under load a batch holds what arrived
during the previous commit, and with one delivery at a time nothing waits for company.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from bookbridge.domain.ports import Received, WebhookInbox


@dataclass
class _Loop:
    """The deliveries waiting on one event loop, and the task writing them."""

    waiting: list[tuple[dict[str, Any], asyncio.Future[Received]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class WebhookIntake:
    def __init__(self, inbox: WebhookInbox) -> None:
        self._inbox = inbox
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop] = weakref.WeakKeyDictionary()

    async def receive(self, **delivery: Any) -> Received:
        """`WebhookInbox.receive`'s answer, given once the delivery is committed (its error, if not)."""
        loop = asyncio.get_running_loop()
        queue = self._loops.setdefault(loop, _Loop())
        future: asyncio.Future[Received] = loop.create_future()
        queue.waiting.append((delivery, future))
        if queue.writer is None or queue.writer.done():
            queue.writer = loop.create_task(self._write(queue))
        return await future

    async def _write(self, queue: _Loop) -> None:
        while queue.waiting:
            batch, queue.waiting = queue.waiting, []
            try:
                outcomes: list[Received | Exception] = await run_in_threadpool(
                    self._inbox.receive_many, [delivery for delivery, _ in batch])
            except Exception as exc:  # the batch never reached the database: every delivery in it fails
                outcomes = [exc] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the client went away; the event is stored all the same
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
