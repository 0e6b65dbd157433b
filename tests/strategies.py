"""Hypothesis strategies for the book trade, one per concept, reading like the ONIX spec.

Every strategy takes keyword arguments so that a test can narrow it. Domain value types get their own
strategies because `st.builds` ignores pydantic validators (an ISBN's check digit, for one).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from stdnum import ean

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import (
    Contributor,
    Edition,
    Milestones,
    PriceRow,
    ResourceKind,
    Rights,
    SalesRestriction,
    SalesRights,
    SupportingResource,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.rights import EligibilityPolicy
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from bookbridge.domain.territory import Territory, all_countries

# A small market pool, so that composites overlap often enough to exercise the set algebra.
MARKETS = ("GB", "IE", "US", "CA", "AU", "NZ", "DE", "FR", "IN", "ZA")
# List 49 sub-national codes inside MARKETS (the XSD's List 49 enumeration).
REGIONS = ("GB-NIR", "GB-EWS", "GB-SCT", "GB-IOM", "CA-QC", "CA-BC", "US-NY", "US-CA", "AU-NS", "IE-AIR")
# Store zones whose DST changes happen away from midnight, so "a whole day" always starts at 00:00.
STORE_ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Pacific/Auckland", "Asia/Kolkata")
EPOCH = date(2026, 1, 1)  # scenarios run over 2026-2027
HORIZON = date(2027, 12, 31)

PUBLISHING_STATUSES = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "15",
                       "16", "17", "18")  # List 64
AVAILABILITIES = ("01", "09", "10", "11", "12", "20", "21", "22", "23", "30", "31", "32", "33", "34", "40", "41",
                  "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "52", "97", "98", "99")  # List 65
SALES_RIGHTS_TYPES = ("01", "02", "03", "04", "05", "06", "07", "08")  # List 46 (00 only in ROWSalesRightsType)
ROW_TYPES = ("00", "01", "02", "03", "04", "05", "06")  # List 46 values seen in ROWSalesRightsType


# --- identifiers ------------------------------------------------------------------------------------------


def isbn13s(*, prefixes: Sequence[str] = ("978", "979")) -> st.SearchStrategy[ISBN13]:
    """Valid ISBN-13s: a Bookland prefix (List 5: 15 ISBN-13 is a GTIN-13 starting 978/979), 9 digits and
    the EAN-13 check digit computed, never guessed."""

    def build(prefix: str, body: int) -> ISBN13:
        stem = f"{prefix}{body:09d}"
        return ISBN13(stem + ean.calc_check_digit(stem))

    return st.builds(build, st.sampled_from(list(prefixes)), st.integers(0, 999_999_999))


st.register_type_strategy(ISBN13, isbn13s())


# --- places -----------------------------------------------------------------------------------------------


def countries(*, among: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """List 91 country codes (ISO 3166-1 alpha-2 plus XK)."""
    pool = sorted(among if among is not None else all_countries())
    return st.sampled_from(pool)


def _codes(values: st.SearchStrategy[str], *, min_size: int = 0, max_size: int = 4,
           ) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(values, min_size=min_size, max_size=max_size)


def territories(
    *,
    among: Sequence[str] = MARKETS,
    regions: Sequence[str] = REGIONS,
    shapes: Sequence[str] = ("countries", "world"),
    sub_national: bool = True,
) -> st.SearchStrategy[Territory]:
    """An ONIX 3.0 Territory in one of the two shapes the XSD allows.

    - "countries": CountriesIncluded [+ RegionsExcluded]; the excluded regions must be parts of the
      included countries (List 49 note on RegionsExcluded).
    - "world": RegionsIncluded WORLD [+ CountriesExcluded] [+ RegionsExcluded]; WORLD cannot be combined
      with other region codes, and CountriesExcluded needs a supranational RegionsIncluded.
    `sub_national=False` keeps every country whole (no partial countries).
    """
    shape_s = st.sampled_from(list(shapes))
    included_s = _codes(countries(among=among), min_size=1)
    excluded_s = _codes(countries(among=among), max_size=4)
    cuts_s = _codes(st.sampled_from(list(regions)), max_size=2) if sub_national and regions else st.just(frozenset())

    @st.composite
    def build(draw: st.DrawFn) -> Territory:
        cuts = draw(cuts_s)
        if draw(shape_s) == "countries":
            included = draw(included_s)
            inside = frozenset(r for r in cuts if r.split("-")[0] in included)
            return Territory(countries_included=included, regions_excluded=inside)
        excluded = draw(excluded_s)
        outside = frozenset(r for r in cuts if r.split("-")[0] not in excluded)
        return Territory(regions_included=frozenset({"WORLD"}), countries_excluded=excluded, regions_excluded=outside)

    return build()


# --- rights -----------------------------------------------------------------------------------------------

# List 71 restrictions that name their outlet in SalesOutlet (retailer exclusive / own brand, subscription service).
_OUTLET_RESTRICTIONS = ("01", "04", "05", "21")


def sales_restrictions(
    *,
    types: Sequence[str] = ("04", "06", "09", "12", "14", "15", "99"),
    outlets: Sequence[str] = ("Amazon", "Our Shop", "Waterstones"),
) -> st.SearchStrategy[SalesRestriction]:
    """A List 71 SalesRestriction with an optional StartDate/EndDate window (end never before start)."""
    kinds = st.sampled_from(list(types))
    named_s = st.lists(st.sampled_from(list(outlets)), min_size=1, max_size=2, unique=True).map(tuple)
    days = st.none() | st.dates(EPOCH, HORIZON)

    @st.composite
    def build(draw: st.DrawFn) -> SalesRestriction:
        kind = draw(kinds)
        named = draw(named_s) if kind in _OUTLET_RESTRICTIONS else ()
        start, end = draw(days), draw(days)
        if start is not None and end is not None and end < start:
            start, end = end, start
        return SalesRestriction(type=kind, outlets=named, start=start, end=end)

    return build()


def sales_rights(
    *,
    types: Sequence[str] = SALES_RIGHTS_TYPES,
    territory: st.SearchStrategy[Territory] | None = None,
    restrictions: st.SearchStrategy[tuple[SalesRestriction, ...]] = st.just(()),
) -> st.SearchStrategy[SalesRights]:
    """One SalesRights composite: a List 46 type (never 00, which ONIX allows only as ROWSalesRightsType)
    over exactly one Territory."""
    return st.builds(SalesRights, type=st.sampled_from(list(types)),
                     territory=territories() if territory is None else territory, restrictions=restrictions)


def rights(
    *,
    composites: st.SearchStrategy[SalesRights] | None = None,
    min_size: int = 0,
    max_size: int = 4,
    row_types: st.SearchStrategy[str | None] = st.none() | st.sampled_from(ROW_TYPES),
    restrictions: st.SearchStrategy[tuple[SalesRestriction, ...]] = st.just(()),
) -> st.SearchStrategy[Rights]:
    """SalesRights* then ROWSalesRightsType? (gp.rights_restrictions): a ROW type only follows at least one
    SalesRights composite. Block-level SalesRestriction is the pre-3.0.2 placement."""
    lists = st.lists(sales_rights() if composites is None else composites, min_size=min_size, max_size=max_size)

    @st.composite
    def build(draw: st.DrawFn) -> Rights:
        found = tuple(draw(lists))
        row_type = draw(row_types) if found else None
        return Rights(sales_rights=found, row_type=row_type, restrictions=draw(restrictions))

    return build()


# --- time -------------------------------------------------------------------------------------------------


def instants(
    *,
    start: date = EPOCH,
    end: date = HORIZON,
    zones: Sequence[str] = ("UTC", *STORE_ZONES),
) -> st.SearchStrategy[datetime]:
    """Aware datetimes: rules take time as an argument, never a naive clock reading."""
    return st.datetimes(
        min_value=datetime.combine(start, time(0)),
        max_value=datetime.combine(end, time(23, 59, 59)),
        timezones=st.sampled_from([ZoneInfo(z) for z in zones]),
        allow_imaginary=False,
    )


def dates_or_instants(*, start: date = EPOCH, end: date = HORIZON) -> st.SearchStrategy[date | datetime]:
    """List 55: a whole day (dateformat 00, YYYYMMDD) or a timestamp with an offset (dateformat 14)."""
    offsets = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=10))])
    stamps = st.builds(lambda d, h, tz: datetime.combine(d, time(h), tzinfo=tz), st.dates(start, end),
                       st.integers(0, 23), offsets)
    return st.dates(start, end) | stamps


# --- prices -----------------------------------------------------------------------------------------------


def price_rows(
    *,
    currencies: Sequence[str] = ("GBP", "USD", "EUR"),
    price_types: Sequence[str] = ("01", "02", "41", "42", "12", "22"),
    qualifiers: Sequence[str | None] = (None, "00", "05", "08", "17"),
    territory: st.SearchStrategy[Territory | None] = st.none(),
    windows: bool = True,
) -> st.SearchStrategy[PriceRow]:
    """One Price composite: List 58 PriceType, List 59 PriceQualifier, ISO 4217 currency, and the optional
    List 173 From (14) / Until (15) window; both ends inclusive, Until never before From."""
    qualifier_s = st.sampled_from(list(qualifiers))
    days = dates_or_instants()
    amounts = st.decimals(min_value=Decimal("0.99"), max_value=Decimal("99.99"), places=2)
    currency_s = st.sampled_from(list(currencies))
    type_s = st.sampled_from(list(price_types))

    @st.composite
    def build(draw: st.DrawFn) -> PriceRow:
        qualifier = draw(qualifier_s)
        # List 59: 08 (promotional) comes with From/Until dates, 17 (introductory) with an Until date.
        must_end = qualifier in ("08", "17")
        valid_from = draw(st.none() | days) if windows else None
        valid_until = draw(days if must_end else st.none() | days) if windows else None
        if valid_from is not None and valid_until is not None and _ordinal(valid_until) < _ordinal(valid_from):
            valid_from, valid_until = valid_until, valid_from
        return PriceRow(amount=draw(amounts), currency=draw(currency_s), price_type=draw(type_s),
                        qualifier=qualifier, territory=draw(territory), valid_from=valid_from,
                        valid_until=valid_until)

    return build()


def _ordinal(value: date | datetime) -> datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else datetime.combine(value, time(0), tzinfo=UTC)


# --- editions and families --------------------------------------------------------------------------------

TITLES = ("Roseanna", "The Laughing Policeman", "Salt", "Quiet")


def _cover(isbn: str) -> SupportingResource:
    return SupportingResource(kind=ResourceKind.FRONT_COVER, url=f"https://covers.example/{isbn}.jpg",
                              mime_type="image/jpeg", size_bytes=200_000, sha256=isbn.ljust(64, "0"))


def editions(
    *,
    isbn: st.SearchStrategy[ISBN13] | None = None,
    family_id: str = "F1",
    title: st.SearchStrategy[str] = st.sampled_from(TITLES),
    formats: Sequence[Format] = tuple(Format),
    statuses: st.SearchStrategy[str | None] = st.sampled_from(PUBLISHING_STATUSES) | st.none(),
    availabilities: st.SearchStrategy[str | None] = st.sampled_from(AVAILABILITIES) | st.none(),
    dates: st.SearchStrategy[date | datetime | None] | None = None,
    publication_dates: st.SearchStrategy[date | datetime | None] | None = None,
    prices: st.SearchStrategy[PriceRow] | None = None,
    min_prices: int = 0,
    max_prices: int = 3,
    price_lists: st.SearchStrategy[tuple[PriceRow, ...]] | None = None,
    rights_: st.SearchStrategy[Rights] | None = None,
    with_cover: st.SearchStrategy[bool] = st.booleans(),
    with_description: st.SearchStrategy[bool] = st.booleans(),
    milestones_: st.SearchStrategy[Milestones] | None = None,
) -> st.SearchStrategy[Edition]:
    """One ISBN with a List 150-derived format, List 64 status, List 65 availability, List 163 dates
    (01 publication, 02 sales embargo, 27 preorder embargo, 09 announcement), prices and rights; workflow
    milestones (`milestones()`) only when asked for, else none (as an ONIX source reads them)."""
    isbn_s = isbn13s() if isbn is None else isbn
    when = st.none() | dates_or_instants() if dates is None else dates
    published = when if publication_dates is None else publication_dates
    if price_lists is None:
        price_lists = st.lists(price_rows() if prices is None else prices, min_size=min_prices,
                               max_size=max_prices).map(tuple)
    rights_s = rights() if rights_ is None else rights_
    format_s = st.sampled_from(list(formats))
    description = (TextContent(kind=TextKind.DESCRIPTION, text="<p>A body in Lake Vättern.</p>"),)

    @st.composite
    def build(draw: st.DrawFn) -> Edition:
        number = draw(isbn_s)
        return Edition(
            isbn=number,
            family_id=family_id,
            format=draw(format_s),
            title=draw(title),
            contributors=(Contributor(role="A01", name="Maj Sjöwall"),),
            texts=description if draw(with_description) else (),
            resources=(_cover(number),) if draw(with_cover) else (),
            publication_date=draw(published),
            sales_embargo=draw(when),
            preorder_embargo=draw(when),
            announcement_date=draw(when),
            publishing_status=draw(statuses),
            availability=draw(availabilities),
            prices=draw(price_lists),
            rights=draw(rights_s),
            milestones=Milestones() if milestones_ is None else draw(milestones_),
        )

    return build()


def milestones(*, locked: st.SearchStrategy[bool] = st.booleans()) -> st.SearchStrategy[Milestones]:
    """Workflow facts a source such as Consonance knows: metadata locked (metadataStatus IN_REVIEW or APPROVED),
    final approval (APPROVED, which implies the lock) and a confirmed publication date."""
    return st.builds(lambda lock, approved, confirmed: Milestones(metadata_locked=lock or approved,
                                                                  final_approval=approved,
                                                                  publication_date_confirmed=confirmed),
                     locked, st.booleans(), st.booleans())


def title_families(
    *,
    family_ids: st.SearchStrategy[str] = st.integers(1, 9999).map(lambda n: f"F{n}"),
    titles: st.SearchStrategy[str] = st.sampled_from(TITLES),
    min_size: int = 1,
    max_size: int = 4,
    edition: st.SearchStrategy[Edition] | None = None,
) -> st.SearchStrategy[TitleFamily]:
    """A work and its formats (RelatedMaterial links them): one ISBN per edition, all with the work's title."""
    members = st.lists(editions() if edition is None else edition, min_size=min_size, max_size=max_size,
                       unique_by=lambda e: str(e.isbn))

    @st.composite
    def build(draw: st.DrawFn) -> TitleFamily:
        ident, title = draw(family_ids), draw(titles)
        found = tuple(e.model_copy(update={"family_id": ident, "title": title}) for e in draw(members))
        return TitleFamily(id=ident, title=title, editions=found)

    return build()


def catalogues(*, min_families: int = 0, max_families: int = 3, **family_kwargs: Any,
               ) -> st.SearchStrategy[list[TitleFamily]]:
    """Families with distinct ids and, across the whole catalogue, distinct ISBNs (one product per edition)."""
    families = st.lists(title_families(**family_kwargs), min_size=min_families, max_size=max_families,
                        unique_by=lambda f: f.id)
    return families.map(_one_family_per_isbn)


def _one_family_per_isbn(families: list[TitleFamily]) -> list[TitleFamily]:
    """Drop an edition whose ISBN an earlier family already holds (and a family left with no edition)."""
    seen: set[str] = set()
    result: list[TitleFamily] = []
    for family in families:
        own = tuple(e for e in family.editions if e.isbn not in seen)
        seen |= {e.isbn for e in own}
        if own:
            result.append(family.model_copy(update={"editions": own}))
    return result


# --- storefronts ------------------------------------------------------------------------------------------


def storefronts(
    *,
    among: Sequence[str] = MARKETS,
    currencies: Sequence[str] = ("GBP", "USD", "EUR"),
    zones: Sequence[str] = STORE_ZONES,
    strategies: Sequence[FormatStrategy] = tuple(FormatStrategy),
    policies: Sequence[EligibilityPolicy] = tuple(EligibilityPolicy),
    max_countries: int = 3,
) -> st.SearchStrategy[StorefrontSettings]:
    """A BigCommerce storefront (channel): at least one country, one ISO 4217 currency, a tax display
    (inclusive for GB/EU-style, exclusive for US-style), and an IANA time zone for whole-day dates."""
    return st.builds(
        StorefrontSettings,
        name=st.sampled_from(["uk", "us", "world"]),
        channel_id=st.integers(1, 3),
        countries=st.frozensets(countries(among=among), min_size=1, max_size=max_countries),
        currency=st.sampled_from(list(currencies)),
        tax_inclusive=st.booleans(),
        timezone=st.sampled_from(list(zones)),
        format_strategy=st.sampled_from(list(strategies)),
        eligibility=st.sampled_from(list(policies)),
        outlet_names=st.just(("Our Shop",)),
    )


# --- scenarios narrowed to a storefront -------------------------------------------------------------------

TAX_INCLUSIVE_TYPES = ("02", "42")  # List 58: RRP / agency retail price including tax (GB/EU display)
TAX_EXCLUSIVE_TYPES = ("01", "41")  # List 58: the same excluding tax (US/CA display)


def prices_for(store: StorefrontSettings) -> st.SearchStrategy[PriceRow]:
    """Price rows mostly in the store's currency and tax display (List 58), some that never apply to it:
    another currency, or the other tax display (which is never converted)."""
    fitting = TAX_INCLUSIVE_TYPES if store.tax_inclusive else TAX_EXCLUSIVE_TYPES
    other = TAX_EXCLUSIVE_TYPES if store.tax_inclusive else TAX_INCLUSIVE_TYPES
    # Campaigns: List 59 08/17 qualifiers, or List 58 12/22 special-sale/pre-publication types (tax included).
    campaign_types = ("12", "22") if store.tax_inclusive else ()
    mine = price_rows(currencies=(store.currency,), price_types=(*fitting, *fitting, *campaign_types, other[0]),
                      qualifiers=(None, "05", "08", "17", "08"))
    return st.one_of(mine, mine, price_rows())


def editions_for(store: StorefrontSettings, **kwargs: Any) -> st.SearchStrategy[Edition]:
    """Editions that a storefront can mostly list: selling statuses (List 64 02/04), available or unstated
    (List 65 20/21), a cover and a description more often than not, prices for the store and rights that
    name its countries. Any code can still turn up, so every rule is exercised."""
    fitting = TAX_INCLUSIVE_TYPES if store.tax_inclusive else TAX_EXCLUSIVE_TYPES
    # A regular price open at both ends (List 59 05), then campaigns, windows and rows for other stores.
    regular = price_rows(currencies=(store.currency,), price_types=fitting, qualifiers=("05",), windows=False)
    defaults: dict[str, Any] = {
        "statuses": st.one_of(*[st.sampled_from(["04", "02", "13"])] * 6, st.sampled_from(PUBLISHING_STATUSES)),
        "availabilities": st.one_of(st.none(), st.none(), st.none(), st.sampled_from(["20", "21"]),
                                    st.sampled_from(AVAILABILITIES)),
        "publication_dates": dates_or_instants() | st.none(),
        "dates": st.none() | st.none() | dates_or_instants(),
        "with_cover": st.sampled_from([True] * 7 + [False]),
        "with_description": st.sampled_from([True] * 7 + [False]),
        "price_lists": st.tuples(st.one_of(regular, regular, regular, st.none()),
                                 st.lists(prices_for(store), max_size=2)).map(
            lambda rows: tuple(r for r in (rows[0], *rows[1]) if r is not None)),
        "rights_": rights(
            min_size=1, max_size=2,
            composites=sales_rights(types=("01", "02", "07", "01", "03", "06"),
                                    territory=territories(among=sorted(store.countries | {"US"}))),
            row_types=st.sampled_from(["01", "02"]) | st.sampled_from(ROW_TYPES) | st.none()),
    }
    defaults.update(kwargs)
    return editions(**defaults)
