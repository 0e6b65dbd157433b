"""A generated ONIX 3.0 file that takes every branch of the Product mapping: each composite comes in the shapes
feeds send, good and bad (unknown codes, malformed dates and amounts, invalid ISBNs, missing parts), combined by
a seeded random generator, so the same file comes out every time.

    write_varied(path, count=160)                 # reference tags, default namespace
    write_varied(path, count=160, short=True)     # the same products in short tags

`test_onix_reader_golden.py` holds the reader to what it read from these files when the output was recorded.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from bookbridge.adapters.onix.short_tags import SHORT_TO_REFERENCE

REFERENCE_TO_SHORT = {reference: short for short, reference in SHORT_TO_REFERENCE.items()}


def _isbn13(n: int, prefix: str = "978") -> str:
    body = f"{prefix}{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _id(kind: str, value: str) -> str:
    return f"<ProductIdentifier><ProductIDType>{kind}</ProductIDType><IDValue>{value}</IDValue></ProductIdentifier>"


def _identifiers(rng: random.Random, n: int) -> str:
    good = _isbn13(n)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)  # wrong check digit
    hyphenated = f"{good[:3]}-{good[3]}-{good[4:9]}-{good[9:12]}-{good[12]}"
    fullwidth = good.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return rng.choice([
        _id("15", good), _id("15", good), _id("15", good), _id("03", good), _id("15", f" {hyphenated} "),
        _id("15", "0-306-40615-2"), _id("15", "080442957X"), _id("15", bad), _id("15", bad) + _id("03", good),
        _id("03", bad) + _id("15", good), _id("01", "internal-1") + _id("15", good), _id("01", "internal-2"),
        _id("15", "5012345678900"), _id("15", "978123456789"), _id("15", fullwidth), _id("15", ""),
        _id("15", good.replace(good[5], "x", 1)), _id("15", "ISBN " + good), "",
    ])


def _title(rng: random.Random, n: int) -> str:
    level01 = rng.choice([
        f"<TitleText>Book {n}</TitleText>",
        f"<TitlePrefix>The</TitlePrefix><TitleWithoutPrefix>Book {n}</TitleWithoutPrefix>",
        f"<TitleWithoutPrefix>Book {n}</TitleWithoutPrefix>",
        f"<TitleText>  Book {n}  </TitleText><Subtitle>A novel</Subtitle>",
        "<TitleText> </TitleText>",
        f"<TitleText>Book &amp; {n}</TitleText><Subtitle/>",
    ])
    elements = f"<TitleElement><TitleElementLevel>01</TitleElementLevel>{level01}</TitleElement>"
    if rng.random() < 0.3:
        elements += ("<TitleElement><TitleElementLevel>02</TitleElementLevel><TitleText>Series in title</TitleText>"
                     + rng.choice(["", "<PartNumber>4</PartNumber>"]) + "</TitleElement>")
    kind = rng.choice(["01", "01", "01", "01", "02", ""])
    detail = f"<TitleDetail><TitleType>{kind}</TitleType>{elements}</TitleDetail>" if kind else ""
    if rng.random() < 0.2:
        detail += ("<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>"
                   "<TitleText>Second title</TitleText></TitleElement></TitleDetail>")
    return detail


def _collection(rng: random.Random) -> str:
    return rng.choice([
        "", "", "",
        "<Collection><CollectionType>10</CollectionType><TitleDetail><TitleType>01</TitleType><TitleElement>"
        "<TitleElementLevel>02</TitleElementLevel><PartNumber>3</PartNumber><TitleText>Martin Beck</TitleText>"
        "</TitleElement></TitleDetail></Collection>",
        "<Collection><CollectionType>10</CollectionType><CollectionSequence><CollectionSequenceType>02"
        "</CollectionSequenceType><CollectionSequenceNumber>7</CollectionSequenceNumber></CollectionSequence>"
        "<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>02</TitleElementLevel>"
        "<TitlePrefix>The</TitlePrefix><TitleWithoutPrefix>Cycle</TitleWithoutPrefix></TitleElement>"
        "</TitleDetail></Collection>",
        "<Collection><CollectionType>10</CollectionType><TitleDetail><TitleType>01</TitleType><TitleElement>"
        "<TitleElementLevel>01</TitleElementLevel><TitleText>No level 02</TitleText></TitleElement>"
        "</TitleDetail></Collection>",
    ])


_CONTRIBUTORS = [
    "<ContributorRole>A01</ContributorRole><PersonName>Maj Sjöwall</PersonName>",
    "<SequenceNumber>2</SequenceNumber><ContributorRole>B06</ContributorRole><NamesBeforeKey>Lois</NamesBeforeKey>"
    "<KeyNames>Roth</KeyNames>",
    "<SequenceNumber>x</SequenceNumber><ContributorRole>A01</ContributorRole><KeyNames>Wahlöö</KeyNames>",
    "<ContributorRole>A01</ContributorRole><PersonName>Per Wahlöö</PersonName>"
    "<PersonNameInverted>Wahlöö, Per</PersonNameInverted><BiographicalNote>&lt;p&gt;Born 1926&lt;/p&gt;"
    "</BiographicalNote>",
    "<ContributorRole>A01</ContributorRole><PersonName>Ann Author</PersonName><BiographicalNote>"
    '<p xmlns="http://www.w3.org/1999/xhtml">Lives in <em>Leeds</em>.</p> More.</BiographicalNote>',
    "<ContributorRole>E07</ContributorRole><CorporateName>The Players</CorporateName>"
    "<CorporateNameInverted>Players, The</CorporateNameInverted>",
    "<ContributorRole>A01</ContributorRole><UnnamedPersons>02</UnnamedPersons>",
    "<ContributorRole>A01</ContributorRole><UnnamedPersons>77</UnnamedPersons>",
    "<PersonName>No Role</PersonName>",
    "<ContributorRole>A01</ContributorRole>",
    "<ContributorRole>A01</ContributorRole><PersonName> </PersonName><CorporateName>Corp</CorporateName>",
]

_SUBJECTS = [
    "<MainSubject/><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier><SubjectCode>FF</SubjectCode>",
    "<SubjectSchemeIdentifier>10</SubjectSchemeIdentifier><SubjectCode>FIC022000</SubjectCode>"
    "<SubjectHeadingText>Mystery</SubjectHeadingText>",
    "<SubjectSchemeIdentifier>20</SubjectSchemeIdentifier><SubjectHeadingText>crime; Sweden ;;police"
    "</SubjectHeadingText>",
    "<SubjectSchemeIdentifier>20</SubjectSchemeIdentifier><SubjectCode>one</SubjectCode>",
    "<SubjectSchemeIdentifier>12</SubjectSchemeIdentifier><SubjectCode>FF</SubjectCode>",
    "<SubjectSchemeIdentifier>98</SubjectSchemeIdentifier><SubjectCode>1DN</SubjectCode>",
    "<SubjectSchemeIdentifier>22</SubjectSchemeIdentifier><SubjectHeadingText>Local</SubjectHeadingText>",
    "<SubjectSchemeIdentifier>93</SubjectSchemeIdentifier>",
    "<SubjectCode>NOSCHEME</SubjectCode>",
]


def _measure(kind: str, value: str, unit: str) -> str:
    return (f"<Measure><MeasureType>{kind}</MeasureType><Measurement>{value}</Measurement>"
            f"<MeasureUnitCode>{unit}</MeasureUnitCode></Measure>")


_MEASURES = [
    _measure("01", "198", "mm"), _measure("01", "19.8", "cm"), _measure("02", "5.25", "in"),
    _measure("02", "129", "mm"), _measure("03", "2.1", "cm"), _measure("08", "240", "gr"),
    _measure("08", "0.5", "lb"), _measure("08", "8", "oz"), _measure("08", "1.2", "kg"),
    _measure("04", "210", "mm"), _measure("05", "148", "mm"), _measure("01", "abc", "mm"),
    _measure("01", "200", "xx"), _measure("09", "1", "mm"), _measure("08", "3", "mm"),
    "<Measure><MeasureType>01</MeasureType></Measure>",
]


def _extent(kind: str, value: str, unit: str) -> str:
    return (f"<Extent><ExtentType>{kind}</ExtentType><ExtentValue>{value}</ExtentValue>"
            f"<ExtentUnit>{unit}</ExtentUnit></Extent>")


_EXTENTS = [
    _extent("00", "320", "03"), _extent("11", "300", "03"), _extent("06", "330", "03"), _extent("05", "310", "03"),
    _extent("08", "256", "03"), _extent("00", "x1", "03"), _extent("00", "99", "04"), _extent("09", "95", "05"),
    _extent("09", "2.5", "04"), _extent("09", "5400", "06"), _extent("09", "00130", "15"),
    _extent("09", "0013045", "16"), _extent("09", "1:30", "15"), _extent("09", "abc", "05"),
    _extent("09", "12", "99"),
]


def _descriptive(rng: random.Random, n: int) -> str:
    form = rng.choice(["BC", "BB", "EA", "ED", "AJ", "AN", "ZZ", "Q1", ""])
    parts = ["<ProductComposition>00</ProductComposition>"]
    if form:
        parts.append(f"<ProductForm>{form}</ProductForm>")
    parts += [f"<ProductFormDetail>{d}</ProductFormDetail>" for d in rng.sample(["E101", "B104", "A103", "E200"],
                                                                               rng.randint(0, 2))]
    parts += rng.sample(_MEASURES, rng.randint(0, 4))
    parts.append(_collection(rng))
    parts.append(_title(rng, n))
    parts += [f"<Contributor>{c}</Contributor>" for c in rng.sample(_CONTRIBUTORS, rng.randint(0, 3))]
    parts += rng.sample(_EXTENTS, rng.randint(0, 3))
    parts += [f"<Subject>{s}</Subject>" for s in rng.sample(_SUBJECTS, rng.randint(0, 3))]
    return "<DescriptiveDetail>" + "".join(parts) + "</DescriptiveDetail>"


_TEXTS = [
    "<TextType>03</TextType><ContentAudience>00</ContentAudience><Text>A gripping story.</Text>",
    "<TextType>02</TextType><ContentAudience>02</ContentAudience><Text>Trade only</Text>",
    '<TextType>03</TextType><ContentAudience>03</ContentAudience><Text language="fre">En français</Text>'
    '<Text language="eng">In English</Text>',
    '<TextType>04</TextType><ContentAudience>00</ContentAudience><Text textformat="05">'
    '<ol xmlns="http://www.w3.org/1999/xhtml"><li>One</li><li>Two</li></ol></Text>',
    "<TextType>12</TextType><ContentAudience>00</ContentAudience><Text>&lt;b&gt;Escaped&lt;/b&gt; html</Text>",
    "<TextType>77</TextType><ContentAudience>00</ContentAudience><Text>Odd type</Text>",
    "<TextType>03</TextType><ContentAudience>00</ContentAudience>",
    "<TextType>03</TextType><Text>  </Text>",
]

_RESOURCES = [
    "<ResourceContentType>01</ResourceContentType><ContentAudience>00</ContentAudience><ResourceMode>03"
    "</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm><ResourceVersionFeature>"
    "<ResourceVersionFeatureType>01</ResourceVersionFeatureType><FeatureValue>D502</FeatureValue>"
    "</ResourceVersionFeature><ResourceVersionFeature><ResourceVersionFeatureType>02</ResourceVersionFeatureType>"
    "<FeatureValue>1600</FeatureValue></ResourceVersionFeature><ResourceVersionFeature>"
    "<ResourceVersionFeatureType>03</ResourceVersionFeatureType><FeatureValue>1000</FeatureValue>"
    "</ResourceVersionFeature><ResourceVersionFeature><ResourceVersionFeatureType>07</ResourceVersionFeatureType>"
    "<FeatureValue>x12</FeatureValue></ResourceVersionFeature><ResourceVersionFeature>"
    "<ResourceVersionFeatureType>06</ResourceVersionFeatureType><FeatureValue>abcdef</FeatureValue>"
    "</ResourceVersionFeature><ResourceLink>https://example.com/c.jpg</ResourceLink></ResourceVersion>",
    "<ResourceContentType>04</ResourceContentType><ContentAudience>02</ContentAudience><ResourceMode>03"
    "</ResourceMode><ResourceFeature><ResourceFeatureType>02</ResourceFeatureType><FeatureNote>The author"
    "</FeatureNote></ResourceFeature><ResourceVersion><ResourceForm>02</ResourceForm></ResourceVersion>"
    "<ResourceVersion><ResourceForm>02</ResourceForm><ResourceLink>https://example.com/a.png</ResourceLink>"
    "</ResourceVersion>",
    "<ResourceContentType>15</ResourceContentType><ContentAudience>00</ContentAudience><ResourceFeature>"
    "<ResourceFeatureType>02</ResourceFeatureType><FeatureValue>Sample</FeatureValue></ResourceFeature>"
    "<ResourceVersion><ResourceLink>https://example.com/s.pdf</ResourceLink></ResourceVersion>",
    "<ResourceContentType>99</ResourceContentType><ContentAudience>00</ContentAudience><ResourceVersion>"
    "<ResourceLink>https://example.com/x</ResourceLink></ResourceVersion>",
]


def _collateral(rng: random.Random) -> str:
    parts = [f"<TextContent>{t}</TextContent>" for t in rng.sample(_TEXTS, rng.randint(0, 3))]
    parts += [f"<SupportingResource>{r}</SupportingResource>" for r in rng.sample(_RESOURCES, rng.randint(0, 2))]
    return "<CollateralDetail>" + "".join(parts) + "</CollateralDetail>"


def _date(role_tag: str, role: str, value: str, fmt: str | None = None, element: bool = False) -> str:
    if element and fmt is not None:
        return f"<{role_tag}>{role}</{role_tag}><DateFormat>{fmt}</DateFormat><Date>{value}</Date>"
    attribute = f' dateformat="{fmt}"' if fmt is not None else ""
    return f"<{role_tag}>{role}</{role_tag}><Date{attribute}>{value}</Date>"


_PUBLISHING_DATES = [
    _date("PublishingDateRole", "01", "20250301"), _date("PublishingDateRole", "01", "202503", "01"),
    _date("PublishingDateRole", "01", "2025", "05"), _date("PublishingDateRole", "02", "20260301T0900", "13"),
    _date("PublishingDateRole", "02", "20260301T090000+0100", "14", element=True),
    _date("PublishingDateRole", "09", "20250101"), _date("PublishingDateRole", "27", "20260215"),
    _date("PublishingDateRole", "01", "20251301"), _date("PublishingDateRole", "01", "2025-03-01"),
    _date("PublishingDateRole", "11", "20250101"), _date("PublishingDateRole", "01", " "),
    _date("PublishingDateRole", "02", "20260301T2500", "13"),
    _date("PublishingDateRole", "02", "2026-03-01T09:00", "13"),
]

_TERRITORIES = [
    "<Territory><RegionsIncluded>WORLD</RegionsIncluded></Territory>",
    "<Territory><CountriesIncluded>GB IE</CountriesIncluded></Territory>",
    "<Territory><RegionsIncluded>WORLD</RegionsIncluded><CountriesExcluded>US CA</CountriesExcluded></Territory>",
    "<Territory><CountriesIncluded>GB XX</CountriesIncluded><RegionsExcluded>GB-NIR</RegionsExcluded></Territory>",
    "<Territory><RegionsIncluded>ROW</RegionsIncluded><RegionsExcluded>QQ</RegionsExcluded></Territory>",
]

_RESTRICTIONS = [
    "<SalesRestriction><SalesRestrictionType>04</SalesRestrictionType><SalesOutlet><SalesOutletIdentifier>"
    "<SalesOutletIDType>03</SalesOutletIDType><IDValue>AMZ</IDValue></SalesOutletIdentifier></SalesOutlet>"
    "<SalesOutlet><SalesOutletName>Shop</SalesOutletName></SalesOutlet><SalesRestrictionNote>Exclusive"
    "</SalesRestrictionNote><SalesRestrictionNote>Second</SalesRestrictionNote><StartDate>20260101</StartDate>"
    "<EndDate dateformat=\"14\">20260301T120000Z</EndDate></SalesRestriction>",
    "<SalesRestriction><SalesRestrictionType>77</SalesRestrictionType><EndDate>20261301</EndDate>"
    "</SalesRestriction>",
    "<SalesRestriction><SalesRestrictionNote>No type</SalesRestrictionNote></SalesRestriction>",
    "<SalesRestriction><SalesRestrictionType>00</SalesRestrictionType><StartDate> </StartDate></SalesRestriction>",
]


def _sales_rights(rng: random.Random) -> str:
    kind = rng.choice(["01", "02", "03", "07", "99", ""])
    body = f"<SalesRightsType>{kind}</SalesRightsType>" if kind else ""
    if rng.random() < 0.85:
        body += rng.choice(_TERRITORIES)
    if rng.random() < 0.2:
        body += rng.choice(_RESTRICTIONS)
    return f"<SalesRights>{body}</SalesRights>"


def _publishing(rng: random.Random) -> str:
    parts = []
    if rng.random() < 0.8:
        parts.append(rng.choice(["<Imprint><ImprintName>Bench</ImprintName></Imprint>",
                                 "<Imprint><ImprintIdentifier><ImprintIDType>01</ImprintIDType><IDValue>1</IDValue>"
                                 "</ImprintIdentifier></Imprint>"]))
    parts += rng.sample([
        "<Publisher><PublishingRole>02</PublishingRole><PublisherName>Co-publisher</PublisherName></Publisher>",
        "<Publisher><PublishingRole>01</PublishingRole><PublisherName>Main House</PublisherName></Publisher>",
        "<Publisher><PublisherName>Roleless</PublisherName></Publisher>",
        "<Publisher><PublishingRole>01</PublishingRole></Publisher>",
    ], rng.randint(0, 2))
    parts.append(rng.choice(["<PublishingStatus>04</PublishingStatus>", "<PublishingStatus>02</PublishingStatus>",
                             "<PublishingStatus>99</PublishingStatus>", ""]))
    parts += [f"<PublishingDate>{d}</PublishingDate>" for d in rng.sample(_PUBLISHING_DATES, rng.randint(0, 3))]
    parts += [_sales_rights(rng) for _ in range(rng.randint(0, 3))]
    parts.append(rng.choice(["", "", "<ROWSalesRightsType>03</ROWSalesRightsType>",
                             "<ROWSalesRightsType>42</ROWSalesRightsType>"]))
    if rng.random() < 0.2:
        parts.append(rng.choice(_RESTRICTIONS))
    return "<PublishingDetail>" + "".join(parts) + "</PublishingDetail>"


def _related(rng: random.Random, n: int) -> str:
    parts = []
    work = rng.choice([
        f"<RelatedWork><WorkRelationCode>01</WorkRelationCode><WorkIdentifier><WorkIDType>01</WorkIDType>"
        f"<IDTypeName>internal</IDTypeName><IDValue>w{n // 2}</IDValue></WorkIdentifier></RelatedWork>",
        f"<RelatedWork><WorkRelationCode>01</WorkRelationCode><WorkIdentifier><WorkIDType>11</WorkIDType>"
        f"<IDValue> </IDValue></WorkIdentifier><WorkIdentifier><WorkIDType>01</WorkIDType><IDValue>x{n // 3}"
        f"</IDValue></WorkIdentifier></RelatedWork>",
        "<RelatedWork><WorkRelationCode>02</WorkRelationCode><WorkIdentifier><WorkIDType>01</WorkIDType>"
        "<IDValue>other</IDValue></WorkIdentifier></RelatedWork>",
        "",
    ])
    parts.append(work)
    partner = n + 1 if n % 2 == 0 else n - 1
    for _ in range(rng.randint(0, 3)):
        code = rng.choice(["06", "13", "27", "01", "23"])
        target = rng.choice([_id("15", _isbn13(partner)), _id("03", _isbn13(partner + 7)),
                             _id("15", _isbn13(partner)[:-1] + "0"), _id("01", "x"),
                             _id("15", _isbn13(partner)) + _id("03", _isbn13(partner))])
        codes = f"<ProductRelationCode>{code}</ProductRelationCode>"
        if rng.random() < 0.2:
            codes += "<ProductRelationCode>06</ProductRelationCode>"
        parts.append(f"<RelatedProduct>{codes}{target}</RelatedProduct>")
    return "<RelatedMaterial>" + "".join(parts) + "</RelatedMaterial>"


_PRICES = [
    "<PriceType>02</PriceType><PriceAmount>8.99</PriceAmount>",
    "<PriceType>01</PriceType><PriceAmount>7.49</PriceAmount><CurrencyCode>usd</CurrencyCode>",
    "<PriceAmount>10</PriceAmount><CurrencyCode>EUR</CurrencyCode>",
    "<PriceType>02</PriceType><PriceQualifier>08</PriceQualifier><PriceAmount>4.99</PriceAmount>"
    "<CurrencyCode>GBP</CurrencyCode><PriceDate><PriceDateRole>24</PriceDateRole><Date dateformat=\"06\">"
    "2026030120260331</Date></PriceDate>",
    "<PriceType>02</PriceType><PriceAmount>5</PriceAmount><PriceDate><PriceDateRole>14</PriceDateRole>"
    "<Date>20260101</Date></PriceDate><PriceDate><PriceDateRole>15</PriceDateRole><Date>20261231</Date></PriceDate>",
    "<PriceType>02</PriceType><PriceAmount>5</PriceAmount><PriceDate><PriceDateRole>24</PriceDateRole>"
    "<Date>20260101</Date></PriceDate>",
    "<PriceType>02</PriceType><PriceAmount>5</PriceAmount><PriceDate><PriceDateRole>24</PriceDateRole>"
    "<Date dateformat=\"06\">20260101</Date></PriceDate>",
    "<PriceType>02</PriceType><PriceAmount>6</PriceAmount><PriceDate><PriceDateRole>24</PriceDateRole><Date/>"
    "</PriceDate>",
    "<PriceType>99</PriceType><PriceAmount>3</PriceAmount><CurrencyCode>GBP</CurrencyCode>",
    "<PriceType>02</PriceType><PriceAmount>-1</PriceAmount><CurrencyCode>GBP</CurrencyCode>",
    "<PriceType>02</PriceType><PriceAmount>1,99</PriceAmount><CurrencyCode>GBP</CurrencyCode>",
    "<PriceType>02</PriceType><PriceCoded><PriceCodeType>01</PriceCodeType><PriceCode>A</PriceCode></PriceCoded>",
    "<UnpricedItemType>01</UnpricedItemType>",
    "<PriceType>02</PriceType><PriceAmount>12.00</PriceAmount><CurrencyCode>AUD</CurrencyCode>"
    "<Territory><CountriesIncluded>AU NZ</CountriesIncluded></Territory>",
]


def _supply(rng: random.Random) -> str:
    supplies = []
    for _ in range(rng.randint(1, 2)):
        parts = []
        if rng.random() < 0.4:
            market = rng.choice(_TERRITORIES)
            if rng.random() < 0.4:
                market += rng.choice(_RESTRICTIONS)
            parts.append(f"<Market>{market}</Market>")
        for _ in range(rng.randint(0, 2)):
            detail = "<Supplier><SupplierRole>01</SupplierRole></Supplier>"
            detail += rng.choice(["<ProductAvailability>20</ProductAvailability>",
                                  "<ProductAvailability>21</ProductAvailability>",
                                  "<ProductAvailability>00</ProductAvailability>", ""])
            detail += "".join(f"<SupplyDate>{d}</SupplyDate>" for d in rng.sample([
                _date("SupplyDateRole", "02", "20260401"), _date("SupplyDateRole", "08", "20260410"),
                _date("SupplyDateRole", "08", "2026041"), _date("SupplyDateRole", "34", "20260101")],
                rng.randint(0, 2)))
            detail += "".join(f"<Price>{p}</Price>" for p in rng.sample(_PRICES, rng.randint(0, 3)))
            parts.append(f"<SupplyDetail>{detail}</SupplyDetail>")
        supplies.append("<ProductSupply>" + "".join(parts) + "</ProductSupply>")
    return "".join(supplies)


def product(rng: random.Random, n: int) -> str:
    notification = rng.choice(["03", "03", "03", "03", "03", "02", "01", "04", "04", "05", "88", "77", ""])
    head = f"<RecordReference>ref-{n}</RecordReference>" if rng.random() < 0.9 else ""
    if notification:
        head += f"<NotificationType>{notification}</NotificationType>"
    head += _identifiers(rng, n)
    makers = (  # the six blocks (ONIX 3.0 P.1-P.6), each sent or not
        (0.9, lambda: _descriptive(rng, n)), (0.6, lambda: _collateral(rng)),
        (0.05, lambda: "<ContentDetail><ContentItem><LevelSequenceNumber>1</LevelSequenceNumber></ContentItem>"
                       "</ContentDetail>"),
        (0.85, lambda: _publishing(rng)), (0.6, lambda: _related(rng, n)), (0.85, lambda: _supply(rng)),
    )
    blocks = [make() for chance, make in makers if rng.random() < chance]
    # A line per composite, as feeds are laid out, so that problems name distinct lines.
    return re.sub(r"(</(?:ProductIdentifier|Contributor|Subject|Measure|Extent|TitleDetail|Collection|TextContent|"
                  r"SupportingResource|PublishingDate|SalesRights|SalesRestriction|RelatedWork|RelatedProduct|Market|"
                  r"Price|SupplyDetail|[A-Z][A-Za-z]+Detail|ProductSupply)>)", "\\1\n",
                  f"<Product>{head}{''.join(blocks)}</Product>") + "\n"


HEADER = ("<Header><Sender><SenderName>Varied Books</SenderName></Sender><SentDateTime>20260101</SentDateTime>"
          "<DefaultLanguageOfText>eng</DefaultLanguageOfText><DefaultCurrencyCode>GBP</DefaultCurrencyCode>"
          "<DefaultPriceType>01</DefaultPriceType></Header>\n")


def _short(xml: str) -> str:
    """Reference tag names -> short tags (attributes and text untouched)."""
    return re.sub(r"<(/?)([A-Za-z]+)(?=[\s/>])", lambda m: f"<{m[1]}{REFERENCE_TO_SHORT.get(m[2], m[2])}", xml)


def varied_message(count: int, *, seed: int = 17, short: bool = False, header: bool = True,
                   entities: bool = False) -> str:
    """`count` products (a header with default language, currency and price type unless `header=False`).
    `entities=True` declares an internal entity and refers to it in text and between the parts of composites,
    where the reader, which never resolves entities, must pass over it."""
    rng = random.Random(seed)
    body = (HEADER if header else "") + "".join(product(rng, n) for n in range(count))
    doctype = ""
    if entities:
        doctype = '<!DOCTYPE ONIXMessage [<!ENTITY brand "Bench">]>\n'
        for before, after in (("<Contributor>", "<Contributor>&brand;"), ("</TitleText>", "&brand;</TitleText>"),
                              ("<Price>", "<Price>&brand;"), ("<ProductIdentifier>", "<ProductIdentifier>&brand;"),
                              ("<Text>", "<Text>&brand; "), ("<Product>", "<Product>&brand;")):
            body = body.replace(before, after)
    namespace = "http://ns.editeur.org/onix/3.0/" + ("short" if short else "reference")
    root = "ONIXmessage" if short else "ONIXMessage"
    body = _short(body) if short else body
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<{root} xmlns="{namespace}" release="3.0">\n{body}'
            f"</{root}>\n")


def write_varied(path: Path, count: int = 160, **options: Any) -> Path:
    path.write_text(varied_message(count, **options), encoding="utf-8")
    return path
