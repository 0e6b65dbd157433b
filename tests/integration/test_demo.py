"""`bookbridge demo` runs on embedded defaults and tells the eight flows, each with where to look."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.pricing import price_at
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.cli.demo import STOREFRONTS


class Demo(NamedTuple):
    out: str  # not a terminal's
    began: datetime
    runs: dict[str, dict[str, int]]  # a sync run's counts by the minute it started (UTC)
    sales: list[dict[str, str]]  # the rows of the CSV sales sink's files
    config: Path  # the kept folder's bookbridge.toml
    afterwards: dict[str, str]  # what each command the demo points to printed, on the kept state, by command
    kept: list[str]  # the kept folder's files and folders, by name


# The commands the demo points to for what it lists in part, run after it on its kept state.
POINTED_TO = ("sales report", "exceptions list", "milestones")


@pytest.fixture(scope="module")
def demo() -> Demo:
    """One run of `bookbridge demo --keep` for the module: its output (not a terminal), when it began, the
    counts of its sync runs as the state database keeps them, and the sales CSV files' rows."""
    began = datetime.now(UTC)
    result = CliRunner().invoke(app, ["demo", "--keep"])  # no COLUMNS: output off a terminal is never wrapped
    assert result.exit_code == 0, result.output
    out = result.output
    kept = re.search(r"Kept the demo's folder: (\S+) ", out)
    assert kept, out
    folder = Path(kept.group(1))
    try:
        assert (folder / "state.db").is_file() and sorted((folder / "sales").glob("*.csv"))
        kept_names = sorted(path.name for path in folder.iterdir())
        with closing(sqlite3.connect(folder / "state.db")) as db:
            runs = {str(started)[:16]: json.loads(counts) for started, counts in
                    db.execute("SELECT started, counts FROM sync_runs ORDER BY id")}
        sales = [row for path in sorted((folder / "sales").glob("*.csv"))
                 for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())]
        config = folder / "bookbridge.toml"
        afterwards = {}
        for command in POINTED_TO:
            read = CliRunner().invoke(app, [*command.split(), "-c", str(config)],
                                      env={"BOOKBRIDGE_DATABASE_URL": None, "BOOKBRIDGE_CONFIG": None})
            assert read.exit_code == 0, (command, read.output)
            afterwards[command] = read.output
        planned = CliRunner().invoke(app, ["plan", "-c", str(config), "--json"],
                                     env={"BOOKBRIDGE_DATABASE_URL": None, "BOOKBRIDGE_CONFIG": None})
        assert planned.exit_code == 0, planned.output
        afterwards["plan"] = planned.output
    finally:
        shutil.rmtree(folder)
    return Demo(out, began, runs, sales, config, afterwards, kept_names)


def test_the_kept_folder_is_said_whole(demo):
    # Every file the kept folder holds is named where the demo says what it kept, the second store's state too.
    said = re.search(r"Kept the demo's folder: \S+ \(([^)]*(?:\([^)]*\)[^)]*)*)\)\. Commands", demo.out)
    assert said, demo.out[-1500:]
    named = {re.sub(r"/.*", "", name) for name in re.findall(r"[\w.-]+(?:/\*\.csv)?", said.group(1))}
    assert set(demo.kept) <= named, (demo.kept, said.group(1))
    assert "variants.db, the state of the second store, which sells formats as variants" in said.group(1)


# A store's instant, as `bookbridge jobs` and `runs` give it: in UTC, each storefront's local time beside it.
STORE_INSTANT = (r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC \(storefront 'uk': (\d{4}-\d\d-\d\d \d\d:\d\d) (?:GMT|BST) "
                 r"\(Europe/London\); storefront 'us': (\d{4}-\d\d-\d\d \d\d:\d\d) E[SD]T \(America/New_York\)\)")


# An instant of the timeline: the products its sync updated, then its changes on each storefront (those of held-back
# editions counted), as `bookbridge jobs` describes the job at that instant.
INSTANT_COUNTS = (r"(\d+) store changes? \((\d+) changes? on the storefronts(; (?:1 change of a held-back edition|"
                  r"\d+ changes of held-back editions) not shown)?\)")


def test_the_clock_runs_three_days_up_to_now_in_utc_with_each_storefronts_time_beside_it(demo):
    out, began = demo.out, demo.began
    start = re.search(rf"it starts three days ago, at {STORE_INSTANT}, and ends now", out)
    assert start, out[:1500]
    utc = datetime.strptime(start.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert began - timedelta(days=3, minutes=1) <= utc <= began - timedelta(days=3) + timedelta(minutes=1)
    for local, zone in zip(start.groups()[1:], ("Europe/London", "America/New_York"), strict=True):
        assert local == f"{utc.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}", (local, zone)
    ahead = re.search(rf"Ahead of now, for the service: \d+ jobs? at an instant \(every instant a listing changes, a "
                      rf"price-only campaign flip or a held-back edition's change too, as `bookbridge serve -c "
                      rf"(\S+)/bookbridge\.toml` schedules them, and then `bookbridge jobs -c \1/bookbridge\.toml` "
                      rf"lists them\); the next at {STORE_INSTANT}\.", out)  # kept: the kept state's commands
    assert ahead, out
    assert " GMT (Europe/London) for storefront" not in out, "no instant of the store's without UTC"


def test_metadata_becomes_products_and_a_second_sync_writes_nothing(demo):
    out = demo.out
    assert "50 title families, 122 editions" in out
    assert re.search(r"First sync: \d+ BigCommerce API calls", out)
    created = re.search(r"│ store 'demo store'\s+│\s+(\d+) │\s+(\d+) │", out)  # the glossary's name
    assert created and int(created.group(1)) > 0
    assert re.search(r"┃ store\s+┃ created", out) and "┃ storefront" not in out, "the sync table names the store"
    assert "held back" in out and "skipped" not in out
    # The plan's counts say what they count: products for the actions, editions for the held back.
    assert re.search(r"│ products to create\s+│\s+\d+ │", out) and "│ held back " not in out, out[:3000]
    assert re.search(r"│ editions held back from every storefront\s+│\s+\d+ │", out), out[:3000]
    # The sync's count is the same count under the same label (docs/glossary.md), never a bare "held back".
    assert re.search(r"┃ unchanged ┃ held back from every storefront ┃ failed ┃", out), out[:5000]
    assert not re.search(r"┃ held back ┃", out), out[:5000]
    assert "A second sync with nothing changed makes 0 product changes and 0 API writes." in out
    # A product made in the shop before bookbridge (by hand) is adopted, with its fields shown, not created again.
    made = re.search(r"Already in store 'demo store': .+ \(SKU (\d+), product (\d+), made by "
                     r"hand before bookbridge\): the first sync adopts it", out)
    assert "The shop" not in out, "the store is named in the glossary's words"
    assert made and created.group(2) == "1", out
    assert re.search(rf"adopt {made.group(1)} \(product {made.group(2)}\): \d+ fields change, among them name: ", out)
    assert re.search(r"price: £1\.00 → £\d+\.\d\d", out), "the store's price and ours, both as money"
    # More updates than the plan said: the line says they are links to products made in the run.
    assert re.search(r"\d+ updates? of these only link related products", out)
    # Each planned create shows its availability in brackets, as text.
    assert re.search(r"create 978\d{10}  .+  \[(on sale|on pre-order)\] ", out), out[:3000]
    categories = re.search(r"Categories \(from the demo's subject mapping\): (\d+) categories with products in the "
                           r"channels' trees \((\d+) with their parents\); (.*)", out)
    assert categories and int(categories.group(1)) > 0 and "Fiction > Crime & mystery (" in out, out[:5000]
    # The count is of what the line lists: each category shown, and the rest counted.
    listed = categories.group(3)
    more = re.search(r"; … (\d+) more$", listed)
    shown = listed.count("(channel ")
    assert shown + (int(more.group(1)) if more else 0) == int(categories.group(1)) < int(categories.group(2)), listed
    # Money per currency, with the currency's minor units: never four decimals.
    assert re.search(r"create 978\d{10} .* £\d+\.\d\d, US\$\d+\.\d\d, storefronts 'uk' and 'us' \(channels 1, 2\)", out)
    assert not re.search(r"\d\.\d{4}\b", out)


def test_launches_happen_at_each_storefronts_local_midnight(demo):
    out = demo.out
    # In the dashboard's words, not the store's field values.
    assert "goes on sale (storefront '" in out and "preorder" not in out and "available" not in out
    assert re.search(r"campaign price starts: (£|US\$)\d+\.\d\d", out) and "sale price none" not in out
    # A US midnight launch is 00:00 America/New_York, named; titles on both channels launch at the later midnight.
    assert re.search(r"^\d{4}-\d\d-\d\d 0[45]:00 UTC \(storefront 'uk': \d{4}-\d\d-\d\d 0[45]:00 (GMT|BST) "
                     r"\(Europe/London\); storefront 'us': \d{4}-\d\d-\d\d 00:00 E[SD]T \(America/New_York\)\): "
                     rf"{INSTANT_COUNTS}$", out, re.MULTILINE)
    # Every instant's count of changes on the storefronts matches what it lists (4 shown, the rest counted), each
    # said as `bookbridge jobs`, the dashboard's jobs and /api/upcoming say it: naming its storefront.
    blocks = re.findall(rf"\(America/New_York\)\): {INSTANT_COUNTS}\n((?:  .*\n)*)", out)
    assert blocks, out
    for _, count, _, block in blocks:
        listed = [line for line in block.splitlines() if not line.startswith("  … and")]
        more = re.search(r"… and (\d+) more", block)
        assert len(listed) + (int(more.group(1)) if more else 0) == int(count), block
        for line in listed:
            assert re.fullmatch(r"  .+ \(.+\), ISBN 978\d{10} .+ \(storefront '(uk|us)'\)", line), line
    assert re.search(r"^  .+ \(\w+\), ISBN 978\d{10} campaign price starts: £\d+\.\d\d \(regular £\d+\.\d\d\) "
                     r"\(storefront 'uk'\)$", out, re.MULTILINE), out


def test_the_closing_counts_are_the_timelines_launches_and_campaign_flips(demo):
    """A launch is an edition going on sale on a storefront (docs/glossary.md): the closing line counts the
    timeline's "goes on sale" changes, and says the store changes (one product per edition) beside them."""
    out = demo.out
    said = re.search(r"(\d+) launches \((\d+) store changes?\) and (\d+) campaign flips \((\d+) store changes?\) "
                     r"happened at their instants", out)
    assert said, out[-3000:]
    launches, store_launches, flips, store_flips = map(int, said.groups())
    summary = re.search(r"\d+ instants: (\d+) launches \((\d+) store changes?\) and (\d+) campaign flips "
                        r"\((\d+) store changes?\)\.", out)
    assert summary and tuple(map(int, summary.groups())) == (launches, store_launches, flips, store_flips), out
    blocks = re.findall(rf"\(America/New_York\)\): {INSTANT_COUNTS}\n((?:  .*\n)*)", out)
    on_storefronts = sum(int(count) for _, count, _, _ in blocks)
    shown = [line for *_, block in blocks for line in block.splitlines()]
    # Each storefront's launch counts once: at least the shown ones, and no more than the timeline's changes.
    assert sum(" goes on sale" in line for line in shown) <= launches
    assert sum(" campaign price " in line for line in shown) <= flips
    assert launches + flips <= on_storefronts + flips and launches <= on_storefronts, (launches, on_storefronts)
    # An edition's UK and US launches are two launches and one store change (the product the storefronts share).
    assert launches >= store_launches > 0, (launches, store_launches)


def test_each_instants_store_changes_are_the_products_its_sync_run_updated(demo):
    """What the timeline says changed at an instant is what `bookbridge runs` and the dashboard's "Last runs" count
    for that instant's sync: no product is updated there without the timeline saying so."""
    out, runs = demo.out, demo.runs
    instants = re.findall(rf"^(\d{{4}}-\d\d-\d\d \d\d:\d\d) UTC \(storefront 'uk': .*\): {INSTANT_COUNTS}$", out,
                          re.MULTILINE)
    assert instants, out
    for utc, count, _, _ in instants:
        counts = runs[utc]
        assert counts["updated"] == int(count), (utc, counts)


def test_a_cover_is_approved_sent_once_and_its_milestone_fires(demo):
    """A cover and its final approval are an edition's (one ISBN): the demo names the edition `Title (Format)`,
    never "the title"."""
    out = demo.out
    cover = re.search(r"A new cover for (.+ \((?:Hardback|Paperback|eBook \(EPUB\)|eBook \(PDF\)|eBook|Audiobook|"
                      r"Audio CD)\)), ISBN (978\d{10}), arrives from Consonance, not yet approved: the sync sends 0 "
                      r"images", out)
    assert cover, out
    name, isbn = cover.groups()
    assert f"{name} gets its final approval, with the new cover: the sync replaces its product's cover (1 image " \
           "sent, 1 old one deleted)" in out
    # In words, not the codes of `[milestones]`.
    assert (f"Milestone final approval of {name}, ISBN {isbn}, fires its action, to attach its approved assets: "
            "done") in out
    assert "final-approval" not in out and "attach-assets" not in out
    assert "The title gets" not in out and "No title on sale" not in out
    assert "The next sync sends 0 images: a cover is sent once." in out


def test_formats_are_linked_and_credits_name_their_roles(demo):
    out = demo.out
    linked = re.search(r"Formats linked: (.+) \(Hardback\) \(product \d+\) lists (.+) as related products, and they "
                       r"list it\.", out)
    assert linked and f"{linked.group(1)} (Paperback)" in linked.group(2), out
    credits = re.search(r'Credits with roles: page title "(.+) by (.+), translated by (.+)"; Contributors field '
                        r'"Author: (.+); Translator: (.+)"\.', out)
    assert credits and credits.group(2, 3) == credits.group(4, 5), out


def test_a_family_is_sold_as_variants(demo):
    out = demo.out
    assert '([[storefronts]] format_strategy = "variants")' in out, "the TOML table is named, not swallowed"
    assert re.search(r"variant 978\d{10}: Hardback, £\d+\.\d\d\n\s+variant 978\d{10}: Paperback, £", out)
    # The family has print and digital editions, so two products, each named by its title and its kind, once; the
    # store's product type follows in words, not as a second bracket after the name.
    title = re.search(r'format_strategy = "variants"\)\. (.+) becomes 2 products there', out)
    assert title, out
    products = re.findall(r"\n  (\S.*): a (physical|digital) product\n", out)
    assert products == [(f"{title.group(1)} (Print)", "physical"), (f"{title.group(1)} (Digital)", "digital")], out
    assert "(physical)" not in out and "(digital)" not in out


def test_orders_of_the_past_28_days_up_to_now_come_back_as_sales(demo):
    out, began = demo.out, demo.began
    placed = re.search(r"Shoppers placed (\d+) orders \((\d+) lines, (\d+) units\) over the past 28 days up to now",
                       out)
    assert placed and int(placed.group(1)) > 0
    imported = re.search(r"│\s+(\d+) │\s+(\d+) │\s+\d+ │\s+0 │\s+0 │", out[out.index("Order import"):])
    assert imported and imported.groups() == (placed.group(1), placed.group(2)), out
    # The orders' 28 days are the report's 28 days, in every storefront's own day: one CSV file a day.
    assert "sales sink 'consonance-csv': 28 days sent" in out, out[out.index("Order import"):][:1500]
    window = re.search(r"Sales from (\S+) to (\S+), by edition", out)
    assert window and date.fromisoformat(window.group(2)) == began.date(), "the report's 28 days end today"
    assert re.search(r"┃ ISBN\s+┃ title\s+┃ format\s+┃ currency ┃", out) and "eBook (EPUB)" in out
    assert "ebook-epub" not in out and re.search(r"│ (GBP|USD)\s+│\s+\d+ │\s+(£|US\$)[\d,]+\.\d\d │", out)
    # What was counted, said precisely: the orders placed, the cancelled and refunded among them, the units sold.
    sold = re.search(r"(\d+) orders, 1 cancelled \(not counted\), 1 refunded \(its units taken back\): (\d+) units "
                     r"sold \(£[\d,]+\.\d\d, US\$[\d,]+\.\d\d\)", out)
    assert sold and sold.group(1) == placed.group(1)
    assert 0 < int(sold.group(2)) < int(placed.group(3)), "the cancelled and refunded lines are taken back out"
    assert "Fastest-moving formats" in out and "Reprint signal" in out
    rates = re.findall(r"│\s+\d+ │\s+(\d+(?:\.\d+)?) │\n", out[out.index("Fastest-moving formats"):])
    assert rates and all(re.fullmatch(r"\d+\.\d", r) for r in rates), rates  # one decimal, as JSON: 28.0, 20.5
    assert "(/tmp" not in out or "kept with it" in out
    assert "removed when the demo ends" not in out, "--keep keeps the folder: the demo must not say otherwise"


def test_every_order_is_priced_at_the_price_in_force_on_its_day_on_its_storefront_then_for_sale_there(demo):
    """A shopper pays what the store showed when the order was placed: the regular price before a campaign starts,
    the campaign price during it (the domain's `price_at`, as every sync prices a listing), for an edition that
    could be bought there then. A day's sales of an edition on a storefront are its units at that day's price,
    whatever the store shows at the demo's end."""
    out, sales = demo.out, demo.sales
    start = re.search(rf"it starts three days ago, at {STORE_INSTANT}", out)
    assert start and sales, out[:1500]
    first_day = datetime.strptime(start.group(1), "%Y-%m-%d %H:%M").date()  # the sample catalogue's anchor
    editions = {str(e.isbn): e for f in sample_catalogue(first_day) for e in f.editions}
    storefronts = {s.name: s for s in STOREFRONTS}
    before = during = 0
    for row in sales:
        storefront = storefronts[row["storefront"]]
        day = date.fromisoformat(row["day"])  # the storefront's own day; campaign windows are whole days there
        noon = datetime.combine(day, time(12), tzinfo=storefront.zone)
        edition = editions[row["isbn"]]
        assert build_edition_listing(edition, storefront, at=noon).purchasable, ("not to be bought then", row)
        found = price_at(edition.prices, storefront.price_context, noon)
        assert found is not None and row["currency"] == found.currency, row
        assert Decimal(row["net_amount"]) == Decimal(row["quantity"]) * found.effective, (row, found)
        campaign = [r for r in edition.prices if r.qualifier == "08" and r.currency == found.currency]
        if campaign and campaign[0].valid_from is not None:
            if day < campaign[0].valid_from:
                before += 1
            else:
                during += 1
    assert before and during, "days before and during a campaign both sold, each at its own price"


def test_each_flow_says_where_to_look(demo):
    out = demo.out
    for section in ("Title metadata becomes products", "Territorial rights", "Every failure in the exception queue",
                    "Launches and campaign prices, at their instants", "Approved assets, and a milestone",
                    "Formats as variants", "Orders come back as sales"):
        block = out.split(f"== {section} ==", 1)[1].split("\n== ", 1)[0]
        assert "Where to look: " in block, section


def test_output_off_a_terminal_is_never_wrapped(demo):
    out = demo.out
    assert max(len(line) for line in out.splitlines()) > 120, "long lines stay whole"
    assert not re.search(r"97818000\d{0,4}…", out) and not re.search(r"\b97818\d{0,7}\n", out), "no cut ISBN"


def test_an_exception_on_the_store_itself_names_the_store_not_a_storefront(demo):
    """A subject without a category is per edition and store: "on store 'demo store'", as the dashboard says it,
    while a storefront's reads "on storefront 'us'"; each line as `bookbridge sync` prints it."""
    out = demo.out
    queue = out.split("== Every failure in the exception queue ==", 1)[1].split("\n== ", 1)[0]
    assert re.search(r"exception subject without a category: .+ \(.+\), ISBN \d{13} on store 'demo store': "
                     r"Thema \w+ \(", queue), queue
    assert " on demo store:" not in queue
    # The edition by name, the kind in words (docs/glossary.md), as the dashboard and `exceptions list` say them.
    assert re.search(r"exception rights conflict: .+ \(.+\), ISBN \d{13} on storefront 'us': not licensed", queue), \
        queue


def test_categories_are_named_by_the_storefront_whose_channel_tree_holds_them(demo):
    """The glossary's words: a storefront sells on a channel; the line names the storefront and its channel."""
    out = demo.out
    line = next(text for text in out.splitlines() if text.startswith("Categories (from the demo's subject mapping)"))
    assert re.search(r"; storefront 'uk' \(channel 1\): Fiction > ", line), line
    assert "; storefront 'us' (channel 2): " in line, line
    assert not re.search(r"; channel \d+:", line), line


def test_what_the_demo_lists_in_part_its_kept_state_lists_whole_with_the_command_it_names(demo):
    """Each pointer names the command with the kept configuration (`-c`), and that command, run after the demo,
    lists what the demo showed in part: its state, not an empty ./bookbridge.db."""
    out = " ".join(demo.out.split())
    for command in POINTED_TO:
        assert f"`bookbridge {command} -c {demo.config}`" in out, command
    assert re.search(rf"… and \d+ more rows \(`bookbridge sales report -c {re.escape(str(demo.config))}` lists them "
                     r"all\)", out), out
    assert re.search(r"Sales from \S+ to \S+, by edition", demo.afterwards["sales report"])
    opened = re.search(r"(\d+) open exceptions:", out)
    assert opened and f"Open exceptions: {opened.group(1)}" in demo.afterwards["exceptions list"]
    assert "final approval" in demo.afterwards["milestones"], demo.afterwards["milestones"]
    assert f"Commands read its state with -c {demo.config}, as in `bookbridge sales report -c {demo.config}`" in out


def test_the_kept_configuration_gives_the_catalogue_the_demo_ended_with(demo):
    """`bookbridge plan -c <kept>/bookbridge.toml` right after the demo reads the catalogue the demo ended with
    (its approved cover and all): the store is in line with it, so there is nothing to send."""
    counts = json.loads(demo.afterwards["plan"])["counts"]
    assert {kind: n for kind, n in counts.items() if kind in ("create", "update", "hide") and n}  == {}, counts
