"""Precise launches and campaign flips, end to end: the service's scheduler, real time, the BigCommerce sandbox
over loopback. An edition released a few seconds from now becomes purchasable within 60 s of its instant (it
takes about a second); a campaign's sale price appears at its start and is withdrawn at its end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.model import PriceRow, TitleFamily
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings
from sync_drills import COMMAND, STOREFRONTS, bigcommerce_store

# The launch is this far ahead of the delta sync that brings it: that sync must be done by then. It takes about a
# second on a quiet machine; 8 s was too short with other work on both cores (load average 10-12).
LEAD = timedelta(seconds=20)
FAR = timedelta(hours=1)  # where the first sync (every product a create, slow on a loaded machine) finds them
CAMPAIGN = timedelta(seconds=6)
BUDGET = timedelta(seconds=60)  # the goal: the store changes within 60 s of the instant


def _wait_for(check: Callable[[], bool], until: datetime) -> datetime | None:
    """Poll every 50 ms until `check()` holds (the instant it did) or `until` passes (None)."""
    while datetime.now(UTC) < until:
        if check():
            return datetime.now(UTC)
        time.sleep(0.05)
    return None


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=0.01))
    with SandboxServer(config) as server:
        yield server


def _catalogue(start: datetime, day: date) -> tuple[list[TitleFamily], str, str, datetime, datetime, datetime]:
    """The sample catalogue with one forthcoming edition released at start+LEAD (to the second) and one live
    edition with a UK campaign price from start+LEAD to start+LEAD+CAMPAIGN."""
    families = sample_catalogue(day, families=8)
    release = (start + LEAD).replace(microsecond=0)
    campaign_start, until = release + timedelta(seconds=2), release + timedelta(seconds=2) + CAMPAIGN
    # Family 6 is "launches tomorrow"; move its first edition's release to a few seconds from now.
    launching = families[6].editions[0]
    families[6] = families[6].model_copy(update={"editions": (
        launching.model_copy(update={"publication_date": release, "publishing_status": "02", "availability": "10"}),
        *families[6].editions[1:])})
    live = families[0].editions[0]
    regular = next(p for p in live.prices if p.currency == "GBP" and p.valid_from is None)
    promo = PriceRow(amount=(regular.amount * Decimal("0.5")).quantize(Decimal("0.01")), currency="GBP",
                     price_type=regular.price_type, qualifier="08", territory=regular.territory,
                     valid_from=campaign_start, valid_until=until)
    families[0] = families[0].model_copy(update={"editions": (
        live.model_copy(update={"prices": (*live.prices, promo)}), *families[0].editions[1:])})
    # List 173 role 15 is inclusive: the campaign ends at the first instant after `until`.
    return families, str(launching.isbn), str(live.isbn), release, campaign_start, until + timedelta(microseconds=1)


def _container(tmp_path: Path, sandbox: SandboxServer, source: InMemoryCatalogSource) -> Container:
    container = Container()
    container.settings.override(Settings(
        source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name=COMMAND.store),
        storefronts=list(STOREFRONTS), database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    container.source.override(providers.Object(source))
    container.storefront.override(providers.Object(bigcommerce_store(
        sandbox.base_url_v3, sandbox.base_url_v2, sandbox.config.store_hash, sandbox.config.token)))
    return container


@contextmanager
def _running(tmp_path: Path, sandbox: SandboxServer, source: InMemoryCatalogSource) -> Iterator[Service]:
    """The service on `source` and the sandbox, started (its first sync runs at once), and shut down after."""
    container = _container(tmp_path, sandbox, source)
    service = Service(container, instance="test")
    service.start()
    try:
        yield service
    finally:
        service.shutdown(wait=True)
        container.storefront().close()
        container.shutdown_resources()


def _product(sandbox: SandboxServer, sku: str) -> dict[str, Any]:
    product = sandbox.state.find_by_sku(sku)
    assert product is not None, f"no product with SKU {sku} in the sandbox"
    return dict(product)


def test_a_launch_and_a_campaign_reach_the_store_within_60_seconds_of_their_instants(tmp_path, sandbox):
    # The first sync (run at start) creates every product with the launch and the campaign an hour away; then the
    # catalogue moves them to a few seconds from now, and a delta sync (two families) schedules the precise jobs.
    today = datetime.now(UTC).date()  # both catalogues are anchored on one day: only families 0 and 6 differ
    families, launching, discounted, far_release, _, _ = _catalogue(datetime.now(UTC) + FAR, today)
    source = InMemoryCatalogSource(families)
    with _running(tmp_path, sandbox, source) as service:
        assert _wait_for(lambda: sandbox.state.find_by_sku(launching) is not None
                         and any(j.run_at == far_release for j in service.upcoming(limit=100)),
                         datetime.now(UTC) + BUDGET), "the first sync did not finish"
        moved, launching, discounted, release, campaign_start, campaign_end = _catalogue(datetime.now(UTC), today)
        for family in (moved[0], moved[6]):
            source.put(family)
        service.trigger_sync()
        assert _wait_for(lambda: any(j.run_at == release for j in service.upcoming(limit=100)),
                         release - timedelta(seconds=1)), "the delta sync did not finish before the launch"
        jobs = {j.run_at: j for j in service.upcoming(limit=100)}
        assert jobs[release].kind == "launch" and launching in jobs[release].detail
        assert jobs[campaign_start].kind == "campaign" and discounted in jobs[campaign_start].detail
        # Every instant ahead has its job, the campaign's end too, before the sync at its start has run.
        assert jobs[campaign_end].kind == "campaign" and discounted in jobs[campaign_end].detail
        assert jobs[release].id == f"at:{COMMAND.store}:{release.isoformat()}"
        assert jobs[campaign_start].id == f"at:{COMMAND.store}:{campaign_start.isoformat()}"
        assert _product(sandbox, launching)["availability"] == "preorder"
        assert not _product(sandbox, discounted).get("sale_price")

        live_at = _wait_for(lambda: _product(sandbox, launching)["availability"] == "available", release + BUDGET)
        assert live_at is not None, "the edition was not on sale 60 s after its release"
        on_sale_at = _wait_for(lambda: bool(_product(sandbox, discounted).get("sale_price")), campaign_start + BUDGET)
        assert on_sale_at is not None, "the campaign price did not appear within 60 s of its start"
        assert _wait_for(lambda: any(j.run_at == campaign_end and j.kind == "campaign"
                                     for j in service.upcoming(limit=100)), campaign_end)
        reverted_at = _wait_for(lambda: not _product(sandbox, discounted).get("sale_price"), campaign_end + BUDGET)
        assert reverted_at is not None, "the campaign price was not withdrawn within 60 s of its end"
    # Never early: each change was seen at or after its instant, and well within the budget.
    for seen, instant in ((live_at, release), (on_sale_at, campaign_start), (reverted_at, campaign_end)):
        assert instant <= seen <= instant + BUDGET
    print(f"\nlaunch latency {(live_at - release).total_seconds():.2f} s; campaign start "
          f"{(on_sale_at - campaign_start).total_seconds():.2f} s; campaign end "
          f"{(reverted_at - campaign_end).total_seconds():.2f} s")


def test_a_campaign_planned_ahead_is_sent_at_its_instant_and_never_before(tmp_path, sandbox, caplog):
    """`service.plan_ahead_seconds` (60 s by default) before a known instant the store is planned as of it; the
    precise job then sends that plan. The delta sync that brings the campaign ends before its instant (asserted),
    and the plan-ahead job, due at once (the instant is nearer than its lead), waits for it and plans then."""
    caplog.set_level("INFO", logger="bookbridge.application.scheduled")
    today = datetime.now(UTC).date()
    families, _, discounted, _, far_start, _ = _catalogue(datetime.now(UTC) + FAR, today)
    source = InMemoryCatalogSource(families)
    with _running(tmp_path, sandbox, source) as service:
        assert _wait_for(lambda: any(j.run_at == far_start for j in service.upcoming(limit=100)),
                         datetime.now(UTC) + BUDGET), "the first sync did not finish"
        moved, _, discounted, release, campaign_start, _ = _catalogue(datetime.now(UTC), today)
        source.put(moved[0])  # the campaign only
        service.trigger_sync()
        assert _wait_for(lambda: any(j.run_at == campaign_start for j in service.upcoming(limit=100)),
                         release), "the delta sync did not finish well before the campaign"
        on_sale_at = _wait_for(lambda: bool(_product(sandbox, discounted).get("sale_price")), campaign_start + BUDGET)
        assert on_sale_at is not None, "the campaign price did not appear within 60 s of its start"
    assert campaign_start <= on_sale_at  # never early
    assert f"planned ahead of {campaign_start.isoformat()}" in caplog.text
    assert f"sending the plan made ahead of {campaign_start}" in caplog.text
    assert f"the plan made ahead of {campaign_start} is not sent" not in caplog.text
