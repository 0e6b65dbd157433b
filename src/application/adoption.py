"""Adopting an existing shop: before planning, ask the store which of the catalogue's new SKUs it already holds.

Only listings bookbridge has never applied are looked up (on the first sync of a fresh state database, every
listed one; later, only new titles), so a steady-state sync asks nothing. `plan` reads; it never writes. A product
that is clearly another title under the listing's SKU is held with an exception naming both (`record_mismatches`),
resolved by the sync that adopts or creates the listing once a person has sorted the SKUs out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from bookbridge.application.sync_exceptions import SyncReport, refused_line
from bookbridge.domain.adoption import StoredProduct
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import Plan
from bookbridge.domain.ports import (
    Clock,
    ExceptionKind,
    StoreError,
    StoreErrorKind,
    Storefront,
    StoreUnreadable,
    UnitOfWork,
)
from bookbridge.domain.words import plural

logger = logging.getLogger(__name__)
ADOPTION_FIELD = "sku"  # the field of the store-rejection exception a mismatched SKU opens


def new_skus(listings: Sequence[StoreListing], applied: Mapping[str, AppliedListing]) -> list[str]:
    """The SKUs `find_existing` asks the store for: those of listed listings bookbridge never applied (none: the
    store is not asked)."""
    return list(dict.fromkeys(li.sku for li in listings if li.listed and li.key not in applied and li.sku))


def find_existing(listings: Sequence[StoreListing], applied: Mapping[str, AppliedListing],
                  store: Storefront) -> tuple[dict[str, StoredProduct] | None, StoreError | None]:
    """The store's products under the SKUs of listed listings bookbridge never applied, by casefolded SKU (None
    when the store could not be read: nothing is known of those SKUs); and the store's refusal of the credentials,
    if that is why: it would refuse every other call the same way, so the caller says it, once."""
    skus = new_skus(listings, applied)
    if not skus:
        return {}, None
    found: dict[str, StoredProduct] = {}
    try:
        products = store.find_by_skus(skus)
    except Exception as exc:  # the store could not be read (5xx past the retries, a timeout): plan without it
        if isinstance(exc, StoreUnreadable) and exc.error.kind is StoreErrorKind.CREDENTIALS:
            return None, exc.error
        # The storefront still looks a SKU up before any create, so nothing is duplicated; what is lost for this
        # run is the adopt/create distinction in the report and the check for another title under our SKU.
        logger.warning("store %r: looking up %s failed (%s); this run plans creates for them", store.name,
                       plural(len(skus), "new SKU"), exc)
        return None, None
    for product in products:
        found.setdefault(product.sku.casefold(), product)  # SKUs are unique store-wide; the first one wins
    if found:
        logger.info("store %r already holds %d of %s: they are adopted, not created", store.name,
                    len(found), plural(len(skus), "new SKU"))
    return found, None


def isbn_of_listing(listing: StoreListing) -> str:
    return str(listing.isbns[0]) if len(listing.isbns) == 1 else listing.key


def record_mismatches(plan: Plan, store: str, uow: UnitOfWork, clock: Clock, report: SyncReport) -> None:
    """One exception per listing whose SKU the store holds for another title: nothing is sent for it."""
    if not plan.mismatched:
        return
    with uow:
        for mismatch in plan.mismatched:
            isbn = isbn_of_listing(mismatch.listing)
            item = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=isbn, storefront=store,
                                         message=mismatch.reason, field=ADOPTION_FIELD, at=clock.now())
            if item.count == 1:
                report.exceptions_opened.append(refused_line(item, mismatch.listing, isbn))
            logger.warning("not adopted: %s", mismatch.reason)
        uow.commit()
