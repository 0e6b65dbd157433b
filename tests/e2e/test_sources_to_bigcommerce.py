"""End to end over real HTTP on loopback: ONIX samples and the Consonance stand-in into the BigCommerce sandbox.

The sandbox's state is asserted field by field; a second run makes no write; a dated price change costs
price writes only. State lives in a SQLite file, as in production.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.source import ConsonanceSource
from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.sample import SAMPLE_CATALOGUE
from bookbridge.adapters.consonance.standin.server import ConsonanceStandinServer
from bookbridge.adapters.onix.sources import OnixFileSource
from bookbridge.adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory, upgrade
from bookbridge.application.reconcile import ReconcileStore, reconcile_store, release_drift
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli.render import print_plan

ROSEANNA = Path(__file__).resolve().parents[2].parent / "shared" / "onix-samples" / "editeur-sample-roseanna.onix30.xml"
KEY = "k" * 32
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))


@pytest.fixture
def sandbox():
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US"),), rate_limit=RateLimitConfig(time_scale=0.001))
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def store(sandbox):
    client = BigCommerceClient(BigCommerceConfig(store_hash=sandbox.config.store_hash,
                                                 access_token=sandbox.config.token,
                                                 v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
    yield BigCommerceStorefront(client, name="shop")
    client.close()


@pytest.fixture
def uow(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    yield lambda clock: SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock)
    engine.dispose()


def _custom_fields(sandbox, product_id: int) -> dict[str, str]:
    return {f["name"]: f["value"] for f in sandbox.state.children(sandbox.state.custom_fields, product_id)}


def _writes(sandbox, since: int) -> list[str]:
    return [f"{r.method} {r.api_path}" for r in list(sandbox.requests)[since:] if r.method != "GET"]


@pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {ROSEANNA.parent}")
def test_an_onix_record_becomes_a_bigcommerce_product_field_by_field(sandbox, store, uow):
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    work = uow(clock)
    report = sync_store(COMMAND, OnixFileSource(ROSEANNA), store, work, clock)
    assert (report.created, report.failed) == (1, 0)

    product = sandbox.state.find_by_sku("9780007232833")
    assert product is not None
    expected = {
        "name": "Roseanna (Paperback)", "type": "physical", "gtin": "9780007232833", "availability": "available",
        "is_visible": True, "price": 7.99, "retail_price": 7.99, "weight": 0.195, "height": 19.7, "width": 13.0,
        "depth": 1.8, "open_graph_type": "book", "is_preorder_only": False,
    }
    assert {k: product[k] for k in expected} == expected
    assert product["custom_url"]["url"] == "/roseanna-paperback-9780007232833/"
    assert "Martin Beck" in product["search_keywords"] or "Sjöwall" in product["search_keywords"]
    fields = _custom_fields(sandbox, product["id"])
    assert {k: fields[k] for k in ("ISBN", "Format", "Trim size", "Pages", "Series", "Series number",
                                   "Publication date")} == {
        "ISBN": "9780007232833", "Format": "Paperback", "Trim size": "197 x 130 mm", "Pages": "245",
        "Series": "The Martin Beck series", "Series number": "1", "Publication date": "2006-08-07"}
    images = sandbox.state.children(sandbox.state.images, product["id"])
    # BigCommerce downloads the image and keeps its file name; it does not echo the source URL.
    assert [(i["image_file"].rsplit("/", 1)[-1], i["description"], i["is_thumbnail"]) for i in images] == [
        ("9780007232833.jpg", "Front cover: Roseanna", True)]
    # Rights: 01 for GB (and others), 06 for US/CA: the UK channel lists it, the US channel does not.
    assert sandbox.state.product_channels(product["id"]) == [1]
    assert not sandbox.state.price_records  # not listed in the US, so no USD price-list record

    since = len(sandbox.requests)
    again = sync_store(COMMAND, OnixFileSource(ROSEANNA), store, work, clock)
    assert (again.created, again.updated, _writes(sandbox, since)) == (0, 0, [])


def test_the_consonance_catalogue_becomes_bigcommerce_products_field_by_field(sandbox, store, uow):
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    work = uow(clock)
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as consonance, \
            ConsonanceClient(consonance.url, KEY, sleep=lambda s: None) as client:
        source = ConsonanceSource(client, today=lambda: clock.now().date())
        report = sync_store(COMMAND, source, store, work, clock)
        assert report.failed == 0, report.exceptions_opened

        hardback = sandbox.state.find_by_sku("9781999990015")
        assert hardback is not None
        assert {k: hardback[k] for k in ("name", "type", "availability", "price", "weight", "height", "width",
                                         "depth")} == {
            "name": "The Salt Road: A Harbour Quartet novel (Hardback)", "type": "physical",
            "availability": "available", "price": 16.99, "weight": 0.54, "height": 23.4, "width": 15.3,
            "depth": 2.8}
        assert "A ferry captain, a missing ledger" in hardback["description"]
        assert "Unputdownable" not in hardback["description"]  # a draft review quote stays out
        fields = _custom_fields(sandbox, hardback["id"])
        assert (fields["Series"], fields["Series number"], fields["Pages"]) == ("The Harbour Quartet", "1", "352")
        assert sandbox.state.product_channels(hardback["id"]) == [1]  # for sale in GB and IE only

        ebook = sandbox.state.find_by_sku("9781999990039")
        assert ebook is not None
        assert (ebook["type"], ebook["weight"], ebook["name"]) == (
            "digital", 0, "The Salt Road: A Harbour Quartet novel (eBook (EPUB))")  # the work's subtitle
        assert sandbox.state.product_channels(ebook["id"]) == [1, 2]  # world rights, GBP and USD prices
        [usd] = [r for r in sandbox.state.price_records.values() if r["variant_id"] == ebook["base_variant_id"]]
        assert (usd["currency"], Decimal(str(usd["price"]))) == ("usd", Decimal("9.99"))

        paperback = sandbox.state.find_by_sku("9781999990022")  # forthcoming 2027-02-04, embargoed till then
        assert paperback is not None
        assert (paperback["availability"], paperback["preorder_release_date"][:10]) == ("preorder", "2027-02-04")

        since = len(sandbox.requests)
        assert sync_store(COMMAND, source, store, work, clock).updated == 0
        assert _writes(sandbox, since) == []

        # A dated price row (effectiveFrom 2026-12-01) takes over at midnight in the storefront's time zone.
        clock.advance_to(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
        since = len(sandbox.requests)
        moved = sync_store(COMMAND, source, store, work, clock)
        assert moved.updated == 1
        assert sandbox.state.find_by_sku("9781999990015")["price"] == 12.99
        assert _writes(sandbox, since) == ["PUT /v3/catalog/products"]


def test_state_is_kept_in_the_database_between_processes(sandbox, store, uow, tmp_path):
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as consonance, \
            ConsonanceClient(consonance.url, KEY, sleep=lambda s: None) as client:
        source = ConsonanceSource(client, today=lambda: date(2026, 11, 28))
        sync_store(COMMAND, source, store, uow(clock), clock)
        since = len(sandbox.requests)
        fresh = uow(clock)  # a new unit of work on the same database, as after a restart
        assert sync_store(COMMAND, source, store, fresh, clock).created == 0
        assert _writes(sandbox, since) == []


def _isbn_changes(work) -> list:
    with work:
        return [e for e in work.exceptions.open_items() if e.kind is ExceptionKind.ISBN_CHANGED]


@pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {ROSEANNA.parent}")
def test_an_isbn_typo_in_the_source_keeps_the_product_on_sale_until_a_person_accepts_it(sandbox, store, uow,
                                                                                        tmp_path):
    """The ONIX record (RecordReference com.globalbookinfo.onix.01734529) is synced, then its ISBN is mistyped:
    the product stays listed, nothing is made for the typo, one exception and the plan say so; fixing the ISBN
    resolves the exception; mistyped again and resolved by hand, the next sync hides it and creates the new one."""
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    work = uow(clock)
    feed = tmp_path / "roseanna.xml"
    original = ROSEANNA.read_text(encoding="utf-8")
    typo = "9780007232840"  # one digit off, checksum fixed: a valid ISBN of no title here

    def sync(text: str):
        feed.write_text(text, encoding="utf-8")
        return sync_store(COMMAND, OnixFileSource(feed), store, work, clock)

    assert sync(original).created == 1
    product = sandbox.state.find_by_sku("9780007232833")
    mistyped = original.replace("<IDValue>9780007232833</IDValue>", f"<IDValue>{typo}</IDValue>")

    since = len(sandbox.requests)
    report = sync(mistyped)
    assert (report.created, report.hidden, report.gone, _writes(sandbox, since)) == (0, 0, [], [])
    assert sandbox.state.find_by_sku("9780007232833")["is_visible"] and sandbox.state.find_by_sku(typo) is None
    [item] = _isbn_changes(work)
    words = (f"record com.globalbookinfo.onix.01734529 (Roseanna (Paperback)) now has ISBN {typo}, not ISBN "
             "9780007232833 under which its product is in the store: the product is kept as it is, and no product "
             f"is made for ISBN {typo}. If ISBN {typo} is a mistake, correct it in the source: the next sync "
             f"resolves this exception. If it is right, resolve this exception: the next sync hides the product of "
             f"ISBN 9780007232833 and creates one for ISBN {typo}")
    assert (item.isbn, item.storefront, item.message) == ("9780007232833", "shop", words)
    # Beside the edition's own (its rights on storefront 'us', now under its new ISBN), one ISBN change.
    assert [line for line in report.exceptions_opened if line.startswith("ISBN changed")] == [
        f"ISBN changed in the source: Roseanna (Paperback), ISBN 9780007232833 on store 'shop': {words}"]
    console = Console(record=True, width=2000)
    print_plan(console, plan_store(COMMAND, OnixFileSource(feed), work, clock), storefronts=(UK, US))
    assert f"held back Roseanna (Paperback), ISBN {typo}: ISBN changed in the source: {words}" \
        in console.export_text()
    # A reconcile finds no drift in the product kept as it is: the next syncs hide nothing while it is open.
    reconciled = reconcile_store(ReconcileStore("shop", OnixFileSource(feed).name), store, work, clock)
    assert (reconciled.findings, reconciled.kept_isbn_changed) == ([], ["9780007232833"])

    assert sync(original).exceptions_opened == []  # the typo fixed in the source
    assert _isbn_changes(work) == [] and sandbox.state.find_by_sku("9780007232833")["is_visible"]
    with work:
        assert work.exceptions.get(item.id).resolution == "resolved: the source gives the record ISBN " \
                                                          "9780007232833 again"

    sync(mistyped)
    [again] = _isbn_changes(work)
    release_drift(work, again.id, note="the new ISBN is right", clock=clock)
    console = Console(record=True, width=2000)
    print_plan(console, plan_store(COMMAND, OnixFileSource(feed), work, clock), storefronts=(UK, US))
    assert re.search(r"│ hide +│ 9780007232833 +│ Roseanna \(Paperback\) +│", console.export_text())
    replaced = sync(mistyped)
    assert (replaced.created, replaced.hidden, replaced.gone) == (1, 1, ["9780007232833"])
    assert not sandbox.state.find_by_sku("9780007232833")["is_visible"]
    assert sandbox.state.find_by_sku(typo)["is_visible"] and sandbox.state.find_by_sku(typo)["id"] != product["id"]
    assert _isbn_changes(work) == []


@pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {ROSEANNA.parent}")
def test_an_isbn_whose_check_digit_is_mistyped_keeps_the_product_on_sale(sandbox, store, uow, tmp_path):
    """The file is the whole catalogue, and its record is not read (an invalid ISBN): its exception is on the
    source, the plan and the sync name the product kept, and the store is not written; the fix brings the record
    back with nothing to write."""
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    work = uow(clock)
    feed = tmp_path / "roseanna.xml"
    original = ROSEANNA.read_text(encoding="utf-8")
    feed.write_text(original, encoding="utf-8")
    assert sync_store(COMMAND, OnixFileSource(feed, complete=True), store, work, clock).created == 1

    feed.write_text(original.replace("<IDValue>9780007232833</IDValue>", "<IDValue>9780007232834</IDValue>"),
                    encoding="utf-8")
    console = Console(record=True, width=2000)
    print_plan(console, plan_store(COMMAND, OnixFileSource(feed, complete=True), work, clock), storefronts=(UK, US))
    assert ("kept as it is, its record not read: 1 product (9780007232833); fix the record in the source"
            in console.export_text())
    since = len(sandbox.requests)
    report = sync_store(COMMAND, OnixFileSource(feed, complete=True), store, work, clock)
    assert (report.hidden, report.gone, report.kept_unread, _writes(sandbox, since)) == (0, [], ["9780007232833"], [])
    assert sandbox.state.find_by_sku("9780007232833")["is_visible"]
    with work:
        [item] = [e for e in work.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR]
    assert item.isbn == "com.globalbookinfo.onix.01734529"

    feed.write_text(original, encoding="utf-8")
    since = len(sandbox.requests)
    fixed = sync_store(COMMAND, OnixFileSource(feed, complete=True), store, work, clock)
    assert (fixed.kept_unread, fixed.created, _writes(sandbox, since)) == ([], 0, [])
    with work:
        assert [e for e in work.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR] == []


def test_a_consonance_product_whose_isbn_is_mistyped_stays_on_sale(sandbox, store, uow):
    """The Consonance stand-in: a product's ISBN mistyped to another valid one is held under the record's name
    (`consonance:work:…/product:…`, as a record not read is named); mistyped with a check digit that fails, the
    record is not read and its product kept; corrected, both exceptions resolve, and the product was never written."""
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    work = uow(clock)
    data = ConsonanceData.load_json(SAMPLE_CATALOGUE)
    [hardback] = [p for p in data.products() if p.isbn13 == "9781999990015"]
    record = f"consonance:work:{data.work_of(hardback.id).id}/product:{hardback.id}"
    with ConsonanceStandinServer(data, KEY) as consonance, \
            ConsonanceClient(consonance.url, KEY, sleep=lambda s: None) as client:
        source = ConsonanceSource(client, today=lambda: clock.now().date())
        assert sync_store(COMMAND, source, store, work, clock).failed == 0
        since = len(sandbox.requests)

        data.edit_product(hardback.id, on=date(2026, 11, 28), isbn13="9780306406157")  # valid, another title's
        held = sync_store(COMMAND, source, store, work, clock)
        assert (held.hidden, held.created, held.gone) == (0, 0, [])
        [change] = _isbn_changes(work)
        assert change.message.startswith(f"record {record} (The Salt Road: A Harbour Quartet novel (Hardback)) now "
                                         "has ISBN 9780306406157, not ISBN 9781999990015")

        data.edit_product(hardback.id, on=date(2026, 11, 28), isbn13="9781999990016")  # the check digit fails
        kept = sync_store(COMMAND, source, store, work, clock)
        assert (kept.hidden, kept.kept_unread) == (0, ["9781999990015"])
        with work:
            [unread] = [e for e in work.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR]
        assert unread.isbn == record

        data.edit_product(hardback.id, on=date(2026, 11, 28), isbn13="9781999990015")
        fixed = sync_store(COMMAND, source, store, work, clock)
        assert (fixed.hidden, fixed.created, fixed.kept_unread, _isbn_changes(work)) == (0, 0, [], [])
        with work:
            assert [e for e in work.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR] == []
        assert sandbox.state.find_by_sku("9781999990015")["is_visible"]
        # Its siblings' links to it were rewritten (the related products a product names are its family's
        # editions in the catalogue); the product itself never was.
        product_id = sandbox.state.find_by_sku("9781999990015")["id"]
        written = [r for r in list(sandbox.requests)[since:] if r.method != "GET"]
        assert {r.api_path for r in written} <= {"/v3/catalog/products"}
        assert product_id not in {p.get("id") for r in written for p in r.json}
