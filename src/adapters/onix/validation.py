"""Optional schema validation with onixcheck: its messages become warning problems, never exceptions."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from bookbridge.domain.problems import Problem, Severity

_LOCATION = re.compile(r":(\d+):\d+$")


def validation_problems(path: Path, *, source: str | None = None) -> list[Problem]:
    """Run `onixcheck.validate(path)` (XSD) and report each message as a warning naming the line."""
    try:
        onixcheck = importlib.import_module("onixcheck")
    except ImportError:
        return [Problem(code="validator-unavailable", severity=Severity.WARNING, source=source,
                        message="onixcheck is not installed (pip install 'bookbridge[validate]'); the ONIX file was "
                                "not schema-validated")]
    try:
        messages = onixcheck.validate(str(path))
    except Exception as exc:  # a validator bug must not stop the feed
        return [Problem(code="validator-failed", severity=Severity.WARNING, source=source,
                        message=f"onixcheck failed: {type(exc).__name__}: {exc}")]
    problems = []
    for message in messages:
        location = str(getattr(message, "location", ""))
        match = _LOCATION.search(location)
        problems.append(Problem(
            code="schema-invalid", severity=Severity.WARNING, source=source,
            line=int(match.group(1)) if match else None,
            message=f"{getattr(message, 'validator', 'onixcheck')}: {getattr(message, 'message', message)}".strip(),
        ))
    return problems
