"""Every ONIX 3.0 sample in shared/onix-samples, read by the ONIX adapter, with the values the files hold.

Five of the six samples carry an identifier that is not a valid ISBN-13 (anonymised or non-book GTINs:
9780000000000, 978123456789 (12 digits), 3019002489901, and 9782707154298 whose check digit is wrong). Those
records are skipped at the SourceRead level with a blocking `invalid-isbn` problem, so their mapping is asserted
on the parsed OnixRecord, which holds every mapped field whatever the ISBN.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bookbridge.adapters.onix.parser import OnixReader, read_onix
from bookbridge.adapters.onix.records import OnixRecord, WorkKey
from bookbridge.domain.formats import Format
from bookbridge.domain.model import ResourceKind, SubjectScheme, TextKind
from bookbridge.domain.problems import Severity
from bookbridge.domain.territory import Territory

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "onix-samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"ONIX samples not found at {SAMPLES}")

ROSEANNA = "editeur-sample-roseanna.onix30.xml"
HUB = "hubnumerique-9782707154298-epub-with-print-counterpart.onix30.xml"
AUDIO = "imonix-audiobook-AJ-A103.onix30-nonstandard-ns.xml"
OUTLET = "imonix-retailer-exclusive-salesrestriction.onix30-nonstandard-ns.xml"
PROMO = "imonix-promotional-price-periods.product-fragment.xml"
HISTORY = "imonix-price-history-periods.product-fragment.xml"
PLUS_1, PLUS_2 = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))


def only_record(name: str) -> tuple[OnixRecord, OnixReader]:
    reader = OnixReader(SAMPLES / name)
    records = list(reader)
    assert len(records) == 1
    return records[0], reader


def test_every_sample_is_read_without_a_file_error() -> None:
    files = sorted(p.name for p in SAMPLES.glob("*.xml"))
    assert files == sorted([ROSEANNA, HUB, AUDIO, OUTLET, PROMO, HISTORY])
    for name in files:
        read = read_onix(SAMPLES / name)
        assert read.complete is False
        assert all(p.source == name for p in read.problems)


# --- EDItEUR sample: Roseanna (the only sample with a valid ISBN) ----------------------------------------------


def test_roseanna_edition() -> None:
    read = read_onix(SAMPLES / ROSEANNA)
    assert read.problems == ()
    assert read.delisted == ()
    [family] = read.families
    assert family.id == "A0220090000154FA"  # RelatedWork 01, WorkIDType 11 (ISTC)
    assert family.title == "Roseanna"
    [e] = family.editions
    assert e.isbn == "9780007232833"
    assert e.record_reference == "com.globalbookinfo.onix.01734529"
    assert (e.format, e.form_code, e.form_details) == (Format.PAPERBACK, "BC", ("B105",))
    assert (e.title, e.subtitle) == ("Roseanna", None)
    assert e.series is not None and (e.series.name, e.series.number) == ("The Martin Beck series", "1")
    assert [(c.sequence, c.role, c.name, c.name_inverted) for c in e.contributors] == [
        (1, "A01", "Maj Sjöwall", "Sjöwall, Maj"),
        (2, "A01", "Per Wahlöö", "Wahlöö, Per"),
        (3, "B06", "Lois Roth", "Roth, Lois"),
        (4, "A24", "Henning Mankell", "Mankell, Henning"),
    ]
    assert e.contributors[0].biography is not None
    assert e.contributors[0].biography.startswith("<p><strong>Maj Sjöwall</strong> was born in Stockholm in 1935.")
    assert e.contributors[2].biography is None
    assert (e.imprint, e.publisher) == ("HarperPerennial", "HarperCollins Publishers")
    assert (e.dimensions.height_mm, e.dimensions.width_mm, e.dimensions.thickness_mm, e.dimensions.weight_g) == (
        Decimal("197"), Decimal("130"), Decimal("18"), Decimal("195"))
    assert (e.page_count, e.duration_minutes) == (245, None)
    assert e.publication_date == date(2006, 8, 7)
    assert (e.publishing_status, e.availability) == ("04", "21")
    assert e.related_isbns == ("9780007324378",)


def test_roseanna_texts_subjects_and_resources() -> None:
    [family] = read_onix(SAMPLES / ROSEANNA).families
    e = family.editions[0]
    assert [(t.kind, t.approved) for t in e.texts] == [
        (TextKind.SHORT_DESCRIPTION, True), (TextKind.DESCRIPTION, True), (TextKind.REVIEW, True),
        (TextKind.REVIEW, True), (TextKind.PROMOTIONAL, True),
    ]
    assert e.text(TextKind.PROMOTIONAL) == "One of the greatest masterpieces of crime fiction"
    assert (e.text(TextKind.DESCRIPTION) or "").startswith("<p>Widely recognised as the among the greatest")
    assert [(s.scheme, s.code, s.main) for s in e.subjects] == [
        (SubjectScheme.THEMA, "FFP", True), (SubjectScheme.THEMA, "FYT", False),
        (SubjectScheme.THEMA, "1DNS", False), (SubjectScheme.THEMA, "3MPQS", False),
        (SubjectScheme.BISAC, "FIC022000", True),
        (SubjectScheme.KEYWORDS, "Martin Beck", False), (SubjectScheme.KEYWORDS, "Roseanna McGraw", False),
        (SubjectScheme.KEYWORDS, "Lake Vättern", False), (SubjectScheme.KEYWORDS, "Stockholm", False),
        (SubjectScheme.KEYWORDS, "police procedural", False),
    ]
    cover, sample = e.resources
    assert (cover.kind, cover.url, cover.mime_type, cover.height_px, cover.width_px, cover.approved) == (
        ResourceKind.FRONT_COVER, "http://www.harpercollins.co.uk/covers/9780007232833.jpg", "image/jpeg", 341, 222,
        True)
    assert (sample.kind, sample.url) == (
        ResourceKind.SAMPLE, "http://browseinside.harpercollins.co.uk/pageview?isbn=9780007232833")


def test_roseanna_rights_keep_each_composite() -> None:
    [family] = read_onix(SAMPLES / ROSEANNA).families
    rights = family.editions[0].rights
    exclusive, not_for_sale = rights.sales_rights
    assert exclusive.type == "01"
    assert exclusive.territory == Territory(countries_included=(
        "AG AI AU BB BD BM BN BS BW BZ CM CY DM EG FJ FK GB GD GG GH GI GM GY HK IE IL IM IN IO JE JM JO KE KI KN KW "
        "KY LC LK LS MT MU MV MW MY MZ NA NG NR NZ PG PK PN SB SC SD SG SH SL SO SZ TC TO TT TV TZ UG VC VG VU WS YE "
        "RS ME ZA ZM ZW"))
    assert len(exclusive.territory.countries_included) == 77
    assert not_for_sale.type == "06"
    assert not_for_sale.territory == Territory(countries_included="AS CA GU MP PH PR US VI")
    assert rights.row_type == "02"
    assert rights.restrictions == ()


def test_roseanna_prices() -> None:
    [family] = read_onix(SAMPLES / ROSEANNA).families
    gbp, eur, gbp_rest = family.editions[0].prices
    assert (gbp.amount, gbp.currency, gbp.price_type, gbp.qualifier, gbp.territory) == (
        Decimal("7.99"), "GBP", "02", None, Territory(countries_included="GB"))
    assert (eur.amount, eur.currency, eur.price_type) == (Decimal("8.99"), "EUR", "01")
    assert eur.territory == Territory(
        countries_included="AT BE CY FI FR DE ES GR IE IT LU MT NL PT SI SK AD MC ME SM VA")
    assert (gbp_rest.amount, gbp_rest.currency, gbp_rest.price_type) == (Decimal("7.99"), "GBP", "01")
    assert gbp_rest.territory is not None and gbp_rest.territory.regions_included == {"WORLD"}
    assert {"GB", "US", "ZA"} <= gbp_rest.territory.countries_excluded
    assert all(p.valid_from is None and p.valid_until is None for p in family.editions[0].prices)


def test_roseanna_grouping_links() -> None:
    record, _ = only_record(ROSEANNA)
    assert record.work == WorkKey(id_type="11", type_name=None, value="A0220090000154FA")
    assert record.alternative_formats == ("9780007324378",)  # RelatedProduct 06 + 27


def test_roseanna_is_schema_valid() -> None:
    read = read_onix(SAMPLES / ROSEANNA, validate=True)
    assert [p for p in read.problems if p.code == "schema-invalid"] == []


# --- Hub Numérique e-book -------------------------------------------------------------------------------------


def test_hubnumerique_epub_with_print_counterpart() -> None:
    record, reader = only_record(HUB)
    assert reader.problems[0].code == "nonstandard-namespace"  # no namespace at all
    assert (record.isbn, record.raw_isbn) == (None, "9782707154298")  # the check digit is wrong
    [bad] = [p for p in record.problems if p.blocking]
    assert (bad.code, bad.record, bad.line, bad.field) == (
        "invalid-isbn", "9782707154298", 19, "ProductIdentifier/IDValue")
    fields = record.fields
    assert (fields["format"], fields["form_code"], fields["form_details"]) == (Format.EBOOK_EPUB, "ED",
                                                                              ("E101", "E200"))
    assert fields["title"] == "Un bien beau livre"
    assert fields["series"].name == "Cahiers libres"
    assert fields["contributors"][0].name == "Didier REIDID"
    assert fields["contributors"][0].name_inverted == "REIDID, Didier"
    assert fields["publication_date"] == date(2010, 12, 2)  # <DateFormat> element, not attribute
    assert record.alternative_formats == ("9782707158529",)  # RelatedProduct 13 -> the print BC
    prices = fields["prices"]
    assert len(prices) == 19
    # A Price without Territory applies to its ProductSupply's Market (FR).
    assert [(p.amount, p.currency, p.price_type, p.territory) for p in prices[:3]] == [
        (Decimal("6.63"), "EUR", "03", Territory(countries_included="FR")),
        (Decimal("6.99"), "EUR", "04", Territory(countries_included="FR")),
        (Decimal("880.00"), "JPY", "03", Territory(countries_included="JP")),
    ]
    assert fields["resources"][0].size_bytes == 121000
    read = read_onix(SAMPLES / HUB)
    assert read.families == ()
    assert "invalid-isbn" in [p.code for p in read.problems if p.blocking]


# --- Audiobook (wrong namespace) -------------------------------------------------------------------------------


def test_audiobook_format_duration_and_dates() -> None:
    record, reader = only_record(AUDIO)
    [ns] = reader.problems
    assert ns.code == "nonstandard-namespace" and "http://www.editeur.org/onix/3.0/reference" in ns.message
    assert record.raw_isbn == "9780000000000"
    fields = record.fields
    assert (fields["format"], fields["form_code"], fields["form_details"]) == (Format.AUDIOBOOK, "AJ", ("A103",))
    assert fields["duration_minutes"] == 300  # Extent 09, 50000 in unit 16 (HHHMMSS) = 5 h
    assert fields["publication_date"] == datetime(2014, 7, 10, 0, 0, tzinfo=PLUS_2)  # DateFormat 14
    assert fields["expected_availability"] == datetime(2014, 10, 22, 17, 7, 55, tzinfo=PLUS_2)
    assert fields["publisher"] == "Gallimard Audio"
    assert record.alternative_formats == ("9782070140077",)  # RelatedProduct 13
    covers = fields["resources"]
    assert [(r.kind, r.width_px, r.height_px, r.mime_type) for r in covers] == [
        (ResourceKind.FRONT_COVER, 1622, 1462, "image/jpeg"), (ResourceKind.FRONT_COVER, 65, None, "image/jpeg"),
        (ResourceKind.FRONT_COVER, 200, None, "image/jpeg"), (ResourceKind.FRONT_COVER, 1000, None, "image/jpeg"),
    ]
    first = fields["prices"][0]
    assert (first.amount, first.currency, first.price_type, first.qualifier) == (Decimal("15.99"), "EUR", "04", "05")
    assert first.territory == Territory(countries_included="BG")
    assert first.valid_from == datetime(2015, 1, 26, tzinfo=PLUS_1)


def test_audiobook_schema_validation_reports_warnings() -> None:
    read = read_onix(SAMPLES / AUDIO, validate=True)
    schema = [p for p in read.problems if p.code == "schema-invalid"]
    assert schema and all(p.severity is Severity.WARNING for p in schema)


# --- Retailer exclusive (deprecated SalesRightsType 07) -------------------------------------------------------


def test_retailer_exclusive_restriction_and_deprecated_rights_type() -> None:
    record, _ = only_record(OUTLET)
    [rights] = record.fields["rights"].sales_rights
    assert rights.type == "07"
    assert rights.territory == Territory(countries_included="FR LU BE")
    first, second = rights.restrictions
    assert (first.type, first.outlets, first.end) == ("04", ("IMM", "GOO"), None)
    assert (second.type, second.outlets, second.end) == ("04", ("APC",), date(2014, 1, 1))
    deprecated = [p for p in record.problems if p.code == "deprecated-code"]
    assert [(p.severity, p.line, p.field) for p in deprecated] == [
        (Severity.WARNING, 57, "PublishingDetail/SalesRights/SalesRightsType")]
    assert record.fields["availability"] == "45"
    assert record.fields["prices"] == ()  # UnpricedItemType 03: no price row
    assert record.fields["format"] is Format.EBOOK_EPUB
    assert record.raw_isbn == "3019002489901"  # a GTIN-13 that is not an ISBN


# --- Fragments: promotional prices and price history -----------------------------------------------------------


def test_promotional_price_windows() -> None:
    record, reader = only_record(PROMO)
    assert reader.info.root == "Product"  # a bare <Product> fragment
    prices = record.fields["prices"]
    assert len(prices) == 24
    gbp = [(p.amount, p.price_type, p.qualifier, p.valid_from, p.valid_until) for p in prices if p.currency == "GBP"]
    assert gbp == [
        (Decimal("6.99"), "42", "05", None, None),
        (Decimal("3.49"), "42", "08", date(2022, 4, 1), date(2022, 4, 30)),
    ]
    assert record.supply_embargo == date(2011, 5, 4)  # SupplyDate 02
    assert record.edition_fields()["sales_embargo"] == date(2011, 5, 4)
    assert record.fields["format"] is Format.EBOOK_PDF


def test_price_history_timestamps() -> None:
    record, _ = only_record(HISTORY)
    prices = record.fields["prices"]
    assert len(prices) == 49
    lu = [(p.amount, p.valid_from, p.valid_until) for p in prices
          if p.territory == Territory(countries_included="LU")]
    assert lu == [
        (Decimal("4.99"), datetime(2013, 3, 27, 13, 44, 29, tzinfo=PLUS_1), datetime(2013, 4, 27, tzinfo=PLUS_2)),
        (Decimal("14.99"), datetime(2013, 4, 27, tzinfo=PLUS_2), None),
    ]
    cad = prices[-1]
    assert (cad.amount, cad.currency, cad.price_type, cad.qualifier) == (Decimal("14.99"), "CAD", "03", None)
    assert record.fields["expected_availability"] == datetime(2011, 6, 1, 12, 0, tzinfo=PLUS_2)
