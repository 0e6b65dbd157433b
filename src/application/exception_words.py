"""Where an exception is and what it is about, in the glossary's words.

An exception is queued under a place (its `storefront` key): a storefront's name, the store's name, or a key of
something that is neither, made here: a source (`source:consonance`), the order import (`orders:bigcommerce`), a
sales sink (`sales-sink:ledger-csv`) or a store's sync lease (`lease:sync:shop`). The keys stay in the database,
the filters' values and the API's `storefront`-free rows; people read the words (`source 'consonance'`). The kind's
words depend on the place: a `transient-exhausted` on a source is the source being unreachable, not the store.
"""

from __future__ import annotations

from collections.abc import Collection

from bookbridge.domain.ports import ExceptionKind
from bookbridge.domain.storefront import storefront_words

SOURCE, ORDERS, SALES_SINK, LEASE = "source:", "orders:", "sales-sink:", "lease:sync:"

# A kind in words wherever the place is not known (the dashboard's filter), each as docs/glossary.md names it.
KIND_WORDS = {ExceptionKind.BLOCKING_READINESS: "blocking problem",
              ExceptionKind.STORE_REJECTION: "refused by the store",
              ExceptionKind.TRANSIENT_EXHAUSTED: "store or source unreachable",
              ExceptionKind.RIGHTS_CONFLICT: "rights conflict",
              ExceptionKind.DRIFT: "edited in the store", ExceptionKind.SOURCE_ERROR: "source error",
              ExceptionKind.UNMAPPED_SUBJECT: "subject without a category"}
# `transient-exhausted` by place: what could not be reached (retries used up; a sink's days are sent again later).
UNREACHABLE = {SOURCE: "source unreachable", ORDERS: "store unreachable (order import)",
               SALES_SINK: "sales sink unreachable", LEASE: "store busy (its lease held elsewhere)"}


def source_key(source: str) -> str:
    """The place of a source that could not be read at all (no ISBN): one open exception per source."""
    return f"{SOURCE}{source}"


def orders_key(order_source: str) -> str:
    """The place of an order import that could not read the store's orders."""
    return f"{ORDERS}{order_source}"


def sales_sink_key(sink: str) -> str:
    """The place of a sales sink that failed or refused the facts sent to it."""
    return f"{SALES_SINK}{sink}"


def lease_key(store: str) -> str:
    """The place of syncs of `store` that did not run: another instance holds its lease."""
    return f"{LEASE}{store}"


def _prefix(key: str | None) -> str | None:
    return next((p for p in (LEASE, SOURCE, ORDERS, SALES_SINK) if key and key.startswith(p)), None)


def place_words(key: str | None, store: str, storefronts: Collection[str] = ()) -> str | None:
    """Where an exception is, as every page and document says it: a storefront (one of `storefronts`, the
    configured names) as `storefront 'uk'`, the store as `store 'shop'` (a storefront is never the store's
    name), `source 'consonance'`, `order import of store 'shop'`, `sales sink 'ledger-csv'`, `sync lease of store
    'shop'`; None when it names no place. A key of none of these is shown as it is."""
    if not key:
        return None
    if key == store:
        return f"store {key!r}"
    if key in storefronts:
        return storefront_words(key)
    prefix = _prefix(key)
    name = key.removeprefix(prefix) if prefix else key
    if prefix == SOURCE:
        return f"source {name!r}"
    if prefix == ORDERS:
        return f"order import of store {store!r}"
    if prefix == SALES_SINK:
        return f"sales sink {name!r}"
    if prefix == LEASE:
        return f"sync lease of store {name!r}"
    return key


def kind_words(kind: ExceptionKind, key: str | None) -> str:
    """What an exception is about, in words, by where it is: `transient-exhausted` is *store unreachable* on the
    store or a storefront and *source unreachable* on a source (retries used up either way); a refusal by a sales
    sink is the sink's, not the store's."""
    prefix = _prefix(key)
    if kind is ExceptionKind.TRANSIENT_EXHAUSTED:
        return UNREACHABLE.get(prefix or "", "store unreachable")
    if kind is ExceptionKind.STORE_REJECTION and prefix == SALES_SINK:
        return "refused by the sales sink"
    return KIND_WORDS[kind]
