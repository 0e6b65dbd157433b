"""A failed HTTP call in words: the address and what happened, never httpx's class name."""

from __future__ import annotations

import httpx
import pytest

from bookbridge.adapters.transport_words import transport_failure

URL = "https://web.consonance.app/graphql"
REQUEST = httpx.Request("POST", URL)


@pytest.mark.parametrize(("exc", "said"), [
    (httpx.ConnectError("[Errno 111] Connection refused", request=REQUEST),
     f"could not connect to {URL}: connection refused"),
    (httpx.ConnectError("[Errno -2] Name or service not known", request=REQUEST),
     f"could not connect to {URL}: name or service not known"),
    (httpx.ConnectTimeout("timed out", request=REQUEST), f"could not connect to {URL} within 5 s"),
    (httpx.ReadTimeout("timed out", request=REQUEST), f"no answer from {URL} within 30 s"),
    (httpx.WriteTimeout("", request=REQUEST), f"could not send the request to {URL} within 30 s"),
    (httpx.PoolTimeout("", request=REQUEST), f"no free connection to {URL} within 30 s"),
    (httpx.RemoteProtocolError("Server disconnected without sending a response.", request=REQUEST),
     f"{URL} broke off the connection: server disconnected without sending a response"),
    (httpx.ReadError("", request=REQUEST), f"the connection to {URL} failed"),  # the class was all there was
])
def test_each_transport_failure_is_said_in_words(exc: httpx.TransportError, said: str) -> None:
    assert transport_failure(exc, URL, httpx.Timeout(30.0, connect=5.0)) == said
