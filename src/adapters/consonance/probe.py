"""Can bookbridge read this Consonance tenant? One GraphQL call, turned into a finding a person can act on.

`{ __typename }` is answered by every GraphQL server and touches no data, so it proves the address and the key
and nothing else; the catalogue read that `bookbridge check` makes next proves the query documents.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from bookbridge.adapters.consonance.errors import ConsonanceAuthError, ConsonanceError, ConsonanceUnavailable
from bookbridge.domain.ports import ProbeFinding, ProbeResult, ProbeStatus

PROBE_DOCUMENT = "query Probe { __typename }"
_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo", "temporary failure in name",
              "no address associated", "name resolution")


class GraphQLClient(Protocol):
    endpoint: str

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
        cause = str(exc.__cause__ or exc.last_problem)
        if any(hint in cause.lower() for hint in _DNS_HINTS):
            finding = ProbeFinding(target, call, ProbeStatus.UNREACHABLE, f"cannot resolve {host}: {cause}",
                                   "check the host name in [source] base_url, and this machine's DNS")
        elif exc.last_problem.startswith(("connection failed", "timed out")):
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
    return ProbeResult(findings=(finding,))
