"""Benchmark: BigCommerce API calls per sync, hash-driven versus naive, and quota use under the Standard plan.

    .venv/bin/python -m benchmarks.bigcommerce_sync             # print the table
    .venv/bin/python -m benchmarks.bigcommerce_sync --write     # and replace our section of docs/benchmarks.md

One store, two storefronts sharing its catalogue: "uk" (GBP, the default currency, channel 1) and "us" (USD, a
price list, channel 2). 2,000 editions in 800 families (the sample catalogue's 800 first families, topped up to
2,000 with editions grafted from further families), one product per edition. Calls are counted from the
sandbox's request log, by method and endpoint group, for:

(a) the first sync; (b) a second sync with nothing changed; (c) a sync after 100 price changes (every price row
of 100 listed editions, so both the product price and the USD price-list record change).

"naive" is the same adapter with the hashes ignored: planned with `full=True` (every applied product gets an
UPDATE of every section), it PUTs every product's fields, deletes and re-posts every image, PUTs every custom
field, re-assigns every channel and upserts every price-list record on every run.

Each of (a) and (c) prints its baseline beside it: the minimum number of calls. (a): one POST per product, one
read of the store, the channel assignments and price-list records in the largest batches the API takes (1,000 of
each per request), and the related-product links that cannot go in a POST, 10 products per batch `PUT
/catalog/products`: a product's POST can name only products made before it, so one made before a product it
links to is written again. At least (linked products - the most that can each be made after all they link to)
are: per component of the (mutual) link graph, its size less its largest independent set, which is 1 for a
work's formats (they all link each other). (a) also prints the ratio against the minimum without those links.
(c): one batch `PUT /catalog/products` per 10 changed products and one price-list upsert per 1,000 records.

(d) a first sync of the catalogue's first 300 families under a time-compressed Standard-plan quota (150 requests
per 30 s window, the sandbox's `time_scale` shrinking the window; the sandbox in its own process): utilisation =
requests / (windows elapsed × quota), windows elapsed = ceil((last response - first request) / window); steady
state = the windows the sync filled (all but the last), counted from each response's `X-Rate-Limit-Requests-Left`.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bookbridge.adapters.bigcommerce import payloads
from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.errors import BigCommerceError
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
FAMILIES, EDITIONS, PRICE_CHANGES = 800, 2_000, 100
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))
STANDARD_QUOTA, WINDOW_MS = 150, 30_000  # BigCommerce's Plus & Standard plans: 150 requests per 30 s
QUOTA_TIME_SCALE = 0.15  # (d): the 30 s window lasts 4.5 s, so the quota (33 requests/s) binds, not the sandbox
# (a)-(c) count calls only: a 3 ms window, so the client's pacing (it spreads a window's requests evenly over
# the window, even on the sandbox's unlimited plan, whose headers still describe a 150 / 30 s window) costs nothing.
COUNT_TIME_SCALE = 0.0001
QUOTA_FAMILIES = 300  # (d): the sandbox's linear scans slow it as the store fills; 300 families keep it < 1 min
COMMAND_LINE = ".venv/bin/python -m benchmarks.bigcommerce_sync --write"
SECTION = "## BigCommerce sync (API calls)"


def catalogue() -> list[TitleFamily]:
    """Exactly FAMILIES families and EDITIONS editions, deterministic."""
    generated = sample_catalogue(NOW.date(), families=FAMILIES + 100)
    families = list(generated[:FAMILIES])
    spare = [e for f in generated[FAMILIES:] for e in f.editions]
    missing = EDITIONS - sum(len(f.editions) for f in families)
    assert 0 <= missing <= len(spare), missing
    for i in range(missing):  # one grafted edition each for the first families: another format of the work
        target = families[i]
        graft = spare[i].model_copy(update={"family_id": target.id, "title": target.title})
        families[i] = target.model_copy(update={"editions": (*target.editions, graft)})
    assert (len(families), sum(len(f.editions) for f in families)) == (FAMILIES, EDITIONS)
    return families


class NaiveStorefront(BigCommerceStorefront):
    """Ignores what it knows: every image and custom field, every channel, on every run (with `full=True`)."""

    def _sync_images(self, work: ActionWork) -> None:
        assert work.listing is not None
        known: dict[str, Any] = work.remote.setdefault("images", {})
        try:
            for image_id in list(known.values()):
                self.client.request("DELETE", f"catalog/products/{work.product_id}/images/{image_id}")
            known.clear()
            for order, image in enumerate(work.listing.images):
                created = self.client.request("POST", f"catalog/products/{work.product_id}/images",
                                              json=payloads.image_body(image, order))
                known[payloads.image_ident(image)] = (created.data or {}).get("id")
        except BigCommerceError as exc:
            work.errors.append(store_error(exc, context=f"syncing images of {work.listing.sku}"))

    def _sync_custom_fields(self, work: ActionWork) -> None:
        assert work.listing is not None
        known: dict[str, list[Any]] = work.remote.setdefault("custom_fields", {})
        path = f"catalog/products/{work.product_id}/custom-fields"
        try:
            for f in work.listing.custom_fields:
                body = {"name": f.name, "value": f.value}
                if f.name in known:
                    self.client.request("PUT", f"{path}/{known[f.name][0]}", json=body)
                else:
                    known[f.name] = [(self.client.request("POST", path, json=body).data or {}).get("id"), f.value]
        except BigCommerceError as exc:
            work.errors.append(store_error(exc, context=f"syncing custom fields of {work.listing.sku}"))

    def _sync_channels(self, works: list[ActionWork]) -> None:
        for w in works:
            w.remote["channels"] = []  # forget what is assigned: assign again
        super()._sync_channels(works)


class SharedUnitOfWork(InMemoryUnitOfWork):
    """`InMemoryUnitOfWork` without its deep copy per transaction (quadratic over 2,000 listings).

    Nothing fails in these runs, so commit and rollback have nothing to undo; API call counts do not depend on it.
    """

    def __enter__(self) -> SharedUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        return None


BATCH_MAX = 1_000  # channel assignments and price-list records per request (buffers.py)
PRODUCT_BATCH = 10  # products per `PUT /catalog/products` (the products spec: "Batches are limited to 10")


def _largest_independent(nodes: frozenset[int], links: dict[int, set[int]]) -> int:
    """The size of the largest set of `nodes` no two of which link each other (exact: components are small)."""
    if not nodes:
        return 0
    pick = max(nodes, key=lambda n: len(links[n] & nodes))
    if not links[pick] & nodes:
        return len(nodes)  # no links left among them
    return max(_largest_independent(nodes - {pick}, links),
               1 + _largest_independent(nodes - {pick} - links[pick], links))


def relinks_needed(products: dict[int, dict[str, Any]]) -> tuple[int, int]:
    """The fewest products a first sync must write again for their `related_products`: per component of the link
    graph, the products not in its largest independent set (each of those can be made after every product it
    links to; no two products linking each other can both be). With the number of components that are not
    all-to-all (where that set holds more than one product)."""
    links = {pid: set(p.get("related_products") or []) for pid, p in products.items()}
    assert all(pid in links.get(other, ()) for pid, linked in links.items() for other in linked), "one-way links"
    needed, partial, seen = 0, 0, set()
    for pid in links:
        if pid in seen or not links[pid]:
            continue
        component, todo = set(), [pid]
        while todo:
            if (node := todo.pop()) not in component:
                component.add(node)
                todo.extend(links[node])
        seen |= component
        assert len(component) <= 60, len(component)  # the exact search is exponential in the worst case
        needed += len(component) - _largest_independent(frozenset(component), links)
        partial += any(links[node] != component - {node} for node in component)
    return needed, partial


@dataclass
class Run:
    scenario: str
    adapter: str
    calls: Counter[tuple[str, str]]
    minimum: int | None = None  # the baseline: the fewest calls that do the same
    without_links: int | None = None  # (a): the minimum without the related-product links' writes
    relinks: int = 0  # (a): products written again for their related products, and the fewest possible
    relinks_needed: int = 0
    partly_linked: int = 0  # (a): groups of related products that do not all link each other

    @property
    def ratio(self) -> str:
        return f"{self.total / self.minimum:.3f}×" if self.minimum else "—"

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for (method, _), n in self.calls.items() if method != "GET")

    def of(self, group: str, *, writes_only: bool = False) -> int:
        return sum(n for (m, g), n in self.calls.items() if g == group and not (writes_only and m == "GET"))

    def detail(self) -> str:
        ordered = sorted(self.calls.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        return ", ".join(f"{g} {m} {n}" for (m, g), n in ordered)


def group(api_path: str) -> str:
    """The endpoint group of a request: products, images, custom-fields, channel-assignments, price-lists, ..."""
    path = re.sub(r"/\d+", "/{id}", api_path.removeprefix("/v3").removeprefix("/v2"))
    if path.startswith("/pricelists"):
        return "price-lists"
    if path == "/catalog/products/channel-assignments":
        return "channel-assignments"
    for part in ("images", "custom-fields", "variants", "options"):
        if f"/{part}" in path:
            return part
    return "products" if path.startswith("/catalog/products") else path


def counted(sandbox: SandboxServer, start: int) -> Counter[tuple[str, str]]:
    return Counter((r.method, group(r.api_path)) for r in list(sandbox.requests)[start:])


def client_for(sandbox: SandboxServer, **options: Any) -> BigCommerceClient:
    return BigCommerceClient(BigCommerceConfig(store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
                                               v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2,
                                               **options))


def price_changed(families: Iterable[TitleFamily], source: InMemoryCatalogSource, listed: set[str]) -> int:
    """Raise every price row of PRICE_CHANGES listed editions (spread over the catalogue) by 1.00."""
    chosen = [e.isbn for f in families for e in f.editions if str(e.isbn) in listed][::7][:PRICE_CHANGES]
    wanted = set(chosen)
    for family in families:
        if any(e.isbn in wanted for e in family.editions):
            source.put(family.model_copy(update={"editions": tuple(
                e.model_copy(update={"prices": tuple(r.model_copy(update={"amount": r.amount + Decimal("1.00")})
                                                     for r in e.prices)}) if e.isbn in wanted else e
                for e in family.editions)}))
    return len(chosen)


def count_calls(naive: bool) -> list[Run]:
    name = "naive" if naive else "bookbridge"
    families = catalogue()
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=COUNT_TIME_SCALE))
    with SandboxServer(config) as sandbox, client_for(sandbox, max_in_flight=4) as client:
        store = (NaiveStorefront if naive else BigCommerceStorefront)(client, name="shop", workers=4)
        source, uow, clock = InMemoryCatalogSource(families), SharedUnitOfWork(), FixedClock(NOW)
        command = replace(COMMAND, full=naive)
        runs = []
        first = sync_store(COMMAND, source, store, uow, clock)  # a first sync is all creates either way
        assert first.failed == 0, first.exceptions_opened[:3]
        state = sandbox.state
        assignments = sum(len(state.product_channels(pid)) for pid in state.products)
        without = len(state.products) + 1 + -(-assignments // BATCH_MAX) + -(-len(state.price_records) // BATCH_MAX)
        needed, partly = relinks_needed(state.products)
        relinked = sum(len(r.json) for r in list(sandbox.requests)
                       if r.method == "PUT" and r.api_path == "/v3/catalog/products" and isinstance(r.json, list))
        runs.append(Run("(a) first sync", name, counted(sandbox, 0), without + -(-needed // PRODUCT_BATCH),
                        without_links=without, relinks=relinked, relinks_needed=needed, partly_linked=partly))
        start = len(sandbox.requests)
        sync_store(command, source, store, uow, clock)
        runs.append(Run("(b) nothing changed", name, counted(sandbox, start)))
        listed = {p["sku"] for p in sandbox.state.products.values()}
        changed = price_changed(families, source, listed)
        assert changed == PRICE_CHANGES
        start = len(sandbox.requests)
        report = sync_store(command, source, store, uow, clock)
        assert report.failed == 0
        assert naive or report.updated == changed, report.updated
        # every changed edition is a one-edition product with one USD record (asserted by the sandbox's counts)
        runs.append(Run(f"(c) {changed} price changes", name, counted(sandbox, start),
                        -(-changed // 10) + -(-changed // BATCH_MAX)))
        products = len(sandbox.state.products)
    print(f"{name}: {products} products in the store", file=sys.stderr)
    return runs


class TimedTransport(httpx.HTTPTransport):
    """Records, for every request, when it was sent and answered, and the quota left in its window."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[float, float, int | None]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        response = super().handle_request(request)
        left = response.headers.get("x-rate-limit-requests-left")
        with self._lock:
            self.log.append((time.monotonic(), sent, int(left) if left else None))
        return response


@dataclass
class QuotaRun:
    requests: int
    elapsed_s: float  # first request to last response
    window_s: float
    throttled: int
    pacing_sleep_s: float
    per_window: list[int]  # requests counted in each quota window, in order (from the `left` header)
    editions: int = 0
    load: float = 0.0  # the machine's 1-minute load average when the run ended

    @property
    def windows(self) -> int:
        return math.ceil(self.elapsed_s / self.window_s)

    @property
    def utilisation(self) -> float:
        return self.requests / (self.windows * STANDARD_QUOTA)

    @property
    def steady(self) -> float:
        """Over the windows the sync filled: all but the last, which ends when the sync does."""
        full = self.per_window[:-1]
        return sum(full) / (len(full) * STANDARD_QUOTA) if full else 0.0


def windows_of(log: list[tuple[float, float, int | None]]) -> list[int]:
    """Requests per window: a window ends when the quota left goes up again (BigCommerce reset it)."""
    counts: list[int] = []
    previous: int | None = None
    for _, _, left in sorted(log):
        if left is None:
            continue
        if previous is None or left > previous + 8:  # responses overtake each other by at most the ones in flight
            counts.append(0)
        counts[-1] += 1
        previous = left
    return counts


def _serve(config: SandboxConfig, port: int, ready: Any, stop: Any) -> None:
    """In a child process: the sandbox, so that its work does not share the client's interpreter lock."""
    with SandboxServer(config, port=port):
        ready.set()
        stop.wait()


def quota_run(time_scale: float = QUOTA_TIME_SCALE, workers: int = 4, families_n: int = QUOTA_FAMILIES) -> QuotaRun:
    families = catalogue()[:families_n]
    limit = RateLimitConfig(quota=STANDARD_QUOTA, window_ms=WINDOW_MS, time_scale=time_scale)
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),), rate_limit=limit)
    with socket.socket() as probe:  # a free loopback port for the child
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=_serve, args=(config, port, ready, stop), daemon=True)
    child.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the sandbox did not start")
        base = f"http://127.0.0.1:{port}/stores/{config.store_hash}"
        transport = TimedTransport()
        client = BigCommerceClient(BigCommerceConfig(store_hash=config.store_hash, access_token=config.token,
                                                     v3_base_url=f"{base}/v3", v2_base_url=f"{base}/v2",
                                                     max_in_flight=workers), transport=transport)
        with client:
            store = BigCommerceStorefront(client, name="shop", workers=workers)
            source, uow, clock = InMemoryCatalogSource(families), SharedUnitOfWork(), FixedClock(NOW)
            report = sync_store(COMMAND, source, store, uow, clock)
            assert report.failed == 0, report.exceptions_opened[:3]
            stats = client.stats
    finally:
        stop.set()
        child.join(10)
    log = transport.log
    elapsed = max(answered for answered, _, _ in log) - min(sent for _, sent, _ in log)
    return QuotaRun(stats.requests, elapsed, limit.real_window_seconds, stats.throttled, stats.pacing_sleep_s,
                    windows_of(log), editions=sum(len(f.editions) for f in families), load=os.getloadavg()[0])


def table(runs: list[Run]) -> list[str]:
    lines = ["| scenario | adapter | calls | baseline: minimum | ratio | reads (GET) | writes | "
             "`/catalog/products` calls | by endpoint group |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for run in sorted(runs, key=lambda r: (r.scenario, r.adapter != "bookbridge")):
        lines.append(f"| {run.scenario} | {run.adapter} | {run.total} | {run.minimum or '—'} | {run.ratio} | "
                     f"{run.total - run.writes} | {run.writes} | {run.of('products')} | {run.detail() or '—'} |")
    return lines


def report(runs: list[Run], quota: QuotaRun) -> str:
    ours = {r.scenario: r for r in runs if r.adapter == "bookbridge"}
    naive = {r.scenario: r for r in runs if r.adapter == "naive"}
    lines = [
        SECTION, "",
        f"Command: `{COMMAND_LINE}` (date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC). Machine: 2 cores, shared and "
        "noisy; every figure is a count or a ratio from one run, not a timing to compare across machines.", "",
        f"Catalogue: {EDITIONS:,} editions in {FAMILIES} families (the sample catalogue, topped up), one product "
        "per edition. One store, two storefronts: `uk` (GBP, default currency, channel 1) and `us` (USD price list, "
        "channel 2). Calls counted from the sandbox's request log. *naive* = the same adapter planned with "
        "`full=True` and with hashes and kept ids ignored: it PUTs every product, deletes and re-posts every image, "
        "PUTs every custom field, re-assigns every channel and upserts every price-list record on every run.", "",
        *table(runs), "",
    ]
    first = ours["(a) first sync"]
    unchanged = ours["(b) nothing changed"]
    changed = next(r for s, r in ours.items() if s.startswith("(c)"))
    naive_changed = next(r for s, r in naive.items() if s.startswith("(c)"))
    extra_links = "" if first.relinks <= first.relinks_needed else (
        f"The {first.relinks - first.relinks_needed} above that are in the {first.partly_linked} groups where an "
        "edition grafted from another family (the benchmark's top-up) keeps its own work's links, joining two works "
        "that do not all link each other: there, an order exists in which more than one product is made after all "
        "it links to, and the run (related products of a batch made in plan order) does not look for it. ")
    lines += [
        f"- (a) first sync: {first.total} calls against a minimum of {first.minimum} ({first.ratio}) that counts the "
        f"related-product links; {first.total / (first.without_links or 1):.3f}× the minimum without them "
        f"({first.without_links}: one POST per product, one read of the store, the channel assignments and "
        "price-list records 1,000 per request), the one the ≤ 1.05× goal of #17 was set against before products "
        "linked their related products (before #17: 2,536 calls, 1.27×; with the links written once per sync batch: "
        f"2,212, 1.131×). Related products: {first.relinks} products written again for their links in "
        f"{first.calls[('PUT', 'products')]} batch `PUT /catalog/products`, 10 per request, against the fewest "
        f"possible {first.relinks_needed} ({-(-first.relinks_needed // PRODUCT_BATCH)} requests): a POST can name "
        "only products made before it, so of k formats that all link each other k - 1 are written again, whatever "
        f"the order. {extra_links}The products of a batch that link each other are made one after the other, each "
        "naming those made before it; the others are written by the sync's stale-link pass after the plan, 10 per "
        "request, with the ids the state records (a run that stops or crashes first leaves them stale in the "
        "state, and the next sync's pass writes them). Planning's adoption look-up of the catalogue's new SKUs "
        "reads the store's size first: one `GET /catalog/products?limit=1` finds it empty and is the run's only "
        "product read, for the creates it planned are marked free of the store (`absent`) and are not looked up "
        "again (a key with a create intent from an earlier run still is, and so is a create meeting a 409). Above "
        "the minimum: the USD price list's one-time find and create, and its channel assignment's read and write.",
        f"- (b) nothing changed: {unchanged.writes} writes and {unchanged.total - unchanged.writes} reads "
        f"(naive: {naive['(b) nothing changed'].writes} writes).",
        f"- (c) {PRICE_CHANGES} price changes: {changed.of('products')} product calls (batch `PUT /catalog/products`, "
        f"10 per request) and {changed.of('price-lists')} price-list upsert: {changed.total} calls against a "
        f"minimum of {changed.minimum} (before #17: 20, one upsert per sync batch of 10); naive: "
        f"{naive_changed.total} calls.",
        f"- (d) Standard-plan quota ({STANDARD_QUOTA} requests / {WINDOW_MS // 1000} s, `time_scale={QUOTA_TIME_SCALE}`"
        f": a {quota.window_s:.2f} s window), first sync of the first {QUOTA_FAMILIES} families ({quota.editions} "
        f"editions) with `max_in_flight=4` and 4 workers: {quota.requests} requests in {quota.elapsed_s:.1f} s = "
        f"{quota.windows} windows → utilisation **{quota.utilisation:.1%}** overall, **{quota.steady:.1%}** in steady "
        f"state (requests per window: {', '.join(map(str, quota.per_window))}); **{quota.throttled} 429s**; load "
        f"average {quota.load:.1f} (1 minute) as it ended. The "
        "sandbox runs in its own process for this run; the client's pacer keeps one request of each window in "
        "reserve (`safety_margin=1`), so 149/150 = 99.3% is the ceiling. Creates and image/custom-field syncs run on "
        "the workers; channel assignments and price-list upserts one at a time (their concurrency limits). The "
        "window is stretched (time_scale 0.15) because the sandbox itself serves only ~50-80 requests/s once it "
        "holds a few thousand records (linear scans), so a shorter window would measure the sandbox, not the pacer.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = Path("docs/benchmarks.md")) -> None:
    """Replace our section (up to the next `## ` heading), or append it; never touch the others."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(existing):
        updated = pattern.sub(lambda _: text + "\n", existing, count=1).rstrip("\n") + "\n"
    else:
        updated = existing.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="replace our section of docs/benchmarks.md")
    args = parser.parse_args(argv)
    runs = count_calls(naive=False) + count_calls(naive=True)
    quota = quota_run()
    text = report(runs, quota)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
