"""An error from outside, as people read it: its own message, never the Python class that carried it."""

from __future__ import annotations

import pytest

from bookbridge.domain.words import failure_words


class SinkDown(Exception):
    pass


@pytest.mark.parametrize(("exc", "said"), [
    (SinkDown("POST https://ledger.example/facts answered 503"), "POST https://ledger.example/facts answered 503"),
    (ConnectionError("webhook is down"), "webhook is down"),
    (OSError(28, "No space left on device", "/var/sales/2026-12-07.csv"),
     "no space left on device: /var/sales/2026-12-07.csv"),
    (KeyError("channel_id"), "no 'channel_id'"),
    (TimeoutError(), "timed out"),
    (ConnectionRefusedError(), "connection refused"),
    (SinkDown(), "failed without saying why (SinkDown)"),  # the class is all there is: said to be so
])
def test_an_error_is_said_by_its_message_not_its_class(exc: BaseException, said: str) -> None:
    assert failure_words(exc) == said
