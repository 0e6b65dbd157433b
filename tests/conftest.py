"""Shared test configuration.

- Hypothesis profiles: CI runs derandomized, at least 200 examples a property.
- The BigCommerce contract: every distinct request the bookbridge adapter sends to any sandbox during the
  whole session is validated against BigCommerce's official OpenAPI specs when the session ends; one
  invalid request fails the run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

_SENT: list[Any] = []
_SENDER: list[str] = []  # the test running when each request of _SENT arrived (an invalid one names it)


def pytest_configure(config: pytest.Config) -> None:
    from bookbridge.adapters.bigcommerce.sandbox import recording

    original_append, original_replace = recording.RequestLog.append, recording.RequestLog.replace
    where: dict[tuple[int, tuple[int, int]], int] = {}  # (log, slot) -> index in _SENT

    def append(self: recording.RequestLog, request: recording.RecordedRequest) -> tuple[int, int]:
        slot = original_append(self, request)
        where[(id(self), slot)] = len(_SENT)
        _SENT.append(request)
        _SENDER.append(os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0])
        return slot

    def replace(self: recording.RequestLog, slot: tuple[int, int], request: recording.RecordedRequest) -> None:
        # The sandbox records a request as it arrives and completes the entry when it is answered (its body read,
        # its status known): validate the completed entry, not the first sight of it.
        original_replace(self, slot, request)
        if (index := where.get((id(self), slot))) is not None:
            _SENT[index] = request

    recording.RequestLog.append = append  # type: ignore[method-assign]
    recording.RequestLog.replace = replace  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from contracts.bigcommerce_openapi import invalid_adapter_requests, skip_reason, specs_available

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not _SENT:
        return
    if not specs_available():
        if reporter:
            reporter.write_line(f"BigCommerce contract check skipped: {skip_reason()}")
        return
    invalid = invalid_adapter_requests(_SENT)
    adapter = sum(1 for r in _SENT if str(r.headers.get("user-agent", "")).startswith("bookbridge/"))
    if reporter:
        reporter.write_line(f"BigCommerce contract: {adapter} requests sent by the adapter, "
                            f"{len(invalid)} distinct ones invalid against the official specs")
        for request, errors in invalid.items():
            reporter.write_line(f"  INVALID {request}: {'; '.join(errors)}")
            senders = sorted({who for sent, who in zip(_SENT, _SENDER, strict=True)
                              if request.startswith(f"{sent.method} {sent.api_path}?{sent.query_string} ")
                              and invalid_adapter_requests([sent])})
            reporter.write_line(f"    sent by: {', '.join(senders) or 'unknown'}")
    if invalid:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
