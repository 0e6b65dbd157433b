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

from pathlib import Path

from pydantic import Field

from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.plugin import api_key
from bookbridge.adapters.sales.csv_export import CsvSalesSink
from bookbridge.adapters.sales.graphql_sink import GraphQLSalesSink
from bookbridge.plugin import AdapterContext, AdapterOptions, ConfigFloat, PluginRegistrar, hookimpl


class CsvOptions(AdapterOptions):
    directory: str = ""
    prefix: str = "sales-"


class GraphQLOptions(AdapterOptions):
    base_url: str = ""
    api_key: str | None = Field(default=None, repr=False)
    api_key_env: str | None = None
    document: str = ""
    operation_name: str | None = None
    timeout: ConfigFloat = Field(default=30.0, gt=0)


def create_csv_sink(options: CsvOptions, context: AdapterContext) -> CsvSalesSink:
    if not options.directory.strip():
        raise ValueError(f"sales sink {context.name!r} (csv) needs 'directory', where the day files go")
    return CsvSalesSink(Path(options.directory.strip()), name=context.name, prefix=options.prefix or "sales-")


class _ClientFactory:
    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self.timeout = timeout

    def __call__(self) -> ConsonanceClient:
        return ConsonanceClient(self.base_url, self._api_key, timeout=self.timeout)

    def __repr__(self) -> str:
        return f"_ClientFactory(base_url={self.base_url!r}, api_key=<redacted>)"


def create_graphql_sink(options: GraphQLOptions, context: AdapterContext) -> GraphQLSalesSink:
    name = context.name
    where = f"sales sink {name!r} (consonance-graphql)"
    if not options.base_url.strip():
        raise ValueError(f"{where} needs 'base_url', the tenant's address (without /graphql)")
    if not options.document.strip():
        raise ValueError(f"{where} needs 'document', a .graphql file holding the tenant's sales mutation")
    try:
        document = Path(options.document).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{where}: cannot read document {options.document!r} "
                         f"({exc.strerror or type(exc).__name__})") from None
    return GraphQLSalesSink(_ClientFactory(options.base_url.strip(), api_key(options.model_dump(), where),
                                           options.timeout),
                            document, name=name, operation_name=options.operation_name or None)


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_sales_sink("csv", create_csv_sink, options=CsvOptions,
                            description="CSV files, one per day, for Consonance's sales import")
    registry.add_sales_sink("consonance-graphql", create_graphql_sink, options=GraphQLOptions,
                            description="a tenant-provided GraphQL mutation (Consonance documents no sales write-back)")
