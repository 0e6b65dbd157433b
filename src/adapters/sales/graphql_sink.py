"""The `consonance-graphql` sales sink: posts a GraphQL mutation that the operator provides.

Consonance documents no sales write-back (docs/sales-export.md): its GraphQL mutations write catalogue
records, none takes sales, and its documented sales import is a spreadsheet (hence the `csv` sink). This adapter
does not pretend otherwise. It sends whatever mutation document the tenant gives
(`document`, a .graphql file), through the same client, Bearer auth and retry policy as the Consonance source
(`ConsonanceClient`), once per day, with these variables:

    day    String!  the day, ISO 8601 ("2026-11-27")
    facts  [SalesFact!]!  every fact of that day, each
           {isbn: String!, format: String!, storefront: String!, day: String!, quantity: Int!,
            netAmount: String! (decimal, ex-tax, with the currency's minor units: "23.97", "1500" for yen),
            currency: String! (ISO 4217)}

Each call carries the whole day, so the receiving side must replace the day, never add to it (the SalesSink port).
GraphQL `errors`, HTTP 401/403 or another 4xx refuse the delivery for good (`SalesSinkRejected`); 429s, 5xx and
timeouts are retried by the client and, past its bound, raised for the next import to retry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.errors import ConsonanceAuthError, ConsonanceProtocolError, ConsonanceQueryError
from bookbridge.application.money import money_amount
from bookbridge.domain.ports import SalesFact, SalesSink
from bookbridge.domain.sales import SalesSinkRejected


def fact_variables(fact: SalesFact) -> dict[str, Any]:
    return {"isbn": fact.isbn, "format": fact.format, "storefront": fact.storefront, "day": fact.day.isoformat(),
            "quantity": fact.quantity, "netAmount": money_amount(fact.net_amount, fact.currency),
            "currency": fact.currency}


class GraphQLSalesSink(SalesSink):
    """`client_factory` builds a `ConsonanceClient` per write (closed afterwards), as the source does."""

    def __init__(self, client_factory: Callable[[], ConsonanceClient], document: str, *,
                 name: str = "consonance-graphql", operation_name: str | None = None) -> None:
        if "mutation" not in document:
            raise ValueError(f"sales sink {name!r}: the document holds no GraphQL mutation")
        self.name = name
        self._clients = client_factory
        self._document = document
        self._operation = operation_name

    def write(self, facts: Sequence[SalesFact]) -> None:
        by_day: dict[date, list[SalesFact]] = {}
        for fact in facts:
            by_day.setdefault(fact.day, []).append(fact)
        with self._clients() as client:
            for day, day_facts in sorted(by_day.items()):
                variables = {"day": day.isoformat(), "facts": [fact_variables(f) for f in day_facts]}
                try:
                    client.execute(self._document, variables, operation_name=self._operation)
                except (ConsonanceQueryError, ConsonanceAuthError, ConsonanceProtocolError) as exc:
                    raise SalesSinkRejected(f"the mutation for {day} was refused: {exc}") from exc
