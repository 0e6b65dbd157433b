"""Search-input predicates: what `productSearch`, `workSearch` and `priceSearch` mean.

Inputs arrive as graphql-core parses them: camelCase keys, enum values as their names ("_02",
"GBP", "BC") and ISO8601Date values as `date`. An argument the schema accepts but the stand-in
cannot honour must never be ignored silently, so every key is dispatched explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLError

from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.records import Price, Product, Work

Attrs = Mapping[str, Any]


def product_matches(product: Product, attrs: Attrs | None, data: ConsonanceData) -> bool:
    if not attrs:
        return True
    return all(_product_test(key, value, product, data) for key, value in attrs.items() if value is not None)


def work_matches(work: Work, attrs: Attrs | None, data: ConsonanceData) -> bool:
    if not attrs:
        return True
    return all(_work_test(key, value, work, data) for key, value in attrs.items() if value is not None)


def price_matches(price: Price, attrs: Attrs | None) -> bool:
    if not attrs:
        return True
    tests: dict[str, Callable[[Any], bool]] = {
        "amountLteq": lambda v: price.amount <= v,
        "amountGteq": lambda v: price.amount >= v,
        "currencyCodeIn": lambda v: price.currency_code in v,
        # Consonance: numeric ONIX codes are enum values prefixed with "_" in search inputs only.
        "onixPriceTypeCodeIn": lambda v: price.onix_price_type_code in _unprefix(v),
        "onixPriceTypeQualifierCodeIn": lambda v: price.onix_price_type_qualifier_code in _unprefix(v),
    }
    return all(_dispatch(tests, key, value) for key, value in attrs.items() if value is not None)


def _product_test(key: str, value: Any, product: Product, data: ConsonanceData) -> bool:
    pub = product.publication_date
    tests: dict[str, Callable[[Any], bool]] = {
        "after": lambda v: product.id > v,  # keyset: internal id greater than the value
        "idEq": lambda v: product.id == v,
        "isbn13Eq": lambda v: product.isbn13 == v,
        "isbn13In": lambda v: product.isbn13 in v,
        "isbn13Assigned": lambda v: (product.isbn13 is not None) == v,
        "titleEq": lambda v: product.full_title == v,
        "titleCont": lambda v: v.casefold() in product.full_title.casefold(),
        "publicationDateEq": lambda v: pub is not None and pub == v,
        "publicationDateGt": lambda v: pub is not None and pub > v,
        "publicationDateLt": lambda v: pub is not None and pub < v,
        "publicationDateGteq": lambda v: pub is not None and pub >= v,
        "publicationDateLteq": lambda v: pub is not None and pub <= v,
        "onix21ProductFormCodeIn": lambda v: product.onix21_product_form_code in v,
        # Date-granular: a product changed on D matches changedSince <= D.
        "changedSince": lambda v: data.product_changed_on(product) >= v,
        "productTypes": lambda v: product.typename in v,
    }
    return _dispatch(tests, key, value)


def _work_test(key: str, value: Any, work: Work, data: ConsonanceData) -> bool:
    tests: dict[str, Callable[[Any], bool]] = {
        "after": lambda v: work.id > v,
        "idEq": lambda v: work.id == v,
        "changedSince": lambda v: data.work_changed_on(work) >= v,
        "titleEq": lambda v: work.title == v,
        "titleCont": lambda v: v.casefold() in work.title.casefold(),
        "subtitleEq": lambda v: work.subtitle == v,
        "subtitleCont": lambda v: work.subtitle is not None and v.casefold() in work.subtitle.casefold(),
        "subtitlePresent": lambda v: bool(work.subtitle) == v,
        "imprintIdIn": lambda v: work.imprint_id in v,
    }
    return _dispatch(tests, key, value)


def _dispatch(tests: Mapping[str, Callable[[Any], bool]], key: str, value: Any) -> bool:
    try:
        test = tests[key]
    except KeyError:
        raise GraphQLError(f"The stand-in does not implement the search attribute {key!r}") from None
    return test(value)


def _unprefix(values: list[str]) -> set[str]:
    return {v.removeprefix("_") for v in values}
