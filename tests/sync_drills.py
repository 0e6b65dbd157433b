"""Shared by the sync robustness tests: the store under test, its wiring, the checks on the sandbox, and the
entry point a crash-drill child process runs.

Kept free of pytest and hypothesis so that a child process imports it quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.ratelimit import Backoff
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.persistence import make_engine, make_session_factory
from bookbridge.adapters.persistence.uow import SqlAlchemyUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.lifecycle import Availability, release_instant
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import Clock, FixedClock
from bookbridge.domain.rights import storefront_rights
from bookbridge.domain.storefront import StorefrontSettings

if TYPE_CHECKING:  # the child process never loads the sandbox (its web stack is slow to import)
    from bookbridge.adapters.bigcommerce.sandbox.state import SandboxState

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(
    name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)
US = StorefrontSettings(
    name="us",
    channel_id=2,
    countries=frozenset({"US"}),
    currency="USD",
    tax_inclusive=False,
    timezone="Europe/London",
    default_currency=False,
)
STOREFRONTS = (UK, US)
COMMAND = SyncStore(store="shop", storefronts=STOREFRONTS)
# Retries stay real (5xx, drops, bare 429s are retried) but back off for milliseconds, not seconds.
FAST_BACKOFF = Backoff(base_s=0.001, max_s=0.004)


def bigcommerce_store(v3: str, v2: str, store_hash: str, token: str) -> BigCommerceStorefront:
    client = BigCommerceClient(
        BigCommerceConfig(store_hash=store_hash, access_token=token, v3_base_url=v3, v2_base_url=v2,
                          max_attempts=3, max_throttled=4, backoff=FAST_BACKOFF)
    )
    return BigCommerceStorefront(client, name=COMMAND.store)


def sqlite_uow(path: str, clock: Clock) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(make_engine(f"sqlite:///{path}")), clock=clock)


# --- checks on what the sandbox holds ------------------------------------------------------------------------


def duplicates(state: SandboxState) -> list[str]:
    """SKUs (products and variants) and product names that occur more than once (both are unique store-wide)."""
    with state.lock:
        skus = [str(p["sku"]).casefold() for p in state.products.values() if p.get("sku")]
        skus += [str(v["sku"]).casefold() for v in state.variants.values()
                 if v.get("sku") and state.products.get(v["product_id"], {}).get("sku", "").casefold()
                 != str(v["sku"]).casefold()]  # a base variant shares its product's SKU
        names = [str(p["name"]).casefold() for p in state.products.values()]
    return sorted({x for x in skus if skus.count(x) > 1} | {x for x in names if names.count(x) > 1})


def divergence(state: SandboxState, listings: Iterable[StoreListing], *, hand_made: Iterable[str] = ()) -> list[str]:
    """How the store differs from the desired listings; empty when it has converged.

    Every listed product exists with the desired name, visibility, availability, price, channels and
    other-currency prices; every other product bookbridge made (found by SKU) is hidden.
    """
    problems: list[str] = []
    wanted = {li.sku.casefold(): li for li in listings}
    with state.lock:
        by_sku = {str(p["sku"]).casefold(): p for p in state.products.values()}
        records = {(r["price_list_id"], r["variant_id"], r["currency"].upper()): r
                   for r in state.price_records.values()}
        lists = {pl["name"]: pl["id"] for pl in state.price_lists.values()}
        for sku, listing in wanted.items():
            product = by_sku.get(sku)
            if not listing.listed:
                if product is not None and product["is_visible"]:
                    problems.append(f"{sku}: not listed ({listing.not_listed_reason}) but visible")
                continue
            if product is None:
                problems.append(f"{sku}: listed but missing")
                continue
            have = {"name": product["name"], "is_visible": product["is_visible"],
                    "availability": product["availability"], "channels": state.product_channels(product["id"]),
                    "price": Decimal(str(product["price"]))}
            want = {"name": listing.name, "is_visible": listing.is_visible,
                    "availability": listing.availability.value, "channels": list(listing.channels),
                    "price": listing.price.price if listing.price else have["price"]}
            problems += [f"{sku}: {k} is {have[k]!r}, want {want[k]!r}" for k in want if have[k] != want[k]]
            for extra in listing.extra_prices:
                record = records.get((lists.get(f"bookbridge {extra.currency.upper()}"), product["base_variant_id"],
                                      extra.currency.upper()))
                if record is None or Decimal(str(record["price"])) != extra.price:
                    problems.append(f"{sku}: {extra.currency} price record {record and record['price']!r}, "
                                    f"want {extra.price}")
        skipped = {s.casefold() for s in hand_made}
        for sku, product in by_sku.items():
            if sku not in wanted and sku not in skipped and product["is_visible"]:
                problems.append(f"{sku}: no longer in the catalogue but visible")
    return problems


def strangers(state: SandboxState, owned: Iterable[str]) -> list[str]:
    """Products whose SKU is not an ISBN bookbridge has ever seen."""
    known = {s.casefold() for s in owned}
    with state.lock:
        return sorted(str(p["sku"]) for p in state.products.values() if str(p["sku"]).casefold() not in known)


def sold_too_early_or_unlicensed(state: SandboxState, editions: Iterable[Edition], at: datetime,
                                 storefronts: Sequence[StorefrontSettings] = STOREFRONTS) -> list[str]:
    """Products on sale (visible and available) before their release instant, or on a channel whose countries
    the edition is not licensed for. `editions`: the editions by ISBN (their dates and rights)."""
    by_isbn = {str(e.isbn): e for e in editions}
    channels = {s.channel_id: s for s in storefronts}
    problems: list[str] = []
    with state.lock:
        on_sale = [(p, state.product_channels(p["id"])) for p in state.products.values()
                   if p["is_visible"] and p["availability"] == Availability.AVAILABLE.value]
    for product, assigned in on_sale:
        edition = by_isbn.get(str(product["sku"]))
        if edition is None:
            continue
        for channel in assigned:
            storefront = channels[channel]
            release = release_instant(edition, storefront.zone)
            if release is not None and at < release:
                problems.append(f"{edition.isbn}: on sale on channel {channel} before its release {release}")
            licensed, _ = storefront_rights(edition.rights, storefront.countries, storefront.eligibility,
                                            storefront.unknown_rights, frozenset(storefront.outlet_names),
                                            at.astimezone(storefront.zone).date())
            if not licensed:
                problems.append(f"{edition.isbn}: on sale on channel {channel} outside its rights")
    return problems


# --- the crash drill's child process -------------------------------------------------------------------------


def child_sync(db_path: str, v3: str, v2: str, store_hash: str, token: str, now: str, families: str) -> None:
    """One sync run, as the scheduler would start it: a fresh process, the sample catalogue, the SQLite state."""
    clock = FixedClock(datetime.fromisoformat(now))
    source = InMemoryCatalogSource(sample_catalogue(clock.now().date(), families=int(families)))
    store = bigcommerce_store(v3, v2, store_hash, token)
    try:
        sync_store(COMMAND, source, store, sqlite_uow(db_path, clock), clock)
    finally:
        store.close()


def child_command(*args: Any) -> list[str]:
    """argv that runs `child_sync(*args)` in a new interpreter with `src` and `tests` importable."""
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    boot = ("import sys; sys.path[:0] = sys.argv[1:3]; from sync_drills import child_sync; "
            "child_sync(*sys.argv[3:])")
    return [sys.executable, "-c", boot, str(tests.parent / "src"), str(tests), *map(str, args)]
