"""The BigCommerce store adapter: carries out planned store actions idempotently and minimally.

- Before any create it looks the SKU up (products, and variants for family products), because BigCommerce
  has no idempotency keys: a retry or a crash never makes a duplicate product. In a sync run (`begin`), planning's
  look-up of the SKUs never applied (a create marked `absent`), or one read that finds the store empty, replaces
  those look-ups for keys never applied before; a key with a create intent from an earlier run (it may exist) is
  still looked up, and so is one whose create meets a 409.
- Related products are made one after the other, each linked to those made before it; the sync's stale-link pass
  writes the links of those made before a sibling once the plan is done (`links.py`).
- In a sync run, channel assignments and price-list records are buffered across batches and sent in the
  largest batches the API accepts (`buffers.py`); the actions waiting on them are reported pending.
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
from typing import Any, TypeVar

from bookbridge.adapters.bigcommerce import payloads
from bookbridge.adapters.bigcommerce.batching import PRODUCT_BATCH_MAX, bisect_batch
from bookbridge.adapters.bigcommerce.buffers import WriteBuffers
from bookbridge.adapters.bigcommerce.categories import CategoryTrees
from bookbridge.adapters.bigcommerce.channels import assign_price_list, sync_channels
from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.custom_fields import sync_custom_fields
from bookbridge.adapters.bigcommerce.errors import (
    BigCommerceCredentialsRefused,
    BigCommerceError,
    BigCommerceRejected,
    store_error,
)
from bookbridge.adapters.bigcommerce.images import sync_images
from bookbridge.adapters.bigcommerce.links import (
    add_links,
    forget_refused_categories,
    linked_groups,
    links_written,
    prepare_categories,
    product_of,
)
from bookbridge.adapters.bigcommerce.lookups import (
    INCLUDE,
    find_by_skus,
    product_count,
    read_back,
    remote_from_product,
    resolve_unknown,
)
from bookbridge.adapters.bigcommerce.probe import probe_store
from bookbridge.adapters.bigcommerce.refusals import listing_refusal, refused_error
from bookbridge.adapters.bigcommerce.variants import reclaim, sync_variants
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import ListingPrice, Section, StoreListing
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import (
    ActionOutcome,
    Buffering,
    CategoryKey,
    ProbeResult,
    StoredProduct,
    StoreError,
    StoreErrorKind,
    Storefront,
    StoreUnreadable,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def _skus(listing: StoreListing) -> set[str]:
    return {listing.sku.casefold(), *(v.sku.casefold() for v in listing.variants)}


def _refused(context: str, refused: dict[str, str]) -> StoreError:
    """A value BigCommerce would reject, caught before any request: the error names the field."""
    return StoreError(StoreErrorKind.REJECTED, f"{context}: {'; '.join(refused.values())}",
                      field=next(iter(refused)).rsplit(".", 1)[-1])


class BigCommerceStorefront(Storefront, Buffering):
    links_related_products = True  # `RelatedLinking`: related_products by id, the ids kept in `remote` (links.py)

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
        price-list upserts stay one at a time (BigCommerce limits them per endpoint)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.name = name
        self.client = client
        self.price_lists = {k.upper(): v for k, v in (price_lists or {}).items()}
        self.delete_on_delist = delete_on_delist
        self.workers = workers
        self._owned: set[int] = set()  # product ids bookbridge applied: the only ones it may take SKUs from
        self._channels: dict[str, tuple[int, ...]] = {}  # currency -> the channels that sell in it
        self._assigned: set[tuple[int, int]] = set()  # (price list, channel) known to be assigned
        self.trees = CategoryTrees(client)  # categories, made in each channel's tree (links.py)
        self._find = product_of({}, [])
        self._buffers = WriteBuffers(client, self._price_list)
        self._in_run = False  # between `begin` and the final `flush`: buffers outlive `apply`
        self._empty_at_start = False  # the run's first read found no product in the store
        self._created_skus: set[str] = set()  # casefolded SKUs this run created
        self._waiting: dict[str, ActionWork] = {}  # pending actions, by key
        self._refusal: StoreError | None = None  # the store refused the credentials during this `apply`

    def close(self) -> None:
        self.client.close()

    def probe(self) -> ProbeResult:
        """Read-only calls proving the store hash, the token and the scopes a sync needs (`bookbridge check`)."""
        return probe_store(self.client.config)

    # --- the port ---------------------------------------------------------------------------------------------

    def price_channels(self, channels: Mapping[str, Sequence[int]]) -> None:
        """The channels that sell in each currency other than the store's default (`ChannelPriced`): a price
        list prices only the channels it is assigned to."""
        self._channels = {c.upper(): tuple(sorted(set(ids))) for c, ids in channels.items()}

    def use_categories(self, known: Mapping[CategoryKey, int]) -> None:
        """The category ids the sync state keeps (`CategoryMaking`)."""
        self.trees.use(known)

    def categories_made(self) -> dict[CategoryKey, int]:
        return self.trees.made()

    def begin(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> None:
        """A sync run starts. Creates of keys never applied before whose SKUs planning read the store for
        (`absent`) are not looked up again. When others remain, one read tells whether the store is empty: then
        nothing they create can exist yet, and their per-batch SKU look-ups are skipped too."""
        self._buffers = WriteBuffers(self.client, self._price_list)
        self._waiting, self._created_skus, self._in_run, self._empty_at_start = {}, set(), True, False
        if any(a.kind is ActionKind.CREATE and a.key not in applied and not a.absent for a in actions):
            self._empty_at_start = self._is_empty()

    def _is_empty(self) -> bool:
        """One read (`limit=1`): the store holds no product now. Never remembered: another client may add
        products between two syncs (or between planning and the run)."""
        try:
            return product_count(self.client) == 0
        except BigCommerceError as exc:  # look every SKU up, as without a run
            if not isinstance(exc, BigCommerceCredentialsRefused):  # refused: the run's first look-up says it, once
                log.warning("could not tell whether store %r is empty (%s): looking SKUs up", self.name, exc)
            return False

    def flush(self, *, final: bool, every: bool = False) -> list[ActionOutcome]:
        self._buffers.flush(final=final or every)
        if final:
            self._in_run = False
        done = [w for w in self._waiting.values() if w.buffered == 0]
        for w in done:
            del self._waiting[w.action.key]
        return [self._outcome(w) for w in done]

    @staticmethod
    def _outcome(w: ActionWork, *, pending: bool = False) -> ActionOutcome:
        # A failed action still reports the ids that exist (a product created before its price-list step failed,
        # images added before the next one was refused): recorded, they keep a retry from making duplicates.
        return ActionOutcome(w.action.key, ok=w.ok, product_id=w.product_id, error=w.errors[0] if w.errors else None,
                             remote=w.remote if w.ok or w.product_id is not None else None, pending=pending)

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        self._owned = {a.product_id for a in applied.values() if a.product_id is not None}
        self._refusal = None
        works = [self._work(a, applied.get(a.key)) for a in actions]
        for work in works:
            if work.listing is not None and (refusal := listing_refusal(work.listing, work.sections)):
                work.errors.append(refusal)
        prepare_categories(self.trees, works)
        self._find = product_of(applied, works)
        if self._in_run:
            for w in works:
                if w.listing is not None and w.product_id is None:
                    # Never applied before (no create intent from an earlier run), in a store that was empty when
                    # the run began or whose SKU planning found free, and none of its SKUs created since: it
                    # cannot exist (a 409 on its create looks it up after all).
                    w.unverified = (w.before is None and (self._empty_at_start or w.action.absent)
                                    and not _skus(w.listing) & self._created_skus)
        self._resolve_unknown(works)
        self._halt_if_refused(works)
        self._each(self._create_in_turn, linked_groups([w for w in works if w.ok and w.product_id is None
                                                        and w.listing is not None
                                                        and w.action.kind is not ActionKind.HIDE]))
        self._halt_if_refused(works)
        pending = [w for w in works if w.ok and w.product_id is not None and not w.created]
        if self.delete_on_delist:
            self._delete([w for w in pending if w.action.kind is ActionKind.HIDE and w.listing is None])
            pending = [w for w in pending if not (w.action.kind is ActionKind.HIDE and w.listing is None)]
        self._update_products([w for w in pending if self._touches_product(w)])
        self._halt_if_refused(works)
        self._sync_variants([w for w in pending if w.ok and w.listing and w.listing.variants])
        self._halt_if_refused(works)
        self._each(self._sync_attachments, [w for w in pending if w.ok and w.listing is not None])
        self._halt_if_refused(works)
        self._sync_channels([w for w in works if w.ok and w.listing is not None and w.product_id is not None
                             and (w.created or Section.STOREFRONTS in w.sections)])
        self._sync_price_lists([w for w in works if w.ok and w.listing is not None and w.product_id is not None
                                and (w.created or Section.PRICING in w.sections)])
        forget_refused_categories(self.trees, works)
        self._buffers.drop([w for w in works if not w.ok and w.buffered])
        if not self._in_run:  # outside a sync run every write is sent before `apply` returns
            self._buffers.flush(final=True)
        for w in works:
            if w.buffered:
                self._waiting[w.action.key] = w
        return [self._outcome(w, pending=w.buffered > 0) for w in works]

    def _halt_if_refused(self, works: Sequence[ActionWork]) -> None:
        """The store refused the credentials (a 401, or a 403 for a missing scope): it would refuse every other
        write the same way, so none is sent; each action not failed yet fails with that refusal (the store's, never
        the edition's: the sync opens one exception for it and stops)."""
        refusal = self._refusal or next((e for w in works for e in w.errors
                                         if e.kind is StoreErrorKind.CREDENTIALS), None)
        if refusal is None:
            return
        self._refusal = refusal
        for w in works:
            if w.ok:
                w.errors.append(refusal)

    def _each(self, step: Callable[[T], None], items: Sequence[T]) -> None:
        """Run a step over works (or groups of them), side by side when `workers` > 1; each touches its own."""
        if self.workers == 1 or len(items) < 2:
            for item in items:
                step(item)
            return
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items)), thread_name_prefix="bigcommerce") as pool:
            list(pool.map(step, items))  # re-raises a programming error from any worker

    def _sync_attachments(self, work: ActionWork) -> None:
        for section, step in ((Section.MEDIA, self._sync_images), (Section.CUSTOM_FIELDS, self._sync_custom_fields)):
            if not (work.ok and section in work.sections):
                continue
            step(work)
            # A 404 on a kept id: a write whose record was lost (a crash) moved it on. Read the ids back, once.
            if work.errors and work.errors[-1].status == 404 and self._reread(work):
                work.errors.pop()
                step(work)

    def _reread(self, work: ActionWork) -> bool:
        try:
            product = self.client.request("GET", f"catalog/products/{work.product_id}", params={"include": INCLUDE})
        except BigCommerceError:
            return False
        work.remote = remote_from_product(product.data or {}, work.listing)
        return True

    def read_back(self) -> Iterator[StoredProduct]:
        try:
            yield from read_back(self.client)
        except BigCommerceError as exc:  # a refused token, or no answer past the retries: the store's, not a product's
            raise StoreUnreadable(store_error(exc, context="reading the store back")) from exc

    def find_by_skus(self, skus: Sequence[str]) -> list[StoredProduct]:
        try:
            return find_by_skus(self.client, skus)
        except BigCommerceError as exc:  # the caller says what it looked up
            raise StoreUnreadable(store_error(exc, context="")) from exc

    # --- resolving ids ---------------------------------------------------------------------------------------

    def _work(self, action: StoreAction, before: AppliedListing | None) -> ActionWork:
        whole = action.kind in (ActionKind.CREATE, ActionKind.ADOPT)  # an adopted product gets every section
        sections = tuple(Section) if whole else action.sections
        return ActionWork(action, action.listing, sections, before.product_id if before else None,
                     dict(before.remote) if before and before.remote else {}, before=before)

    def _resolve_unknown(self, works: list[ActionWork]) -> None:
        resolve_unknown(self.client, works, recreate=self._create)

    # --- products ---------------------------------------------------------------------------------------------

    def _create_in_turn(self, works: list[ActionWork]) -> None:
        for work in works:
            self._create(work)

    def _create(self, work: ActionWork) -> None:
        assert work.listing is not None
        if self._refusal is not None:  # refused already (another worker's create): nothing more is sent
            work.errors.append(self._refusal)
            return
        body = payloads.create_body(work.listing)
        add_links(body, work, self.trees, self._find, creating=True)
        if refused := payloads.limit_errors(body):
            work.errors.append(refused_error(f"creating {work.listing.sku}", refused))
            return
        try:
            try:
                response = self.client.request("POST", "catalog/products", json=body)
            except BigCommerceRejected as exc:
                # A family's edition may still be a variant of the product it leaves (SKUs are unique store-wide).
                skus = [v.sku for v in work.listing.variants]
                if exc.status != 409 or not skus or not reclaim(self.client, skus, None, self._owned):
                    raise
                response = self.client.request("POST", "catalog/products", json=body)
        except BigCommerceError as exc:
            if isinstance(exc, BigCommerceRejected) and exc.status == 409 and work.unverified:
                work.unverified = False  # made since the run began (by hand?): look it up, as before any create
                self._resolve_unknown([work])
                if work.product_id is not None or not work.ok:
                    return
            error = store_error(exc, context=f"creating {work.listing.sku}")
            if error.kind is StoreErrorKind.CREDENTIALS:
                self._refusal = error
            work.errors.append(error)
            return
        self._created_skus.update(_skus(work.listing))  # from now on, a create of these SKUs looks them up
        product = response.data if isinstance(response.data, dict) else {}
        if not isinstance(product.get("id"), int):  # 2xx without an id: nothing to update later, so not created
            work.errors.append(StoreError(StoreErrorKind.REJECTED, f"creating {work.listing.sku}: the store "
                                          f"answered {response.status} without a product id", field="id",
                                          status=response.status))
            return
        work.product_id = product["id"]
        work.remote = remote_from_product(product, work.listing)
        work.created = True
        if response.partial:
            work.errors.append(StoreError(StoreErrorKind.REJECTED, f"creating {work.listing.sku}: partly failed "
                                          f"({response.title}: {dict(response.errors)})",
                                          field=next(iter(response.errors), None), status=207))

    @staticmethod
    def _touches_product(work: ActionWork) -> bool:
        return work.listing is None or bool({Section.CORE, Section.PRICING, Section.STOREFRONTS} & set(work.sections))

    def _update_products(self, works: list[ActionWork]) -> None:
        items: list[tuple[ActionWork, dict[str, Any]]] = []
        for w in works:
            assert w.product_id is not None
            if w.listing is None:  # gone from the source: hide, never delete
                items.append((w, {"id": w.product_id, "is_visible": False, "availability": "disabled"}))
            elif len(body := self._product_update(w)) > 1:
                if refused := payloads.limit_errors(body):
                    w.errors.append(refused_error(f"updating {w.listing.sku}", refused))
                    continue
                items.append((w, body))  # a family's price change alone touches variants, not the product
        # Names are unique store-wide: a product taking a name another one gives up in this run goes after it.
        released = {str(w.before.payloads.get(Section.CORE, {}).get("name", "")).casefold()
                    for w, body in items if w.before is not None and "name" in body}
        items.sort(key=lambda item: str(item[1].get("name", "")).casefold() in released)
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
                for w, _ in sub:
                    if not response.partial:
                        links_written(w)
                        continue
                    w.errors.append(StoreError(StoreErrorKind.REJECTED, f"updating product {w.product_id}: "
                                               f"partly failed ({response.title}: {dict(response.errors)})",
                                               field=next(iter(response.errors), None), status=207))
            for (w, _), rejection in outcome.rejected:
                w.errors.append(store_error(rejection, context=f"updating product {w.product_id}"))

    def _product_update(self, work: ActionWork) -> dict[str, Any]:
        assert work.listing is not None and work.product_id is not None
        body = payloads.product_update(work.listing, work.sections, work.product_id)
        add_links(body, work, self.trees, self._find)
        return body

    def _delete(self, works: list[ActionWork]) -> None:
        if not works:
            return
        ids = ",".join(str(w.product_id) for w in works)
        try:
            self.client.request("DELETE", "catalog/products", params={"id:in": ids})
        except BigCommerceError as exc:
            for w in works:
                w.errors.append(store_error(exc, context=f"deleting product {w.product_id}"))
            return
        for w in works:  # its ids died with it: if the edition comes back, the product is looked up and recreated
            w.remote = {}

    # --- variants (family products) ------------------------------------------------------------------------

    def _sync_variants(self, works: list[ActionWork]) -> None:
        sync_variants(self.client, works, self._owned)

    # --- images, custom fields, channels (adapters/bigcommerce/images.py, custom_fields.py, channels.py) -------

    def _sync_images(self, work: ActionWork) -> None:
        sync_images(self.client, work)

    def _sync_custom_fields(self, work: ActionWork) -> None:
        sync_custom_fields(self.client, work)

    def _sync_channels(self, works: list[ActionWork]) -> None:
        sync_channels(self.client, works, self._buffers)

    # --- price lists ---------------------------------------------------------------------------------------------

    def _variant_prices(self, work: ActionWork) -> list[tuple[int, ListingPrice]]:
        assert work.listing is not None
        variants = work.remote.get("variants") or {}
        if work.listing.variants:
            changed = work.changed_variants  # None: created, or found by SKU: every record
            return [(variants[v.sku.casefold()], p) for v in work.listing.variants for p in v.extra_prices
                    if v.sku.casefold() in variants and (changed is None or v.sku.casefold() in changed)]
        base = work.remote.get("base_variant_id") or variants.get(work.listing.sku.casefold())
        return [(base, p) for p in work.listing.extra_prices] if base else []

    def _sync_price_lists(self, works: list[ActionWork]) -> None:
        """Prices in other currencies are price-list records, buffered and upserted in bulk (`buffers.py`)."""
        for w in works:
            for variant_id, price in self._variant_prices(w):
                self._buffers.add_price(price.currency.upper(), w, payloads.price_record(variant_id, price))

    def _price_list(self, currency: str) -> int:
        """The price list for a currency: configured, found by name, or created; then assigned to its channels."""
        if currency not in self.price_lists:
            name = f"bookbridge {currency}"
            found = next((p for p in self.client.iter_v3("pricelists") if p.get("name") == name), None)
            if found is None:
                found = self.client.request("POST", "pricelists", json={"name": name, "active": True}).data
            self.price_lists[currency] = int(found["id"])
        list_id = self.price_lists[currency]
        assign_price_list(self.client, list_id, self._channels.get(currency, ()), self._assigned)
        return list_id
