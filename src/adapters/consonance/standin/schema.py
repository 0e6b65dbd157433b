"""The executable stand-in schema: `schema.graphql` plus resolvers over `ConsonanceData`.

Most fields resolve by name: the GraphQL name in snake_case is the record attribute
(`fullTitle` → `full_title`). Fields with arguments, references by id and derived values have
resolvers here. Root list fields are capped at the page size; nested lists are not (ASSUMPTION:
Consonance's nested limits are not public).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from graphql import (
    REMOVE,
    DocumentNode,
    ExecutionResult,
    FieldDefinitionNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    ValueNode,
    Visitor,
    build_ast_schema,
    graphql_sync,
    parse,
    visit,
)
from stdnum import exceptions as stdnum_exceptions
from stdnum import isbn as stdnum_isbn

from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.records import Contact, Product, SubjectCode, Work
from bookbridge.adapters.consonance.standin.search import price_matches, product_matches, work_matches

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

_MM_PER = {"MM": 1.0, "CM": 10.0, "IN": 25.4}
_G_PER = {"G": 1.0, "KG": 1000.0, "OZ": 28.349523125, "LB": 453.59237}
_SUBJECT_TYPES = {"THEMA": "Thema", "BIC": "Bic", "BISAC": "Bisac"}
_TAG = re.compile(r"<[^>]+>")

# The fields of queries/works.graphql that Consonance does not document (each marked UNDOCUMENTED there): a
# tenant built from the public documentation alone lacks them all.
LEAN_TENANT = (
    "Work.updatedAt",
    "Contact.biography",
    "Person.namesBeforeKey",
    "SupportingResource.onixResourceContentTypeCode",
    "SupportingResource.width",
    "MarketingText.variant",
    "Product.outOfPrintDate",
    "Product.salesEmbargoDate",
    "Product.allowOnixExports",
    "Product.metadataStatus",
    "Product.updatedAt",
    "PhysicalBookProduct.weight",
    "ElectronicBookProduct.onix21EpubTypeCode",
    "ElectronicAudioProduct.durationMinutes",
    "PhysicalAudioProduct.durationMinutes",
)


@dataclass(frozen=True)
class StandinContext:
    data: ConsonanceData
    page_size: int


if TYPE_CHECKING:
    # graphql-core 3.3 makes the info generic in its context type; 3.2 does not.
    Info: TypeAlias = GraphQLResolveInfo[StandinContext]
else:
    Info = GraphQLResolveInfo


def build_standin_schema(sdl: str | None = None, *, omit_fields: Collection[str] = ()) -> GraphQLSchema:
    document = parse(sdl if sdl is not None else SCHEMA_PATH.read_text(encoding="utf-8"))
    schema = build_ast_schema(_without(document, omit_fields))
    _bind_date_scalars(schema)
    _bind_resolvers(schema)
    return schema


def _without(document: DocumentNode, omit: Collection[str]) -> DocumentNode:
    """The SDL less the `Type.field`s in `omit`; an interface's field goes from its implementations too."""
    types = {d.name.value: d for d in document.definitions
             if isinstance(d, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode))}
    drop: dict[str, set[str]] = {}
    for spec in omit:
        type_name, _, field_name = spec.partition(".")
        owner = types.get(type_name)
        if owner is None or field_name not in {f.name.value for f in owner.fields or ()}:
            raise ValueError(f"the stand-in schema has no field {spec!r} to omit")
        drop.setdefault(type_name, set()).add(field_name)
        if isinstance(owner, InterfaceTypeDefinitionNode):
            for other in types.values():
                if any(i.name.value == type_name for i in other.interfaces or ()):
                    drop.setdefault(other.name.value, set()).add(field_name)
    doomed = {id(f) for name, names in drop.items() for f in types[name].fields or () if f.name.value in names}

    class Omit(Visitor):
        def enter_field_definition(self, node: FieldDefinitionNode, *_: Any) -> Any:
            return REMOVE if id(node) in doomed else None

    return cast(DocumentNode, visit(document, Omit()))


def execute(
    schema: GraphQLSchema,
    context: StandinContext,
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> ExecutionResult:
    return graphql_sync(
        schema,
        query,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=resolve_by_name,
        type_resolver=resolve_type,
    )


def resolve_by_name(source: Any, info: Info, **_: Any) -> Any:
    """Strict: a schema field without a matching attribute is a stand-in bug and surfaces as an error."""
    if isinstance(source, Mapping):
        return source[info.field_name]
    return getattr(source, _snake(info.field_name))


def resolve_type(value: Any, info: Info, abstract_type: Any) -> str:
    if isinstance(value, Product):
        return value.typename
    if isinstance(value, Contact):
        return "Person" if value.kind == "person" else "Organisation"
    if isinstance(value, SubjectCode):
        return _SUBJECT_TYPES[value.scheme]
    raise TypeError(f"cannot resolve a GraphQL type for {type(value).__name__}")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# -- root fields -------------------------------------------------------------------------------------


def _works(_: None, info: Info, workSearch: Any = None, productSearch: Any = None) -> list[Work]:
    ctx = info.context
    found = [
        w
        for w in ctx.data.works()
        if work_matches(w, workSearch, ctx.data)
        and (productSearch is None or any(product_matches(p, productSearch, ctx.data) for p in w.products))
    ]
    return found[: ctx.page_size]


def _products(_: None, info: Info, productSearch: Any = None, workSearch: Any = None) -> list[Product]:
    data = info.context.data
    found = [
        p
        for p in data.products()
        if product_matches(p, productSearch, data) and work_matches(data.work_of(p.id), workSearch, data)
    ]
    return found[: info.context.page_size]


def _work(_: None, info: Info, workSearch: Any) -> Work | None:
    found = _works(None, info, workSearch=workSearch)
    return found[0] if found else None


def _product(_: None, info: Info, productSearch: Any) -> Product | None:
    found = _products(None, info, productSearch=productSearch)
    return found[0] if found else None


# -- object fields ------------------------------------------------------------------------------------


def _work_products(work: Work, info: Info, productSearch: Any = None) -> list[Product]:
    return [p for p in work.products if product_matches(p, productSearch, info.context.data)]


def _work_subject_codes(
    work: Work, info: Info, schemesIn: list[str] | None = None, mainOnly: bool = False
) -> list[SubjectCode]:
    wanted = [s for s in work.subject_codes if schemesIn is None or s.scheme in schemesIn]
    return [s for s in wanted if s.is_main or not mainOnly]


def _marketing_texts(owner: Work | Product, info: Info, variantIn: list[str] | None = None) -> list[Any]:
    if isinstance(owner, Product):
        work = info.context.data.work_of(owner.id)
        texts = [t for t in work.marketing_texts if not t.product_ids or owner.id in t.product_ids]
    else:
        texts = list(owner.marketing_texts)
    return [t for t in texts if variantIn is None or t.variant in variantIn]


def _linked(attribute: str) -> Callable[..., list[Any]]:
    """A product's share of its work's contributions or resources (those naming it, or no product)."""

    def resolve(product: Product, info: Info) -> list[Any]:
        records = getattr(info.context.data.work_of(product.id), attribute)
        return [r for r in records if not r.product_ids or product.id in r.product_ids]

    return resolve


def _isbn(product: Product, _: Info) -> dict[str, str | None] | None:
    if product.isbn13 is None:
        return None
    try:  # an ISBN with a bad check digit is served as stored (no ISBN-10), not as an error for the whole query
        isbn10 = stdnum_isbn.to_isbn10(product.isbn13) if product.isbn13.startswith("978") else None
    except stdnum_exceptions.ValidationError:
        isbn10 = None
    return {"isbn13": product.isbn13, "isbn10": isbn10, "isbnWithDashes": stdnum_isbn.format(product.isbn13)}


def _length(attribute: str) -> Callable[..., float | None]:
    def resolve(product: Product, _: Info, unit: str = "MM") -> float | None:
        mm: float | None = getattr(product, attribute)
        return None if mm is None else round(mm / _MM_PER[unit], 2)

    return resolve


def _weight(product: Product, _: Info, unit: str = "G") -> float | None:
    return None if product.weight_g is None else round(product.weight_g / _G_PER[unit], 2)


def _external_text(text: Any, _: Info, stripHtml: bool = False) -> str:
    value: str = text.external_text
    return html.unescape(_TAG.sub("", value)).strip() if stripHtml else value


def _bind_resolvers(schema: GraphQLSchema) -> None:
    product_types = [t.name for t in schema.get_possible_types(schema.type_map["Product"])]  # type: ignore[arg-type]
    bindings: dict[str, dict[str, Callable[..., Any]]] = {
        "Query": {"works": _works, "products": _products, "work": _work, "product": _product},
        "Work": {
            "imprint": lambda w, info: info.context.data.imprints.get(w.imprint_id),
            "products": _work_products,
            "marketingTexts": _marketing_texts,
            "subjectCodes": _work_subject_codes,
        },
        "SeriesMembership": {"series": lambda m, info: info.context.data.series[m.series_id]},
        "Contribution": {"contributor": lambda c, info: info.context.data.contacts[c.contact_id]},
        "Person": {"personName": lambda c, _: c.name},
        "Organisation": {"organisationName": lambda c, _: c.name},
        "MarketingText": {"externalText": _external_text},
        "Price": {"amountWithCurrencyCode": lambda p, _: f"{p.currency_code} {p.amount:.2f}"},
        **{name: {"main": lambda s, _: s.is_main} for name in _SUBJECT_TYPES.values()},
    }
    for name in product_types:
        bindings[name] = {
            "isbn": _isbn,
            "prices": lambda p, _, priceSearch=None: [x for x in p.prices if price_matches(x, priceSearch)],
            "marketingTexts": _marketing_texts,
            "work": lambda p, info: info.context.data.work_of(p.id),
            "contributions": _linked("contributions"),
            "supportingResources": _linked("supporting_resources"),
        }
    bindings["PhysicalBookProduct"].update(
        productHeight=_length("product_height_mm"),
        productWidth=_length("product_width_mm"),
        productThickness=_length("product_thickness_mm"),
        weight=_weight,
    )
    for type_name, fields in bindings.items():
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType), type_name
        for field_name, resolver in fields.items():
            if field_name in graphql_type.fields:  # a lean tenant may lack it
                graphql_type.fields[field_name].resolve = resolver


# -- scalars --------------------------------------------------------------------------------------------


def _bind_date_scalars(schema: GraphQLSchema) -> None:
    # graphql-core 3.2 names the coercers serialize/parse_value/parse_literal; 3.3 adds the
    # coerce_* names and consults them first. Set both so either version parses our dates.
    coercers: dict[str, dict[str, Callable[..., Any]]] = {
        "ISO8601Date": {"output": _serialize_date, "input": _parse_date, "literal": _parse_date_literal},
        "ISO8601DateTime": {
            "output": _serialize_datetime,
            "input": _parse_datetime,
            "literal": _parse_datetime_literal,
        },
    }
    for name, functions in coercers.items():
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType), name
        for legacy, modern, role in (
            ("serialize", "coerce_output_value", "output"),
            ("parse_value", "coerce_input_value", "input"),
            ("parse_literal", "coerce_input_literal", "literal"),
        ):
            setattr(scalar, legacy, functions[role])
            if hasattr(scalar, modern):
                setattr(scalar, modern, functions[role])


def _serialize_date(value: Any) -> str:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"ISO8601Date cannot represent {value!r}")
    return value.isoformat()


def _parse_date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError("ISO8601Date expects a string YYYY-MM-DD")
    return date.fromisoformat(value)


def _parse_date_literal(node: ValueNode, _variables: Any = None) -> date:
    if not isinstance(node, StringValueNode):
        raise TypeError("ISO8601Date expects a string YYYY-MM-DD")
    return _parse_date(node.value)


def _serialize_datetime(value: Any) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"ISO8601DateTime cannot represent {value!r}")
    return value.isoformat()


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("ISO8601DateTime expects an ISO 8601 string")
    return datetime.fromisoformat(value)


def _parse_datetime_literal(node: ValueNode, _variables: Any = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise TypeError("ISO8601DateTime expects an ISO 8601 string")
    return _parse_datetime(node.value)
