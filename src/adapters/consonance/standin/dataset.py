"""`ConsonanceData`: the stand-in's in-memory catalogue, its JSON loader and test mutation helpers.

JSON format (one file, UTF-8; keys are the snake_case record fields of `records.py`, dates are
ISO 8601 strings, unknown keys are rejected so a typo fails loudly)::

    {
      "imprints": [{"id": 1, "name": "Snowbooks"}],
      "series":   [{"id": 1, "name": "The Martin Beck series"}],
      "contacts": [{"id": 1, "kind": "person", "name": "Maj Sjöwall", "key_names": "Sjöwall",
                    "biography": "…"}],
      "works": [{
        "id": 10, "changed_at": "2026-11-01", "title": "Roseanna", "imprint_id": 1,
        "series_memberships": [{"series_id": 1, "part_number": "1"}],
        "contributions": [{"id": 1, "contact_id": 1, "onix_contributor_role_code": "A01"}],
        "supporting_resources": [{"id": 1, "url": "https://…/cover.jpg", "height": 1600}],
        "marketing_texts": [{"id": 1, "variant": "MAIN_DESCRIPTION", "external_text": "<p>…</p>"}],
        "subject_codes": [{"scheme": "THEMA", "code": "FFP", "is_main": true}],
        "products": [{
          "id": 100, "changed_at": "2026-11-01", "typename": "PhysicalBookProduct",
          "onix21_product_form_code": "BC", "full_title": "Roseanna", "isbn13": "9780007242931",
          "prices": [{"id": 1, "amount": 8.99, "currency_code": "GBP",
                      "onix_price_type_code": "02", "onix_price_type_qualifier_code": "05"}]
        }]
      }]
    }

`sample_catalogue.json` next to this module is a complete example.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bookbridge.adapters.consonance.standin.records import (
    Contact,
    Imprint,
    Price,
    Product,
    Series,
    Work,
)

R = TypeVar("R")


class ConsonanceData:
    """Works (with their products) keyed by id, plus the imprints, series and contacts they refer to.

    Not synchronised: mutate it between requests, not during one.
    """

    def __init__(
        self,
        works: Iterable[Work] = (),
        *,
        imprints: Iterable[Imprint] = (),
        series: Iterable[Series] = (),
        contacts: Iterable[Contact] = (),
    ) -> None:
        self._works: dict[int, Work] = {}
        self._owner: dict[int, int] = {}  # product id → work id
        self.imprints = {i.id: i for i in imprints}
        self.series = {s.id: s for s in series}
        self.contacts = {c.id: c for c in contacts}
        for work in works:
            self.add_work(work)

    # -- reading -------------------------------------------------------------------------------

    def works(self) -> list[Work]:
        """Every work in internal-id order, the order keyset paging walks."""
        return [self._works[i] for i in sorted(self._works)]

    def products(self) -> list[Product]:
        return sorted((p for w in self._works.values() for p in w.products), key=lambda p: p.id)

    def work(self, work_id: int) -> Work:
        try:
            return self._works[work_id]
        except KeyError:
            raise KeyError(f"no work {work_id} in the stand-in catalogue") from None

    def work_of(self, product_id: int) -> Work:
        try:
            return self._works[self._owner[product_id]]
        except KeyError:
            raise KeyError(f"no product {product_id} in the stand-in catalogue") from None

    def product(self, product_id: int) -> Product:
        return next(p for p in self.work_of(product_id).products if p.id == product_id)

    def product_changed_on(self, product: Product) -> date:
        """The product's own change date rolled up with its prices and the texts and images linked to it.

        Consonance: `changedSince` on a product is "likely to have changed since", not a guarantee.
        """
        work = self.work_of(product.id)
        linked: list[date | None] = [p.changed_at for p in product.prices]
        for group in (work.marketing_texts, work.supporting_resources):
            linked += [r.changed_at for r in group if not r.product_ids or product.id in r.product_ids]
        return max([product.changed_at, *(d for d in linked if d)])

    def work_changed_on(self, work: Work) -> date:
        """Consonance: a work matches `changedSince` when it or a closely related record (series, contributors,
        products) changed."""
        nested: list[date | None] = [self.product_changed_on(p) for p in work.products]
        nested += [c.changed_at for c in work.contributions]
        nested += [m.changed_at for m in work.series_memberships]
        nested += [r.changed_at for r in work.supporting_resources]
        nested += [t.changed_at for t in work.marketing_texts]
        return max([work.changed_at, *(d for d in nested if d)])

    # -- mutation helpers for tests --------------------------------------------------------------

    def add_work(self, work: Work) -> None:
        if work.id in self._works:
            raise ValueError(f"work {work.id} already exists")
        clash = self._owner.keys() & {p.id for p in work.products}
        if clash:
            raise ValueError(f"work {work.id}: product ids {sorted(clash)} already exist")
        self._works[work.id] = work
        self._owner.update((p.id, work.id) for p in work.products)

    def remove_work(self, work_id: int) -> None:
        for product in self.work(work_id).products:
            del self._owner[product.id]
        del self._works[work_id]

    def edit_work(self, work_id: int, *, on: date, **changes: Any) -> Work:
        """Replace fields of a work and stamp it changed on `on`. Products change via `edit_product`."""
        if "products" in changes:
            raise ValueError("edit_work cannot replace products; use edit_product, add_work or remove_work")
        work = dataclasses.replace(self.work(work_id), **changes, changed_at=on)
        self._works[work_id] = work
        return work

    def edit_product(self, product_id: int, *, on: date, **changes: Any) -> Product:
        """Replace fields of a product (prices too) and stamp it changed on `on`."""
        work = self.work_of(product_id)
        edited = dataclasses.replace(self.product(product_id), **changes, changed_at=on)
        products = tuple(edited if p.id == product_id else p for p in work.products)
        self._works[work.id] = dataclasses.replace(work, products=products)
        return edited

    def touch_work(self, work_id: int, *, on: date) -> Work:
        return self.edit_work(work_id, on=on)

    def touch_product(self, product_id: int, *, on: date) -> Product:
        return self.edit_product(product_id, on=on)

    def set_prices(self, product_id: int, prices: Iterable[Price], *, on: date) -> Product:
        return self.edit_product(product_id, on=on, prices=tuple(prices))

    # -- loading ---------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ConsonanceData:
        unknown = set(raw) - {"imprints", "series", "contacts", "works"}
        if unknown:
            raise ValueError(f"catalogue: unknown top-level keys {sorted(unknown)}")
        return cls(
            (build_record(Work, w, f"works[{i}]") for i, w in enumerate(raw.get("works", []))),
            imprints=(build_record(Imprint, x, "imprints") for x in raw.get("imprints", [])),
            series=(build_record(Series, x, "series") for x in raw.get("series", [])),
            contacts=(build_record(Contact, x, "contacts") for x in raw.get("contacts", [])),
        )

    @classmethod
    def load_json(cls, path: Path | str) -> ConsonanceData:
        with Path(path).open(encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))


def build_record(cls: type[R], raw: Mapping[str, Any], where: str) -> R:
    """Build a record dataclass from its JSON form, recursing into nested records and tuples."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)} for {cls.__name__}")
    values = {key: _convert(hints[key], value, f"{where}.{key}") for key, value in raw.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _convert(hint: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner, value, where)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        return tuple(_convert(inner, item, f"{where}[{i}]") for i, item in enumerate(_as_list(value, where)))
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if dataclasses.is_dataclass(hint):
        return build_record(hint, value, where)  # type: ignore[arg-type]
    return value


def _as_list(value: Any, where: str) -> Iterator[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    return iter(value)
