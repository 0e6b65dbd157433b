"""Fit the query documents to the tenant's schema: introspect it, name what it lacks, and leave optional fields out.

Against a real tenant one unknown field fails the whole query, and several names in `queries/works.graphql` are
not in Consonance's public documentation (each is marked there). So before a read:

    fit = fit_to_tenant(client.works_document, introspect(client))
    fit.document          # the document without the optional fields the tenant lacks
    fit.missing           # every field of the document the tenant lacks ("Product.salesEmbargoDate", ...)
    fit.fatal             # those bookbridge cannot do without (REQUIRED_FIELDS); non-empty: do not read

A field is named `Type.field` after the type it is selected on in the document (`Product`, `PhysicalBookProduct`,
`Price`); a search attribute as `InputType.field`; an argument as `Type.field(argument:)`. A missing argument of a
root field, or a missing search attribute, is always fatal: paging and change windows cannot be left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    parse,
    print_ast,
    validate,
    visit,
)

from bookbridge.adapters.consonance.errors import ConsonanceError

INTROSPECTION_DOCUMENT = get_introspection_query(descriptions=False)

# The fields a read cannot do without. Identity (ids, ISBN), the title, the format and status (List 7, List 64),
# the rights (without the exclusions a title would be offered where it is not licensed) and the prices with their
# type, qualifier and window (without the window a promotional price would become permanent).
REQUIRED_FIELDS = frozenset({
    "Query.works", "Query.work",
    "Work.id", "Work.title", "Work.products",
    "Product.id", "Product.isbn", "Isbn.isbn13", "Product.fullTitle", "Product.onix21ProductFormCode",
    "Product.onixPublishingStatusCode", "Product.publicationDate",
    "Product.isForSaleWorldwide", "Product.forSaleCountryCodes", "Product.notForSaleCountryCodes",
    "Product.prices", "Price.id", "Price.amount", "Price.currencyCode", "Price.onixPriceTypeCode",
    "Price.onixPriceTypeQualifierCode", "Price.effectiveFrom", "Price.effectiveTo",
})

# What a read loses without an optional field, for the warning that names it.
CONSEQUENCES: Mapping[str, str] = {
    "Product.salesEmbargoDate": "no sales embargo is read: editions go on sale on their publication date",
    "Product.outOfPrintDate": "out-of-print dates are not read",
    "Product.allowOnixExports": "export approval is not read: every product with an ISBN is listed",
    "Product.metadataStatus": "metadata approval is not read: the metadata-locked and final-approval milestones "
                              "never fire",
    "Product.updatedAt": "not used for syncing",
    "Work.updatedAt": "not used for syncing",
    "Contact.biography": "contributors have no biography",
    "Person.namesBeforeKey": "a person without a name is not named from namesBeforeKey and keyNames",
    "SupportingResource.onixResourceContentTypeCode": "resources are untyped: none is used as the front cover",
    "SupportingResource.width": "image widths are not read",
    "MarketingText.variant": "marketing texts are untyped: none is used as the description",
    "PhysicalBookProduct.weight": "no weight is sent",
    "ElectronicBookProduct.onix21EpubTypeCode": "e-books are not told apart as EPUB or PDF",
    "ElectronicAudioProduct.durationMinutes": "no audiobook duration",
    "PhysicalAudioProduct.durationMinutes": "no audiobook duration",
}


class GraphQLClient(Protocol):
    def execute(self, document: str, variables: None = None, *, operation_name: str | None = None,
                max_retries: int | None = None) -> dict[str, Any]: ...


class ConsonanceSchemaMismatch(ConsonanceError):
    """The tenant's schema lacks a field bookbridge cannot do without; `fields` names them."""

    def __init__(self, fields: Iterable[str], detail: str = "") -> None:
        self.fields = tuple(sorted(fields))
        super().__init__(
            f"the Consonance tenant's schema lacks {', '.join(self.fields)}, which bookbridge cannot do without"
            f"{detail}; ask Consonance support, or point the source's queries_dir at documents that fit the tenant"
        )


@dataclass(frozen=True)
class TenantFit:
    document: str  # the document to send: the original less the optional fields the tenant lacks
    missing: tuple[str, ...]  # every field of the original document the tenant lacks, sorted
    fatal: tuple[str, ...]  # the missing fields that are required

    @property
    def optional_missing(self) -> tuple[str, ...]:
        return tuple(f for f in self.missing if f not in self.fatal)

    def consequence(self, name: str) -> str:
        return CONSEQUENCES.get(name, "not read")


def introspect(client: GraphQLClient, *, max_retries: int | None = None) -> GraphQLSchema:
    """The tenant's schema by standard introspection; a ConsonanceError when it cannot be had."""
    data = client.execute(INTROSPECTION_DOCUMENT, operation_name="IntrospectionQuery", max_retries=max_retries)
    try:
        return build_client_schema(data)  # type: ignore[arg-type]
    except (TypeError, ValueError, LookupError, AttributeError, GraphQLError) as exc:
        raise ConsonanceError(f"Consonance's introspection answer is not a schema: {exc}") from None


def fit_to_tenant(document: str, schema: GraphQLSchema) -> TenantFit:
    """Name what `document` selects that `schema` lacks, and remove the optional part of it."""
    ast = parse(document)
    gaps = _gaps(ast, schema)
    fatal = {name for name, node in gaps.items() if node is None or name in REQUIRED_FIELDS}
    pruned = ast
    removed = {id(node) for node in gaps.values() if node is not None}
    while removed:
        pruned = visit(pruned, _Remove(removed))
        removed = set()
        for name, node in _emptied(pruned, schema):  # a selection whose every field was removed goes too
            if name is not None:
                gaps.setdefault(name, node)
                if name in REQUIRED_FIELDS:
                    fatal.add(name)
            removed.add(id(node))
    text = print_ast(pruned)
    if not fatal:
        errors = validate(schema, parse(text))
        if errors:
            raise ConsonanceError("the Consonance query documents do not validate against the tenant's schema: "
                                  + "; ".join(e.message for e in errors[:5]))
    return TenantFit(document=text, missing=tuple(sorted(gaps)), fatal=tuple(sorted(fatal)))


def _gaps(ast: DocumentNode, schema: GraphQLSchema) -> dict[str, Any]:
    """Every missing `Type.field` → the node to remove (None: cannot be removed, fatal)."""
    info = TypeInfo(schema)
    gaps: dict[str, Any] = {}
    depth = [0]  # field depth: 1 is a root field

    class Find(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            depth[0] += 1
            parent = info.get_parent_type()
            name = node.name.value
            if parent is None or name.startswith("__"):
                return
            definition = info.get_field_def()
            if definition is None:
                gaps.setdefault(f"{parent.name}.{name}", node)
                return
            for argument in node.arguments or ():
                if argument.name.value not in definition.args:
                    key = f"{parent.name}.{name}({argument.name.value}:)"
                    gaps.setdefault(key, None if depth[0] == 1 else node)

        def leave_field(self, *_: Any) -> None:
            depth[0] -= 1

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
            condition = node.type_condition
            if condition is not None and condition.name.value not in schema.type_map:
                gaps.setdefault(f"{condition.name.value} (type)", node)

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            parent = get_named_type(info.get_parent_input_type())
            if isinstance(parent, GraphQLInputObjectType) and node.name.value not in parent.fields:
                gaps.setdefault(f"{parent.name}.{node.name.value}", None)  # a search attribute: fatal

    visit(ast, TypeInfoVisitor(info, Find()))
    return gaps


def _emptied(ast: DocumentNode, schema: GraphQLSchema) -> list[tuple[str | None, Any]]:
    """Fields (named) and inline fragments (unnamed) whose selection is now empty."""
    info = TypeInfo(schema)
    found: list[tuple[str | None, Any]] = []

    class Find(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = info.get_parent_type()
            if node.selection_set is not None and not node.selection_set.selections and parent is not None:
                found.append((f"{parent.name}.{node.name.value}", node))

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
            if not node.selection_set.selections:
                found.append((None, node))

    visit(ast, TypeInfoVisitor(info, Find()))
    return found


class _Remove(Visitor):
    def __init__(self, ids: set[int]) -> None:
        super().__init__()
        self.ids = ids

    def enter(self, node: Any, *_: Any) -> Any:
        return REMOVE if id(node) in self.ids else None
