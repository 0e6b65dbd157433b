"""`bookbridge demo` runs on embedded defaults and reports what happened."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app


def test_demo_plans_syncs_and_flips_launches_and_campaigns():
    began = datetime.now(UTC)
    result = CliRunner().invoke(app, ["demo", "--keep"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    # The simulated days end now, so `demo --serve` carries on from the demo's state on the real clock.
    start = re.search(r"Clock: simulated from (\S+) \(three days ago\) to now", out)
    assert start and abs(datetime.fromisoformat(start.group(1)) + timedelta(days=3) - began) < timedelta(seconds=5)
    kept = re.search(r"Kept the demo's folder: (\S+) ", out)
    assert kept, out
    folder = Path(kept.group(1))
    try:
        assert (folder / "state.db").is_file() and sorted((folder / "sales").glob("*.csv"))
    finally:
        shutil.rmtree(folder)
    assert "50 title families, 122 editions" in out
    assert re.search(r"First sync: \d+ BigCommerce API calls", out)
    created = re.search(r"│ demo store\s+│\s+(\d+) │\s+(\d+) │", out)
    assert created and int(created.group(1)) > 0
    # A product made in the shop before bookbridge (by hand) is adopted, with its fields shown, not created again.
    made = re.search(r"SKU (\d+), product (\d+), made by hand before bookbridge\): the first sync adopts it", out)
    assert made and created.group(2) == "1", out
    assert re.search(rf"adopt {made.group(1)} \(product {made.group(2)}\): \d+ fields change, among them name: ", out)
    assert "Second sync with nothing changed: 0 product changes, 0 API writes." in out
    categories = re.search(r"Categories \(from the demo's subject mapping\): (\d+) in the channels' trees", out)
    assert categories and int(categories.group(1)) > 0 and "Fiction > Crime & mystery (" in out
    assert "the BigCommerce sandbox at http://127.0.0.1:" in out and "SQLite at" in out
    assert re.search(r"preorder -> available", out)
    assert re.search(r"sale prices none -> (GBP|USD) \d+\.\d\d", out)
    # Titles on both channels launch at the later (New York) midnight: nothing is sold early on any channel.
    assert re.search(r"T00:00:00\+00:00: \d+ store changes", out) and re.search(r"T00:00:00-0[45]:00: \d+ store", out)
    done = re.search(r"(\d+) launches and (\d+) campaign price flips", out)
    assert done and int(done.group(1)) > 0 and int(done.group(2)) > 0
    # Orders come back as sales: imported, adjusted by a cancellation and a refund, reported.
    placed = re.search(r"Shoppers placed (\d+) orders \((\d+) lines, (\d+) units\)", out)
    assert placed and int(placed.group(1)) > 0
    imported = re.search(r"│\s+(\d+) │\s+(\d+) │\s+\d+ │\s+0 │\s+0 │", out[out.index("Order import"):])
    assert imported and imported.groups() == (placed.group(1), placed.group(2)), out
    assert re.search(r"Order \d+ was cancelled and order \d+ refunded", out)
    sold = re.search(r"(\d+) orders came back as sales of (\d+) units \(GBP [\d,]+\.\d\d, USD [\d,]+\.\d\d\)", out)
    assert sold and sold.group(1) == placed.group(1)
    assert 0 < int(sold.group(2)) < int(placed.group(3)), "the cancelled and refunded lines are taken back out"
    assert "Fastest-moving formats" in out and "Reprint signal" in out
