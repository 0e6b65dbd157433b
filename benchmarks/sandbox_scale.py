"""Benchmark: the BigCommerce sandbox's request rate at 100,000 products against its own rate at 1,000 (#17).

    .venv/bin/python -m benchmarks.sandbox_scale                      # 1,000 and 100,000 products
    .venv/bin/python -m benchmarks.sandbox_scale --sizes 1000 5000    # other sizes (the first is the baseline)
    .venv/bin/py-spy record -o profile.txt -f raw -- .venv/bin/python -m benchmarks.sandbox_scale --profile 100000

Each size gets its own sandbox (no rate limit) on loopback, in this process, all alive at once. The store is
seeded through the sandbox's own write path (`catalog.create_product`, channel assignments, USD price-list
records; no HTTP, so that seeding 100,000 products takes seconds), then one httpx client sends the same mix of
requests bookbridge sends, ROUNDS times, one round per size in turn (so the machine's noise falls on every size alike):

  POST a product (with a custom field) · GET products by `sku:in` (10 SKUs) · batch PUT 10 products (new prices)
  · PUT 10 channel assignments · PUT 10 price-list records · GET a variant by `sku` · GET a product with
  variants, images and custom fields · GET price-list records by `variant_id:in` · GET a page of 250 products
  (reading the store) · GET the channel assignments of 10 products

and the figure is requests per second at each size; the goal is >= 0.8 of the first (smallest) size's rate.
Every request must succeed (2xx), so the mix also checks the sandbox's answers at scale.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

import httpx

from bookbridge.adapters.bigcommerce.sandbox import (
    ChannelSeed,
    RateLimitConfig,
    SandboxConfig,
    SandboxServer,
    catalog,
    pricing,
)
from bookbridge.adapters.bigcommerce.sandbox.state import SandboxState

ROUNDS = 40
COMMAND = ".venv/bin/python -m benchmarks.sandbox_scale"


def sku(n: int) -> str:
    return f"978{n:010d}"


def product_body(n: int) -> dict[str, Any]:
    return {"name": f"Title {n}", "type": "physical", "weight": 1, "price": 10 + n % 7, "sku": sku(n),
            "custom_fields": [{"name": "isbn", "value": sku(n)}]}


def seed(state: SandboxState, count: int, price_list_id: int) -> None:
    """`count` products through the sandbox's write path, each on channel 2 and priced in USD."""
    with state.lock:
        for n in range(count):
            product = catalog.create_product(state, product_body(n))
            state.channel_assignments.add((product["id"], 2))
            if n % 10 == 9:
                first = product["id"] - 9
                pricing.upsert_records(state, price_list_id, [
                    {"variant_id": state.products[p]["base_variant_id"], "currency": "USD", "price": 12}
                    for p in range(first, first + 10)
                ])


def mix(client: httpx.Client, count: int, list_id: int, rng: random.Random, fresh: int) -> int:
    """One round of the request mix; returns the number of requests sent."""
    ids = [rng.randrange(1, count + 1) for _ in range(10)]
    skus = ",".join(sku(i - 1) for i in ids)
    calls: list[tuple[str, str, Any]] = [
        ("POST", "/catalog/products", product_body(fresh)),
        ("GET", f"/catalog/products?sku:in={skus}", None),
        ("PUT", "/catalog/products", [{"id": i, "price": rng.randrange(5, 50)} for i in ids]),
        ("PUT", "/catalog/products/channel-assignments", [{"product_id": i, "channel_id": 1} for i in ids]),
        ("PUT", f"/pricelists/{list_id}/records",
         [{"sku": sku(i - 1), "currency": "USD", "price": rng.randrange(5, 50)} for i in ids]),
        ("GET", f"/catalog/variants?sku={sku(ids[0] - 1)}", None),
        ("GET", f"/catalog/products/{ids[1]}?include=variants,images,custom_fields", None),
        ("GET", f"/pricelists/{list_id}/records?variant_id:in={','.join(map(str, ids))}", None),
        ("GET", f"/catalog/products?page={rng.randrange(1, count // 250 + 2)}&limit=250", None),
        ("GET", f"/catalog/products/channel-assignments?product_id:in={','.join(map(str, ids))}", None),
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path} at {count:,} products: {response.status_code} {response.text[:300]}")
    return len(calls)


class Store:
    """One sandbox of `count` products on loopback, seeded, with a client; `round()` times one mix."""

    def __init__(self, count: int) -> None:
        self.count = count
        config = SandboxConfig(rate_limit=RateLimitConfig(enabled=False),
                               extra_channels=(ChannelSeed(id=2, name="US storefront"),))
        self.server = SandboxServer(config).start()
        with self.server.state.lock:
            self.list_id = pricing.create_list(self.server.state, {"name": "USD", "active": True})["id"]
        started = time.perf_counter()
        seed(self.server.state, count, self.list_id)
        self.seeding = time.perf_counter() - started
        self.client = httpx.Client(base_url=self.server.base_url_v3, headers=self.server.auth_headers)
        self.rng = random.Random(count)
        self.fresh = count
        self.sent, self.elapsed = 0, 0.0
        self.round()  # warm the connection and the routes, not counted
        self.sent, self.elapsed = 0, 0.0

    def round(self) -> None:
        self.fresh += 1
        started = time.perf_counter()
        self.sent += mix(self.client, self.count, self.list_id, self.rng, self.fresh)
        self.elapsed += time.perf_counter() - started

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--profile", type=int, metavar="SIZE",
                        help="run only the mix at this size, rounds x 5, for a sampling profiler (py-spy) to watch")
    args = parser.parse_args(argv)
    if args.profile:
        store = Store(args.profile)
        print(f"seeded {args.profile:,} products; profiling from now (pid {os.getpid()})", flush=True)
        for _ in range(args.rounds * 5):
            store.round()
        print(f"{args.profile:,} products: {store.rate:,.0f} requests/s")
        store.close()
        return 0
    stores = [Store(size) for size in args.sizes]
    try:
        for _ in range(args.rounds):  # interleaved, so that the machine's noise falls on every size alike
            for store in stores:
                store.round()
    finally:
        for store in stores:
            store.close()
    baseline, *others = stores
    print(f"| products | requests/s | ratio to {baseline.count:,} | seeding (s) |")
    print("|---:|---:|---:|---:|")
    print(f"| {baseline.count:,} | {baseline.rate:,.0f} | 1.00 (baseline) | {baseline.seeding:.1f} |")
    for store in others:
        print(f"| {store.count:,} | {store.rate:,.0f} | {store.rate / baseline.rate:.2f} | {store.seeding:.1f} |")
    worst = min(store.rate / baseline.rate for store in others) if others else 1.0
    print(f"\ngoal >= 0.80 of the baseline: {'met' if worst >= 0.8 else 'NOT met'} (worst {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
