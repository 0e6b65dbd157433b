"""The BigCommerce storefront adapter: carries out planned store actions idempotently and minimally.

- Before any create it looks the SKU up (products, and variants for family products), because BigCommerce
  has no idempotency keys: a retry or a crash never makes a duplicate product.
- Only the sections whose hash changed are sent. Product fields go in batches of 10 (`PUT
  /catalog/products`); a rejected batch is bisected to find the offending edition.
- Images (deduplicated by source checksum or URL), custom fields, channel assignments and price-list
  records are diffed against the ids kept from the last run (`remote`), or read back when those are unknown.
- Delisting hides (is_visible false, availability disabled); it deletes only when the operator asks.
- Family products (variant strategy): only the variants whose part of a changed section differs are written
  (batch `PUT /catalog/variants`); a new edition is added as a variant, a departed one is removed, and a
  changed Format label renames the option value, so variant ids survive.
- What BigCommerce would refuse for a known reason (an image's type or size, more variants than a product may
  have) is refused here, before any request, as a typed error naming the edition and the field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from adapters.bigcommerce import payloads
from adapters.bigcommerce.batching import PRODUCT_BATCH_MAX, bisect_batch
from adapters.bigcommerce.client import BigCommerceClient
from adapters.bigcommerce.errors import BigCommerceError, BigCommerceRejected, BigCommerceTransientError
from domain.listing import ListingPrice, Section, StoreListing, VariantListing, section_payloads
from domain.plan import ActionKind, AppliedListing, StoreAction
from domain.ports import ActionOutcome, StoredProduct, StoreError, StoreErrorKind

log = logging.getLogger(__name__)
INCLUDE = "variants,images,custom_fields,channels"


@dataclass
class _Work:
    """One action in flight: what we know of its product, and what went wrong."""

    action: StoreAction
    listing: StoreListing | None
    sections: tuple[Section, ...]
    product_id: int | None
    remote: dict[str, Any]
    before: AppliedListing | None = None
    errors: list[StoreError] = field(default_factory=list)
    created: bool = False
    changed_variants: set[str] | None = None  # casefolded SKUs whose price may have changed; None: all

    @property
    def ok(self) -> bool:
        return not self.errors

    def resent(self, section: Section) -> bool:
        """True when `section` is sent whole: new, forced (`full`), or its last payload is unknown."""
        before = self.before
        if self.listing is None or before is None or section not in before.payloads:
            return True
        return before.hashes.get(section) == self.listing.hashes.get(section)


def store_error(exc: BigCommerceError, *, context: str) -> StoreError:
    if isinstance(exc, BigCommerceRejected):
        field_name = next(iter(exc.errors), None)
        kind = StoreErrorKind.CONFLICT if exc.status == 409 else StoreErrorKind.REJECTED
        detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        message = f"{context}: BigCommerce rejected it ({exc.status} {exc.title}{': ' + detail if detail else ''})"
        return StoreError(kind, message, field=field_name, status=exc.status)
    if isinstance(exc, BigCommerceTransientError):
        return StoreError(StoreErrorKind.TRANSIENT, f"{context}: {exc}", status=exc.last_status)
    return StoreError(StoreErrorKind.TRANSIENT, f"{context}: {exc}")


def _remote_from_product(product: Mapping[str, Any], listing: StoreListing | None) -> dict[str, Any]:
    """Store-side ids from a product read back with `include=variants,images,custom_fields,channels`."""
    by_description = {img.description: payloads.image_ident(img) for img in (listing.images if listing else ())}
    images = {}
    for image in product.get("images") or []:
        ident = by_description.get(image.get("description", ""), f"bc:{image['id']}")
        images[ident] = image["id"]
    return {
        "variants": {str(v["sku"]).casefold(): v["id"] for v in product.get("variants") or [] if v.get("sku")},
        "images": images,
        "custom_fields": {f["name"]: [f["id"], f["value"]] for f in product.get("custom_fields") or []},
        "option_values": {str(v["sku"]).casefold(): _format_value(v) for v in product.get("variants") or []
                          if v.get("sku") and _format_value(v)},
        "channels": sorted(product.get("channels") or []),
        "base_variant_id": product.get("base_variant_id"),
    }


def _format_value(variant: Mapping[str, Any]) -> list[Any] | None:
    """[option_id, value_id, label] of a variant's Format option value, if it has one."""
    value = next((v for v in variant.get("option_values") or []
                  if v.get("option_display_name") == payloads.FORMAT_OPTION), None)
    return [value["option_id"], value["id"], value.get("label")] if value else None


def _refusal(listing: StoreListing, sections: tuple[Section, ...]) -> StoreError | None:
    """What BigCommerce must not be sent, found before any request: images and variant counts."""
    isbns = ", ".join(map(str, listing.isbns))
    if listing.variants and Section.CORE in sections and (why := payloads.variants_refusal(listing)):
        return StoreError(StoreErrorKind.REJECTED, f"{listing.key} ({isbns}): not sent: {why}", field="variants")
    if Section.MEDIA not in sections:
        return None
    for image in listing.images:
        # ListingImage carries no type or size yet; a subclass (or a later domain field) that does is honoured.
        why = payloads.image_refusal(image.url, mime_type=getattr(image, "mime_type", None),
                                     size_bytes=getattr(image, "size_bytes", None))
        if why:
            owner = next((str(v.isbn) for v in listing.variants if v.image_url == image.url), isbns)
            return StoreError(StoreErrorKind.REJECTED, f"{owner}: not sent: {why}", field="images")
    for variant in listing.variants:
        if variant.image_url and (why := payloads.image_refusal(variant.image_url)):
            return StoreError(StoreErrorKind.REJECTED, f"{variant.isbn}: not sent: {why}", field="variants.image_url")
    return None


class BigCommerceStorefront:
    def __init__(
        self,
        client: BigCommerceClient,
        *,
        name: str,
        price_lists: Mapping[str, int] | None = None,
        delete_on_delist: bool = False,
        workers: int = 1,
    ) -> None:
        """`workers`: products created, and images and custom fields synced, side by side (one product per
        worker). The client bounds requests in flight and paces the store-wide quota; channel assignments and
        price-list upserts stay one at a time (their own concurrency limits, research §2)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.name = name
        self.client = client
        self.price_lists = {k.upper(): v for k, v in (price_lists or {}).items()}
        self.delete_on_delist = delete_on_delist
        self.workers = workers
        self._owned: set[int] = set()  # product ids bookbridge applied: the only ones it may take SKUs from

    def close(self) -> None:
        self.client.close()

    # --- the port ---------------------------------------------------------------------------------------------

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        self._owned = {a.product_id for a in applied.values() if a.product_id is not None}
        works = [self._work(a, applied.get(a.key)) for a in actions]
        for work in works:
            if work.listing is not None and (refusal := _refusal(work.listing, work.sections)):
                work.errors.append(refusal)
        self._resolve_unknown(works)
        self._each(self._create, [w for w in works if w.ok and w.product_id is None and w.listing is not None
                                  and w.action.kind is not ActionKind.HIDE])
        pending = [w for w in works if w.ok and w.product_id is not None and not w.created]
        if self.delete_on_delist:
            self._delete([w for w in pending if w.action.kind is ActionKind.HIDE and w.listing is None])
            pending = [w for w in pending if not (w.action.kind is ActionKind.HIDE and w.listing is None)]
        self._update_products([w for w in pending if self._touches_product(w)])
        self._sync_variants([w for w in pending if w.ok and w.listing and w.listing.variants])
        self._each(self._sync_attachments, [w for w in pending if w.ok and w.listing is not None])
        self._sync_channels([w for w in works if w.ok and w.listing is not None and w.product_id is not None
                             and (w.created or Section.STOREFRONTS in w.sections)])
        self._sync_price_lists([w for w in works if w.ok and w.listing is not None and w.product_id is not None
                                and (w.created or Section.PRICING in w.sections)])
        return [ActionOutcome(w.action.key, ok=w.ok, product_id=w.product_id, error=w.errors[0] if w.errors else None,
                              remote=w.remote if w.ok else None) for w in works]

    def _each(self, step: Callable[[_Work], None], works: list[_Work]) -> None:
        """Run a per-product step over `works`, side by side when `workers` > 1. Each step touches one work."""
        if self.workers == 1 or len(works) < 2:
            for work in works:
                step(work)
            return
        with ThreadPoolExecutor(max_workers=min(self.workers, len(works)), thread_name_prefix="bigcommerce") as pool:
            list(pool.map(step, works))  # re-raises a programming error from any worker

    def _sync_attachments(self, work: _Work) -> None:
        if work.ok and Section.MEDIA in work.sections:
            self._sync_images(work)
        if work.ok and Section.CUSTOM_FIELDS in work.sections:
            self._sync_custom_fields(work)

    def read_back(self) -> Iterator[StoredProduct]:
        for product in self.client.iter_v3("catalog/products", params={"include": "custom_fields,variants"}):
            yield StoredProduct(product_id=product["id"], sku=product.get("sku", ""), name=product.get("name", ""),
                                is_visible=bool(product.get("is_visible")), fields=product)

    # --- resolving ids ---------------------------------------------------------------------------------------

    def _work(self, action: StoreAction, before: AppliedListing | None) -> _Work:
        sections = tuple(Section) if action.kind is ActionKind.CREATE else action.sections
        return _Work(action, action.listing, sections, before.product_id if before else None,
                     dict(before.remote) if before and before.remote else {}, before=before)

    def _resolve_unknown(self, works: list[_Work]) -> None:
        """Find existing products by SKU (no idempotency keys in BigCommerce), and read back unknown ids."""
        unknown = [w for w in works if w.ok and w.product_id is None and w.listing is not None]
        if unknown:
            skus = [w.listing.sku for w in unknown if w.listing is not None]
            try:
                found = {str(p["sku"]).casefold(): p for p in self.client.iter_v3(
                    "catalog/products", params={"sku:in": ",".join(skus), "include": INCLUDE})}
            except BigCommerceError as exc:
                for w in unknown:
                    w.errors.append(store_error(exc, context=f"looking up SKU {w.listing.sku if w.listing else ''}"))
                return
            for w in unknown:
                assert w.listing is not None
                product = found.get(w.listing.sku.casefold())
                if product is not None:
                    w.product_id = product["id"]
                    w.remote = _remote_from_product(product, w.listing)
                    w.sections = tuple(Section)  # converge everything: we don't know what reached the store
                    w.before = None
        stale = [w for w in works if w.ok and w.product_id is not None and w.listing is not None and not w.remote]
        if stale:
            self._read_remote(stale)

    def _read_remote(self, works: list[_Work]) -> None:
        ids = ",".join(str(w.product_id) for w in works)
        try:
            products = {p["id"]: p for p in self.client.iter_v3(
                "catalog/products", params={"id:in": ids, "include": INCLUDE})}
        except BigCommerceError as exc:
            for w in works:
                w.errors.append(store_error(exc, context="reading the product back"))
            return
        for w in works:
            product = products.get(w.product_id)
            if product is None:  # deleted by hand in BigCommerce: create it again
                w.product_id = None
                if w.listing is not None and w.listing.listed:
                    self._create(w)
                continue
            w.remote = _remote_from_product(product, w.listing)

    # --- products ---------------------------------------------------------------------------------------------

    def _create(self, work: _Work) -> None:
        assert work.listing is not None
        body = payloads.create_body(work.listing)
        try:
            try:
                response = self.client.request("POST", "catalog/products", json=body)
            except BigCommerceRejected as exc:
                # A family's edition may still be a variant of the product it leaves (SKUs are unique store-wide).
                skus = [v.sku for v in work.listing.variants]
                if exc.status != 409 or not skus or not self._reclaim(skus, None):
                    raise
                response = self.client.request("POST", "catalog/products", json=body)
        except BigCommerceError as exc:
            work.errors.append(store_error(exc, context=f"creating {work.listing.sku}"))
            return
        product = response.data or {}
        work.product_id = product.get("id")
        work.remote = _remote_from_product(product, work.listing)
        work.created = True
        if response.partial:
            work.errors.append(StoreError(StoreErrorKind.REJECTED, f"creating {work.listing.sku}: partly failed "
                                          f"({response.title}: {dict(response.errors)})",
                                          field=next(iter(response.errors), None), status=207))

    @staticmethod
    def _touches_product(work: _Work) -> bool:
        return work.listing is None or bool({Section.CORE, Section.PRICING, Section.STOREFRONTS} & set(work.sections))

    def _update_products(self, works: list[_Work]) -> None:
        items: list[tuple[_Work, dict[str, Any]]] = []
        for w in works:
            assert w.product_id is not None
            if w.listing is None:  # gone from the source: hide, never delete
                items.append((w, {"id": w.product_id, "is_visible": False, "availability": "disabled"}))
            elif len(body := payloads.product_update(w.listing, w.sections, w.product_id)) > 1:
                items.append((w, body))  # a family's price change alone touches variants, not the product
        for start in range(0, len(items), PRODUCT_BATCH_MAX):
            chunk = items[start:start + PRODUCT_BATCH_MAX]
            try:
                outcome = bisect_batch(chunk, lambda sub: self.client.request(
                    "PUT", "catalog/products", json=[body for _, body in sub]))
            except BigCommerceError as exc:
                for w, _ in chunk:
                    w.errors.append(store_error(exc, context=f"updating product {w.product_id}"))
                continue
            for sub, response in outcome.accepted:
                if response.partial:
                    for w, _ in sub:
                        w.errors.append(StoreError(StoreErrorKind.REJECTED, f"updating product {w.product_id}: "
                                                   f"partly failed ({response.title}: {dict(response.errors)})",
                                                   field=next(iter(response.errors), None), status=207))
            for (w, _), rejection in outcome.rejected:
                w.errors.append(store_error(rejection, context=f"updating product {w.product_id}"))

    def _delete(self, works: list[_Work]) -> None:
        if not works:
            return
        ids = ",".join(str(w.product_id) for w in works)
        try:
            self.client.request("DELETE", "catalog/products", params={"id:in": ids})
        except BigCommerceError as exc:
            for w in works:
                w.errors.append(store_error(exc, context=f"deleting product {w.product_id}"))

    # --- variants (family products) ------------------------------------------------------------------------

    def _sync_variants(self, works: list[_Work]) -> None:
        """Remove departed variants, rename changed labels, add new editions, then batch the changed fields."""
        updates: list[tuple[_Work, str, dict[str, Any]]] = []  # (work, ISBN, body)
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
                    self._drop_departed(w, known, set(after))
                    self._rename_labels(w, known)
                for variant in w.listing.variants:
                    sku = variant.sku.casefold()
                    if sku not in known:
                        self._add_variant(w, variant)
                        w.changed_variants.add(sku)
                        continue
                    sections = tuple(s for s in touched if w.resent(s) or before.get(sku, {}).get(s) != after[sku][s])
                    body = payloads.variant_body(variant, sections)
                    if body:
                        updates.append((w, variant.sku, {"id": known[sku], **body}))
                    if Section.PRICING in sections:
                        w.changed_variants.add(sku)
            except BigCommerceError as exc:
                w.errors.append(store_error(exc, context=f"syncing the variants of {w.listing.key}"))
        for start in range(0, len(updates), payloads.VARIANT_BATCH_MAX):
            chunk = updates[start:start + payloads.VARIANT_BATCH_MAX]
            try:  # a refused batch is halved until the offending variant stands alone (as for products)
                outcome = bisect_batch(chunk, lambda sub: self.client.request(
                    "PUT", "catalog/variants", json=[body for _, _, body in sub]))
            except BigCommerceError as exc:
                for w, isbn, _ in chunk:
                    w.errors.append(store_error(exc, context=f"updating variant {isbn}"))
                continue
            for (w, isbn, _), rejection in outcome.rejected:
                w.errors.append(store_error(rejection, context=f"updating variant {isbn}"))

    def _drop_departed(self, work: _Work, known: dict[str, Any], wanted: set[str]) -> None:
        """Editions that left this family product (moved to another product, or delisted) stop being variants."""
        values: dict[str, Any] = work.remote.setdefault("option_values", {})
        for sku in [s for s in known if s not in wanted]:
            try:
                self.client.request("DELETE", f"catalog/products/{work.product_id}/variants/{known[sku]}")
            except BigCommerceRejected as exc:
                if exc.status != 404:  # already gone (deleted by hand, or reclaimed by another product)
                    raise
            del known[sku]
            if sku in values:  # its Format value would otherwise block a later label (values are per option)
                option_id, value_id, _ = values.pop(sku)
                try:
                    self.client.request("DELETE", f"catalog/products/{work.product_id}/options/{option_id}"
                                        f"/values/{value_id}")
                except BigCommerceRejected as exc:
                    if exc.status != 404:
                        raise

    def _rename_labels(self, work: _Work, known: Mapping[str, Any]) -> None:
        """A changed Format label renames the variant's option value: the variant (and its id) stays.

        BigCommerce does not move an existing variant to another option value, so the value itself changes.
        Labels are unique within an option, so when a new label is still held by another value (two labels
        swapped), every renamed value first takes a temporary label.
        """
        assert work.listing is not None
        values: dict[str, Any] = work.remote.setdefault("option_values", {})
        existing = [v for v in work.listing.variants if v.sku.casefold() in known]
        if any(v.sku.casefold() not in values for v in existing):  # ids not kept yet (an older record): read them
            for variant in self.client.iter_v3(f"catalog/products/{work.product_id}/variants"):
                if variant.get("sku") and (ref := _format_value(variant)):
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
        for step in steps:
            for sku, label in step:
                option_id, value_id, _ = values[sku]
                self.client.request("PUT", f"{path}/{option_id}/values/{value_id}", json={"label": label})
                values[sku] = [option_id, value_id, label]

    def _add_variant(self, work: _Work, variant: VariantListing) -> None:
        """One new edition of a family product: `POST /catalog/products/{id}/variants`, one per request."""
        body = {**payloads.variant_body(variant), "option_values": self._option_value(work, variant.option_label)}
        path = f"catalog/products/{work.product_id}/variants"
        try:
            created = self.client.request("POST", path, json=body)
        except BigCommerceRejected as exc:
            if exc.status != 409 or not self._reclaim([variant.sku], work.product_id):
                raise
            created = self.client.request("POST", path, json=body)
        data = created.data or {}
        work.remote.setdefault("variants", {})[variant.sku.casefold()] = data.get("id")
        if ref := _format_value(data):
            work.remote.setdefault("option_values", {})[variant.sku.casefold()] = ref

    def _reclaim(self, skus: Sequence[str], product_id: int | None) -> bool:
        """Free SKUs still held as variants by another product bookbridge owns (SKUs are unique store-wide).

        An edition that moves between family products (a launch joins it to its siblings) keeps its ISBN as
        SKU; the product it left may not have been updated yet. Products bookbridge does not own are never
        touched: the conflict is then reported.
        """
        freed = False
        for sku in skus:
            for variant in self.client.iter_v3("catalog/variants", params={"sku": sku}):
                owner = variant.get("product_id")
                same = str(variant.get("sku")).casefold() == sku.casefold()
                if same and owner != product_id and owner in self._owned:
                    self.client.request("DELETE", f"catalog/products/{owner}/variants/{variant['id']}")
                    freed = True
        return freed

    def _option_value(self, work: _Work, label: str) -> list[dict[str, Any]]:
        """The Format option value for a new variant, created on the product if missing."""
        options = self.client.request("GET", f"catalog/products/{work.product_id}/options").data or []
        option = next((o for o in options if o.get("display_name") == payloads.FORMAT_OPTION), None)
        if option is None:
            option = self.client.request("POST", f"catalog/products/{work.product_id}/options", json={
                "display_name": payloads.FORMAT_OPTION, "type": "rectangles",
                "option_values": [{"label": label, "sort_order": 0}]}).data
        value = next((v for v in option.get("option_values", []) if v.get("label") == label), None)
        if value is None:
            value = self.client.request("POST", f"catalog/products/{work.product_id}/options/{option['id']}/values",
                                        json={"label": label, "sort_order": len(option.get("option_values", []))}).data
        return [{"id": value["id"], "option_id": option["id"]}]

    # --- images and custom fields ------------------------------------------------------------------------------

    def _sync_images(self, work: _Work) -> None:
        assert work.listing is not None
        known: dict[str, Any] = work.remote.setdefault("images", {})
        wanted = {payloads.image_ident(img): (i, img) for i, img in enumerate(work.listing.images)}
        try:
            for ident, image_id in list(known.items()):
                if ident not in wanted:
                    self.client.request("DELETE", f"catalog/products/{work.product_id}/images/{image_id}")
                    del known[ident]
            for ident, (order, image) in wanted.items():
                if ident not in known:
                    created = self.client.request("POST", f"catalog/products/{work.product_id}/images",
                                                  json=payloads.image_body(image, order))
                    known[ident] = (created.data or {}).get("id")
        except BigCommerceError as exc:
            work.errors.append(store_error(exc, context=f"syncing images of {work.listing.sku}"))

    def _sync_custom_fields(self, work: _Work) -> None:
        assert work.listing is not None
        known: dict[str, list[Any]] = work.remote.setdefault("custom_fields", {})
        wanted = {f.name: f.value for f in work.listing.custom_fields}
        path = f"catalog/products/{work.product_id}/custom-fields"
        try:
            for name in [n for n in known if n not in wanted]:
                self.client.request("DELETE", f"{path}/{known[name][0]}")
                del known[name]
            for name, value in wanted.items():
                if name not in known:
                    created = self.client.request("POST", path, json={"name": name, "value": value})
                    known[name] = [(created.data or {}).get("id"), value]
                elif known[name][1] != value:
                    self.client.request("PUT", f"{path}/{known[name][0]}", json={"name": name, "value": value})
                    known[name] = [known[name][0], value]
        except BigCommerceError as exc:
            work.errors.append(store_error(exc, context=f"syncing custom fields of {work.listing.sku}"))

    # --- channels and price lists -------------------------------------------------------------------------------

    def _sync_channels(self, works: list[_Work]) -> None:
        """Channel assignments run one at a time (BigCommerce: no parallel assignment requests)."""
        add: list[tuple[_Work, dict[str, int]]] = []
        remove: dict[int, list[_Work]] = {}
        for w in works:
            assert w.listing is not None
            have = set(w.remote.get("channels") or [])
            want = set(w.listing.channels)
            add += [(w, {"product_id": w.product_id or 0, "channel_id": c}) for c in sorted(want - have)]
            for channel in sorted(have - want):
                remove.setdefault(channel, []).append(w)
        if add:
            try:
                self.client.request("PUT", "catalog/products/channel-assignments", json=[a for _, a in add],
                                    lane="channel-assignments")
                for w, a in add:
                    w.remote["channels"] = sorted(set(w.remote.get("channels") or []) | {a["channel_id"]})
            except BigCommerceError as exc:
                for w, _ in add:
                    w.errors.append(store_error(exc, context=f"assigning product {w.product_id} to channels"))
        for channel, members in remove.items():
            ids = ",".join(str(w.product_id) for w in members)
            try:
                self.client.request("DELETE", "catalog/products/channel-assignments", lane="channel-assignments",
                                    params={"product_id:in": ids, "channel_id:in": str(channel)})
                for w in members:
                    w.remote["channels"] = [c for c in w.remote.get("channels") or [] if c != channel]
            except BigCommerceError as exc:
                for w in members:
                    w.errors.append(store_error(exc, context=f"removing product {w.product_id} from channel {channel}"))

    def _variant_prices(self, work: _Work) -> list[tuple[int, ListingPrice]]:
        assert work.listing is not None
        variants = work.remote.get("variants") or {}
        if work.listing.variants:
            changed = work.changed_variants  # None: created, or found by SKU: every record
            return [(variants[v.sku.casefold()], p) for v in work.listing.variants for p in v.extra_prices
                    if v.sku.casefold() in variants and (changed is None or v.sku.casefold() in changed)]
        base = work.remote.get("base_variant_id") or variants.get(work.listing.sku.casefold())
        return [(base, p) for p in work.listing.extra_prices] if base else []

    def _sync_price_lists(self, works: list[_Work]) -> None:
        """Prices in other currencies are price-list records, upserted one bulk request at a time."""
        records: dict[str, list[tuple[_Work, dict[str, Any]]]] = {}
        for w in works:
            for variant_id, price in self._variant_prices(w):
                records.setdefault(price.currency.upper(), []).append((w, payloads.price_record(variant_id, price)))
        for currency, items in records.items():
            try:
                list_id = self._price_list(currency)
                for start in range(0, len(items), 1000):  # at most 1000 records per request
                    chunk = items[start:start + 1000]
                    self.client.request("PUT", f"pricelists/{list_id}/records", json=[r for _, r in chunk],
                                        lane="price-list-upserts")
            except BigCommerceError as exc:
                for w, _ in items:
                    w.errors.append(store_error(exc, context=f"upserting {currency} prices"))

    def _price_list(self, currency: str) -> int:
        """The price list for a currency: configured, found by name, or created (and assigned)."""
        if currency in self.price_lists:
            return self.price_lists[currency]
        name = f"bookbridge {currency}"
        found = next((p for p in self.client.iter_v3("pricelists") if p.get("name") == name), None)
        if found is None:
            found = self.client.request("POST", "pricelists", json={"name": name, "active": True}).data
        self.price_lists[currency] = int(found["id"])
        return self.price_lists[currency]
