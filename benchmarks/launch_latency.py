"""Benchmark launch latency: from a launch instant to the store change, through the real service.

    .venv/bin/python -m benchmarks.launch_latency            # 6 launches, 4 s apart
    .venv/bin/python -m benchmarks.launch_latency 10 3       # 10 launches, 3 s apart

`bookbridge serve`'s Service (APScheduler on a SQLite state database) syncs the generated sample catalogue
into the BigCommerce sandbox over loopback, in real time. Forthcoming editions are given release instants a
few seconds apart; after the first sync the service holds one precise job per instant. A poller reads the
sandbox's product every 20 ms and notes when it turns from pre-order to available. Latency = that moment
minus the instant (the poll adds up to 20 ms). The goal is under 60 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dependency_injector import providers

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings

STORE = "shop"
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
FIRST_LEAD = timedelta(seconds=10)  # the first sync must be done (and the jobs scheduled) before the first launch


def _catalogue(start: datetime, launches: int, gap: timedelta) -> tuple[list[TitleFamily], list[tuple[str, datetime]]]:
    """The sample catalogue with `launches` single-edition releases, `gap` apart, from start + FIRST_LEAD."""
    families = sample_catalogue(start.date(), families=max(12, launches + 2))
    plan: list[tuple[str, datetime]] = []
    for n in range(launches):
        release = (start + FIRST_LEAD + n * gap).replace(microsecond=0)
        family = families[n]
        edition = family.editions[0].model_copy(update={"publication_date": release, "sales_embargo": None,
                                                        "publishing_status": "02", "availability": "10"})
        families[n] = family.model_copy(update={"editions": (edition,)})
        plan.append((str(edition.isbn), release))
    return families, plan


def measure(launches: int, gap_s: float) -> list[float]:
    sandbox_config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US"),),
                                   rate_limit=RateLimitConfig(time_scale=0.01))
    with SandboxServer(sandbox_config) as sandbox, tempfile.TemporaryDirectory(prefix="launch-bench-") as folder:
        start = datetime.now(UTC)
        families, plan = _catalogue(start, launches, timedelta(seconds=gap_s))
        container = Container()
        container.settings.override(Settings(
            source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name=STORE),
            storefronts=[UK], database_url=f"sqlite:///{Path(folder) / 'state.db'}"))
        container.source.override(providers.Object(InMemoryCatalogSource(families)))
        client = BigCommerceClient(BigCommerceConfig(
            store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
            v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
        container.storefront.override(providers.Object(BigCommerceStorefront(client, name=STORE)))
        service = Service(container, instance="bench")
        service.start()
        latencies: list[float] = []
        try:
            for sku, instant in plan:
                deadline = instant + timedelta(seconds=60)
                seen = None
                while datetime.now(UTC) < deadline:
                    product = sandbox.state.find_by_sku(sku)
                    if product is not None and product["availability"] == "available":
                        seen = datetime.now(UTC)
                        break
                    time.sleep(0.02)
                if seen is None:
                    raise SystemExit(f"{sku} was not on sale 60 s after {instant.isoformat()}")
                if seen < instant:
                    raise SystemExit(f"{sku} went on sale early: {seen.isoformat()} before {instant.isoformat()}")
                latencies.append((seen - instant).total_seconds())
        finally:
            service.shutdown(wait=True)
            client.close()
            container.shutdown_resources()
        return latencies


def main(args: list[str]) -> None:
    launches = int(args[0]) if args else 6
    gap_s = float(args[1]) if len(args) > 1 else 4.0
    latencies = measure(launches, gap_s)
    print("| launches | min s | median s | max s | goal |")
    print("|---:|---:|---:|---:|---|")
    print(f"| {len(latencies)} | {min(latencies):.2f} | {statistics.median(latencies):.2f} | "
          f"{max(latencies):.2f} | < 60 s |")


if __name__ == "__main__":
    main(sys.argv[1:])
