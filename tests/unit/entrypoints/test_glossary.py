"""docs/glossary.md stays true to the words the code shows: every exception kind with its code and the words the
dashboard uses for it."""

from __future__ import annotations

from pathlib import Path

from bookbridge.domain.ports import ExceptionKind
from bookbridge.entrypoints.http.dashboard_view import KIND_WORDS

GLOSSARY = Path(__file__).resolve().parents[3] / "docs" / "glossary.md"


def test_every_exception_kind_is_in_the_glossary_with_its_dashboard_words() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    for kind in ExceptionKind:
        assert f"`{kind.value}` *{KIND_WORDS[kind]}*" in text, kind
