"""`fit_to_tenant`: which fields of a document a schema lacks, and what is left to send."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse, validate

from bookbridge.adapters.consonance.errors import ConsonanceError
from bookbridge.adapters.consonance.tenant import fit_to_tenant, introspect

SDL = """
type Query { works(workSearch: WorkSearch): [Work!]! }
input WorkSearch { after: Int }
type Work { id: Int! title: String! contributions: [Contribution!]! products: [Product!]! }
type Contribution { id: Int! contributor: Person }
type Person { name: String }
interface Product { id: Int! fullTitle: String! }
type PhysicalBookProduct implements Product { id: Int! fullTitle: String! productHeight(unit: String): Float }
"""
SCHEMA = build_schema(SDL)


def test_a_document_the_schema_has_entirely_is_kept() -> None:
    document = "query Works($after: Int) { works(workSearch: {after: $after}) { id title } }"
    fit = fit_to_tenant(document, SCHEMA)
    assert (fit.missing, fit.fatal) == ((), ())
    assert parse(fit.document) is not None and "title" in fit.document


def test_optional_fields_are_named_and_dropped_and_an_emptied_selection_goes_too() -> None:
    document = """{ works { id title updatedAt
                    contributions { id contributor { biography } }
                    products { id fullTitle ... on PhysicalBookProduct { weight(unit: G) } } } }"""
    fit = fit_to_tenant(document, SCHEMA)
    # contributor selected only biography: with it gone the contributor goes, and is named
    assert fit.missing == ("Contribution.contributor", "Person.biography", "PhysicalBookProduct.weight",
                           "Work.updatedAt")
    assert fit.fatal == ()
    assert validate(SCHEMA, parse(fit.document)) == []
    assert "weight" not in fit.document and "PhysicalBookProduct" not in fit.document  # the empty fragment too
    assert "contributions {\n      id\n    }" in fit.document


def test_an_unknown_argument_drops_its_field() -> None:
    fit = fit_to_tenant("{ works { products { ... on PhysicalBookProduct { productHeight(units: MM) } id } } }",
                        SCHEMA)
    assert fit.missing == ("PhysicalBookProduct.productHeight(units:)",) and fit.fatal == ()
    assert "productHeight" not in fit.document


def test_required_fields_root_arguments_and_search_attributes_are_fatal() -> None:
    document = """query($since: String) { works(workSearch: {after: 1, changedSince: $since}, limit: 5) {
                    id isbn { isbn13 } } }"""
    fit = fit_to_tenant(document.replace("isbn { isbn13 }", ""), SCHEMA)
    assert fit.fatal == ("Query.works(limit:)", "WorkSearch.changedSince")
    fit = fit_to_tenant("{ works { id products { id isbn { isbn13 } } } }", SCHEMA)
    assert fit.fatal == ("Product.isbn",) and fit.optional_missing == ()


def test_what_still_does_not_validate_is_an_error_naming_it() -> None:
    with pytest.raises(ConsonanceError, match="Unknown type 'Nope'"):
        fit_to_tenant("query($x: Nope) { works { id } }", SCHEMA)


class Answering:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def execute(self, document: str, variables: None = None, *, operation_name: str | None = None,
                max_retries: int | None = None) -> dict[str, Any]:
        return self.data


@pytest.mark.parametrize("data", [{}, {"__schema": None}, {"__schema": {"queryType": {"name": 5}, "types": [1]}}])
def test_an_introspection_answer_that_is_not_a_schema_is_a_consonance_error(data: dict[str, Any]) -> None:
    with pytest.raises(ConsonanceError, match="not a schema"):
        introspect(Answering(data))
