"""Adoption's check for another title under a listing's SKU (`adoption.title_mismatch`) never holds a product
bookbridge wrote itself, under either format strategy, however its family changed since the write (a new title, an
edition joining or leaving the family product); a product with another name and another identifier is held."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.adapters.bigcommerce.payloads import create_body
from bookbridge.adapters.sample.catalogue import make_isbn, sample_catalogue
from bookbridge.domain.adoption import IDENTIFIER_FIELDS, StoredProduct, title_mismatch
from bookbridge.domain.listing import StoreListing, build_store_listings
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings

AT = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP")
FAMILIES = sample_catalogue(AT.date(), families=8)
titles = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda t: t.strip())


def _listings(family: TitleFamily, strategy: FormatStrategy) -> dict[str, StoreListing]:
    storefront = UK.model_copy(update={"format_strategy": strategy})
    return {li.sku.casefold(): li for li in build_store_listings([family], [storefront], at=AT, store="uk")}


def _as_written(listing: StoreListing) -> StoredProduct:
    """The product as the BigCommerce storefront made it, read back by SKU: its name and identifiers."""
    body = create_body(listing)
    return StoredProduct(product_id=1, sku=body["sku"], name=body["name"], is_visible=True,
                         fields={k: body[k] for k in IDENTIFIER_FIELDS if body.get(k)})


@given(family=st.sampled_from(FAMILIES), strategy=st.sampled_from(FormatStrategy), title=titles,
       joins=st.booleans(), leaves=st.booleans())
def test_a_product_bookbridge_wrote_is_never_held_as_another_title(family, strategy, title, joins, leaves):
    editions = list(family.editions)
    if joins:  # a new edition in the first one's format: it joins that edition's family product
        editions.append(editions[0].model_copy(update={"isbn": make_isbn(9000), "record_reference": "9000"}))
    if leaves and len(editions) > 1:  # an edition leaves the family
        editions.pop(0)
    now = family.model_copy(update={"title": title, "editions": tuple(
        e.model_copy(update={"title": title}) for e in editions)})
    before = _listings(family, strategy)
    for sku, listing in _listings(now, strategy).items():
        if sku in before:
            assert title_mismatch(listing, _as_written(before[sku])) is None, (before[sku].name, listing.name)


@given(family=st.sampled_from(FAMILIES), strategy=st.sampled_from(FormatStrategy))
def test_a_product_with_another_name_and_another_identifier_is_held(family, strategy):
    for listing in _listings(family, strategy).values():
        stranger = StoredProduct(product_id=7, sku=listing.sku, name="A Cookery Book Nobody Ordered", is_visible=True,
                                 fields={"gtin": "9780306406157"})
        reason = title_mismatch(listing, stranger)
        assert reason is not None and "A Cookery Book Nobody Ordered" in reason and listing.name in reason
