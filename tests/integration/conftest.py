"""Fixtures the BigCommerce integration tests share: the sandbox over real HTTP on loopback, and a sync world on it
(catalogue, storefront adapter, unit of work, clock).

A test module that needs another sandbox (other channels, faults, a clock) or another world defines a fixture
of the same name, which wins over these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.ports import FixedClock

WORLD_NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
World = tuple[InMemoryCatalogSource, BigCommerceStorefront, InMemoryUnitOfWork, FixedClock]


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """Channel 1 (the default storefront) and channel 2 ("US storefront"); the rate-limit window time-scaled."""
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=0.001))
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def make_world(sandbox: SandboxServer) -> Iterator[Callable[..., World]]:
    """`make_world(families=6, name="shop", **storefront_options)`: the sample catalogue of that many families,
    a BigCommerce storefront adapter on the sandbox, an in-memory unit of work, and a clock fixed at WORLD_NOW."""
    clients: list[BigCommerceClient] = []

    def make(families: int = 6, name: str = "shop", **options: Any) -> World:
        client = BigCommerceClient(BigCommerceConfig(
            store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
            v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
        clients.append(client)
        return (InMemoryCatalogSource(sample_catalogue(WORLD_NOW.date(), families=families)),
                BigCommerceStorefront(client, name=name, **options), InMemoryUnitOfWork(), FixedClock(WORLD_NOW))

    yield make
    for client in clients:
        client.close()
