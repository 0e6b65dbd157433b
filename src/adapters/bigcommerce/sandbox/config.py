"""Configuration of the BigCommerce sandbox: store identity, rate-limit plan, fault odds and clocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

MonotonicClock = Callable[[], float]
"""Seconds from an arbitrary origin that never go backwards (like `time.monotonic`)."""

WallClock = Callable[[], datetime]
"""Aware UTC datetimes, used for `date_created`/`date_modified` stamps."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ChannelSeed:
    """A channel present when the sandbox starts (`GET /v3/channels`)."""

    id: int
    name: str
    type: str = "storefront"  # storefront | marketplace | pos | marketing
    platform: str = "bigcommerce"
    status: str = "active"


# Channel 1 is the default Stencil storefront and cannot be deleted (BigCommerce's Channels API spec).
DEFAULT_CHANNEL = ChannelSeed(id=1, name="Default storefront")


@dataclass(frozen=True)
class RateLimitConfig:
    """Store-wide request quota.

    Defaults are the Plus & Standard plan: 150 requests per 30 s window
    (BigCommerce's API rate limits page).

    `time_scale` compresses real time: with 0.01 the 30 000 ms window lasts 300 ms of real
    time. Every header then reports *real* (scaled) milliseconds, so a client that honours
    the headers literally waits the right amount: `X-Rate-Limit-Time-Window-Ms: 300`.
    """

    quota: int = 150
    window_ms: int = 30_000
    time_scale: float = 1.0
    enabled: bool = True

    @property
    def real_window_seconds(self) -> float:
        return self.window_ms / 1000 * self.time_scale


@dataclass(frozen=True)
class FaultConfig:
    """Odds of random faults, drawn per request from `random.Random(seed)`.

    Rates are probabilities in [0, 1]; their sum must not exceed 1. `partial_207_rate`
    only applies to the batch PUT endpoints (`/catalog/products`, `/catalog/variants`).
    """

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    bare_429_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.2
    drop_rate: float = 0.0
    partial_207_rate: float = 0.0

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.bare_429_rate, self.slow_rate, self.drop_rate, self.partial_207_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must be >= 0 and sum to at most 1, got {rates}")


@dataclass(frozen=True)
class SandboxConfig:
    store_hash: str = "sandbox"
    token: str = "sandbox-token"
    client_id: str = "sandbox-client"
    extra_channels: tuple[ChannelSeed, ...] = ()
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    monotonic: MonotonicClock = time.monotonic
    now: WallClock = utc_now
    # BigCommerce does not document which channel a product created by REST lands on; by default the
    # sandbox assigns none, so callers must assign channels explicitly (as the store adapter does).
    auto_assign_channel: int | None = None
    # The store's default currency: the catalogue's own prices are in it; any other currency is priced on a
    # channel only by a price list assigned to that channel (`SandboxState.shopper_price`).
    default_currency: str = "GBP"

    @property
    def channels(self) -> tuple[ChannelSeed, ...]:
        return (DEFAULT_CHANNEL, *self.extra_channels)
