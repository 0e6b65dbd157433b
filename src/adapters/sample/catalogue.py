"""Generate the bundled sample catalogue, deterministically, around an anchor day.

Every title, name and text is made up here from small word lists: nothing is third-party text. The mix is
chosen to exercise the whole mission: every format, live and forthcoming titles (some with pre-order
embargoes), launches in the next days, promotional campaigns, out-of-print and temporarily unavailable
titles, UK-only and world-except-North-America rights, a retailer exclusive, and titles with no cover.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from hashlib import sha256

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import (
    Contributor,
    Dimensions,
    Edition,
    PriceRow,
    ResourceKind,
    Rights,
    SalesRestriction,
    SalesRights,
    SeriesMembership,
    Subject,
    SubjectScheme,
    SupportingResource,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.territory import Territory

_ADJECTIVES = [
    "Glass",
    "Quiet",
    "Northern",
    "Paper",
    "Salt",
    "Hollow",
    "Amber",
    "Winter",
    "Lantern",
    "Copper",
    "Silent",
    "Distant",
    "Wild",
    "Borrowed",
    "Last",
    "Hidden",
    "Restless",
    "Scarlet",
    "Patient",
    "Iron",
]
_NOUNS = [
    "Orchard",
    "Harbour",
    "Cartographer",
    "Meridian",
    "Archive",
    "Tide",
    "Garden",
    "Observatory",
    "Lighthouse",
    "Signal",
    "Almanac",
    "Crossing",
    "Estate",
    "Engine",
    "Ledger",
    "Island",
    "Weather",
    "Library",
    "River",
    "Map",
]
_FIRST = [
    "Ada",
    "Tomas",
    "Ines",
    "Rowan",
    "Mira",
    "Callum",
    "Noor",
    "Felix",
    "Edith",
    "Jonah",
    "Priya",
    "Oskar",
    "Lena",
    "Idris",
    "Maren",
    "Theo",
]
_LAST = [
    "Hartwell",
    "Okafor",
    "Lindqvist",
    "Marchetti",
    "Abernethy",
    "Sato",
    "Quill",
    "Delacroix",
    "Brennan",
    "Varga",
    "Whitlock",
    "Osei",
    "Fairbairn",
    "Kowal",
]
_SERIES = ["The Meridian Quartet", "Harbour Lights", "The Cartographer Cycle"]
_THEMA = [
    ("FBA", "Modern and contemporary fiction"),
    ("FF", "Crime and mystery fiction"),
    ("WB", "Cookery"),
    ("NH", "History"),
    ("FM", "Fantasy"),
    ("PD", "Science: general issues"),
]

# Format mixes (weights chosen so 50 families give about 120 editions).
_MIXES: list[tuple[Format, ...]] = [
    (Format.HARDBACK, Format.PAPERBACK, Format.EBOOK_EPUB),
    (Format.PAPERBACK, Format.EBOOK_EPUB),
    (Format.HARDBACK, Format.EBOOK_EPUB, Format.AUDIOBOOK),
    (Format.PAPERBACK,),
    (Format.HARDBACK, Format.PAPERBACK, Format.EBOOK_EPUB, Format.AUDIOBOOK),
    (Format.PAPERBACK, Format.EBOOK_PDF),
    (Format.HARDBACK, Format.AUDIO_CD),
]
_FORM_CODES = {
    Format.HARDBACK: ("BB", ("B402",)),
    Format.PAPERBACK: ("BC", ("B105",)),
    Format.EBOOK_EPUB: ("ED", ("E101",)),
    Format.EBOOK_PDF: ("ED", ("E107",)),
    Format.AUDIOBOOK: ("AJ", ("A103",)),
    Format.AUDIO_CD: ("AC", ()),
    Format.OTHER: ("BZ", ()),
}
_BASE_PRICE = {
    Format.HARDBACK: Decimal("20.00"),
    Format.PAPERBACK: Decimal("9.99"),
    Format.EBOOK_EPUB: Decimal("6.99"),
    Format.EBOOK_PDF: Decimal("6.99"),
    Format.AUDIOBOOK: Decimal("14.99"),
    Format.AUDIO_CD: Decimal("19.99"),
    Format.OTHER: Decimal("12.00"),
}


def make_isbn(sequence: int, prefix: str = "97818000") -> ISBN13:
    """`prefix` + the sequence number, zero-padded to 12 digits, + a computed check digit.

    The default is a made-up 978-1-80000 block with room for 10,000 ISBNs; pass a shorter prefix for more.
    """
    body = prefix + str(sequence).zfill(12 - len(prefix))
    if len(body) != 12:
        raise ValueError(f"sequence {sequence} does not fit after prefix {prefix}")
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return ISBN13(body + str((10 - total % 10) % 10))


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def sample_catalogue(today: date, *, families: int = 50, seed: int = 1128) -> list[TitleFamily]:
    rng = random.Random(seed)
    result: list[TitleFamily] = []
    sequence = 0
    for n in range(families):
        title = f"The {_ADJECTIVES[n % len(_ADJECTIVES)]} {_NOUNS[(n * 7 + 3) % len(_NOUNS)]}"
        if n >= len(_ADJECTIVES):
            title += f" {['Returns', 'Revisited', 'Papers'][n % 3]}"
        author = Contributor(
            role="A01",
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            sequence=1,
            biography=f"<p>{rng.choice(_FIRST)} writes about {_NOUNS[n % len(_NOUNS)].lower()}s "
            "and lives by the sea.</p>",
        )
        contributors = [author]
        if n % 9 == 4:
            contributors.append(Contributor(role="B06", name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", sequence=2))
        mix = _MIXES[n % len(_MIXES)]
        # Lifecycle plan for the family (days relative to today).
        kind = n % 10
        if kind in (0, 1, 2, 3, 4, 5):
            pub_offset = -rng.randint(30, 900)  # live backlist
        elif kind == 6:
            pub_offset = 1  # launches tomorrow: the demo's simulated launch
        elif kind == 7:
            pub_offset = rng.randint(10, 60)  # forthcoming, on pre-order
        elif kind == 8:
            pub_offset = rng.randint(20, 90)  # forthcoming, pre-order embargoed for a while
        else:
            pub_offset = -rng.randint(400, 2000)  # older titles: some out of print
        series = SeriesMembership(name=_SERIES[n % 3], number=str(n // 3 + 1)) if n % 5 == 0 else None
        thema = _THEMA[n % len(_THEMA)]
        editions: list[Edition] = []
        family_id = f"work-{1000 + n}"
        isbns = []
        for _ in mix:
            sequence += 1
            isbns.append(make_isbn(sequence))
        for i, fmt in enumerate(mix):
            isbn = isbns[i]
            form, details = _FORM_CODES[fmt]
            pub = today + timedelta(days=pub_offset + (0 if i == 0 or kind in (6,) else rng.choice((0, 0, 30))))
            status = "04" if pub <= today else "02"
            availability = "21" if pub <= today else "10"
            if kind == 9 and fmt is Format.HARDBACK:
                status, availability = "07", "51"  # out of print
            if n == 13 and fmt is Format.PAPERBACK:
                status, availability = "04", "31"  # temporarily out of stock
            editions.append(
                Edition(
                    isbn=isbn,
                    record_reference=str(isbn),
                    family_id=family_id,
                    format=fmt,
                    form_code=form,
                    form_details=details,
                    title=title,
                    subtitle="A Novel" if n % 4 == 1 else None,
                    contributors=tuple(contributors),
                    series=series,
                    imprint=["Harbour Press", "Quillstone"][n % 2],
                    publisher="Bookbridge Sample Publishing",
                    texts=_texts(title, author.name, n),
                    subjects=(Subject(scheme=SubjectScheme.THEMA, code=thema[0], label=thema[1], main=True),),
                    dimensions=_dimensions(fmt, rng),
                    page_count=None if fmt in (Format.AUDIOBOOK, Format.AUDIO_CD) else rng.randint(180, 520),
                    duration_minutes=rng.randint(300, 900) if fmt in (Format.AUDIOBOOK, Format.AUDIO_CD) else None,
                    publication_date=pub,
                    preorder_embargo=(today + timedelta(days=7)) if kind == 8 else None,
                    publishing_status=status,
                    availability=availability,
                    prices=_prices(fmt, n, today),
                    rights=_rights(n),
                    resources=_resources(isbn, n),
                    related_isbns=tuple(x for x in isbns if x != isbn),
                    stock=_stock(fmt, n, i) if status == "04" else None,
                )
            )
        result.append(TitleFamily(id=family_id, title=title, editions=tuple(editions)))
    return result


def _stock(fmt: Format, n: int, i: int) -> int | None:
    """Copies in the warehouse, for the reprint signal: physical formats of titles on sale only; some run low."""
    if fmt.is_digital:
        return None
    return (n * 37 + i * 53) % 240 + (0 if n % 4 else 8)


def _texts(title: str, author: str, n: int) -> tuple[TextContent, ...]:
    if n == 22:
        return ()  # no description: readiness blocks it until someone writes one
    noun, adjective = _NOUNS[n % 20].lower(), _ADJECTIVES[n % 20].lower()
    texts = [
        TextContent(
            kind=TextKind.DESCRIPTION,
            text=f"<p><em>{title}</em> is the story of a {noun} and the people "
            f"who keep it. {author} follows three generations through a {adjective} season of change.</p>",
        ),
        TextContent(kind=TextKind.SHORT_DESCRIPTION, text=f"Three generations, one {noun}."),
    ]
    if n % 3 == 0:
        texts.append(TextContent(kind=TextKind.PROMOTIONAL, text="Shortlisted for the Sample Prize"))
    if n % 4 == 0:
        texts.append(TextContent(kind=TextKind.REVIEW, text="“Quietly astonishing.” (The Sample Review)"))
    return tuple(texts)


def _dimensions(fmt: Format, rng: random.Random) -> Dimensions:
    if fmt.is_digital:
        return Dimensions()
    if fmt is Format.AUDIO_CD:
        return Dimensions(
            height_mm=Decimal(142), width_mm=Decimal(125), thickness_mm=Decimal(10), weight_g=Decimal(110)
        )
    if fmt is Format.HARDBACK:
        return Dimensions(
            height_mm=Decimal(234),
            width_mm=Decimal(153),
            thickness_mm=Decimal(rng.randint(22, 40)),
            weight_g=Decimal(rng.randint(450, 800)),
        )
    return Dimensions(
        height_mm=Decimal(198),
        width_mm=Decimal(129),
        thickness_mm=Decimal(rng.randint(14, 30)),
        weight_g=Decimal(rng.randint(180, 380)),
    )


def _prices(fmt: Format, n: int, today: date) -> tuple[PriceRow, ...]:
    gbp = _BASE_PRICE[fmt]
    usd = _money(gbp * Decimal("1.3")) + Decimal("0.00")
    agency = fmt.is_ebook
    rows = [
        PriceRow(amount=gbp, currency="GBP", price_type="42" if agency else "02", qualifier="05"),
        PriceRow(amount=usd, currency="USD", price_type="41" if agency else "01", qualifier="05"),
    ]
    if n % 6 == 2:  # a promotional campaign starting in two days, for a week (List 59: 08)
        rows.append(
            PriceRow(
                amount=_money(gbp * Decimal("0.7")),
                currency="GBP",
                price_type="42" if agency else "02",
                qualifier="08",
                valid_from=today + timedelta(days=2),
                valid_until=today + timedelta(days=8),
            )
        )
    if n % 6 == 5:  # a campaign running now, ending in three days
        rows.append(
            PriceRow(
                amount=_money(usd * Decimal("0.8")),
                currency="USD",
                price_type="41" if agency else "01",
                qualifier="08",
                valid_from=today - timedelta(days=4),
                valid_until=today + timedelta(days=3),
            )
        )
    return tuple(rows)


def _rights(n: int) -> Rights:
    if n % 8 == 3:  # UK and Commonwealth only; the rest of the world not ours (ROWSalesRightsType 03)
        return Rights(
            sales_rights=(SalesRights(type="01", territory=Territory.of("GB GG IE IM JE AU NZ")),), row_type="03"
        )
    if n % 8 == 6:  # world except North America, which another publisher holds (List 46: 06)
        return Rights(
            sales_rights=(
                SalesRights(type="01", territory=Territory.world(excluding="US CA")),
                SalesRights(type="06", territory=Territory.of("US CA")),
            )
        )
    if n == 31:  # a retailer exclusive for another shop (List 71: 04)
        return Rights(
            sales_rights=(SalesRights(type="01", territory=Territory.world()),),
            restrictions=(SalesRestriction(type="04", outlets=("Another Bookshop",)),),
        )
    return Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),))


def _resources(isbn: ISBN13, n: int) -> tuple[SupportingResource, ...]:
    if n == 17:
        return ()  # no cover yet
    digest = sha256(str(isbn).encode()).hexdigest()
    resources = [
        SupportingResource(
            kind=ResourceKind.FRONT_COVER,
            url=f"https://covers.bookbridge.example/{isbn}.jpg",
            mime_type="image/jpeg",
            size_bytes=180_000 + n * 1000,
            width_px=1000,
            height_px=1530,
            sha256=digest,
        )
    ]
    if n % 4 == 0:
        resources.append(
            SupportingResource(
                kind=ResourceKind.AUTHOR_PHOTO,
                mime_type="image/jpeg",
                url=f"https://covers.bookbridge.example/authors/{1000 + n}.jpg",
                size_bytes=90_000,
                sha256=sha256(f"author{n}".encode()).hexdigest(),
            )
        )
    return tuple(resources)
