"""Family products (the variant strategy): one BigCommerce product per family, one variant per edition.

Departed editions are dropped, changed Format labels rename their option value, new editions become variants,
and changed variant fields go in batches of 50. An edition moving between a family's products keeps its SKU
(unique store-wide): the product it joins reclaims the SKU, and a variant whose kept id has gone (it moved away
and came back) is added again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bookbridge.adapters.bigcommerce import payloads
from bookbridge.adapters.bigcommerce.batching import bisect_batch
from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, BigCommerceRejected, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.domain.listing import Section, VariantListing, section_payloads
from bookbridge.domain.ports import StoreError, StoreErrorKind


def format_value(variant: Mapping[str, Any]) -> list[Any] | None:
    """[option_id, value_id, label] of a variant's Format option value, if it has one."""
    value = next((v for v in variant.get("option_values") or []
                  if v.get("option_display_name") == payloads.FORMAT_OPTION), None)
    return [value["option_id"], value["id"], value.get("label")] if value else None


def sync_variants(client: BigCommerceClient, works: list[ActionWork], owned: set[int]) -> None:
    """Remove departed variants, rename changed labels, add new editions, then batch the changed fields."""
    updates: list[tuple[ActionWork, str, dict[str, Any]]] = []  # (work, ISBN, body)
    for w in works:
        assert w.listing is not None and w.product_id is not None
        touched = tuple(s for s in payloads.VARIANT_SECTIONS if s in w.sections)
        if not touched:
            continue
        known: dict[str, Any] = w.remote.setdefault("variants", {})
        before = payloads.variant_parts(w.before.payloads) if w.before else {}
        after = payloads.variant_parts(section_payloads(w.listing))
        w.changed_variants = set()
        try:
            if Section.CORE in touched:
                _drop_departed(client, w, known, set(after))
                _rename_labels(client, w, known)
            for variant in w.listing.variants:
                sku = variant.sku.casefold()
                if sku not in known:
                    _add_variant(client, w, variant, owned)
                    w.changed_variants.add(sku)
                    continue
                sections = tuple(s for s in touched if w.resent(s) or before.get(sku, {}).get(s) != after[sku][s])
                body = payloads.variant_body(variant, sections)
                if refused := payloads.limit_errors(body):
                    w.errors.append(StoreError(StoreErrorKind.REJECTED, f"updating variant {variant.sku}: "
                                               + "; ".join(refused.values()), field=next(iter(refused))))
                    continue
                if body:
                    updates.append((w, variant.sku, {"id": known[sku], **body}))
                if Section.PRICING in sections:
                    w.changed_variants.add(sku)
        except BigCommerceError as exc:
            w.errors.append(store_error(exc, context=f"syncing the variants of {w.listing.key}"))
    for start in range(0, len(updates), payloads.VARIANT_BATCH_MAX):
        chunk = updates[start:start + payloads.VARIANT_BATCH_MAX]
        try:  # a refused batch is halved until the offending variant stands alone (as for products)
            outcome = bisect_batch(chunk, lambda sub: client.request(
                "PUT", "catalog/variants", json=[body for _, _, body in sub]))
        except BigCommerceError as exc:
            for w, isbn, _ in chunk:
                w.errors.append(store_error(exc, context=f"updating variant {isbn}"))
            continue
        for (w, isbn, _), rejection in outcome.rejected:
            if rejection.status == 404:  # its kept id is gone from the store
                _add_again(client, w, isbn, owned)
                continue
            w.errors.append(store_error(rejection, context=f"updating variant {isbn}"))


def _add_again(client: BigCommerceClient, work: ActionWork, sku: str, owned: set[int]) -> None:
    """A kept variant id the store no longer has: the edition moved to a sibling product, which reclaimed its SKU,
    and has come back to this one (whose ids were kept while it was hidden), or the variant was deleted by hand.
    It is added again (taking its SKU back from a sibling that still holds it); its price records follow."""
    assert work.listing is not None
    variant = next(v for v in work.listing.variants if v.sku == sku)
    work.remote.setdefault("variants", {}).pop(sku.casefold(), None)
    work.remote.setdefault("option_values", {}).pop(sku.casefold(), None)
    try:
        _add_variant(client, work, variant, owned)
    except BigCommerceError as exc:
        work.errors.append(store_error(exc, context=f"adding variant {sku} again"))
        return
    # A new id: its price-list records (per variant id) are written again, even if no price changed.
    if work.changed_variants is not None:
        work.changed_variants.add(sku.casefold())
    if Section.PRICING not in work.sections:
        work.sections = (*work.sections, Section.PRICING)


def _drop_departed(client: BigCommerceClient, work: ActionWork, known: dict[str, Any], wanted: set[str]) -> None:
    """Editions that left this family product (moved to another product, or delisted) stop being variants."""
    values: dict[str, Any] = work.remote.setdefault("option_values", {})
    for sku in [s for s in known if s not in wanted]:
        try:
            client.request("DELETE", f"catalog/products/{work.product_id}/variants/{known[sku]}")
        except BigCommerceRejected as exc:
            if exc.status != 404:  # already gone (deleted by hand, or reclaimed by another product)
                raise
        del known[sku]
        if sku in values:  # its Format value would otherwise block a later label (values are per option)
            option_id, value_id, _ = values.pop(sku)
            try:
                client.request("DELETE", f"catalog/products/{work.product_id}/options/{option_id}"
                                    f"/values/{value_id}")
            except BigCommerceRejected as exc:
                if exc.status != 404:
                    raise


def _rename_labels(client: BigCommerceClient, work: ActionWork, known: Mapping[str, Any]) -> None:
    """A changed Format label renames the variant's option value: the variant (and its id) stays.

    BigCommerce does not move an existing variant to another option value, so the value itself changes.
    Labels are unique within an option, so when a new label is still held by another value (two labels
    swapped), every renamed value first takes a temporary label.
    """
    assert work.listing is not None
    values: dict[str, Any] = work.remote.setdefault("option_values", {})
    existing = [v for v in work.listing.variants if v.sku.casefold() in known]
    if any(v.sku.casefold() not in values for v in existing):  # ids not kept yet (an older record): read them
        for variant in client.iter_v3(f"catalog/products/{work.product_id}/variants"):
            if variant.get("sku") and (ref := format_value(variant)):
                values[str(variant["sku"]).casefold()] = ref
    renames = [(v.sku.casefold(), v.option_label) for v in existing
               if v.sku.casefold() in values and values[v.sku.casefold()][2] != v.option_label]
    if not renames:
        return
    steps = [renames]
    held = {ref[2] for ref in values.values()}
    if len(renames) > 1 and any(label in held for _, label in renames):
        steps.insert(0, [(sku, f"{label} ~{values[sku][1]}") for sku, label in renames])
    path = f"catalog/products/{work.product_id}/options"
    # The option-value PUT requires sort_order (catalog spec): keep each value's current one.
    orders = {v["id"]: v.get("sort_order", 0) for o in client.iter_v3(path) for v in o.get("option_values", [])}
    for step in steps:
        for sku, label in step:
            option_id, value_id, _ = values[sku]
            client.request("PUT", f"{path}/{option_id}/values/{value_id}",
                           json={"label": label, "sort_order": orders.get(value_id, 0)})
            values[sku] = [option_id, value_id, label]


def _add_variant(client: BigCommerceClient, work: ActionWork, variant: VariantListing, owned: set[int]) -> None:
    """One new edition of a family product: `POST /catalog/products/{id}/variants`, one per request."""
    body = {**payloads.variant_body(variant), "option_values": _option_value(client, work, variant.option_label)}
    path = f"catalog/products/{work.product_id}/variants"
    try:
        created = client.request("POST", path, json=body)
    except BigCommerceRejected as exc:
        if exc.status != 409 or not reclaim(client, [variant.sku], work.product_id, owned):
            raise
        created = client.request("POST", path, json=body)
    data = created.data or {}
    work.remote.setdefault("variants", {})[variant.sku.casefold()] = data.get("id")
    if ref := format_value(data):
        work.remote.setdefault("option_values", {})[variant.sku.casefold()] = ref


def reclaim(client: BigCommerceClient, skus: Sequence[str], product_id: int | None, owned: set[int]) -> bool:
    """Free SKUs still held as variants by another product bookbridge owns (SKUs are unique store-wide).

    An edition that moves between family products (a launch joins it to its siblings) keeps its ISBN as
    SKU; the product it left may not have been updated yet. Products bookbridge does not own are never
    touched: the conflict is then reported.
    """
    freed = False
    for sku in skus:
        for variant in client.iter_v3("catalog/variants", params={"sku": sku}):
            owner = variant.get("product_id")
            same = str(variant.get("sku")).casefold() == sku.casefold()
            if same and owner != product_id and owner in owned:
                client.request("DELETE", f"catalog/products/{owner}/variants/{variant['id']}")
                freed = True
    return freed


def _option_value(client: BigCommerceClient, work: ActionWork, label: str) -> list[dict[str, Any]]:
    """The Format option value for a new variant, created on the product if missing."""
    options = client.request("GET", f"catalog/products/{work.product_id}/options").data or []
    option = next((o for o in options if o.get("display_name") == payloads.FORMAT_OPTION), None)
    if option is None:
        option = client.request("POST", f"catalog/products/{work.product_id}/options", json={
            "display_name": payloads.FORMAT_OPTION, "type": "rectangles",
            "option_values": [{"label": label, "sort_order": 0}]}).data
    value = next((v for v in option.get("option_values", []) if v.get("label") == label), None)
    if value is None:
        value = client.request("POST", f"catalog/products/{work.product_id}/options/{option['id']}/values",
                                    json={"label": label, "sort_order": len(option.get("option_values", []))}).data
    return [{"id": value["id"], "option_id": option["id"]}]
