"""The CatalogSource and OrderSource contracts against the in-memory adapters (the reference) and every real
source: the sample catalogue, ONIX as a file, a drop folder and a feed over HTTP, Consonance over its stand-in,
and BigCommerce's orders over the sandbox."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bookbridge.adapters.bigcommerce import plugin as bigcommerce_plugin
from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.consonance import plugin as consonance_plugin
from bookbridge.adapters.consonance.standin import SAMPLE_CATALOGUE, ConsonanceData, ConsonanceStandinServer
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryOrderSource
from bookbridge.adapters.onix import plugin as onix_plugin
from bookbridge.adapters.sample import source as sample_plugin
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.ports import CatalogSource, FixedClock, OrderSource
from bookbridge.domain.sales import OrderLine, StoreOrder
from bookbridge.testing import CatalogSourceContract, OrderSourceContract, context, registry_of

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ROSEANNA = Path(__file__).parents[3] / "shared" / "onix-samples" / "editeur-sample-roseanna.onix30.xml"
KEY = "Lant3rnHi11Key000000000000000abc"


class TestInMemoryCatalogSource(CatalogSourceContract):
    def make_source(self) -> CatalogSource:
        return InMemoryCatalogSource(sample_catalogue(T0.date(), families=3), name="contract")


class TestSampleCatalogSource(CatalogSourceContract):
    def make_source(self) -> CatalogSource:
        return registry_of(sample_plugin).create_source("sample", {"families": 3}, context("sample"))


class TestOnixFileSource(CatalogSourceContract):
    def make_source(self) -> CatalogSource:
        return registry_of(onix_plugin).create_source("onix-file", {"path": str(ROSEANNA)}, context("onix-file"))


class TestOnixFolderSource(CatalogSourceContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path / "drop"
        self.folder.mkdir()
        shutil.copy(ROSEANNA, self.folder / "roseanna.xml")

    def make_source(self) -> CatalogSource:
        return registry_of(onix_plugin).create_source("onix-folder", {"drop_dir": str(self.folder)},
                                                      context("onix-folder"))


class TestOnixUrlSource(CatalogSourceContract):
    @pytest.fixture(autouse=True)
    def _feed(self) -> Iterator[None]:
        handler = functools.partial(_QuietFiles, directory=str(ROSEANNA.parent))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/{ROSEANNA.name}"
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()

    def make_source(self) -> CatalogSource:
        return registry_of(onix_plugin).create_source("onix-url", {"url": self.url, "timeout": 5},
                                                      context("onix-url"))


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class TestConsonanceSource(CatalogSourceContract):
    @pytest.fixture(autouse=True)
    def _standin(self) -> Iterator[None]:
        with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
            self.url = server.url
            yield

    def make_source(self) -> CatalogSource:
        return registry_of(consonance_plugin).create_source(
            "consonance", {"base_url": self.url, "api_key": KEY, "timeout": 5}, context("consonance"))


# --- order sources ---------------------------------------------------------------------------------------------


class TestInMemoryOrderSource(OrderSourceContract):
    def make_order_source(self) -> OrderSource:
        return InMemoryOrderSource(name="contract")

    def place_order(self, source: OrderSource, sku: str, quantity: int, price: Decimal) -> int:
        assert isinstance(source, InMemoryOrderSource)
        order_id = 100 + len(source.orders)
        moment = T0 + timedelta(minutes=len(source.orders))
        source.put(StoreOrder(order_id=order_id, channel_id=1, status_id=11, date_created=moment,
                              date_modified=moment, currency="GBP",
                              lines=(OrderLine(line_id=order_id * 10, sku=sku, quantity=quantity,
                                               net_amount=price * quantity),)))
        return order_id


class TestBigCommerceOrderSource(OrderSourceContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self) -> Iterator[None]:
        self.clock = FixedClock(T0)
        config = SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.001), now=self.clock.now)
        with SandboxServer(config) as server:
            self.sandbox, self.closing = server, []
            yield
            for source in self.closing:
                source.close()

    def make_order_source(self) -> OrderSource:
        sandbox = self.sandbox
        table = {"store_hash": sandbox.config.store_hash, "access_token": sandbox.config.token,
                 "v3_base_url": sandbox.base_url_v3, "v2_base_url": sandbox.base_url_v2}
        source = registry_of(bigcommerce_plugin).create_order_source(
            "bigcommerce", table, context("shop", clock=self.clock, page_size=1))  # 1 a page: the paging runs
        self.closing.append(source)
        return source

    def place_order(self, source: OrderSource, sku: str, quantity: int, price: Decimal) -> int:
        self.clock.advance_to(self.clock.now() + timedelta(minutes=1))
        order = self.sandbox.state.orders.add([{"sku": sku, "quantity": quantity, "price": str(price)}])
        return int(order["id"])
