"""The sales sinks as a bookbridge plugin: `[[sales_sinks]]` entries with `kind = "csv"` or
`kind = "consonance-graphql"` (docs/sales-export.md, docs/configuration.md).

`csv`:
    directory       required; where the day files go (created when missing)
    prefix          file-name prefix (default "sales-": sales-2026-11-27.csv)
    name            the sink's name in bookbridge (default "csv"): it keys what is still to be sent

`consonance-graphql` (Consonance documents no sales write-back: the mutation is the tenant's):
    base_url        required; the tenant's address, without /graphql
    api_key         the key, or
    api_key_env     the name of an environment variable holding it (preferred)
    document        required; a .graphql file holding the mutation (variables: docs/sales-export.md)
    operation_name  the operation to run when the document holds several
    timeout         seconds for every HTTP phase (default 30)
    name            default "consonance-graphql"

The factories open nothing; the key never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.plugin import api_key
from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl
from bookbridge.adapters.sales.csv_export import CsvSalesSink
from bookbridge.adapters.sales.graphql_sink import GraphQLSalesSink

# Every key each factory reads, besides `name` (which the composition root passes).
CSV_OPTIONS = ("directory", "prefix")
GRAPHQL_OPTIONS = ("base_url", "api_key", "api_key_env", "document", "operation_name", "timeout")


def create_csv_sink(cfg: Mapping[str, Any]) -> CsvSalesSink:
    directory = cfg.get("directory")
    name = str(cfg.get("name") or "csv")
    if not isinstance(directory, str) or not directory.strip():
        raise ValueError(f"sales sink {name!r} (csv) needs 'directory', where the day files go")
    return CsvSalesSink(Path(directory.strip()), name=name, prefix=str(cfg.get("prefix") or "sales-"))


class _ClientFactory:
    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self.timeout = timeout

    def __call__(self) -> ConsonanceClient:
        return ConsonanceClient(self.base_url, self._api_key, timeout=self.timeout)

    def __repr__(self) -> str:
        return f"_ClientFactory(base_url={self.base_url!r}, api_key=<redacted>)"


def create_graphql_sink(cfg: Mapping[str, Any]) -> GraphQLSalesSink:
    name = str(cfg.get("name") or "consonance-graphql")
    where = f"sales sink {name!r} (consonance-graphql)"
    base_url = cfg.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError(f"{where} needs 'base_url', the tenant's address (without /graphql)")
    document_path = cfg.get("document")
    if not isinstance(document_path, str) or not document_path.strip():
        raise ValueError(f"{where} needs 'document', a .graphql file holding the tenant's sales mutation")
    try:
        document = Path(document_path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{where}: cannot read document {document_path!r} ({exc.strerror or type(exc).__name__})"
                         ) from None
    try:
        timeout = float(cfg.get("timeout", 30.0))
    except (TypeError, ValueError):
        raise ValueError(f"{where}: timeout must be a number of seconds, not {cfg.get('timeout')!r}") from None
    operation = cfg.get("operation_name")
    return GraphQLSalesSink(_ClientFactory(base_url.strip(), api_key(cfg, where), timeout), document, name=name,
                            operation_name=str(operation) if operation else None)


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_sales_sink("csv", create_csv_sink, "CSV files, one per day, for Consonance's sales import",
                            options=CSV_OPTIONS)
    registry.add_sales_sink("consonance-graphql", create_graphql_sink,
                            "a tenant-provided GraphQL mutation (Consonance documents no sales write-back)",
                            options=GRAPHQL_OPTIONS)
