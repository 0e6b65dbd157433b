"""Benchmark: planning a large generated catalogue with `application.sync.plan_store` (issue: the sync engine).

Each case runs in a fresh child process, so the peak RSS is that of planning alone (generation included, since
the editions must be in memory to be planned). One store with two storefronts (UK in GBP on the product, US in
USD as price-list records) and a source that returns the whole catalogue.

- cold: the first plan (nothing applied, no stored catalogue): every listing is built, every product a create;
- warm: the same process after the first sync was recorded (applied hashes and payloads, and the catalogue), with
  1% of the families edited and the clock moved on by an hour: the plan a scheduled sync makes in a running
  service. `--states` says where the warm plan reads the applied state from: `memory` (the records the sync
  kept), `sqlite` (a migrated database file) or `postgresql` (the database at `--postgresql-url`, migrated, its
  records of store "shop" replaced), as a service with a database reads them at every plan. The parent writes the
  first plan's records to the database (in a child of its own) before the measured child plans; the state read
  is timed on its own as well.

Every case of a size must plan the same: the cold plans' actions and hashes, and the warm plans' actions with the
payloads they send and their field-level changes against the applied records (which reads the applied payloads),
are compared by digest, across states and trees; the run stops if any differs.

Run: `.venv/bin/python -m benchmarks.plan_catalogue` (sizes 10k, 50k, 100k; states memory and sqlite).
`--sizes 10000 20000` picks sizes; `--states memory sqlite postgresql --postgresql-url
postgresql+psycopg://postgres@127.0.0.1:5432/scratch` adds PostgreSQL; `--baseline DIR` also runs every case
against the `src` tree in DIR (for example a `git worktree` of main), so that before and after are measured in
one run on the same machine: the child imports `bookbridge` from a temporary folder whose `bookbridge` links to
DIR/src, ahead of the installed package, and reports which it used (the database fixture is written once per
database by this tree; DIR must have the same migrations).
Each tree is planned as its service plans: with the listing memos it is given, where its `plan_store` takes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES = (10_000, 50_000, 100_000)
NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
EDITED = 0.01  # share of families edited between the cold and the warm plan
STORE = "shop"
STATES = ("memory", "sqlite", "postgresql")


def _catalogue(editions: int):  # type: ignore[no-untyped-def]
    """`editions` editions in families of about 2.5, cloned from the sample catalogue with unique ISBNs/titles."""
    from bookbridge.adapters.sample.catalogue import make_isbn, sample_catalogue

    templates = sample_catalogue(NOW.date(), families=50)
    families = []
    made = 0
    n = 0
    while made < editions:
        template = templates[n % len(templates)]
        title = f"{template.title} {n}"
        family_id = f"bench-{n}"
        picked = template.editions[: max(1, min(len(template.editions), editions - made))]
        copies = tuple(
            e.model_copy(update={"isbn": make_isbn(made + i, prefix="979"), "title": title, "family_id": family_id,
                                 "record_reference": f"bench-{made + i}"})
            for i, e in enumerate(picked)
        )
        families.append(template.model_copy(update={"id": family_id, "title": title, "editions": copies}))
        made += len(copies)
        n += 1
    return families


class _Source:
    """The whole catalogue on every read (a complete read), as a full ONIX file or a Consonance export."""

    name = "bench"

    def __init__(self, families: list[Any]) -> None:
        self.families = tuple(families)

    def read(self, cursor: str | None = None) -> Any:
        from bookbridge.domain.ports import SourceRead

        return SourceRead(families=self.families, cursor="c")


class _StateOnly:
    """A unit of work holding the sync state in memory without the in-memory fake's copy on every `with`
    (plan_store only reads the applied hashes, the cursor and the stored catalogue): the figures are planning's."""

    def __init__(self) -> None:
        from bookbridge.adapters.memory.state import InMemorySyncState

        self.state = InMemorySyncState()

    def __enter__(self) -> _StateOnly:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _plan(cmd: Any, source: _Source, uow: Any, at: datetime, options: dict[str, Any]) -> tuple[Any, float, float]:
    from bookbridge.application.sync import plan_store
    from bookbridge.domain.ports import FixedClock

    wall, cpu = time.perf_counter(), _cpu()
    planned = plan_store(cmd, source, uow, FixedClock(at), **options)
    return planned, time.perf_counter() - wall, _cpu() - cpu


def _memos() -> dict[str, Any]:
    """`plan_store`'s listing memos where it takes them (a tree whose memo is the domain's own takes none)."""
    import inspect

    from bookbridge.application import sync

    if "memos" not in inspect.signature(sync.plan_store).parameters:
        return {}
    from bookbridge.application.listing_memos import ListingMemos  # type: ignore[import-not-found,unused-ignore]

    return {"memos": ListingMemos()}


def _as_the_entrypoint_runs() -> None:
    """The process settings the tree's entrypoint applies (`bookbridge.entrypoints.runtime`), where it has them."""
    try:
        from bookbridge.entrypoints.runtime import tune_garbage_collector  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return  # a tree whose plan_store pauses the collector itself
    tune_garbage_collector()


class _AppliedFromDatabase:
    """A unit of work whose applied listings are read from an SQL state store at `url` (a migrated database the
    parent filled with the first plan's records, `_prepare`), as a service with a database reads them at every
    plan; its cursor and stored catalogue stay in memory (the source's read is complete, so planning uses only
    the read). The read itself is timed."""

    def __init__(self, url: str, catalogue: dict[str, Any]) -> None:
        from bookbridge.adapters.persistence.engine import make_engine, make_session_factory
        from bookbridge.adapters.persistence.uow import SqlAlchemyUnitOfWork
        from bookbridge.domain.ports import FixedClock

        self.engine = make_engine(url)
        self._uow = SqlAlchemyUnitOfWork(make_session_factory(self.engine), clock=FixedClock(NOW))
        self._catalogue = catalogue
        self.state = self
        self.read_s = self.read_cpu_s = 0.0
        self.read_rss_mb = 0.0

    def __enter__(self) -> _AppliedFromDatabase:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)

    def applied(self, storefront: str, **options: Any) -> Any:
        rss, wall, cpu = _rss_mb(), time.perf_counter(), _cpu()
        applied = self._uow.state.applied(storefront, **options)
        self.read_s, self.read_cpu_s = time.perf_counter() - wall, _cpu() - cpu
        self.read_rss_mb = _rss_mb() - rss
        return applied

    def cursor(self, source: str) -> None:
        return None

    def catalogue(self, source: str) -> dict[str, Any]:
        return self._catalogue


def _rss_mb() -> float:
    """The resident set now (not the peak): /proc/self/statm's second field, in pages."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _command() -> Any:
    from bookbridge.application.sync import SyncStore
    from bookbridge.domain.storefront import StorefrontSettings

    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                            timezone="Europe/London")
    us = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                            tax_inclusive=False, timezone="Europe/London", default_currency=False)
    return SyncStore(store=STORE, storefronts=(uk, us))


def _edited(families: tuple[Any, ...]) -> tuple[Any, ...]:
    """1% of the families edited (every edition's subtitle), as between two scheduled syncs."""
    step = int(1 / EDITED)
    return tuple(
        f.model_copy(update={"editions": tuple(e.model_copy(update={"subtitle": "Revised"}) for e in f.editions)})
        if i % step == 0 else f
        for i, f in enumerate(families)
    )


def _digest(plan: Any, applied: Any, *, payloads: bool) -> str:
    """A SHA-256 over the plan: each action's kind, key, sections and reason, and with `payloads` the payload of
    every section it sends and its field-level changes against the applied record (which reads the applied
    payloads, packed or not), then the unchanged count. Equal digests: the same plan, payloads included."""
    from bookbridge.domain.listing import section_payloads

    sha = hashlib.sha256()
    for action in plan.actions:
        sha.update(repr((action.kind.value, action.key, [s.value for s in action.sections], action.reason)).encode())
        if action.listing is None:
            continue
        if not payloads:
            sha.update(repr(sorted((s.value, h) for s, h in action.listing.hashes.items())).encode())
            continue
        sent = section_payloads(action.listing)
        sha.update(json.dumps([sent[s] for s in action.sections], sort_keys=True).encode())
        changes = [(c.section.value, c.field, c.before, c.after) for c in action.changes(applied.get(action.key))]
        sha.update(json.dumps(changes, sort_keys=True).encode())
    sha.update(f"unchanged {plan.unchanged}".encode())
    return sha.hexdigest()


def run_one(editions: int, state_url: str | None) -> dict[str, Any]:
    _as_the_entrypoint_runs()
    from bookbridge.domain.plan import applied_after

    families = _catalogue(editions)
    cmd = _command()
    uow = _StateOnly()
    source = _Source(families)
    options = _memos()
    planned, cold_s, cold_cpu = _plan(cmd, source, uow, NOW, options)
    creates = len(planned.plan.actions)
    cold_digest = _digest(planned.plan, {}, payloads=False)
    cold_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Record the first sync as if every action succeeded (in memory, or, with `state_url`, as the parent wrote it
    # to that database), then edit 1% of the families and move the clock.
    warm_uow: Any = uow
    if state_url is None:
        uow.state.listings[STORE] = {a.key: applied_after(a, None, i + 1) for i, a in enumerate(planned.plan.actions)}
    else:
        warm_uow = _AppliedFromDatabase(state_url, dict(planned.catalogue))
    uow.state.catalogues[source.name] = dict(planned.catalogue)
    del planned
    source.families = _edited(source.families)
    warm, warm_s, warm_cpu = _plan(cmd, source, warm_uow, NOW + timedelta(hours=1), options)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "editions": sum(len(f.editions) for f in families),
        "state": "memory" if state_url is None else _backend(state_url),
        "cold_s": cold_s,
        "cold_cpu_s": cold_cpu,
        "creates": creates,
        "cold_peak_rss_mb": cold_rss,
        "cold_digest": cold_digest,
        "warm_s": warm_s,
        "warm_cpu_s": warm_cpu,
        "warm_updates": len(warm.plan.actions),
        "warm_unchanged": warm.plan.unchanged,
        "peak_rss_mb": peak,
        "read_s": getattr(warm_uow, "read_s", None),
        "read_cpu_s": getattr(warm_uow, "read_cpu_s", None),
        "read_rss_mb": getattr(warm_uow, "read_rss_mb", None),
        "package": str(Path(sys.modules["bookbridge"].__file__ or "").resolve().parent),
    }
    result["warm_digest"] = _digest(warm.plan, warm.applied, payloads=True)  # after the peak is taken
    if isinstance(warm_uow, _AppliedFromDatabase):
        warm_uow.engine.dispose()
    return result


def _backend(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).get_backend_name()


def _prepare(editions: int, url: str) -> None:
    """Migrate the database at `url` and write the first plan's records into it (every action applied, product
    ids 1, 2, ...: what `run_one` records in memory), replacing the store's earlier ones. Bulk inserts, not the
    state store's `record_applied`, which writes one product per round trip: this is the fixture, not the figure."""
    from sqlalchemy import delete, insert

    from bookbridge.adapters.persistence.engine import make_engine
    from bookbridge.adapters.persistence.migrate import upgrade
    from bookbridge.adapters.persistence.tables import AppliedSectionRow, ProductMappingRow
    from bookbridge.domain.listing import section_payloads

    cmd = _command()
    planned, *_ = _plan(cmd, _Source(_catalogue(editions)), _StateOnly(), NOW, {})
    engine = make_engine(url)
    upgrade(engine)
    # Each product's source record, as a sync keeps it (a tree from before records were kept has no such column).
    records = "source_record" in ProductMappingRow.__table__.c
    with engine.begin() as connection:
        connection.execute(delete(ProductMappingRow).where(ProductMappingRow.storefront == STORE))
        actions = planned.plan.actions
        for start in range(0, len(actions), 1000):
            chunk = actions[start:start + 1000]
            connection.execute(insert(ProductMappingRow), [
                {"storefront": STORE, "key": a.key, "product_id": start + i + 1, "remote": {},
                 "visible": a.listing.is_visible, "held": None,
                 **({"source_record": a.listing.record} if records else {})} for i, a in enumerate(chunk)])
            connection.execute(insert(AppliedSectionRow), [
                {"storefront": STORE, "key": a.key, "section": str(section), "hash": a.listing.hashes[section],
                 "payload": payload}
                for a in chunk for section, payload in section_payloads(a.listing).items()])
    engine.dispose()


def _child(args: list[str], tree: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as links:
        if tree is not None:
            # `bookbridge` is the src/ folder (setuptools maps it): a link named so, found before the installed one.
            (Path(links) / "bookbridge").symlink_to((tree / "src").resolve(), target_is_directory=True)
            env["PYTHONPATH"] = os.pathsep.join([links, str(Path.cwd()), env.get("PYTHONPATH", "")])
        out = subprocess.run([sys.executable, "-m", "benchmarks.plan_catalogue", *args],
                             check=True, capture_output=True, text=True, env=env).stdout
    if args[0] == "--prepare":
        return {}
    result = dict(json.loads(out.strip().splitlines()[-1]))
    expected = (tree / "src").resolve() if tree is not None else Path(__file__).resolve().parents[1] / "src"
    if Path(result["package"]).resolve() != expected:
        raise SystemExit(f"the child imported bookbridge from {result['package']}, not {expected}")
    return result


def _same_schema(tree: Path) -> None:
    """The fixture is written once per database by this tree: a baseline must read the same schema."""
    here = Path(__file__).resolve().parents[1] / "src/adapters/persistence/migrations/versions"
    there = tree / "src/adapters/persistence/migrations/versions"
    names = {p.name for p in here.glob("*.py")}
    if names != {p.name for p in there.glob("*.py")}:
        raise SystemExit(f"{tree} has other migrations than this tree: its applied state needs its own fixture")


def _check_identical(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Every case of one size planned the same: cold, and warm (payloads and field-level changes included)."""
    for size in {r["editions"] for _, r in rows}:
        of_size = [(label, r) for label, r in rows if r["editions"] == size]
        for key in ("creates", "cold_digest", "warm_updates", "warm_unchanged", "warm_digest"):
            values = {r[key] for _, r in of_size}
            if len(values) != 1:
                raise SystemExit(f"{size:,} editions: the plans differ ({key}: "
                                 + ", ".join(f"{label} {r['state']}: {r[key]}" for label, r in of_size) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--state-url", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--baseline", type=Path, help="a directory whose src/ tree to measure as 'before'")
    parser.add_argument("--states", nargs="+", choices=STATES, default=["memory", "sqlite"],
                        help="where the warm plan reads the applied state from (default: memory sqlite)")
    parser.add_argument("--postgresql-url", help="a PostgreSQL database for the postgresql state (the benchmark "
                        f"migrates it and replaces the records of store {STORE!r})")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.state_url)))
        return
    if args.prepare:
        _prepare(args.prepare, args.state_url)
        return
    if "postgresql" in args.states and not args.postgresql_url:
        parser.error("--states postgresql needs --postgresql-url")
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.baseline is not None:
        _same_schema(args.baseline)
        trees.insert(0, (f"baseline {args.baseline}", args.baseline))
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            for state in args.states:
                url = {"memory": None, "sqlite": f"sqlite:///{scratch}/state-{size}.db",
                       "postgresql": args.postgresql_url}[state]
                if url is not None:
                    _child(["--prepare", str(size), "--state-url", url], None)
                for label, tree in trees:
                    rows.append((label, _child(["--child", str(size), *(["--state-url", url] if url else [])], tree)))
    _check_identical(rows)
    print("| code | editions | applied state | cold s | cold CPU s | µs/edition (CPU) | creates | peak RSS cold (MB) "
          "| warm s | warm CPU s | of which state read s (CPU s) | state read RSS (MB) | warm updates "
          "| peak RSS (MB) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        per = r["cold_cpu_s"] / r["editions"] * 1e6
        read, read_rss = "-", "-"
        if r["read_s"] is not None:
            read, read_rss = f"{r['read_s']:.2f} ({r['read_cpu_s']:.2f})", f"+{r['read_rss_mb']:.0f}"
        print(f"| {label} | {int(r['editions']):,} | {r['state']} | {r['cold_s']:.2f} | {r['cold_cpu_s']:.2f} "
              f"| {per:.0f} | {int(r['creates']):,} | {r['cold_peak_rss_mb']:.0f} | {r['warm_s']:.2f} "
              f"| {r['warm_cpu_s']:.2f} | {read} | {read_rss} | {int(r['warm_updates']):,} | {r['peak_rss_mb']:.0f} |")
    print("\nEvery case of a size planned the same (cold and warm plans, payloads and field-level changes included).")
    print(f"load average {os.getloadavg()[0]:.1f}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)


if __name__ == "__main__":
    main()
