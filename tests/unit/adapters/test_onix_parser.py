"""The ONIX 3.0 parser on small inline messages: tag styles, namespaces, dates, header defaults, notification
types, problems, file errors, measures, extents and family grouping."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from onix_messages import AUDIO, EBOOK, NS, OTHER, PRINT, ROSEANNA, message, only_edition, price, product, write

from bookbridge.adapters.onix.parser import OnixReader, read_onix
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import Edition, PriceRow, TextKind
from bookbridge.domain.ports import SourceRead
from bookbridge.domain.problems import Severity

# --- tag styles and namespaces ----------------------------------------------------------------------------------


def test_short_tags_with_header_defaults(tmp_path: Path) -> None:
    xml = f"""<ONIXmessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/short">
<header><m186>EUR</m186><x310>04</x310><m184>fre</m184></header>
<product><a001>short-1</a001><a002>03</a002>
<productidentifier><b221>15</b221><b244>{ROSEANNA}</b244></productidentifier>
<descriptivedetail><b012>BB</b012><titledetail><b202>01</b202><titleelement><x409>01</x409>
<b203>Short Tags</b203></titleelement></titledetail>
<contributor><b034>1</b034><b035>A01</b035><b036>Ann Author</b036></contributor>
<measure><x315>01</x315><c094>24</c094><c095>cm</c095></measure></descriptivedetail>
<productsupply><supplydetail><j396>21</j396><price><j151>12.50</j151></price></supplydetail></productsupply>
</product></ONIXmessage>"""
    read = read_onix(write(tmp_path, xml))
    assert read.problems == ()
    edition = only_edition(read)
    assert (edition.title, edition.format, edition.record_reference) == ("Short Tags", Format.HARDBACK, "short-1")
    assert [(c.role, c.name) for c in edition.contributors] == [("A01", "Ann Author")]
    assert edition.dimensions.height_mm == Decimal("240.0")
    assert edition.availability == "21"
    assert edition.prices == (PriceRow(amount=Decimal("12.50"), currency="EUR", price_type="04"),)


@pytest.mark.parametrize("ns", [None, "http://www.editeur.org/onix/3.0/reference", "urn:something-else"])
def test_missing_or_wrong_namespace_is_read_by_local_names(tmp_path: Path, ns: str | None) -> None:
    read = read_onix(write(tmp_path, message(product(), ns=ns)))
    assert only_edition(read).title == "Roseanna"
    [warning] = read.problems
    assert (warning.code, warning.severity) == ("nonstandard-namespace", Severity.WARNING)


def test_standard_namespace_and_prefixed_namespace(tmp_path: Path) -> None:
    assert read_onix(write(tmp_path, message(product()))).problems == ()
    prefixed = (f'<o:ONIXMessage xmlns:o="{NS}" release="3.0"><o:Product><o:RecordReference>p</o:RecordReference>'
                f"<o:NotificationType>03</o:NotificationType><o:ProductIdentifier><o:ProductIDType>15</o:ProductIDType>"
                f"<o:IDValue>{ROSEANNA}</o:IDValue></o:ProductIdentifier><o:DescriptiveDetail><o:ProductForm>BC"
                "</o:ProductForm><o:TitleDetail><o:TitleType>01</o:TitleType><o:TitleElement><o:TitleElementLevel>01"
                "</o:TitleElementLevel><o:TitleText>Prefixed</o:TitleText></o:TitleElement></o:TitleDetail>"
                "</o:DescriptiveDetail></o:Product></o:ONIXMessage>")
    assert only_edition(read_onix(write(tmp_path, prefixed, "p.xml"))).title == "Prefixed"


def test_bare_product_fragment(tmp_path: Path) -> None:
    read = read_onix(write(tmp_path, product()))
    assert only_edition(read).isbn == ROSEANNA


# --- dates and header defaults ------------------------------------------------------------------------------------


def test_dateformat_attribute_and_element(tmp_path: Path) -> None:
    publishing = """<PublishingDetail><PublishingStatus>02</PublishingStatus>
<PublishingDate><PublishingDateRole>01</PublishingDateRole><DateFormat>14</DateFormat><Date>20260301T090000Z</Date>
</PublishingDate>
<PublishingDate><PublishingDateRole>02</PublishingDateRole><Date dateformat="13">20260228T2330-0500</Date>
</PublishingDate>
<PublishingDate><PublishingDateRole>09</PublishingDateRole><Date dateformat="05">2025</Date></PublishingDate>
<PublishingDate><PublishingDateRole>27</PublishingDateRole><Date>20260215</Date></PublishingDate>
</PublishingDetail>"""
    supply = price(more="<PriceType>02</PriceType><PriceQualifier>08</PriceQualifier>")
    supply = supply.replace("</Price>", '<CurrencyCode>GBP</CurrencyCode><PriceDate><PriceDateRole>24</PriceDateRole>'
                                        '<Date dateformat="06">2026040120260430</Date></PriceDate></Price>')
    edition = only_edition(read_onix(write(tmp_path, message(product(extra=publishing, supply=supply)))))
    assert edition.publication_date == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert edition.sales_embargo == datetime(2026, 2, 28, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert edition.announcement_date == date(2025, 1, 1)
    assert edition.preorder_embargo == date(2026, 2, 15)
    [row] = edition.prices
    assert (row.qualifier, row.valid_from, row.valid_until) == ("08", date(2026, 4, 1), date(2026, 4, 30))


def test_header_defaults_apply_only_when_the_price_omits_them(tmp_path: Path) -> None:
    header = ("<DefaultLanguageOfText>fre</DefaultLanguageOfText><DefaultPriceType>01</DefaultPriceType>"
              "<DefaultCurrencyCode>USD</DefaultCurrencyCode>")
    supply = ("<ProductSupply><SupplyDetail><ProductAvailability>20</ProductAvailability>"
              "<Price><PriceAmount>10</PriceAmount></Price>"
              "<Price><PriceType>02</PriceType><PriceAmount>8</PriceAmount><CurrencyCode>GBP</CurrencyCode></Price>"
              "</SupplyDetail></ProductSupply>")
    texts = ("<CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>"
             '<Text language="eng">English</Text><Text language="fre">Français</Text></TextContent>'
             "<TextContent><TextType>02</TextType><ContentAudience>02</ContentAudience><Text>Trade only</Text>"
             "</TextContent></CollateralDetail>")
    edition = only_edition(read_onix(write(tmp_path, message(product(extra=texts, supply=supply), header=header))))
    assert [(p.amount, p.currency, p.price_type) for p in edition.prices] == [
        (Decimal("10"), "USD", "01"), (Decimal("8"), "GBP", "02")]
    assert edition.text(TextKind.DESCRIPTION) == "Français"
    assert edition.text(TextKind.SHORT_DESCRIPTION) is None  # List 154: 02 booktrade only is not displayed
    assert [t.approved for t in edition.texts] == [True, False]


def test_price_without_currency_or_amount_is_reported_and_unpriced_gives_no_row(tmp_path: Path) -> None:
    supply = ("<ProductSupply><SupplyDetail><ProductAvailability>20</ProductAvailability>"
              "<Price><PriceType>02</PriceType><PriceAmount>10</PriceAmount></Price></SupplyDetail>"
              "<SupplyDetail><ProductAvailability>20</ProductAvailability><UnpricedItemType>02</UnpricedItemType>"
              "</SupplyDetail></ProductSupply>")
    read = read_onix(write(tmp_path, message(product(supply=supply))))
    assert only_edition(read).prices == ()
    assert [p.code for p in read.problems] == ["missing-currency"]


# --- notification types ----------------------------------------------------------------------------------------------


def stored_edition() -> Edition:
    return Edition(isbn=ISBN13(ROSEANNA), family_id="work-7", format=Format.PAPERBACK, title="Stored Title",
                   imprint="Stored Imprint",
                   prices=(PriceRow(amount=Decimal("5"), currency="GBP"),), availability="21")


def test_block_update_replaces_only_the_blocks_sent(tmp_path: Path) -> None:
    update = f"""<Product><RecordReference>r1</RecordReference><NotificationType>04</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{ROSEANNA}</IDValue></ProductIdentifier>
{price("7.50", "<PriceType>02</PriceType><CurrencyCode>GBP</CurrencyCode>")}</Product>"""
    stored = {ROSEANNA: stored_edition()}
    read = read_onix(write(tmp_path, message(update)), previous_edition=stored.get)
    edition = only_edition(read)
    assert (edition.title, edition.imprint, edition.family_id) == ("Stored Title", "Stored Imprint", "work-7")
    assert [p.amount for p in edition.prices] == [Decimal("7.50")]
    assert edition.availability == "20"
    assert read.families[0].id == "work-7"
    assert read.problems == ()


def test_block_update_within_one_file_merges_onto_the_earlier_record(tmp_path: Path) -> None:
    full = product(supply=price("9.99", "<CurrencyCode>GBP</CurrencyCode><PriceType>02</PriceType>"))
    update = f"""<Product><RecordReference>r1</RecordReference><NotificationType>04</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{ROSEANNA}</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductForm>BB</ProductForm><TitleDetail><TitleType>01</TitleType><TitleElement>
<TitleElementLevel>01</TitleElementLevel><TitleText>New Title</TitleText></TitleElement></TitleDetail>
</DescriptiveDetail></Product>"""
    edition = only_edition(read_onix(write(tmp_path, message(full, update))))
    assert (edition.title, edition.format) == ("New Title", Format.HARDBACK)
    assert [p.amount for p in edition.prices] == [Decimal("9.99")]  # ProductSupply was not resent


def test_block_update_without_a_stored_record_is_reported(tmp_path: Path) -> None:
    update = product(notification="04")
    read = read_onix(write(tmp_path, message(update)))
    assert only_edition(read).title == "Roseanna"
    assert [p.code for p in read.problems] == ["block-update-without-record"]


def test_delete_delists_and_never_lists(tmp_path: Path) -> None:
    delete = f"""<Product><RecordReference>gone</RecordReference><NotificationType>05</NotificationType>
<ProductIdentifier><ProductIDType>03</ProductIDType><IDValue>{EBOOK}</IDValue></ProductIdentifier></Product>"""
    read = read_onix(write(tmp_path, message(product(), delete)))
    assert read.delisted == (EBOOK,)
    assert [e.isbn for f in read.families for e in f.editions] == [ROSEANNA]


def test_test_records_are_skipped_and_reported(tmp_path: Path) -> None:
    read = read_onix(write(tmp_path, message(product(EBOOK, ref="t", notification="88"), product())))
    assert [e.isbn for f in read.families for e in f.editions] == [ROSEANNA]
    [skipped] = read.problems
    assert (skipped.code, skipped.severity, skipped.record, skipped.line) == ("test-record", Severity.WARNING, "t", 3)
    assert skipped.message == "NotificationType 88 is a test record; not read"


# --- problems ---------------------------------------------------------------------------------------------------------


def test_bad_records_become_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    bad_isbn = product("9780007232834", ref="bad-isbn")
    bad_date = product(EBOOK, ref="bad-date", extra=(
        "<PublishingDetail><PublishingStatus>04</PublishingStatus><PublishingDate><PublishingDateRole>01"
        '</PublishingDateRole><Date dateformat="00">20261345</Date></PublishingDate></PublishingDetail>'))
    unknown = product(PRINT, ref="unknown-code", extra="<PublishingDetail><PublishingStatus>99</PublishingStatus>"
                                                       "</PublishingDetail>")
    no_title = product(AUDIO, ref="no-title", title="")
    no_isbn = product(ref="no-isbn").replace("<ProductIDType>15</ProductIDType>", "<ProductIDType>01</ProductIDType>")
    path = write(tmp_path, message(bad_isbn, bad_date, unknown, no_title, no_isbn, product(OTHER, ref="good")))
    read = read_onix(path)
    assert sorted(e.isbn for f in read.families for e in f.editions) == [EBOOK, PRINT, OTHER]
    found = {(p.code, p.record): p for p in read.problems}
    isbn = found["invalid-isbn", "bad-isbn"]
    assert (isbn.severity, isbn.line, isbn.field, isbn.source) == (
        Severity.BLOCKING, 5, "ProductIdentifier/IDValue", "feed.xml")
    assert "9780007232834" in isbn.message
    when = found["malformed-date", EBOOK]
    assert (when.severity, when.field) == (Severity.WARNING, "PublishingDetail/PublishingDate/Date")
    assert when.line is not None and isbn.line is not None and when.line > isbn.line and "20261345" in when.message
    code = found["unknown-code", PRINT]
    assert (code.field, code.severity) == ("PublishingDetail/PublishingStatus", Severity.WARNING)
    assert "List 64" in code.message
    title = found["missing-title", AUDIO]  # a record with a valid ISBN is named by it
    assert title.severity is Severity.BLOCKING and title.line is not None
    assert found["missing-isbn", "no-isbn"].severity is Severity.BLOCKING
    # A record that cannot be read says so in the glossary's words, as the Consonance source does.
    blocking = [p.message for p in read.problems if p.severity is Severity.BLOCKING]
    assert len(blocking) == 3, blocking
    assert all(m.endswith("; not read") and "record not read" not in m for m in blocking), blocking


def test_truncated_file_is_a_file_error_naming_file_and_line(tmp_path: Path) -> None:
    whole = message(product(), product(EBOOK))
    path = write(tmp_path, whole[: len(whole) // 2 + 40], "cut.xml")
    with pytest.raises(OnixFileError) as caught:
        list(OnixReader(path))
    assert caught.value.path == str(path)
    assert caught.value.line is not None and caught.value.line > 1
    assert "cut.xml" in str(caught.value) and "not well-formed" in str(caught.value)


@pytest.mark.parametrize(("content", "reason"), [
    ("", "not well-formed"),
    ("this is not xml", "not well-formed"),
    ("<html><body/></html>", "not an ONIX 3.0"),
    ('<ONIXMessage release="2.1"><Header/></ONIXMessage>', "release 2.1"),
])
def test_non_onix_files_are_file_errors(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(OnixFileError, match=reason):
        read_onix(write(tmp_path, content))


def test_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (f'<?xml version="1.0"?><!DOCTYPE ONIXMessage [<!ENTITY x SYSTEM "file://{secret}">]>'
           + message(product(title="&x;Roseanna")).split("?>", 1)[1])
    read = read_onix(write(tmp_path, xml))
    assert "TOP-SECRET" not in repr(read)  # the entity stays unresolved: the title is read as missing


# --- measures --------------------------------------------------------------------------------------------------------


def test_mm_wins_when_measures_repeat_in_several_units(tmp_path: Path) -> None:
    def measure(kind: str, value: str, unit: str) -> str:
        return (f"<Measure><MeasureType>{kind}</MeasureType><Measurement>{value}</Measurement>"
                f"<MeasureUnitCode>{unit}</MeasureUnitCode></Measure>")
    measures = (measure("01", "19.8", "cm") + measure("01", "7.8", "in") + measure("01", "198", "mm")
                + measure("02", "5", "in") + measure("03", "1.4", "cm") + measure("08", "0.5", "lb"))
    edition = only_edition(read_onix(write(tmp_path, message(product(descriptive=measures)))))
    assert edition.dimensions.height_mm == Decimal("198")
    assert edition.dimensions.width_mm == Decimal("127.0")
    assert edition.dimensions.thickness_mm == Decimal("14.0")
    assert edition.dimensions.weight_g == Decimal("226.8")


def test_extents_page_preference_and_duration_units(tmp_path: Path) -> None:
    def extent(kind: str, value: str, unit: str) -> str:
        return (f"<Extent><ExtentType>{kind}</ExtentType><ExtentValue>{value}</ExtentValue>"
                f"<ExtentUnit>{unit}</ExtentUnit></Extent>")
    pages = extent("06", "352", "03") + extent("00", "320", "03") + extent("09", "0745", "15")
    edition = only_edition(read_onix(write(tmp_path, message(product(descriptive=pages)))))
    assert (edition.page_count, edition.duration_minutes) == (320, 7 * 60 + 45)


# --- grouping ------------------------------------------------------------------------------------------


def related(*links: tuple[str, str], work: str | None = None) -> str:
    body = ""
    if work:
        body += (f"<RelatedWork><WorkRelationCode>01</WorkRelationCode><WorkIdentifier><WorkIDType>01</WorkIDType>"
                 f"<IDTypeName>system-internal-identifier</IDTypeName><IDValue>{work}</IDValue></WorkIdentifier>"
                 "</RelatedWork>")
    for code, isbn in links:
        body += (f"<RelatedProduct><ProductRelationCode>{code}</ProductRelationCode><ProductIdentifier>"
                 f"<ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier></RelatedProduct>")
    return f"<RelatedMaterial>{body}</RelatedMaterial>"


def families_of(read: SourceRead) -> dict[str, list[str]]:
    return {f.id: [e.isbn for e in f.editions] for f in read.families}


def test_grouping_by_work_then_format_links_then_alone(tmp_path: Path) -> None:
    products = [
        product(ROSEANNA, extra=related(work="com.snowbooks.onix.42")),
        product(EBOOK, extra=related(("13", ROSEANNA), work="com.snowbooks.onix.42")),
        product(PRINT, extra=related(("06", AUDIO), ("27", OTHER))),  # 06 + 27: one component of three
        product(AUDIO),
        product(OTHER, extra=related(("13", PRINT))),
        product("9781234567897", extra=related(("22", ROSEANNA))),  # 22 "same author" does not group
    ]
    read = read_onix(write(tmp_path, message(*products)))
    assert families_of(read) == {
        "com.snowbooks.onix.42": [ROSEANNA, EBOOK],
        "isbn:9781234567897": ["9781234567897"],
        f"isbn:{AUDIO}": [AUDIO, PRINT, OTHER],
    }
    shuffled = read_onix(write(tmp_path, message(*reversed(products)), "reversed.xml"))
    assert families_of(shuffled) == families_of(read)  # deterministic whatever the record order


def test_validation_without_onixcheck_is_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onixcheck", None)  # import now raises ImportError
    read = read_onix(write(tmp_path, message(product())), validate=True)
    assert [p.code for p in read.problems] == ["validator-unavailable"]
