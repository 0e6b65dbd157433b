"""The ONIX patterns of a real publisher's feed: an anthology's contributors (an editor, 17 "contributions by", 6
illustrators), unnamed and corporate contributors, page-trim measures, print-counterpart page counts,
endorsements and resources that are not sent, and a title licensed only for the British Isles."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from onix_messages import EBOOK, message, only_edition, price, product, write

from bookbridge.adapters.onix.parser import read_onix
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.listing.unmapped import unmapped
from bookbridge.domain.model import Edition, TextKind
from bookbridge.domain.storefront import StorefrontSettings

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def contributor(seq: int, role: str, name: str = "", bio: str = "", *, corporate: str = "", unnamed: str = "") -> str:
    who = (f"<PersonName>{name}</PersonName>" if name else "") + (
        f"<CorporateName>{corporate}</CorporateName>" if corporate else "") + (
        f"<UnnamedPersons>{unnamed}</UnnamedPersons>" if unnamed else "")
    note = f"<BiographicalNote>{bio}</BiographicalNote>" if bio else ""
    return (f"<Contributor><SequenceNumber>{seq}</SequenceNumber><ContributorRole>{role}</ContributorRole>"
            f"{who}{note}</Contributor>")


def anthology_contributors() -> str:
    bio = "&lt;p&gt;Clara edits.&lt;/p&gt;&lt;p&gt;She lives in York.&lt;/p&gt;"
    parts = [contributor(1, "B01", "Clara Editor", bio)]
    parts += [contributor(2 + n, "A32", f"Writer Number {n:02d}", f"Writer {n} bio") for n in range(17)]
    parts += [contributor(19 + n, "A12", f"Illustrator {n}", f"Illustrator {n} bio") for n in range(6)]
    return "".join(parts)


def read(tmp_path: Path, *products: str) -> Edition:
    return only_edition(read_onix(write(tmp_path, message(*products))))


def test_an_anthology_credits_its_editor_and_illustrators_and_shows_the_editors_biography(tmp_path: Path) -> None:
    e = read(tmp_path, product(descriptive=anthology_contributors(), supply=price()))
    listing = build_edition_listing(e, StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}),
                                                          currency="GBP"), at=NOON)
    # The editor is credited, the 17 A32 contributors are not authors, the illustrators are illustrators.
    assert listing.page_title.startswith("Roseanna edited by Clara Editor, illustrated by Illustrator 0, ")
    assert "Writer Number" not in listing.page_title and len(listing.page_title) <= 255
    assert listing.page_title.endswith(" and Illustrator 5")
    # Biographies: the editor's (two paragraphs, never nested), not the illustrators' or the contributors'.
    assert "<h3>About the editor</h3><p>Clara edits.</p><p>She lives in York.</p>" in listing.description
    assert "<p><p>" not in listing.description and "Illustrator 0 bio" not in listing.description
    assert "Writer 1 bio" not in listing.description
    # The contributors field names each person's role, cut at a whole person.
    field = dict((f.name, f.value) for f in listing.custom_fields)["Contributors"]
    assert field.startswith("Editor: Clara Editor; Contributor: Writer Number 00; ")
    assert len(field) <= 250 and field.rsplit("; ", 1)[1].startswith("and ") and field.endswith(" others")
    # And nothing is dropped silently: the biographies not shown are listed, with the reason.
    hidden = [u for u in unmapped(e) if u.element == "Contributor/BiographicalNote"]
    assert len(hidden) == 23 and hidden[0].what == "Writer Number 00 (A32 Contributor)"


def test_illustrators_are_not_authors(tmp_path: Path) -> None:
    e = read(tmp_path, product(descriptive=contributor(1, "A01", "Ann Author", "Ann bio")
                               + contributor(2, "A12", "Ivo Illustrator", "Ivo bio"), supply=price()))
    listing = build_edition_listing(e, StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}),
                                                          currency="GBP"), at=NOON)
    assert listing.page_title == "Roseanna by Ann Author, illustrated by Ivo Illustrator"
    assert "Ann bio" in listing.description and "Ivo bio" not in listing.description
    assert "Ivo Illustrator" not in listing.search_keywords


def test_corporate_and_unnamed_contributors(tmp_path: Path) -> None:
    e = read(tmp_path, product(descriptive=contributor(1, "A01", corporate="The Ramblers' Association")
                               + contributor(2, "A01", unnamed="03") + contributor(3, "A01", unnamed="99")))
    [corporate, unnamed] = e.contributors
    assert (corporate.name, corporate.corporate, corporate.unnamed) == ("The Ramblers' Association", True, None)
    assert (unnamed.name, unnamed.corporate, unnamed.unnamed) == ("others", False, "03")
    listing = build_edition_listing(e, StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}),
                                                          currency="GBP"), at=NOON)
    assert listing.page_title == "Roseanna by The Ramblers' Association and others"


def measure(kind: str, value: str, unit: str) -> str:
    return (f"<Measure><MeasureType>{kind}</MeasureType><Measurement>{value}</Measurement>"
            f"<MeasureUnitCode>{unit}</MeasureUnitCode></Measure>")


def test_page_trim_gives_the_size_when_height_and_width_are_absent(tmp_path: Path) -> None:
    trim = (measure("04", "23.4", "cm") + measure("04", "9.21", "in") + measure("05", "153", "mm")
            + measure("03", "2.8", "cm") + measure("08", "0.52", "kg"))
    e = read(tmp_path, product(descriptive=trim))
    d = e.dimensions
    assert (d.height_mm, d.width_mm, d.thickness_mm, d.weight_g) == (Decimal("234.0"), Decimal(153),
                                                                      Decimal("28.0"), Decimal("520.00"))
    listing = build_edition_listing(e, StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}),
                                                          currency="GBP"), at=NOON)
    # The store measures in cm and kg (the defaults): never 0 for a size the feed gives.
    assert (listing.height, listing.width, listing.depth, listing.weight) == (
        Decimal("23.4"), Decimal("15.3"), Decimal("2.8"), Decimal("0.52"))
    assert ("Trim size", "234 x 153 mm") in [(f.name, f.value) for f in listing.custom_fields]


def test_overall_height_and_width_beat_page_trim(tmp_path: Path) -> None:
    both = measure("04", "230", "mm") + measure("05", "150", "mm") + measure("01", "240", "mm") + measure(
        "02", "160", "mm")
    d = read(tmp_path, product(descriptive=both)).dimensions
    assert (d.height_mm, d.width_mm) == (Decimal(240), Decimal(160))


def test_an_ebook_takes_its_page_count_from_the_print_counterpart(tmp_path: Path) -> None:
    extent = "<Extent><ExtentType>08</ExtentType><ExtentValue>352</ExtentValue><ExtentUnit>03</ExtentUnit></Extent>"
    ebook = product(EBOOK, descriptive=extent).replace("<ProductForm>BC</ProductForm>",
                                                       "<ProductForm>ED</ProductForm>")
    assert read(tmp_path, ebook).page_count == 352


def test_endorsements_are_sent_and_other_texts_and_resources_are_listed_as_unmapped(tmp_path: Path) -> None:
    def text(kind: str, body: str) -> str:
        return (f"<TextContent><TextType>{kind}</TextType><ContentAudience>00</ContentAudience>"
                f"<Text>{body}</Text></TextContent>")

    collateral = ("<CollateralDetail>" + text("03", "The description.") + text("09", "A triumph. - A Critic")
                  + text("04", "1. One 2. Two")
                  + "<SupportingResource><ResourceContentType>03</ResourceContentType><ContentAudience>00"
                  "</ContentAudience><ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm>"
                  "<ResourceLink>https://assets.example/pack.jpg</ResourceLink></ResourceVersion>"
                  "</SupportingResource></CollateralDetail>")
    e = read(tmp_path, product(extra=collateral, supply=price()))
    assert [t.kind for t in e.texts] == [TextKind.DESCRIPTION, TextKind.ENDORSEMENT, TextKind.TOC]
    listing = build_edition_listing(e, StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}),
                                                          currency="GBP"), at=NOON)
    assert "<h3>Praise</h3><blockquote>A triumph. - A Critic</blockquote>" in listing.description
    assert [(u.element, u.what, u.reason) for u in unmapped(e)] == [
        ("TextContent", "04 Table of contents (13 characters)", "this text type is not sent to the store"),
        ("SupportingResource", "03 Cover / pack: https://assets.example/pack.jpg",
         "this resource type is not sent to the store"),
    ]
