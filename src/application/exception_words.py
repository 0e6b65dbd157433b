"""Where an exception is and what it is about, in the glossary's words.

An exception is queued under a place (its `storefront` key): a storefront's name, the store's name, or a key of
something that is neither, made here: a source (`source:consonance`), the store's order import (`orders:shop`, by
the store's name), a sales sink (`sales-sink:ledger-csv`) or a store's sync lease (`lease:sync:shop`). The keys
stay in the database, the filters' values and the API's `storefront`-free rows; people read the words (`source
'consonance'`). The kind's words depend on the place: a `transient-exhausted` on a source is the source being
unreachable, not the store.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable

from bookbridge.domain.ports import ExceptionKind, SyncException
from bookbridge.domain.storefront import storefront_words

SOURCE, ORDERS, SALES_SINK, LEASE = "source:", "orders:", "sales-sink:", "lease:sync:"

# A kind in words wherever the place is not known (the dashboard's filter), each as docs/glossary.md names it.
KIND_WORDS = {ExceptionKind.BLOCKING_READINESS: "blocking problem",
              ExceptionKind.STORE_REJECTION: "refused by the store",
              ExceptionKind.TRANSIENT_EXHAUSTED: "store or source unreachable",
              ExceptionKind.RIGHTS_CONFLICT: "rights conflict",
              ExceptionKind.DRIFT: "edited in the store", ExceptionKind.SOURCE_ERROR: "source error",
              ExceptionKind.UNMAPPED_SUBJECT: "subject without a category",
              ExceptionKind.CREDENTIALS_REFUSED: "credentials refused",
              ExceptionKind.ACTION_NOT_POSSIBLE: "milestone action not possible",
              ExceptionKind.ISBN_CHANGED: "ISBN changed in the source"}
# `transient-exhausted` by place: what could not be reached (retries used up; a sink's days are sent again later).
UNREACHABLE = {SOURCE: "source unreachable", ORDERS: "store unreachable (order import)",
               SALES_SINK: "sales sink unreachable", LEASE: "store busy (its lease held elsewhere)"}


# `source-error` by place: the glossary's source is the catalogue's; the order import reads the store.
SOURCE_ERROR_WORDS = {ORDERS: "order import failed"}


def source_key(source: str) -> str:
    """The place of a source that could not be read at all (no ISBN): one open exception per source."""
    return f"{SOURCE}{source}"


def orders_key(store: str) -> str:
    """The place of the order import of `store` (its order source is named by the store's name): one that could
    not read the store's orders."""
    return f"{ORDERS}{store}"


def sales_sink_key(sink: str) -> str:
    """The place of a sales sink that failed or refused the facts sent to it."""
    return f"{SALES_SINK}{sink}"


def lease_key(store: str) -> str:
    """The place of syncs of `store` that did not run: another instance holds its lease."""
    return f"{LEASE}{store}"


STOREFRONT, STORE = "storefront", "store"  # places without a prefix: a storefront's name, the store's
# Every place, in words and with what is kept there: `place_words` says a key by it, and the legend of
# `bookbridge exceptions list` is made of it, so that neither leaves a place out. (name, store) -> words.
PLACES: dict[str, tuple[Callable[[str, str], str], str]] = {
    STOREFRONT: (lambda name, store: storefront_words(name), "readiness, rights"),
    STORE: (lambda name, store: f"store {store!r}",
            "store refusals, credentials refused, drift, subjects without a category, ISBNs changed in the source, "
            "milestone actions that failed"),
    SOURCE: (lambda name, store: f"source {name!r}", "a source that could not be read, a record not read"),
    ORDERS: (lambda name, store: f"order import of store {store!r}", "orders that could not be read"),
    SALES_SINK: (lambda name, store: f"sales sink {name!r}", "sales facts it failed or refused"),
    LEASE: (lambda name, store: f"sync lease of store {name!r}", "syncs that did not run: the store was busy"),
}


def places_legend(store: str, storefronts: Collection[str], source: str, sinks: Collection[str] = (), *,
                  orders: bool = True) -> str:
    """Every place an exception can be, by the configuration's names, and what is kept there: "storefronts 'uk'
    and 'us' (readiness, rights), store 'shop' (…), …" (the storefronts together, as `storefront_words` names
    them); a kind of place with none configured (no sales sink, orders not imported) is left out."""
    names = {STOREFRONT: list(storefronts), STORE: [store], SOURCE: [source], ORDERS: [store] if orders else [],
             SALES_SINK: list(sinks), LEASE: [store]}

    def said(place: str, words: Callable[[str, str], str]) -> str:
        if place == STOREFRONT:
            return storefront_words(names[place])
        return " and ".join(words(name, store) for name in names[place])

    return ", ".join(f"{said(place, words)} ({holds})" for place, (words, holds) in PLACES.items() if names[place])


def place_key(item: SyncException, store: str, source: str) -> str | None:
    """The place an exception is kept under. A record not read is its source's (one stored before it was kept
    there has none); a milestone action's failure is the store's, though kept under no place so that it never
    merges with the store's own exception of the edition (which is deduplicated by kind, edition and place)."""
    if item.storefront:
        return item.storefront
    if item.kind is ExceptionKind.SOURCE_ERROR:
        return source_key(source)
    if (item.field or "").startswith("milestone "):
        return store
    return None


def is_record(kind: str, isbn: str | None, place: str | None) -> bool:
    """An exception (of `kind`, about `isbn`, kept under `place`) on a record not read: its `isbn` holds the
    source's record (an id such as `consonance:work:101/product:1001`, or an ISBN that is not valid), never an
    edition's. Kept under its source (or, stored before that, under no place)."""
    return kind == ExceptionKind.SOURCE_ERROR and isbn is not None and (place is None or place.startswith(SOURCE))


def subject_words(item: SyncException) -> str:
    """What an exception's `isbn` names, for a column or message that is not the edition's name: a record not
    read labelled as the source's record (`record consonance:work:101/product:1001`), else the ISBN."""
    if item.isbn is None:
        return ""
    return f"record {item.isbn}" if is_record(item.kind, item.isbn, item.storefront) else item.isbn


PREFIXES = (LEASE, SOURCE, ORDERS, SALES_SINK)  # the keys of places that are neither the store nor a storefront


def _prefix(key: str | None) -> str | None:
    return next((p for p in PREFIXES if key and key.startswith(p)), None)


def place_words(key: str | None, store: str, storefronts: Collection[str] = ()) -> str | None:
    """Where an exception is, as every page and document says it: a storefront (one of `storefronts`, the
    configured names) as `storefront 'uk'`, the store as `store 'shop'` (a storefront is never the store's
    name), `source 'consonance'`, `order import of store 'shop'`, `sales sink 'ledger-csv'`, `sync lease of store
    'shop'`; None when it names no place. A key of none of these is shown as it is."""
    if not key:
        return None
    place = STORE if key == store else STOREFRONT if key in storefronts else _prefix(key)
    if place is None:
        return key
    words, _ = PLACES[place]
    return words(key.removeprefix(place) if place not in (STORE, STOREFRONT) else key, store)


def known_places(store: str, storefronts: Collection[str], source: str, sinks: Collection[str] = (), *,
                 orders: bool = True, keys: Iterable[str | None] = ()) -> dict[str, str]:
    """Every place a filter may name, by key, in words, as the configuration makes them: the store, its
    storefronts, its source, its order import (`orders`: when orders are imported), each sales sink and the
    store's sync lease; and `keys`, the open exceptions' places (one under a place since gone from the
    configuration goes on being found)."""
    configured = [store, *storefronts, source_key(source), *([orders_key(store)] if orders else []),
                  *map(sales_sink_key, sinks), lease_key(store)]
    return {key: place_words(key, store, storefronts) or key for key in dict.fromkeys([*configured, *keys]) if key}


def kind_words(kind: ExceptionKind, key: str | None) -> str:
    """What an exception is about, in words, by where it is: `transient-exhausted` is *store unreachable* on the
    store or a storefront and *source unreachable* on a source (retries used up either way); a refusal by a sales
    sink is the sink's, not the store's; a `source-error` of the order import is *order import failed* (it reads
    the store, not the catalogue's source)."""
    prefix = _prefix(key)
    if kind is ExceptionKind.TRANSIENT_EXHAUSTED:
        return UNREACHABLE.get(prefix or "", "store unreachable")
    if kind is ExceptionKind.STORE_REJECTION and prefix == SALES_SINK:
        return "refused by the sales sink"
    if kind is ExceptionKind.SOURCE_ERROR:
        return SOURCE_ERROR_WORDS.get(prefix or "", KIND_WORDS[kind])
    return KIND_WORDS[kind]


class UnknownKind(ValueError):
    """A kind that is none, said as `bookbridge exceptions list --kind` and `/api/exceptions?kind=` both say it."""


def exception_kind(value: str) -> ExceptionKind:
    """An exception kind by its code (`drift`, in any case); a near miss is named (`drfit`: did you mean
    'drift'?), and every kind listed."""
    codes = [k.value for k in ExceptionKind]
    if value.strip().lower() in codes:
        return ExceptionKind(value.strip().lower())
    close = difflib.get_close_matches(value.strip().lower(), codes, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UnknownKind(f"{value!r} is not an exception kind ({hint}the kinds: {', '.join(codes)})")
