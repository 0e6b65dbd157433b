"""The demo's shoppers: orders placed in the BigCommerce sandbox, imported back as sales, and the sales report.

Four weeks of orders for what the demo's store sells now, on both channels and in their currencies: each line
at the price in force on its storefront at the order's instant (the catalogue's price rows, as the domain's
`price_at` reads them: the regular price before a campaign starts, the campaign price during it), and only for
an edition a shopper there could buy then (on sale or on pre-order). Then one order is cancelled and one
refunded after the first import, and a second import adjusts the sales facts. Seeded: the same demo places the
same orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.console import Console

from bookbridge.application.orders import ImportReport
from bookbridge.application.sales_report import SalesReport, sales_report
from bookbridge.domain.listing import ListingCaches, build_edition_listing
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.pricing import price_at
from bookbridge.domain.sales import latest_sales_day
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli.common import heading
from bookbridge.entrypoints.cli.demo_state import Afterwards
from bookbridge.entrypoints.cli.sales import print_import, print_report
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.jobs import import_orders_now
from bookbridge.entrypoints.presentation import plural

if TYPE_CHECKING:
    from bookbridge.entrypoints.container import DemoSandbox

DAYS = 28
SEED = 2026
CURRENCY = {1: "GBP", 2: "USD"}  # the demo's channels (demo.STOREFRONTS)


@dataclass(frozen=True)
class DemoSales:
    orders: int  # placed
    cancelled: int  # of them, cancelled in the store: their lines count no units
    refunded: int  # of them, refunded whole: their units are taken back
    lines: int
    units: int  # sold: in the report, net of the cancelled and refunded orders
    report: SalesReport

    def summary(self) -> str:
        """What was counted, in words: `110 orders, 1 cancelled (not counted), 1 refunded (its units taken back):
        375 units sold`."""
        taken = "its units" if self.refunded == 1 else "their units"
        return (f"{plural(self.orders, 'order')}, {self.cancelled} cancelled (not counted), {self.refunded} refunded "
                f"({taken} taken back): {plural(self.units, 'unit')} sold")


@dataclass
class ShopperPrices:
    """What a shopper on a storefront paid for an edition at an instant: the price then in force there (the
    domain's `price_at`, as every sync prices a listing), or None when the edition was not to be bought there then
    (not yet on pre-order or on sale, not licensed, or unpriced)."""

    editions: dict[str, Edition]  # by SKU: the store sells one product per edition, its ISBN the SKU
    storefronts: dict[int, StorefrontSettings]  # by channel
    _caches: ListingCaches = field(default_factory=ListingCaches)

    @classmethod
    def of(cls, families: Iterable[TitleFamily], storefronts: Sequence[StorefrontSettings]) -> ShopperPrices:
        return cls({str(e.isbn): e for f in families for e in f.editions}, {s.channel_id: s for s in storefronts})

    def at(self, sku: str, channel: int, at: datetime) -> Decimal | None:
        edition, storefront = self.editions.get(sku), self.storefronts.get(channel)
        if edition is None or storefront is None:
            return None
        if not build_edition_listing(edition, storefront, at=at, caches=self._caches).purchasable:
            return None
        found = price_at(edition.prices, storefront.price_context, at)
        return found.effective if found is not None else None


def _on_sale(sandbox: DemoSandbox) -> dict[int, list[str]]:
    """SKUs a shopper can buy now, per channel: visible, available, assigned to the channel, priced there."""
    state = sandbox.state
    skus: dict[int, list[str]] = {channel: [] for channel in CURRENCY}
    for product in sorted(state.products.values(), key=lambda p: p["sku"]):
        if not product.get("is_visible") or product.get("availability") != "available":
            continue
        for channel in state.product_channels(product["id"]):
            if channel in skus and state.shopper_price(product["sku"], channel_id=channel,
                                                        currency=CURRENCY[channel]) is not None:
                skus[channel].append(product["sku"])
    return skus


def place_orders(sandbox: DemoSandbox, now: datetime, prices: ShopperPrices) -> tuple[int, int, int]:
    """Place four weeks of orders up to `now` for what the store sells now, each line at the price in force at
    the order's instant (`prices`); returns (orders, lines, units). A few titles sell fast."""
    rng = random.Random(SEED)
    on_sale = _on_sale(sandbox)
    placed = lines = units = 0
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes_today = int((now - midnight).total_seconds() // 60)
    for channel, skus in on_sale.items():
        if not skus:
            continue
        favourites = skus[: max(1, len(skus) // 8)]  # the fast movers: most orders include one of them
        for day in range(DAYS, 0, -1):
            for _ in range(rng.randint(1, 4 if channel == 1 else 2)):
                basket = {rng.choice(favourites if rng.random() < 0.6 else skus) for _ in range(rng.randint(1, 3))}
                minute = rng.randint(0, minutes_today)
                if day == DAYS:  # the first day: after noon UTC, so that it is that day in every storefront's zone
                    minute = 12 * 60 + minute % (11 * 60)  # (a sale's day is the storefront's local day)
                at = midnight - timedelta(days=day - 1) + timedelta(minutes=minute)
                order_lines = []
                for sku in sorted(basket):
                    quantity = rng.choice((1, 1, 1, 2, 3))
                    price = prices.at(sku, channel, at)
                    if price is None:  # not to be bought there yet: the shopper leaves it out
                        continue
                    order_lines.append({"sku": sku, "quantity": quantity, "price": price})
                    units += quantity
                if not order_lines:
                    continue
                sandbox.state.add_order(order_lines, channel_id=channel, currency_code=CURRENCY[channel],
                                        created_at=at)
                placed += 1
                lines += len(order_lines)
    return placed, lines, units


def run_orders(console: Console, container: Container, sandbox: DemoSandbox, afterwards: Afterwards) -> DemoSales:
    """Place orders over the four weeks up to now, import them, cancel one and refund another, import again, and
    print the sales report. `afterwards`: how the state is read after the demo (with --keep, the demo's folder
    stays, with the sales CSV files in it)."""
    now = container.clock().now()
    settings = container.settings()
    uow = container.unit_of_work()
    with uow:
        catalogue = uow.state.catalogue(str(settings.source.options().get("name") or settings.source.kind))
    placed, lines, units = place_orders(sandbox, now, ShopperPrices.of(catalogue.values(), settings.storefronts))
    heading(console, "Orders come back as sales")
    console.print(f"Shoppers placed {plural(placed, 'order')} ({plural(lines, 'line')}, {plural(units, 'unit')}) "
                  f"over the past {DAYS} days up to now, on both storefronts, each line at the price in force "
                  "there when it was placed.")
    first = _import(container)
    print_import(console, first, settings.storefronts)
    orders = sorted(sandbox.state.orders.orders)
    cancelled, refunded = orders[len(orders) // 3], orders[len(orders) // 2]
    sandbox.state.cancel_order(cancelled)
    sandbox.state.refund_order(refunded)
    console.print(f"Order {cancelled} was cancelled and order {refunded} refunded in the store; the next import "
                  "takes their lines back out of the sales facts:")
    print_import(console, _import(container), settings.storefronts)
    today = latest_sales_day(now, [s.zone for s in settings.storefronts])  # a sale's day is the storefront's
    report = sales_report(container.sales_ledger(), today - timedelta(days=DAYS - 1), today, "edition",
                          catalogue=catalogue)
    print_report(console, report, limit=6, listed_by=afterwards.lists("sales report", "them all"))
    fate = "kept with it" if afterwards.config else "removed when the demo ends, unless `bookbridge demo --keep`"
    for sink in container.sales_sinks():
        console.print(f"Sales sink {sink.name!r} wrote one CSV file per day for Consonance's sales import, in the "
                      f"demo's folder ({getattr(sink, 'directory', '')}; {fate}).")
    return DemoSales(orders=placed, cancelled=1, refunded=1, lines=first.lines_counted, units=report.units,
                     report=report)


def _import(container: Container) -> ImportReport:
    report = import_orders_now(container)
    if not report.ok:
        raise RuntimeError(report.source_error or "; ".join(report.sink_failures.values()))
    return report
