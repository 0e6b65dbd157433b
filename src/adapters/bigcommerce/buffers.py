"""Channel assignments and price-list records gathered across the batches of a sync run, sent in the largest
batches BigCommerce accepts instead of one request per batch of 10 products.

An action with buffered writes is pending: its product exists, but it is not applied until every one of its
writes has been sent (or has failed, which fails the action). The sync records a pending action's store-side ids
at once and its final outcome when the buffers are flushed, so a crash in between resends its sections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bookbridge.adapters.bigcommerce.batching import bisect_batch
from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, BigCommerceRejected, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork

log = logging.getLogger(__name__)

# `PUT /catalog/products/channel-assignments`: the spec states no batch limit (docs/bigcommerce research §7,
# UNCONFIRMED); a 413 halves the batch for the rest of the run.
CHANNEL_ASSIGNMENT_BATCH_MAX = 1000
PRICE_RECORD_BATCH_MAX = 1000  # `PUT /pricelists/{id}/records`: at most 1000 items (price lists spec)

Entry = tuple[ActionWork, dict[str, Any]]


@dataclass
class Lane:
    """One buffer: its entries, and the batch size it is sent in."""

    limit: int
    entries: list[Entry] = field(default_factory=list)

    def due(self, final: bool) -> bool:
        return bool(self.entries) and (final or len(self.entries) >= self.limit)


class WriteBuffers:
    """The buffered writes of one run, by lane: channel assignments, and price-list records per currency."""

    def __init__(self, client: BigCommerceClient, price_list: Callable[[str], int]) -> None:
        self.client = client
        self.price_list = price_list  # currency -> its price list id (found or created, assigned to channels)
        self.channels = Lane(CHANNEL_ASSIGNMENT_BATCH_MAX)
        self.prices: dict[str, Lane] = {}

    def add_channel(self, work: ActionWork, assignment: dict[str, int]) -> None:
        self.channels.entries.append((work, assignment))
        work.buffered += 1

    def add_price(self, currency: str, work: ActionWork, record: dict[str, Any]) -> None:
        self.prices.setdefault(currency, Lane(PRICE_RECORD_BATCH_MAX)).entries.append((work, record))
        work.buffered += 1

    def drop(self, works: list[ActionWork]) -> None:
        """Forget the entries of actions that failed before their buffered writes were sent."""
        gone = {id(w) for w in works}
        for lane in (self.channels, *self.prices.values()):
            lane.entries = [e for e in lane.entries if id(e[0]) not in gone]
        for w in works:
            w.buffered = 0

    def flush(self, *, final: bool) -> None:
        while self.channels.due(final):
            self._send(self.channels, "assigning product {} to channels", self._put_channels)
        for currency, lane in self.prices.items():
            put: Callable[[list[Entry]], None] = partial(self._put_prices, currency)
            while lane.due(final):
                self._send(lane, f"upserting {currency} prices of product {{}}", put)

    def _send(self, lane: Lane, context: str, put: Callable[[list[Entry]], None]) -> None:
        chunk = lane.entries[:lane.limit]
        try:
            outcome = bisect_batch(chunk, put)
        except BigCommerceRejected as exc:
            if exc.status == 413 and lane.limit > 1:  # more items than the endpoint takes: halve and resend
                lane.limit //= 2
                log.warning("BigCommerce refused a batch of %d: sending %d at a time", len(chunk), lane.limit)
                return
            self._failed(chunk, exc, context)
        except BigCommerceError as exc:
            self._failed(chunk, exc, context)
        else:
            for sub, _ in outcome.accepted:
                self._accepted(sub)
            for (w, _), rejection in outcome.rejected:
                w.errors.append(store_error(rejection, context=context.format(w.product_id)))
        del lane.entries[:len(chunk)]
        for w, _ in chunk:
            w.buffered -= 1

    @staticmethod
    def _failed(chunk: list[Entry], exc: BigCommerceError, context: str) -> None:
        for w, _ in chunk:
            w.errors.append(store_error(exc, context=context.format(w.product_id)))

    @staticmethod
    def _accepted(entries: list[Entry]) -> None:
        for w, body in entries:
            if "channel_id" in body and "product_id" in body:
                w.remote["channels"] = sorted(set(w.remote.get("channels") or []) | {body["channel_id"]})

    def _put_channels(self, chunk: list[Entry]) -> None:
        self.client.request("PUT", "catalog/products/channel-assignments", json=[a for _, a in chunk],
                            lane="channel-assignments")

    def _put_prices(self, currency: str, chunk: list[Entry]) -> None:
        list_id = self.price_list(currency)
        self.client.request("PUT", f"pricelists/{list_id}/records", json=[r for _, r in chunk],
                            lane="price-list-upserts")
