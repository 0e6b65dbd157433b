"""A listing's field values as people read them: in `plan`'s table, in reconcile's drift messages, in the demo.

    value_text({"currency": "GBP", "price": "20.0000", "sale_price": "14.0000"}) -> "£20.00 (sale £14.00)"
    value_text([1, 2], field="channels", storefronts=...) -> "storefronts 'uk' and 'us' (channels 1, 2)"
    change_texts(FieldChange(..., before={"price": 1.5}, after={"currency": "GBP", "price": "9.99"}))
        -> ("£1.50", "£9.99")        (a price the store reports back is read in the currency of ours)
    listing_summary(listing, storefronts) -> "£9.99, US$12.99, storefronts 'uk' and 'us' (channels 1, 2)"
    said({"price": 1.5}, "GBP") -> "£1.50"; said("Roseanna") -> "“Roseanna”"   (inside a message)

Every field of a listing's sections has its words here: money per currency through `application.money`,
storefronts by name with their channels, an availability as the glossary says it, an instant in UTC, a list item by
item; nothing (an absent value, an empty list) is `none`. No value is shown as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bookbridge.application.money import money_text
from bookbridge.domain.instants import utc_time
from bookbridge.domain.lifecycle import Availability
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.listing.sections import SECTION_FIELDS
from bookbridge.domain.plan import NOT_KNOWN, RESENT, FieldChange, StoreAction
from bookbridge.domain.storefront import StorefrontSettings, storefront_words

NONE = "none"  # an absent value or an empty list, in a table's cell
_ON = {Availability.AVAILABLE: "on sale", Availability.PREORDER: "on pre-order", Availability.DISABLED: "not for sale"}
# Flags in words, by field; any other flag reads `yes` or `no`.
_FLAGS = {"listed": ("listed", "not listed"), "is_visible": ("shown", "hidden")}


# Fields whose words are not their name with spaces for underscores.
_LABELS = {"related_isbns": "related ISBNs", "isbns": "ISBNs", "gtin": "GTIN", "sku": "SKU",
           "custom_url": "custom URL", "is_visible": "visibility", "preorder_message": "pre-order message",
           "preorder_release_date": "pre-order release date", "extra_prices": "other prices"}


def field_label(field: str) -> str:
    """A listing's field as `plan`, the demo and reconcile name it, in words: `related ISBNs`, `custom fields`,
    `name` (never its section's internal name before it)."""
    return _LABELS.get(field, field.replace("_", " "))


LAST_SENT = "as last sent"  # what the store holds, as far as bookbridge knows: what it last sent
FIELDS_NAMED = 3  # of a section's fields written again, named before "and N more fields"


def written_again_texts(action: StoreAction) -> tuple[str, str, str]:
    """An update in which no field differs from what was last sent (its `changes` are none), as `plan`'s field,
    before and after cells: what it writes (`every field`: the product written whole; or its sections' fields) and
    why, by its reason: the store's copy not known to be the last write, a full sync, or a value written another
    way (`0` and `0.0`), which the section's hash tells apart."""
    whole = set(action.sections) >= set(Section)
    labels = [field_label(name) for section in action.sections for name in SECTION_FIELDS[section]]
    what = ("every field" if whole else ", ".join(labels) if len(labels) <= FIELDS_NAMED + 1
            else f"{', '.join(labels[:FIELDS_NAMED])} and {len(labels) - FIELDS_NAMED} more fields")
    if action.reason == NOT_KNOWN:
        return (what, "not known: edited or deleted in the store since it was last sent, or a write not confirmed",
                f"{LAST_SENT}, the product written whole" if whole else f"{LAST_SENT}, written again")
    if action.reason == RESENT:
        return what, LAST_SENT, "the same: a full sync sends every section again"
    return what, LAST_SENT, action.reason or "the same, written another way (a number as 0 or 0.0): sent again"


def change_texts(change: FieldChange, storefronts: Sequence[StorefrontSettings] = ()) -> tuple[str, str]:
    """A field change's before and after, whole, in words (`value_text`). A price the store reports back has no
    currency of its own: it is read in the currency of the other side (ours)."""
    currency = _currency(change.after) or _currency(change.before)
    return (value_text(change.before, currency, field=change.field, storefronts=storefronts),
            value_text(change.after, currency, field=change.field, storefronts=storefronts))


def value_text(value: Any, currency: str | None = None, *, field: str | None = None,
               storefronts: Sequence[StorefrontSettings] = ()) -> str:
    """A field's value for people: money per currency (`£20.00 (sale £14.00)`), channels as the storefronts
    selling on them (`storefront 'uk' (channel 1)`; by `storefronts`), flags, availability and instants in words,
    text as it is, a list item by item; `none` for nothing."""
    if value is None or value in ("", [], {}):
        return NONE
    if (money := _money(value, currency)) is not None:
        return money
    if field == "channels" and isinstance(value, list):
        return channel_words(value, storefronts)
    if isinstance(value, bool):
        yes, no = _FLAGS.get(field or "", ("yes", "no"))
        return yes if value else no
    if field == "availability" and isinstance(value, str):
        return availability_words(value)
    if field == "preorder_release_date" and isinstance(value, str):
        return _instant(value)
    if isinstance(value, list):
        return _items(value, field, currency, storefronts)
    if isinstance(value, dict):
        return ", ".join(f"{name.replace('_', ' ')} {value_text(v, currency, field=name, storefronts=storefronts)}"
                         for name, v in value.items())
    return str(value)


def availability_words(value: str) -> str:
    """An availability (ours, or BigCommerce's same three values) in words: "on sale", "on pre-order", ..."""
    try:
        return _ON[Availability(value)]
    except ValueError:
        return value


def channel_words(channels: Sequence[int], storefronts: Iterable[StorefrontSettings] = ()) -> str:
    """Channels as the storefronts that sell on them, with BigCommerce's word beside (`storefronts 'uk' and 'us'
    (channels 1, 2)`); just the channels where no storefront names them."""
    said = f"channel{'s' if len(channels) > 1 else ''} {', '.join(map(str, channels))}"
    names = [s.name for s in storefronts if s.channel_id in channels]
    return f"{storefront_words(names)} ({said})" if names else said


def said(value: Any, currency: str | None = None, *, field: str | None = None, limit: int | None = 80) -> str:
    """A value inside a sentence, on one line: money as money (`£1.50`), text in quotes (`“Roseanna”`), nothing
    as `nothing`, anything else in words (`value_text`, of `field`); past `limit` characters (None: none), cut
    with an ellipsis (a message names the field; the plan and the store show it whole)."""
    if value is None or value in ("", []):
        return "nothing"
    text = " ".join(value_text(value, currency, field=field).split())
    text = text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    return f"“{text}”" if isinstance(value, str) else text


def change_said(change: FieldChange) -> tuple[str, str]:
    """`change_texts` inside a sentence (`said`): a price the store reports back reads in the currency of ours."""
    currency = _currency(change.after) or _currency(change.before)
    return said(change.before, currency, field=change.field), said(change.after, currency, field=change.field)


def differences_said(change: FieldChange) -> list[tuple[str | None, str, str]]:
    """What differs in a field change, inside a sentence: `(name, ours, theirs)` for each custom field whose value
    differs (or that one side lacks), by its name and whole, for a list of them cut short would hide the one
    that changed; else `(None, ours, theirs)` of the field (`change_said`)."""
    if change.field == "custom_fields" and (ours := _named(change.before)) is not None \
            and (theirs := _named(change.after)) is not None:
        names = [*ours, *(name for name in theirs if name not in ours)]
        return [(name, said(ours.get(name), limit=None), said(theirs.get(name), limit=None))
                for name in names if ours.get(name) != theirs.get(name)]
    return [(None, *change_said(change))]


def _named(value: Any) -> dict[str, Any] | None:
    """Custom fields (`[{"name": ..., "value": ...}]`) by name; None for anything else."""
    if not isinstance(value, list) or not all(isinstance(f, dict) and "name" in f for f in value):
        return None
    return {str(f["name"]): f.get("value") for f in value}


def listing_summary(listing: StoreListing, storefronts: Iterable[StorefrontSettings]) -> str:
    """What a new product will be, in the words a person checks first: its prices in every currency and the
    storefronts it is listed on, with their channels, BigCommerce's word (`£9.99, US$12.99, storefronts 'uk' and
    'us' (channels 1, 2)`)."""
    prices = [p for p in (listing.price, *listing.extra_prices) if p is not None]
    shown = ", ".join(money_text(p.price, p.currency) for p in prices) or "no price"
    if not listing.channels:
        return f"{shown}, on no storefront"
    return f"{shown}, {channel_words(listing.channels, storefronts)}"


def _items(values: list[Any], field: str | None, currency: str | None,
           storefronts: Sequence[StorefrontSettings]) -> str:
    """A list, item by item: a category path (`Fiction > Crime`), an image by kind and URL, a custom field as
    `name: value`, a variant by its SKU; separated by `; ` (items that are text or numbers by `, `)."""
    def item(value: Any) -> str:
        if field == "categories" and isinstance(value, list):
            return " > ".join(map(str, value))
        if field == "images" and isinstance(value, dict) and "url" in value:
            return f"{str(value.get('kind') or 'image').replace('-', ' ')}: {value['url']}"
        if field == "custom_fields" and isinstance(value, dict) and "name" in value:
            return f"{value['name']}: {value.get('value', '')}"
        if field == "variants" and isinstance(value, dict) and "sku" in value:
            rest = {k: v for k, v in value.items() if k != "sku"}
            return f"{value['sku']}: {value_text(rest, currency, storefronts=storefronts)}" if rest else value["sku"]
        return value_text(value, currency, storefronts=storefronts)

    composite = any(isinstance(v, (list, dict)) for v in values)
    return ("; " if composite else ", ").join(map(item, values))


def _instant(text: str) -> str:
    """An instant the payload carries as ISO text (`2027-03-05T00:00:00Z`), in UTC saying so."""
    try:
        return utc_time(datetime.fromisoformat(text))
    except ValueError:
        return text


def _currency(value: Any) -> str | None:
    return str(value["currency"]) if isinstance(value, dict) and value.get("currency") else None


def _money(value: Any, default_currency: str | None = None) -> str | None:
    """A price (or a list of prices) as people read it: `£20.00 (sale £14.00)`; None for anything else."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and "currency" in v for v in value):
        return ", ".join(_money(v) or "" for v in value)
    if not (isinstance(value, dict) and value.get("price") is not None):
        return None
    currency = str(value.get("currency") or default_currency or "")
    if not currency:
        return None
    text = money_text(Decimal(str(value["price"])), currency)
    if value.get("sale_price") is not None:
        text += f" (sale {money_text(Decimal(str(value['sale_price'])), currency)})"
    return text
