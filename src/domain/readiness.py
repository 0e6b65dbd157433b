"""Readiness: is an edition fit to go on a storefront, and if not, what should a person fix?"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bookbridge.domain.formats import Format
from bookbridge.domain.lifecycle import DELISTED_STATUSES, Stage, created_hidden, listing_state
from bookbridge.domain.model import Edition, ResourceKind, Rights, TextKind
from bookbridge.domain.pricing import pricing_problems
from bookbridge.domain.problems import Problem, Severity, blocking, warning
from bookbridge.domain.rights import (
    FOR_SALE_TYPES,
    NOT_FOR_SALE_TYPES,
    CountryRights,
    RightsMemo,
    cached_rights_problems,
    rights_memo,
)
from bookbridge.domain.storefront import StorefrontSettings, storefront_words

ALLOWED_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})  # BigCommerce accepts these only
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # BigCommerce: 8 MB per image


def problems(
    edition: Edition,
    storefront: StorefrontSettings,
    *,
    at: datetime,
    stage: Stage | None = None,
    priced: bool | None = None,
    memo: RightsMemo | None = None,
) -> list[Problem]:
    """Every problem that keeps this edition off `storefront` (blocking) or that a person should see (warning).
    `memo` keeps the answers about rights that editions share (the planner's).

    `stage` and `priced` (whether a price is in force) may be passed when the caller has computed them.
    The ISBN needs no check here: an Edition cannot hold an invalid one.
    """
    isbn = str(edition.isbn)
    found: list[Problem] = []
    if not edition.title.strip():
        found.append(blocking("missing-title", "no title", record=isbn, field="Title"))
    if edition.delisted or edition.publishing_status in DELISTED_STATUSES:
        return found  # nothing else matters for a title leaving the store
    if stage is None:
        stage = listing_state(edition, at=at, tz=storefront.zone).stage
    if edition.publishing_status == "02" and edition.publication_date is None:
        found.append(blocking("forthcoming-without-date", "forthcoming (PublishingStatus 02) with no publication "
                              "date: it cannot be put on pre-order", record=isbn, field="PublishingDate"))
    if stage in (Stage.EDITORIAL, Stage.DELISTED):
        # Created hidden at metadata lock: its rights decide whether the product may exist yet; the checks for
        # going on sale (price, cover, description) wait until it leaves the editorial stage.
        return found + _rights_for_storefront(edition, storefront, memo) if created_hidden(edition, stage) else found
    if not priced:
        found += pricing_problems(edition.prices, storefront.price_context, at, record=isbn)
    cover = edition.resource(ResourceKind.FRONT_COVER)
    if cover is None:
        if storefront.require_cover:
            found.append(blocking("missing-cover", "no approved front cover (SupportingResource 01)", record=isbn,
                                  field="SupportingResource"))
    else:
        if cover.mime_type and cover.mime_type.lower() not in ALLOWED_IMAGE_TYPES:
            found.append(blocking("cover-type", f"front cover is {cover.mime_type}; the store takes JPEG, PNG or "
                                  "GIF only", record=isbn, field="SupportingResource/ResourceVersionFeature"))
        if cover.size_bytes is not None and cover.size_bytes > MAX_IMAGE_BYTES:
            found.append(blocking("cover-too-large", f"front cover is {cover.size_bytes} bytes; the store takes "
                                  f"at most {MAX_IMAGE_BYTES}", record=isbn, field="SupportingResource"))
    for other in edition.resources:
        if other.kind in (ResourceKind.BACK_COVER, ResourceKind.AUTHOR_PHOTO) and other.approved:
            label = other.kind.words
            if other.mime_type and other.mime_type.lower() not in ALLOWED_IMAGE_TYPES:
                found.append(warning("image-type", f"{label} is {other.mime_type}; the store takes JPEG, PNG or GIF "
                                     "only, so it is left out", record=isbn, field="SupportingResource"))
            elif other.size_bytes is not None and other.size_bytes > MAX_IMAGE_BYTES:
                found.append(warning("image-too-large", f"{label} is {other.size_bytes} bytes; the store takes at "
                                     f"most {MAX_IMAGE_BYTES}, so it is left out", record=isbn,
                                     field="SupportingResource"))
    if edition.text(TextKind.DESCRIPTION) is None and edition.text(TextKind.SHORT_DESCRIPTION) is None:
        maker = blocking if storefront.require_description else warning
        found.append(maker("missing-description", "no approved description (TextContent 03 or 02)", record=isbn,
                           field="TextContent"))
    if not edition.contributors:
        found.append(warning("no-contributors", "no contributors", record=isbn, field="Contributor"))
    if not edition.format.is_digital and edition.format is not Format.OTHER and edition.dimensions.weight_g is None:
        found.append(warning("missing-weight", "physical edition with no weight (Measure 08): shipping quotes "
                             "will be wrong", record=isbn, field="Measure"))
    if edition.format is Format.OTHER:
        found.append(warning("format-other", f"product form {edition.form_code!r} sells as 'Other'", record=isbn,
                             field="ProductForm"))
    found += _rights_for_storefront(edition, storefront, memo)
    return found


def _rights_for_storefront(edition: Edition, storefront: StorefrontSettings, memo: RightsMemo | None
                           ) -> list[Problem]:
    isbn = str(edition.isbn)
    found = [p.model_copy(update={"record": isbn}) for p in cached_rights_problems(edition.rights, memo)]
    clash = _clashes(edition.rights, memo) & storefront.countries
    if clash:
        found.append(blocking("rights-conflict", f"sales rights contradict each other in {' '.join(sorted(clash))}, "
                              f"which {storefront_words(storefront.name)} serves", record=isbn, field="SalesRights"))
    return found


def rights_conflicts(rights: Rights, countries: frozenset[str], memo: RightsMemo | None = None) -> frozenset[str]:
    """The storefront's countries in which the sales rights contradict each other (a blocking problem)."""
    return _clashes(rights, memo) & countries


def _clashes(rights: Rights, memo: RightsMemo | None) -> frozenset[str]:
    """Countries fully for sale under one composite and named not-for-sale by another."""
    answers = rights_memo(rights, memo)
    found: frozenset[str] | None = answers.get(_clashes)
    if found is None:
        found = answers[_clashes] = _find_clashes(rights)
    return found


def _find_clashes(rights: Rights) -> frozenset[str]:
    for_sale: set[str] = set()
    not_for_sale: set[str] = set()
    for composite in rights.sales_rights:
        extent = composite.territory.extent()
        if composite.type in FOR_SALE_TYPES:
            for_sale |= extent.full
        elif composite.type in NOT_FOR_SALE_TYPES:
            not_for_sale |= extent.named
    return frozenset(for_sale & not_for_sale)


# The problems that only matter once a title may be sold on a storefront: a price, a cover, a description.
GOING_ON_SALE = frozenset({"no-price", "no-current-price", "price-tax-mismatch", "missing-cover", "cover-type",
                           "cover-too-large", "missing-description"})


def not_licensed_message(refused: Sequence[CountryRights]) -> str:
    """"not licensed for sale in US (ROWSalesRightsType 06)": each country with the rights rule that refuses it."""
    where = ", ".join(f"{r.country} ({r.reason})" for r in refused[:5])
    more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
    return f"not licensed for sale in {where}{more}"


def not_licensed_first(found: Sequence[Problem], refused: Sequence[CountryRights], *, record: str) -> list[Problem]:
    """`found` for a title not licensed where a storefront sells: one blocking problem naming the countries and
    the rights rule that refuses each comes first, and what would matter only on sale (a missing price or
    content) is kept as a warning, so that it opens no exception of its own."""
    lead = blocking("not-licensed", not_licensed_message(refused), record=record, field="SalesRights")
    rest = [p.model_copy(update={"severity": Severity.WARNING}) if p.blocking and p.code in GOING_ON_SALE else p
            for p in found]
    return [lead, *rest]


def blocking_problems(found: list[Problem]) -> list[Problem]:
    return [p for p in found if p.blocking]
