"""Can bookbridge read this Consonance tenant? One GraphQL call, turned into a finding a person can act on.

`{ __typename }` is answered by every GraphQL server and touches no data, so it proves the address and the key
and nothing else. A second call introspects the tenant's schema and names every field of the query documents it
lacks (`tenant.py`): optional ones are reported and the read goes on without them; a required one fails the check.
The catalogue read that `bookbridge check` makes next proves the rest.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

import httpx

from bookbridge.adapters.consonance.errors import (
    ConsonanceAuthError,
    ConsonanceError,
    ConsonanceQueryError,
    ConsonanceUnavailable,
)
from bookbridge.adapters.consonance.tenant import TenantFit, fit_to_tenant, introspect
from bookbridge.adapters.transport_words import os_reason
from bookbridge.domain.ports import ProbeFinding, ProbeResult, ProbeStatus

PROBE_DOCUMENT = "query Probe { __typename }"
_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo", "temporary failure in name",
              "no address associated", "name resolution")


class GraphQLClient(Protocol):
    endpoint: str
    works_document: str

    def execute(self, document: str, variables: None = None, *, operation_name: str | None = None,
                max_retries: int | None = None) -> dict[str, object]: ...


def probe_client(client: GraphQLClient) -> ProbeResult:
    target = f"Consonance {client.endpoint}"
    call = "POST /graphql (query Probe { __typename })"
    host = urlsplit(client.endpoint).netloc
    try:
        client.execute(PROBE_DOCUMENT, operation_name="Probe", max_retries=0)
    except ConsonanceAuthError as exc:
        finding = ProbeFinding(target, call, ProbeStatus.BAD_CREDENTIALS,
                               f"{exc.status}: Consonance rejected the API key",
                               "check [source] api_key_env: the variable must hold the tenant's API key (Consonance: "
                               "Settings > API keys)")
    except ConsonanceUnavailable as exc:
        cause = os_reason(exc.__cause__) if exc.__cause__ is not None else exc.last_problem
        if any(hint in cause.lower() for hint in _DNS_HINTS):
            finding = ProbeFinding(target, call, ProbeStatus.UNREACHABLE, f"cannot resolve {host}: {cause}",
                                   "check the host name in [source] base_url, and this machine's DNS")
        elif isinstance(exc.__cause__, httpx.TimeoutException):
            finding = ProbeFinding(target, call, ProbeStatus.UNREACHABLE, exc.last_problem,
                                   "check the network path (proxy, firewall) to the host")
        elif isinstance(exc.__cause__, httpx.TransportError):
            finding = ProbeFinding(target, call, ProbeStatus.UNREACHABLE, f"cannot connect to {host}: {cause}",
                                   "check [source] base_url and that the host accepts connections from here")
        else:
            finding = ProbeFinding(target, call, ProbeStatus.FAILED, str(exc),
                                   "Consonance is failing or throttling; try again in a few minutes")
    except ConsonanceError as exc:
        status = ProbeStatus.NOT_FOUND if "HTTP 404" in str(exc) else ProbeStatus.FAILED
        finding = ProbeFinding(target, call, status, str(exc),
                               "check [source] base_url: the tenant's address, without /graphql")
    else:
        finding = ProbeFinding(target, call, ProbeStatus.OK, "the API key is accepted")
        return ProbeResult(findings=(finding, schema_finding(client)))
    return ProbeResult(findings=(finding,))


def schema_finding(client: GraphQLClient) -> ProbeFinding:
    """Introspect the tenant and say which fields of the query documents it lacks."""
    target = f"Consonance {client.endpoint}"
    call = "POST /graphql (introspection)"
    try:
        fit = fit_to_tenant(client.works_document, introspect(client, max_retries=0))
    except ConsonanceQueryError as exc:
        return ProbeFinding(target, call, ProbeStatus.OK, f"the tenant refuses introspection ({exc.message}); "
                            "the query documents cannot be checked field by field")
    except ConsonanceError as exc:
        return ProbeFinding(target, call, ProbeStatus.FAILED, str(exc),
                            "point [source] queries_dir at documents that fit the tenant's schema")
    if fit.fatal:
        return ProbeFinding(target, call, ProbeStatus.FAILED,
                            f"the tenant lacks fields bookbridge cannot do without: {', '.join(fit.fatal)}"
                            + (f"; and optional ones: {_listed(fit)}" if fit.optional_missing else ""),
                            "ask Consonance support which names the tenant uses, and point [source] queries_dir "
                            "at documents that use them")
    if fit.optional_missing:
        return ProbeFinding(target, call, ProbeStatus.OK,
                            f"the tenant lacks {len(fit.optional_missing)} optional field(s); the source reads "
                            f"without them: {_listed(fit)}")
    return ProbeFinding(target, call, ProbeStatus.OK, "the schema has every field the queries name")


def _listed(fit: TenantFit) -> str:
    return "; ".join(f"{name} ({fit.consequence(name)})" for name in fit.optional_missing)
