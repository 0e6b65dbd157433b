"""`bookbridge source inspect`: reads a source, shows families, editions and problems, writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "onix-samples"
ROSEANNA = SAMPLES / "editeur-sample-roseanna.onix30.xml"
needs_samples = pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {SAMPLES}")


@pytest.fixture(autouse=True)
def _no_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no bookbridge.toml here: the defaults apply
    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)


@needs_samples
def test_json_lists_families_with_editions_then_problems():
    result = CliRunner().invoke(app, ["source", "inspect", str(ROSEANNA), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    # `deleted_by_source`: the source's delete notifications, not the lifecycle stage withdrawn (JSON `delisted`)
    assert list(document) == ["families", "deleted_by_source", "problems"]
    assert document["deleted_by_source"] == []
    [edition] = [e for f in document["families"] for e in f["editions"]]
    assert edition["isbn"] == "9780007232833"
    assert edition["format"] == "paperback"
    assert {"amount": "7.99", "currency": "GBP"}.items() <= edition["prices"][0].items()
    assert [r["type"] for r in edition["rights"]["sales_rights"]] == ["01", "06"]
    assert edition["rights"]["row_type"] == "02"
    assert edition["deleted_by_source"] is False and "delisted" not in edition


@needs_samples
def test_table_output_for_a_file(tmp_path):
    result = CliRunner().invoke(app, ["source", "inspect", str(ROSEANNA)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "9780007232833" in result.output and "Roseanna" in result.output


def test_bad_records_are_problems_and_the_exit_code_stays_zero(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("""<ONIXMessage release="3.0"><Header><Sender><SenderName>S</SenderName></Sender>
<SentDateTime>20261128</SentDateTime></Header>
<Product><RecordReference>bad-1</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232834</IDValue></ProductIdentifier></Product>
</ONIXMessage>""", encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)["problems"]
    assert any(p["record"] == "bad-1" and "9780007232834" in p["message"] for p in problems), problems


def test_an_unreadable_source_exits_non_zero_with_the_reason(tmp_path):
    feed = tmp_path / "cut.xml"
    feed.write_text("<ONIXMessage><Product>", encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "nothing was shown: reading source 'onix-file' failed: " in result.output and "cut.xml" in result.output


def test_an_unknown_source_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["source", "inspect", str(tmp_path / "nope")], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    # With no configuration, the sample source is the configured one: the error names it, as SOURCE takes it.
    assert ("is neither a file, a folder, an http(s) URL nor the configured source's name ('sample')"
            in " ".join(result.output.split())), result.output


def test_the_configured_source_is_taken_by_its_name():
    result = CliRunner().invoke(app, ["source", "inspect", "sample", "--json"])
    assert result.exit_code == 0, result.output


def test_help_says_what_source_takes_and_every_exit_code():
    """The configured source by its name too, as the refusal says; exit 1 when reading fails (as above), 2 for a
    SOURCE that is none of what it takes."""
    helped = " ".join(CliRunner().invoke(app, ["source", "inspect", "--help"], env={"COLUMNS": "300"}).output.split())
    assert ("SOURCE an ONIX file, drop folder or http(s) URL, or the configured source's name; left out, the "
            "configured source") in helped, helped
    assert re.search(r"1 when it could not be read \(an unreachable URL, malformed XML", helped), helped
    assert re.search(r"2 if the configuration is invalid or SOURCE is neither a file, a folder, an http\(s\) URL "
                     r"nor the configured source's name", helped), helped


AUDIO = SAMPLES / "imonix-audiobook-AJ-A103.onix30-nonstandard-ns.xml"


@pytest.mark.skipif(not AUDIO.exists(), reason=f"ONIX samples not found at {SAMPLES}")
def test_validate_reports_schema_findings_as_warnings_not_failures():
    plain = CliRunner().invoke(app, ["source", "inspect", str(AUDIO), "--json"])
    checked = CliRunner().invoke(app, ["source", "inspect", str(AUDIO), "--json", "--validate"])
    assert plain.exit_code == checked.exit_code == 0, checked.output
    extra = [p for p in json.loads(checked.output)["problems"] if p not in json.loads(plain.output)["problems"]]
    assert extra, "the wrong namespace must be reported by the schema check"
    assert {p["severity"] for p in extra} == {"warning"}


FEED = """<ONIXMessage release="3.0"><Header><Sender><SenderName>S</SenderName></Sender>
<SentDateTime>20261128</SentDateTime></Header>
<Product><RecordReference>anthology-hb</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232833</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductForm>BB</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>Tales of the Isles</TitleText></TitleElement></TitleDetail>
<Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>B01</ContributorRole>
<PersonName>Clara Editor</PersonName><BiographicalNote>Clara edits.</BiographicalNote></Contributor>
<Contributor><SequenceNumber>2</SequenceNumber><ContributorRole>A32</ContributorRole>
<PersonName>Wren Writer</PersonName></Contributor>
<Contributor><SequenceNumber>3</SequenceNumber><ContributorRole>A12</ContributorRole>
<PersonName>Ivo Illustrator</PersonName><BiographicalNote>Ivo draws.</BiographicalNote></Contributor>
<Measure><MeasureType>04</MeasureType><Measurement>234</Measurement><MeasureUnitCode>mm</MeasureUnitCode></Measure>
<Measure><MeasureType>05</MeasureType><Measurement>153</Measurement><MeasureUnitCode>mm</MeasureUnitCode></Measure>
<Extent><ExtentType>00</ExtentType><ExtentValue>320</ExtentValue><ExtentUnit>03</ExtentUnit></Extent>
<Subject><MainSubject/><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier><SubjectCode>DCF</SubjectCode></Subject>
</DescriptiveDetail>
<CollateralDetail>
<TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience><Text>Stories.</Text></TextContent>
<TextContent><TextType>09</TextType><ContentAudience>00</ContentAudience><Text>Marvellous.</Text></TextContent>
<TextContent><TextType>14</TextType><ContentAudience>00</ContentAudience><Text>Once upon a time</Text></TextContent>
<SupportingResource><ResourceContentType>03</ResourceContentType><ContentAudience>00</ContentAudience>
<ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm>
<ResourceLink>https://assets.example/pack.jpg</ResourceLink></ResourceVersion></SupportingResource>
</CollateralDetail>
<PublishingDetail><PublishingStatus>04</PublishingStatus>
<SalesRights><SalesRightsType>01</SalesRightsType><Territory><CountriesIncluded>GB GG IE IM JE</CountriesIncluded>
</Territory></SalesRights>
<SalesRights><SalesRightsType>06</SalesRightsType><Territory><CountriesIncluded>US</CountriesIncluded></Territory>
</SalesRights><ROWSalesRightsType>03</ROWSalesRightsType>
<PublishingDate><PublishingDateRole>01</PublishingDateRole><Date>20260305</Date></PublishingDate>
<PublishingDate><PublishingDateRole>02</PublishingDateRole><Date>20260301</Date></PublishingDate>
<PublishingDate><PublishingDateRole>27</PublishingDateRole><Date>20260110</Date></PublishingDate>
</PublishingDetail>
<ProductSupply><SupplyDetail><Supplier><SupplierName>D</SupplierName></Supplier>
<ProductAvailability>21</ProductAvailability>
<Price><PriceType>02</PriceType><PriceQualifier>05</PriceQualifier><PriceAmount>20.00</PriceAmount>
<CurrencyCode>GBP</CurrencyCode><Territory><CountriesIncluded>GB</CountriesIncluded></Territory></Price>
<Price><PriceType>02</PriceType><PriceQualifier>05</PriceQualifier><PriceAmount>21.00</PriceAmount>
<CurrencyCode>GBP</CurrencyCode><Territory><CountriesIncluded>GG IM JE</CountriesIncluded></Territory></Price>
</SupplyDetail></ProductSupply></Product></ONIXMessage>"""


def test_inspect_shows_everything_mapped_with_the_meaning_of_each_code(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    [e] = [e for f in json.loads(result.output)["families"] for e in f["editions"]]
    assert (e["publishing_status_meaning"], e["supply_meaning"]) == ("04 Active", "21 In stock")
    # ONIX's ProductAvailability is the source's *supply*; *availability* is the shopper's (docs/glossary.md). The
    # keys' old names stay, deprecated, with the same values.
    assert (e["supply"], e["availability"], e["availability_meaning"]) == ("21", "21", "21 In stock")
    assert [(c["name"], c["role_meaning"]) for c in e["contributors"]] == [
        ("Clara Editor", "B01 Editor"), ("Wren Writer", "A32 Contributor"), ("Ivo Illustrator", "A12 Illustrator")]
    assert e["byline"] == "edited by Clara Editor, illustrated by Ivo Illustrator"
    assert (e["measures"]["height_mm"], e["measures"]["width_mm"], e["pages"]) == ("234", "153", 320)
    assert e["subjects"] == [{"scheme": "thema", "code": "DCF", "heading": None, "main": True}]
    assert [(t["meaning"], t["length"]) for t in e["texts"]] == [
        ("03 Description", 8), ("09 Endorsement", 11), ("14 Excerpt", 16)]
    assert [(r["meaning"], r["url"]) for r in e["resources"]] == [("03 Cover / pack", "https://assets.example/pack.jpg")]
    assert (e["dates"]["publication"], e["dates"]["sales_embargo"][:10], e["dates"]["preorder_embargo"][:10]) == (
        "2026-03-05", "2026-03-01", "2026-01-10")
    # Two GBP prices told apart by their territory, with type and qualifier.
    assert [(p["type_meaning"], p["qualifier_meaning"], p["territory"]) for p in e["prices"]] == [
        ("02 RRP including tax", "05 Consumer price", "GB"), ("02 RRP including tax", "05 Consumer price", "GG IM JE")]
    assert [r["meaning"] for r in e["rights"]["sales_rights"]] == [
        "01 For sale with exclusive rights", "06 Not for sale (rights held by another publisher)"]
    assert e["rights"]["row_meaning"] == "03 Not for sale"
    assert [(u["element"], u["what"].split(" (")[0]) for u in e["unmapped"]] == [
        ("TextContent", "14 Excerpt"), ("Contributor/BiographicalNote", "Ivo Illustrator"),
        ("SupportingResource", "03 Cover / pack: https://assets.example/pack.jpg"), ("Subject", "Thema DCF")]
    assert e["unmapped"][-1]["reason"] == "no category mapping is configured ([mapping] categories)"
    table = CliRunner().invoke(app, ["source", "inspect", str(feed)], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    for shown in ("04 Active", "21 In stock", "Clara Editor (B01 Editor)", "height 234 mm",
                  "09 Endorsement: 11 characters", "£20.00, 02 RRP including tax, 05 Consumer price, in GB", "unmapped",
                  "14 Excerpt"):
        assert shown in table.output, shown
    assert "height_mm" not in table.output, table.output  # the JSON's key, not words
    header = next(line for line in table.output.splitlines() if "ISBN" in line and "┃" in line)
    assert "┃ supply " in header and "availability" not in header, header


def test_subjects_that_name_no_category_are_listed_as_unmapped_with_the_reason(tmp_path):
    subjects = ("<Subject><SubjectSchemeIdentifier>12</SubjectSchemeIdentifier><SubjectCode>DCF</SubjectCode>"
                "</Subject><Subject><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier><SubjectCode>1DDU"
                "</SubjectCode></Subject><Subject><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier>"
                "<SubjectCode>XQ</SubjectCode></Subject><Subject><SubjectSchemeIdentifier>20"
                "</SubjectSchemeIdentifier><SubjectHeadingText>island stories</SubjectHeadingText></Subject>")
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED.replace("</Subject>\n</DescriptiveDetail>", f"</Subject>{subjects}\n</DescriptiveDetail>"),
                    encoding="utf-8")
    (tmp_path / "categories.toml").write_text('[thema]\n"DC*" = "Poetry"\n"1*" = ""\n', encoding="utf-8")
    (tmp_path / "bookbridge.toml").write_text('[mapping]\ncategories = "categories.toml"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    [e] = [e for f in json.loads(result.output)["families"] for e in f["editions"]]
    assert [(u["what"], u["reason"]) for u in e["unmapped"] if u["element"] == "Subject"] == [
        ("BIC DCF", "the category mapping has no table for scheme bic"),
        ("Thema 1DDU", "the category mapping maps it to no category, on purpose"),
        ("Thema XQ", "no rule of the category mapping matches it"),
    ]  # thema DCF files the product under Poetry; the keyword goes to the search keywords


def test_a_subject_is_said_with_its_scheme_in_words_and_its_heading_once(tmp_path):
    """A subject of another List 27 scheme by its code and name (04 LC subject heading), not `other`; a heading
    sent without a code is said once, in the subjects row and in the unmapped one."""
    heading = "Rain and rainfall -- Observations"
    subject = (f"<Subject><SubjectSchemeIdentifier>04</SubjectSchemeIdentifier><SubjectHeadingText>{heading}"
               "</SubjectHeadingText></Subject>")
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED.replace("</Subject>\n</DescriptiveDetail>", f"</Subject>{subject}\n</DescriptiveDetail>"),
                    encoding="utf-8")
    out = CliRunner().invoke(app, ["source", "inspect", str(feed)], env={"COLUMNS": "250"}).output
    rows: dict[str, list[str]] = {}
    field = ""
    for line in out.splitlines():  # the details table: `│ field │ value │`, a value going on under an empty field
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 2:
            field = cells[0] or field
            rows[field] = [*rows.get(field, []), cells[1]]
    assert rows["subjects"] == ["Thema DCF, main subject", f"04 LC subject heading ({heading})"], out
    assert [row for row in rows["unmapped"] if row.startswith("Subject ")] == [
        "Subject Thema DCF: no category mapping is configured ([mapping] categories)",
        f"Subject 04 LC subject heading ({heading}): no category mapping is configured ([mapping] categories)"], out
    assert "other" not in " ".join(rows["subjects"]) and out.count(heading) == 2, out


PRICED = """<ONIXMessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/reference"><Header><Sender>
<SenderName>Test</SenderName></Sender><SentDateTime>20261128</SentDateTime></Header><Product>
<RecordReference>9780140187397</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780140187397</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>BB</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>Roseanna</TitleText></TitleElement></TitleDetail></DescriptiveDetail>
<PublishingDetail><PublishingStatus>04</PublishingStatus><PublishingDate><PublishingDateRole>01</PublishingDateRole>
<Date>20260305</Date></PublishingDate></PublishingDetail>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier>
<ProductAvailability>20</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>1500</PriceAmount><CurrencyCode>JPY</CurrencyCode></Price>
<Price><PriceType>02</PriceType><PriceAmount>12.5</PriceAmount><CurrencyCode>EUR</CurrencyCode></Price>
<Price><PriceType>01</PriceType><PriceAmount>12345.6789</PriceAmount><CurrencyCode>USD</CurrencyCode></Price>
<Price><PriceType>01</PriceType><PriceAmount>3.5</PriceAmount><CurrencyCode>KWD</CurrencyCode></Price>
</SupplyDetail></ProductSupply></Product></ONIXMessage>"""


def test_json_amounts_carry_each_currencys_minor_units_as_the_table_shows_them(tmp_path):
    """docs/glossary.md, Money: a decimal string with the currency's minor units, as /api/sales and --json write."""
    feed = tmp_path / "priced.xml"
    feed.write_text(PRICED, encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    [edition] = [e for f in json.loads(result.output)["families"] for e in f["editions"]]
    assert [(p["amount"], p["currency"]) for p in edition["prices"]] == [
        ("1500", "JPY"), ("12.50", "EUR"), ("12345.68", "USD"), ("3.500", "KWD")]
    table = CliRunner().invoke(app, ["source", "inspect", str(feed)], env={"COLUMNS": "250"}).output
    assert "€12.50" in table and "US$12,345.68" in table


def test_the_table_names_each_title_family_by_its_title_once_with_its_id_labelled(tmp_path):
    """docs/glossary.md: a title family is shown by its title; its id only labelled (`family id work-…`)."""
    shown = CliRunner().invoke(app, ["source", "inspect"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    assert re.search(r"┃ title family\s+┃ ISBN", shown.output) and "┃ family " not in shown.output, shown.output[:800]
    first = re.search(r"│ (\S.*?)\s+│ (97\d{11}) │", shown.output)
    assert first and not first.group(1).startswith("work-"), shown.output[:1500]
    assert re.search(r"│ \(family id work-\d+\)\s+│", shown.output), shown.output[:1500]
    helped = " ".join(CliRunner().invoke(app, ["source", "inspect", "--help"]).output.split())
    assert "Show the title families and editions a source holds, and every problem." in helped


def test_texts_and_assets_without_an_onix_code_are_named_in_words(tmp_path):
    """docs/glossary.md (approved asset): a source that gives no ONIX code (the sample catalogue, Consonance) has
    its texts and assets said in words, `front cover`, `short description`, never as codes (`front-cover`); JSON
    keeps the code as `kind`."""
    shown = CliRunner().invoke(app, ["source", "inspect"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    assert "│ front cover: https://" in shown.output and "author photo: https://" in shown.output, shown.output[:3000]
    assert "short description: " in shown.output, shown.output[:3000]
    assert not re.search(r"\b(front-cover|author-photo|short-description):", shown.output), shown.output[:3000]
    document = json.loads(CliRunner().invoke(app, ["source", "inspect", "--json"]).output)
    [resource, *_] = document["families"][0]["editions"][0]["resources"]
    assert (resource["kind"], resource["meaning"]) == ("front-cover", "front cover")
