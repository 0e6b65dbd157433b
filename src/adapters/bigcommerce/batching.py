"""Isolating the items BigCommerce rejects in a batch it refuses as a whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

from .errors import BigCommerceRejected

PRODUCT_BATCH_MAX = 10  # PUT /catalog/products takes at most 10 items; the 11th gives 413 (dev-docs#41)

T = TypeVar("T")
R = TypeVar("R")


class BatchOutcome(NamedTuple, Generic[T, R]):
    accepted: list[tuple[list[T], R]]  # each sub-batch that went through, with its response
    rejected: list[tuple[T, BigCommerceRejected]]


def bisect_batch(
    items: Sequence[T],
    send: Callable[[list[T]], R],
    *,
    split_on: frozenset[int] = frozenset({404, 409, 422}),
) -> BatchOutcome[T, R]:
    """Send `items`; when BigCommerce rejects the batch, halve it until each offender stands alone.

    Batch errors "often do not identify the failing item" (BigCommerce's API error guide).
    If a rejected batch's first half goes through, the offender is in the second half, so that half
    is split without being sent whole; a lone item reached that way carries the batch's rejection, unless
    that rejection was a 409: a conflict (a name or SKU still held) may be gone once the first half has gone
    through (a name moving from one product to another), so that item is sent on its own to find out.
    Rejections outside `split_on` (auth, 413) are not about one item and propagate.
    """
    outcome: BatchOutcome[T, R] = BatchOutcome([], [])

    def attempt(chunk: list[T], known_rejection: BigCommerceRejected | None) -> bool:
        rejection = known_rejection
        if rejection is not None and rejection.status == 409 and len(chunk) == 1:
            rejection = None  # order-dependent: what conflicted may have been renamed by an earlier sub-batch
        if rejection is None:
            try:
                outcome.accepted.append((chunk, send(chunk)))
                return True
            except BigCommerceRejected as exc:
                if exc.status not in split_on:
                    raise
                rejection = exc
        if len(chunk) == 1:
            outcome.rejected.append((chunk[0], rejection))
            return False
        middle = len(chunk) // 2
        first_ok = attempt(chunk[:middle], None)
        attempt(chunk[middle:], rejection if first_ok else None)
        return False

    if items:
        attempt(list(items), None)
    return outcome
