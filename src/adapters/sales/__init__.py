"""Sales sinks (`domain.ports.SalesSink`): where imported sales go. `csv` writes files for Consonance's sales
import; `consonance-graphql` posts a tenant-provided GraphQL mutation. Registered by `adapters.sales.plugin`."""

from bookbridge.adapters.sales.csv_export import CsvSalesSink
from bookbridge.adapters.sales.graphql_sink import GraphQLSalesSink

__all__ = ["CsvSalesSink", "GraphQLSalesSink"]
