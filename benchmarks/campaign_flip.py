"""Benchmark: a campaign ending on 5,000 titles at one instant, through the real service, under the Standard quota.

    .venv/bin/python -m benchmarks.campaign_flip                          # one instant, 5,000 titles, time_scale 0.1
    .venv/bin/python -m benchmarks.campaign_flip --instants 3 --gap 20    # three instants 20 s (real) apart
    .venv/bin/python -m benchmarks.campaign_flip --time-scale 1           # real 30 s windows (about 2 minutes)
    .venv/bin/python -m benchmarks.campaign_flip --time-scale 1 --plan-ahead 0   # the service plans at the instant

One store, two storefronts: "uk" (GBP, the default currency: the product's own price, channel 1) and "us" (USD,
a price list, channel 2). The catalogue (`--titles` editions of the sample catalogue, each made a live backlist
title sold worldwide) has, per edition, a regular and a promotional price in each currency; the promotional rows
end at an instant (`--instants` of them, `--gap` real seconds apart; title i belongs to campaign i mod
instants). The real `Service` (APScheduler on a SQLite state database) makes the first sync into the BigCommerce
sandbox, which runs in its own process and, for that sync, on an unlimited plan. The sandbox is then switched to
the Standard plan (150 requests per 30 s window, `--time-scale` shrinking the window) and nothing else runs; at
each instant the service's precise job syncs the store.

Measured from the sandbox's request log (each request's arrival and answer on the sandbox's wall clock): for each
campaign, the moment its last write (batch `PUT /catalog/products`, `PUT /pricelists/{id}/records`) was answered,
minus its instant; no write of a campaign's titles may arrive before its instant, and just before each instant the
sandbox must still show every one of its titles at the promotional price (GBP on channel 1, USD on channel 2).
After the run every title must show its regular price in both currencies. The first write after each instant is
printed too: with the service's plan made ahead of the instant (`service.plan_ahead_seconds`, 60 s by default)
nothing but sending is left at the instant; `--plan-ahead 0` turns that off, for a before-and-after in one sitting.

The limit (#17): the minimum number of calls, ceil(n / 10) batch product PUTs (10 products per request) plus
ceil(n / 1,000) price-list upserts (1,000 records per request) for the one other currency, at the quota's rate:
150 calls per 30 s window, spread across the window, is 0.2 s a call; campaigns share the quota first come,
first served (a campaign's calls start at its instant or when the earlier campaigns' calls are done, whichever
is later). Also printed: the floor of a client that sends each window's 150 at its start (its last call goes
out when the window that holds it opens). Goal: every campaign's changes in the store within 1.1x the limit.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import re
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dependency_injector import providers
from sqlalchemy.exc import OperationalError

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import ApiError, ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.model import (
    Edition,
    PriceRow,
    ResourceKind,
    Rights,
    SalesRights,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, ServiceSettings, Settings, StoreSettings

STORE = "shop"
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
QUOTA, WINDOW_S = 150, 30.0  # BigCommerce's Plus & Standard plans: 150 requests per 30 s window
PRODUCTS_PER_PUT, RECORDS_PER_UPSERT = 10, 1_000  # batch PUT /catalog/products; PUT /pricelists/{id}/records
SEED_TIME_SCALE = 0.0001  # the first sync: a 3 ms window, so the quota costs nothing there
WORKERS = 4  # the BigCommerce plugin's default (`max_in_flight`): requests in flight, products side by side
GOAL = 1.1
SECTION = "## A campaign ending on 5,000 titles (#17)"


# --- the catalogue ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    ends: datetime
    promo: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # sku -> (GBP, USD) promotional
    regular: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # sku -> (GBP, USD) regular

    @property
    def titles(self) -> int:
        return len(self.promo)


def _prices(i: int, ends: datetime) -> tuple[tuple[PriceRow, ...], tuple[Decimal, Decimal], tuple[Decimal, Decimal]]:
    """Regular and promotional rows in GBP (tax inclusive, List 58: 02) and USD (exclusive, 01); the promotional
    rows (List 59: 08) run until the instant (Until is inclusive, so it is the instant less a microsecond)."""
    gbp = Decimal("8.00") + Decimal(i % 80) / 10
    usd = Decimal("11.00") + Decimal(i % 90) / 10
    promo = (gbp * Decimal("0.75")).quantize(Decimal("0.01")), (usd * Decimal("0.75")).quantize(Decimal("0.01"))
    until = ends - timedelta(microseconds=1)
    rows = (PriceRow(amount=gbp, currency="GBP", price_type="02", qualifier="05"),
            PriceRow(amount=usd, currency="USD", price_type="01", qualifier="05"),
            PriceRow(amount=promo[0], currency="GBP", price_type="02", qualifier="08", valid_until=until),
            PriceRow(amount=promo[1], currency="USD", price_type="01", qualifier="08", valid_until=until))
    return rows, promo, (gbp, usd)


def _has_cover(edition: Edition) -> bool:
    """Readiness wants an approved front cover (SupportingResource 01); a few sample editions have none."""
    return any(r.kind is ResourceKind.FRONT_COVER for r in edition.resources)


def catalogue(titles: int, instants: Sequence[datetime], today: date) -> tuple[list[TitleFamily], list[Campaign]]:
    """`titles` editions of the sample catalogue, each a live backlist title for sale worldwide, with a campaign
    price ending at one of the instants (title i: campaign i mod len(instants))."""
    campaigns = [Campaign(ends) for ends in instants]
    families: list[TitleFamily] = []
    n = 0
    for family in sample_catalogue(today, families=titles // 2 + 10):
        editions: list[Edition] = []
        for edition in [e for e in family.editions if _has_cover(e)][: titles - n]:
            campaign = campaigns[n % len(campaigns)]
            rows, promo, regular = _prices(n, campaign.ends)
            texts = edition.texts or (TextContent(kind=TextKind.DESCRIPTION, text=f"<p>{edition.title}.</p>"),)
            editions.append(edition.model_copy(update={
                "publication_date": today - timedelta(days=100), "publishing_status": "04", "availability": "21",
                "preorder_embargo": None, "sales_embargo": None, "prices": rows, "texts": texts,
                "rights": Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),))}))
            campaign.promo[str(edition.isbn)] = promo
            campaign.regular[str(edition.isbn)] = regular
            n += 1
        if editions:
            kept = {str(e.isbn) for e in editions}
            editions = [e.model_copy(update={"related_isbns": tuple(x for x in e.related_isbns if str(x) in kept)})
                        for e in editions]
            families.append(family.model_copy(update={"editions": tuple(editions)}))
        if n == titles:
            return families, campaigns
    raise RuntimeError(f"the sample catalogue gave {n} editions, fewer than {titles}")


# --- the sandbox, in its own process --------------------------------------------------------------------------


def _ids_of(method: str, api_path: str, body: Any) -> tuple[str, list[int]]:
    """What a write touches: ("products", ids) or ("variants", ids); ("", []) for anything else."""
    if method == "PUT" and api_path == "/v3/catalog/products" and isinstance(body, list):
        return "products", [item.get("id") for item in body if isinstance(item, dict)]
    if method == "PUT" and re.fullmatch(r"/v3/pricelists/\d+/records", api_path) and isinstance(body, list):
        return "variants", [item.get("variant_id") for item in body if isinstance(item, dict)]
    return "", []


def _serve(config: SandboxConfig, port: int, conn: Connection) -> None:
    """In a child process: the sandbox, answering the benchmark's questions over `conn` until told to stop."""
    with SandboxServer(config, port=port) as server:
        state = server.state

        def price(sku: str, channel: int, currency: str) -> Any:
            try:
                return state.shopper_price(sku, channel_id=channel, currency=currency)
            except ApiError:  # no such product
                return None

        def prices(skus: list[str]) -> dict[str, tuple[Any, Any]]:
            return {sku: (price(sku, 1, "GBP"), price(sku, 2, "USD")) for sku in skus}

        def ids(_: object) -> dict[str, dict[int, str]]:
            with state.lock:
                products = {pid: p["sku"] for pid, p in state.products.items()}
                variants = {v["id"]: v["sku"] for v in state.variants.values()}
            return {"products": products, "variants": variants}

        def log(start: int) -> list[tuple[Any, ...]]:
            return [(r.method, r.api_path, r.received, r.answered, r.status, *_ids_of(r.method, r.api_path, r.json))
                    for r in list(server.requests)[start:]]

        def quota(limit: RateLimitConfig) -> int:
            server.sandbox.set_rate_limit(limit)
            return len(server.requests)

        handlers: dict[str, Callable[[Any], Any]] = {
            "prices": prices, "ids": ids, "log": log, "quota": quota, "count": lambda _: len(server.requests)}
        conn.send("ready")
        while True:
            command, argument = conn.recv()
            if command == "stop":
                return
            try:
                conn.send(("ok", handlers[command](argument)))
            except Exception as exc:  # the parent says what went wrong
                conn.send(("error", f"{type(exc).__name__}: {exc}"))


class SandboxProcess:
    """The sandbox in a child process (so that its work does not share the service's interpreter lock)."""

    def __init__(self, config: SandboxConfig) -> None:
        with socket.socket() as probe:  # a free loopback port for the child
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.config = config
        context = multiprocessing.get_context("spawn")
        self._conn, child_end = context.Pipe()
        self._child = context.Process(target=_serve, args=(config, self.port, child_end), daemon=True)

    def __enter__(self) -> SandboxProcess:
        self._child.start()
        if not self._conn.poll(60) or self._conn.recv() != "ready":
            raise RuntimeError("the sandbox did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send(("stop", None))
        self._child.join(10)

    def ask(self, command: str, argument: Any = None) -> Any:
        self._conn.send((command, argument))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"sandbox {command}: {value}")
        return value

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/stores/{self.config.store_hash}"


# --- the minimum ---------------------------------------------------------------------------------------------


def minimum_calls(titles: int, other_currencies: int = 1) -> int:
    """Batch product PUTs for the default currency, price-list upserts for each other currency."""
    return math.ceil(titles / PRODUCTS_PER_PUT) + other_currencies * math.ceil(titles / RECORDS_PER_UPSERT)


def rate_limit_s(campaigns: Sequence[tuple[float, int]], window_s: float) -> list[float]:
    """Each campaign's (instant s, calls) -> its changes' earliest completion after its instant, at the quota's
    rate (a window's calls spread across it: window / quota seconds a call), first come, first served."""
    done, out = float("-inf"), []
    for instant, calls in campaigns:
        done = max(instant, done) + calls * window_s / QUOTA
        out.append(done - instant)
    return out


def window_floor_s(campaigns: Sequence[tuple[float, int]], window_s: float) -> list[float]:
    """The same for a client that sends each window's whole quota at once: a fixed window opens with the first
    call after the last one closed; a call beyond the quota waits for the next window. The time of each
    campaign's last call after its instant (its answer's round trip not counted)."""
    opened: float | None = None
    used, last, out = 0, float("-inf"), []
    for instant, calls in campaigns:
        for _ in range(calls):
            at = max(instant, last)
            if opened is None or at >= opened + window_s:
                opened, used = at, 0
            if used == QUOTA:
                opened, used = opened + window_s, 0
                at = opened
            used, last = used + 1, at
        out.append(last - instant)
    return out


# --- one run --------------------------------------------------------------------------------------------------


@dataclass
class Result:
    campaign: int
    instant: datetime
    titles: int
    calls: int  # writes of its titles (after the seed)
    minimum: int
    limit_s: float  # scaled seconds
    floor_s: float
    latency_s: float | None  # its instant -> its last write answered
    first_s: float | None  # its instant -> its first write arrived (the sync's reading and planning)
    early: int  # writes of its titles that arrived before its instant


@dataclass
class Run:
    time_scale: float
    titles: int
    gap_s: float
    seed_s: float
    results: list[Result]
    calls: Counter[str]  # every request after the switch to the Standard plan, by method and endpoint group
    throttled: int
    load: tuple[float, float, float]
    # After the first instant, each wait over PAUSE_S (real) between a request's answer and the next request's
    # arrival: (its start, seconds after the first instant; its length), scaled seconds
    pauses: list[tuple[float, float]]

    @property
    def ok(self) -> bool:
        return all(r.latency_s is not None and r.early == 0 for r in self.results)


def _group(api_path: str) -> str:
    path = re.sub(r"/\d+", "/{id}", api_path.removeprefix("/v3"))
    return "price-list records" if path == "/pricelists/{id}/records" else path


def _wait_until(moment: datetime) -> None:
    while (left := (moment - datetime.now(UTC)).total_seconds()) > 0:
        time.sleep(min(left, 0.5))


def _prices_are(sandbox: SandboxProcess, wanted: dict[str, tuple[Decimal, Decimal]]) -> list[str]:
    """The SKUs whose shopper prices (GBP channel 1, USD channel 2) differ from `wanted`."""
    seen = sandbox.ask("prices", sorted(wanted))
    return [sku for sku, (gbp, usd) in wanted.items()
            if seen[sku][0] is None or seen[sku][1] is None
            or Decimal(str(seen[sku][0])) != gbp or Decimal(str(seen[sku][1])) != usd]


def measure(titles: int, instants: int, gap_s: float, time_scale: float, lead_s: float,
            plan_ahead_s: int | None = None) -> Run:
    sandbox_config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                                   rate_limit=RateLimitConfig(time_scale=SEED_TIME_SCALE))
    window_s = WINDOW_S * time_scale
    with SandboxProcess(sandbox_config) as sandbox, tempfile.TemporaryDirectory(prefix="campaign-bench-") as folder:
        start = datetime.now(UTC)
        first = (start + timedelta(seconds=lead_s)).replace(microsecond=0)
        ends = [first + timedelta(seconds=k * gap_s * time_scale) for k in range(instants)]
        families, campaigns = catalogue(titles, ends, start.date())
        container = Container()
        container.settings.override(Settings(
            source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name=STORE),
            storefronts=[UK, US], database_url=f"sqlite:///{Path(folder) / 'state.db'}",
            service=ServiceSettings() if plan_ahead_s is None else ServiceSettings(plan_ahead_seconds=plan_ahead_s)))
        container.source.override(providers.Object(InMemoryCatalogSource(families)))
        client = BigCommerceClient(BigCommerceConfig(
            store_hash=sandbox_config.store_hash, access_token=sandbox_config.token,
            v3_base_url=f"{sandbox.base}/v3", v2_base_url=f"{sandbox.base}/v2", max_in_flight=WORKERS))
        container.storefront.override(providers.Object(BigCommerceStorefront(client, name=STORE, workers=WORKERS)))
        service = Service(container, instance="bench")
        service.start()
        try:
            seed_s = _await_first_sync(service, sandbox, ends, window_s)
            missing = _prices_are(sandbox, {sku: p for c in campaigns for sku, p in c.promo.items()})
            if missing:
                raise SystemExit(f"after the first sync, {len(missing)} titles are not at their promotional price "
                                 f"(e.g. {missing[:3]})")
            switched = sandbox.ask("quota", RateLimitConfig(quota=QUOTA, window_ms=int(WINDOW_S * 1000),
                                                            time_scale=time_scale))
            if (ends[0] - datetime.now(UTC)).total_seconds() < window_s + 0.5:
                raise SystemExit(f"the first sync ended {seed_s:.0f} s after the start, too close to the first "
                                 f"instant: raise --lead above {lead_s:.0f} s")
            # With several instants the check of a later one runs while the store still takes the earlier ones'
            # writes, which slow its answers: it starts a few seconds before (the request log's `early` is the
            # measure; this check is a second look).
            ahead = timedelta(seconds=min(3.0, gap_s * time_scale / 4) if instants > 1 else 1.0)
            for campaign in campaigns:  # just before each instant, the store still shows the campaign's prices
                _wait_until(campaign.ends - ahead)
                early = _prices_are(sandbox, campaign.promo)
                if early or datetime.now(UTC) >= campaign.ends:
                    raise SystemExit(f"campaign ending {campaign.ends.isoformat()}: {len(early)} titles changed "
                                     f"before the instant (e.g. {early[:3]}), or the check ran late")
            expected = rate_limit_s([(0.0, minimum_calls(titles))], window_s)[0] * instants
            deadline = datetime.now(UTC) + timedelta(seconds=max(30.0, 5 * expected))
            while _prices_are(sandbox, {sku: p for c in campaigns for sku, p in c.regular.items()}):
                if datetime.now(UTC) > deadline:
                    break
                time.sleep(0.5)
            load = os.getloadavg()
        finally:
            service.shutdown(wait=True)
            client.close()
            container.shutdown_resources()
        log = sandbox.ask("log", switched)
        ids = sandbox.ask("ids")
    return _results(campaigns, log, ids, time_scale=time_scale, titles=titles, gap_s=gap_s, seed_s=seed_s,
                    load=load)


def _instants_scheduled(service: Service) -> set[datetime]:
    try:
        return {job.run_at for job in service.upcoming(limit=1000) if job.kind in ("campaign", "launch")}
    except OperationalError:  # SQLite: the sync holds the write lock; ask again later
        return set()


def _await_first_sync(service: Service, sandbox: SandboxProcess, ends: list[datetime], window_s: float) -> float:
    """Until the first sync has scheduled a job at every instant and the store is quiet; its duration (s)."""
    began = time.monotonic()
    wanted = {e.astimezone(UTC) for e in ends}
    while not wanted <= _instants_scheduled(service):
        if datetime.now(UTC) >= ends[0] - timedelta(seconds=window_s):
            raise SystemExit("the first sync did not schedule the campaign instants in time: raise --lead")
        time.sleep(0.5)
    count = -1
    while count != (count := sandbox.ask("count")):  # the sync's last writes answered, nothing more coming
        time.sleep(1.0)
    return time.monotonic() - began


PAUSE_S = 1.0  # real seconds: five times the pacer's interval at the Standard plan's rate


def _pauses(log: list[tuple[Any, ...]], first: datetime, time_scale: float) -> list[tuple[float, float]]:
    """Where the store heard nothing for a while after the first instant: the sync's own work, not the quota."""
    times = sorted((received, answered) for _, _, received, answered, *_ in log
                   if answered is not None and answered >= first)
    pauses, last = [], first
    for received, answered in times:
        if (received - last).total_seconds() > PAUSE_S * time_scale:
            pauses.append(((last - first).total_seconds(), (received - last).total_seconds()))
        last = max(last, answered)
    return pauses


def _results(campaigns: list[Campaign], log: list[tuple[Any, ...]], ids: dict[str, dict[int, str]], *,
             time_scale: float, titles: int, gap_s: float, seed_s: float, load: tuple[float, float, float]) -> Run:
    window_s = WINDOW_S * time_scale
    owner = {sku: k for k, c in enumerate(campaigns) for sku in c.promo}
    first = campaigns[0].ends
    plan = [((c.ends - first).total_seconds(), minimum_calls(c.titles)) for c in campaigns]
    limits, floors = rate_limit_s(plan, window_s), window_floor_s(plan, window_s)
    calls: Counter[str] = Counter()
    writes: list[list[tuple[datetime, datetime | None]]] = [[] for _ in campaigns]
    throttled = 0
    for method, api_path, received, answered, status, kind, touched in log:
        calls[f"{method} {_group(api_path)}"] += 1
        throttled += status == 429
        if not kind or status is None or not 200 <= status < 300:
            continue
        for k in sorted({owner[sku] for i in touched if (sku := ids[kind].get(i)) in owner}):
            writes[k].append((received, answered))
    results = []
    for k, c in enumerate(campaigns):
        answered = [a for _, a in writes[k] if a is not None]
        latency = (max(answered) - c.ends).total_seconds() if answered else None
        first_write = (min(r for r, _ in writes[k]) - c.ends).total_seconds() if writes[k] else None
        results.append(Result(k + 1, c.ends, c.titles, len(writes[k]), minimum_calls(c.titles), limits[k],
                              floors[k], latency, first_write, sum(r < c.ends for r, _ in writes[k])))
    return Run(time_scale, titles, gap_s, seed_s, results, calls, throttled, load,
               _pauses(log, first, time_scale))


# --- the report -----------------------------------------------------------------------------------------------


def _seconds(value: float | None, scale: float) -> str:
    return "—" if value is None else f"{value:.2f} ({value / scale:.1f})"


def table(run: Run) -> list[str]:
    scale = run.time_scale
    lines = [f"time_scale {scale:g} (a {WINDOW_S * scale:g} s window), {run.titles:,} titles, "
             f"{len(run.results)} instant(s){f' {run.gap_s:g} s (real) apart' if len(run.results) > 1 else ''}; "
             f"first sync {run.seed_s:.0f} s; load average {run.load[0]:.1f} / {run.load[1]:.1f} / "
             f"{run.load[2]:.1f}", "",
             "| campaign | titles | calls (minimum) | limit s | first write s | measured s | ratio | floor s | "
             "ratio to floor | early writes | goal |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in run.results:
        measured = "not done" if r.latency_s is None else _seconds(r.latency_s, scale)
        ratio = "—" if r.latency_s is None else f"{r.latency_s / r.limit_s:.3f}"
        floor = "—" if r.latency_s is None or not r.floor_s else f"{r.latency_s / r.floor_s:.3f}"
        met = r.latency_s is not None and r.early == 0 and r.latency_s <= GOAL * r.limit_s
        lines.append(f"| {r.campaign} | {r.titles:,} | {r.calls} ({r.minimum}) | {r.limit_s:.2f} "
                     f"({r.limit_s / scale:.1f}) | {_seconds(r.first_s, scale)} | {measured} | {ratio} | "
                     f"{_seconds(r.floor_s, scale)} | {floor} | {r.early} | {'met' if met else 'not met'} |")
    lines += ["", "Seconds in the run's (scaled) time, real terms (divided by time_scale) in brackets. Requests after "
              f"the switch to the Standard plan: {sum(run.calls.values())} "
              f"({', '.join(f'{k} {v}' for k, v in sorted(run.calls.items()))}); 429s: {run.throttled}.",
              f"Pauses over {PAUSE_S:g} s (real) with no request at the store, after the first instant (from, "
              "seconds after it: length): "
              + ("; ".join(f"{at:.2f}: {length:.2f}" for at, length in run.pauses) or "none") + "."]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--titles", type=int, default=5_000, help="editions in the catalogue (default 5,000)")
    parser.add_argument("--instants", type=int, default=1, help="campaign end instants (default 1)")
    parser.add_argument("--gap", type=float, default=20.0, help="real seconds between instants (default 20)")
    parser.add_argument("--time-scale", type=float, default=0.1,
                        help="the sandbox's time_scale: 0.1 makes the 30 s window last 3 s (default 0.1)")
    parser.add_argument("--lead", type=float, default=None,
                        help="seconds from the start to the first instant; the first sync must end before it "
                             "(default: 60 s + 40 ms per title + one quota window)")
    parser.add_argument("--plan-ahead", type=int, default=None, metavar="SECONDS",
                        help="the service's `plan_ahead_seconds` (default: its default, 60); 0 plans at the instant")
    args = parser.parse_args(argv)
    if args.titles < args.instants or args.instants < 1:
        parser.error("need at least one instant and a title per instant")
    lead = args.lead if args.lead is not None else 60 + 0.04 * args.titles + WINDOW_S * args.time_scale
    run = measure(args.titles, args.instants, args.gap, args.time_scale, lead, args.plan_ahead)
    print("\n".join(table(run)))
    if not run.ok:
        raise SystemExit("a campaign's changes did not all reach the store, or some arrived before the instant")


if __name__ == "__main__":
    main()
