"""Every table the CLI prints, on terminals 60, 80, 100 and 120 columns wide: nothing runs off the edge, nothing
is cut (`2026-…`, `97819999`/`90015`, `rights-confli`/`ct`), and each ISBN, instant, URL, id and code shows whole,
on one line, exactly as often as off a terminal. A table that cannot fit prints its rows as `header: value` lines.

One world serves every command: the sample catalogue synced into the BigCommerce sandbox (runs, exceptions,
`check`'s connections and channels), an order imported (`orders import`, `sales report`), the service's jobs
scheduled, a milestone recorded and a lease held.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.persistence import make_engine, make_leases, upgrade
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from cli_support import UK_STOREFRONT, on_a_terminal, run, write_config

WIDTHS = (60, 80, 100, 120)
US_STOREFRONT = ('[[storefronts]]\nname = "us"\nchannel_id = 2\ncountries = ["US"]\ncurrency = "USD"\n'
                 'timezone = "America/New_York"\ndefault_currency = false\n')
TOML = """
[source]
kind = "sample"
families = {families}

[store]
kind = "bigcommerce"
name = "shop"
store_hash = "sandbox"
access_token_env = "SANDBOX_TOKEN"
v3_base_url = "{v3}"
v2_base_url = "{v2}"
{storefronts}
[[sales_sinks]]
kind = "csv"
directory = "{out}"
"""
# What must show whole: a URL, an instant (`2026-12-05 00:00 EST (America/New_York)`, `2026-12-05 05:00 UTC`, a
# day), an ISBN, and a code or id (`rights-conflict`, `sync:shop`, `at:shop:2031-01-15T05:00:00+00:00`).
WHOLE = re.compile(r"https?://[^\s│┃]+"
                   r"|\b\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?(?:[+-]\d\d:\d\d)?(?: [A-Z][A-Za-z0-9+-]*"
                   r"(?: \([A-Za-z_/+-]+\))?)?)?"
                   r"|\b97[89]\d{10}\b"
                   r"|\b[a-z0-9]+(?:[-:][a-z0-9.]+)+\b")
TABLE_COMMANDS = [("plan",), ("runs",), ("exceptions", "list"), ("source", "inspect"), ("check",), ("jobs",),
                  ("milestones",), ("lease", "list"), ("sales", "report", "--by", "edition"),
                  ("sales", "report", "--by", "format"), ("plugins",)]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("tables")
    seeds = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                          rate_limit=RateLimitConfig(time_scale=0.001))
    with SandboxServer(seeds) as sandbox:
        env = {"SANDBOX_TOKEN": sandbox.config.token}
        config = write_config(folder, TOML.format(families=12, v3=sandbox.base_url_v3, v2=sandbox.base_url_v2,
                                                  out=folder / "out", storefronts=UK_STOREFRONT + US_STOREFRONT))
        assert run("sync", "-c", str(config), env=env).exit_code == 0
        listed = json.loads(run("exceptions", "list", "--json", "-c", str(config), env=env).stdout)
        assert {e["kind"] for e in listed} >= {"rights-conflict", "blocking-readiness"}, listed
        isbn = next(p["sku"] for p in sandbox.state.products.values() if p["sku"].startswith("97"))
        sandbox.state.orders.add([{"sku": isbn, "quantity": 2, "price": "10"}])
        assert run("orders", "import", "-c", str(config), env=env).exit_code == 0
        _schedule_and_record(config, env, isbn)
        yield config, env


def _schedule_and_record(config: Path, env: dict[str, str], isbn: str) -> None:
    """The service's jobs (with a launch at midnight in New York), a milestone, and a lease held by a long name."""
    import os

    os.environ.update(env)
    try:
        container = Container()
        container.config_path.override(config)
        service = Service(container, instance="tables-test", order_import=lambda c: None)
        service.start(sync_at_start=False)
        service.schedule_wakeups([(isbn, datetime(2031, 1, 15, 5, 0, tzinfo=UTC))], {})
        service.shutdown(wait=True)
        container.shutdown_resources()
    finally:
        for key in env:
            os.environ.pop(key, None)
    database = next(line for line in config.read_text().splitlines() if line.startswith("database_url"))
    engine = make_engine(database.split("=", 1)[1].strip().strip('"'))
    upgrade(engine)
    SqlAlchemyMilestoneLog(engine).record(MilestoneRecord(
        at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC), store="shop",
        event=MilestoneEvent(isbn, Transition.ACTIVE, "04", "04"), action="sync-now", ok=True,
        detail="the product was synced at once, and its page now shows the edition as available to order"))
    holder = "a-build-host-with-a-very-long-name.ci.example.org:4242"
    assert make_leases(engine).acquire("sync:shop", holder, timedelta(minutes=5))
    engine.dispose()


def whole_values(text: str) -> Counter[str]:
    return Counter(WHOLE.findall(text))


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=" ".join)
def test_every_table_shows_its_values_whole_at_every_width(world, command):
    config, env = world
    args = (*command, "-c", str(config)) if command != ("plugins",) else command
    plain = run(*args, env=env)
    expected = whole_values(plain.stdout)
    assert expected, f"{' '.join(command)} shows no value to keep whole:\n{plain.stdout}"
    for width in WIDTHS:
        shown = on_a_terminal(*args, columns=width, env=env)
        assert shown.exit_code == plain.exit_code, (width, shown.output)
        too_long = [line for line in shown.output.splitlines() if len(line) > width]
        assert not too_long, f"at {width} columns, lines run off the edge:\n{shown.output}"
        assert "…" not in shown.output, f"at {width} columns, a value is cut:\n{shown.output}"
        broken = expected - whole_values(shown.output)
        assert not broken, f"at {width} columns, {sorted(broken)} do not show whole:\n{shown.output}"
