"""Documents that the CLI and the HTTP API both answer with, so that `plan --json` and `/api/plan` agree, and
`exceptions list --json` and `/api/exceptions`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bookbridge.application.exception_words import place_key
from bookbridge.application.held_back import HeldBackGroup
from bookbridge.application.isbn_changes import change_message
from bookbridge.application.money import money_amount
from bookbridge.application.sync import PlannedSync
from bookbridge.application.sync_exceptions import source_failure
from bookbridge.domain.categories import field_words
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.plan import ActionKind
from bookbridge.domain.ports import SourceUnreadable, SyncException
from bookbridge.entrypoints.presentation import action_name, where_words

NOTHING_PLANNED = "nothing was planned"


class NotPlanned(Exception):
    """No plan could be made: the source could not be read at all, or the store refused the credentials. Its
    text is what `bookbridge plan` prints after `nothing was planned:`, and what `GET /api/plan` answers."""


def planned_or_why(plan: Callable[[], PlannedSync], source: str, store: str) -> PlannedSync:
    """`plan()`'s plan; or NotPlanned, in the one set of words `bookbridge plan` and `GET /api/plan` say: `reading
    source 'consonance' failed: …` (`source_failure`), `store 'shop' refused the credentials: …`."""
    try:
        planned = plan()
    except SourceUnreadable as exc:
        raise NotPlanned(source_failure(source, exc)) from exc
    if planned.store_refused is not None:  # which new SKUs the store holds is not known: no plan to show
        raise NotPlanned(f"store {store!r} refused the credentials: {planned.store_refused.message}")
    return planned


def plan_document(planned: PlannedSync, held_somewhere: Sequence[HeldBackGroup] = ()) -> dict[str, Any]:
    """The plan; `held_somewhere` (`application.held_back.held_back` over the plan's catalogue): why editions listed
    on one storefront are held back from another, which the text plan prints under it, an entry per edition and
    storefront (`held_back_on_a_storefront`)."""
    plan = planned.plan
    actions = []
    for action in plan.actions:
        before = planned.applied.get(action.key)
        actions.append({
            "action": action.kind.value,
            "key": action.key,
            "sku": action.listing.sku if action.listing else action.key,
            "name": action_name(action, before),
            "sections": [s.value for s in action.sections],
            "reason": action.reason or None,
            # The store's product: the one an adopt takes over, else the one this key was last applied to.
            "product_id": action.found.product_id if action.found else before.product_id if before else None,
            "changes": [{"section": c.section.value, "field": c.field, "before": as_ours(c.before, c.after),
                         "after": c.after}
                        for c in action.changes(before)] if action.kind is not ActionKind.CREATE else [],
            # What the product will be sold at and where (a create has no changes to show them by).
            "prices": _prices(action.listing) if action.listing else [],
            "channels": list(action.listing.channels) if action.listing else [],
        })
    # Every entry has every key (`/api/plan`'s model, `HeldBack`): a held-back edition has no store product.
    held: list[dict[str, Any]] = [{"sku": li.sku, "name": li.name, "reason": li.not_listed_reason,
                                   "store_product_id": None, "store_name": None} for li in plan.skipped]
    held += [{"sku": m.listing.sku, "name": m.listing.name, "reason": m.reason, "store_product_id": m.stored.product_id,
              "store_name": m.stored.name} for m in plan.mismatched]
    # A record whose ISBN changed: its product in the store is the old ISBN's, kept as it is.
    held += [{"sku": c.listing.sku, "name": c.listing.name, "reason": change_message(c),
              "store_product_id": old.product_id if (old := planned.applied.get(c.old)) else None,
              "store_name": old.payloads.get(Section.CORE, {}).get("name") if old else None}
             for c in plan.isbn_changed]
    problems = [{"record": p.record, "severity": p.severity.value, "code": p.code, "field": p.field,
                 "message": p.message} for p in planned.read.problems]
    return {"store": plan.storefront, "counts": plan.counts, "actions": actions, "held_back": held,
            "held_back_on_a_storefront": held_on_a_storefront(held_somewhere), "source_problems": problems,
            "kept_unread": list(plan.kept_unread), "credentials_refused": refused_document(planned.refused_open)}


def refused_document(item: SyncException | None) -> dict[str, Any] | None:
    """The store's open `credentials-refused` exception, as a plan names it: its id and message; None when none is
    open. A sync stops at the store's first refusal until it is fixed, so the plan would not reach the store."""
    return None if item is None else {"exception": item.id, "message": item.message}


def held_on_a_storefront(groups: Sequence[HeldBackGroup]) -> list[dict[str, Any]]:
    """The editions held back from a storefront while listed on another, an entry per edition, storefront and
    cause (the groups' order: the most editions first): those held back from every storefront are `held_back`."""
    names = {isbn: name for group in groups for isbn, name in group.names}
    return [{"isbn": isbn, "name": names.get(isbn), "storefront": storefront, "reason": group.reason}
            for group in groups for storefront, isbns in group.some for isbn in isbns]


def _prices(listing: StoreListing) -> list[dict[str, Any]]:
    """The listing's prices, a row per currency (and storefront), amounts with the currency's minor units."""
    def amount(value: Decimal | None, currency: str) -> str | None:
        return None if value is None else money_amount(value, currency)
    return [{"currency": p.currency, "storefront": p.storefront or None, "price": money_amount(p.price, p.currency),
             "sale_price": amount(p.sale_price, p.currency), "retail_price": amount(p.retail_price, p.currency)}
            for p in (listing.price, *listing.extra_prices) if p is not None]


def exception_document(item: SyncException, store: str, zones: Mapping[str, str], *, source: str) -> dict[str, Any]:
    """One exception: `store` the store's name; `storefront` the `[[storefronts]]` entry it is on (`zones`: their
    names), else null (the store itself, a source, orders); `where` in the dashboard's words (`where_words`) of
    its place (`place_key`: a record not read is `source`'s); `field` the key it is kept under (`Subject/thema`),
    `field_label` its words, as `exceptions list` and the dashboard show it (`field_words`: `Subject (Thema)`)."""
    return {"id": item.id, "kind": item.kind.value, "isbn": item.isbn, "store": store,
            "storefront": item.storefront if item.storefront in zones else None,
            "where": where_words(place_key(item, store, source), store, zones), "field": item.field,
            "field_label": field_words(item.field) if item.field else None, "message": item.message,
            "count": item.count, "first_seen": json_instant(item.first_seen), "last_seen": json_instant(item.last_seen),
            "resolved_at": json_instant(item.resolved_at) if item.resolved_at else None, "resolution": item.resolution}


def json_instant(at: datetime) -> str:
    """An instant in JSON, in the CLI's documents and the HTTP API's models alike: UTC to the second, ending in Z
    (`2026-12-07T15:20:21Z`), one format whether or not the clock gave a fraction of a second."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


AMOUNTS = frozenset({"price", "sale_price", "retail_price", "cost_price"})


def as_ours(theirs: Any, ours: Any) -> Any:
    """A price the store reported (numbers, no currency: `{"price": 1.5}`) in the form of ours beside it: the
    currency named, each amount a decimal string with the currency's minor units (docs/glossary.md, Money).
    Anything else as it is."""
    if not (isinstance(theirs, Mapping) and isinstance(ours, Mapping)) or "currency" in theirs:
        return theirs
    currency = ours.get("currency")
    if not isinstance(currency, str):
        return theirs
    said: dict[str, Any] = {"currency": currency}
    for key, value in theirs.items():
        said[key] = value
        if key in AMOUNTS and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            with suppress(InvalidOperation):  # not a number: shown as the store gave it
                said[key] = money_amount(Decimal(str(value)), currency)
    return said
