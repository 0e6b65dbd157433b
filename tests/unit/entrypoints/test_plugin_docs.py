"""Every hook is documented in docs/plugins.md with its exact signature (and has a docstring)."""

from __future__ import annotations

import inspect
from pathlib import Path

from bookbridge.adapters.hookspecs import BookbridgeSpecs

DOC = Path(__file__).parents[3] / "docs" / "plugins.md"


def _hooks():
    return [(name, fn) for name, fn in inspect.getmembers(BookbridgeSpecs, inspect.isfunction)
            if name.startswith("bookbridge_")]


def test_there_are_hooks():
    assert [name for name, _ in _hooks()] == ["bookbridge_register_adapters"]


def test_every_hook_is_documented_with_its_signature():
    text = DOC.read_text(encoding="utf-8")
    for name, fn in _hooks():
        params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        signature = f"{name}({', '.join(f'{p.name}: {p.annotation}' for p in params)}) -> None"
        assert f"### `{signature}`" in text, f"docs/plugins.md lacks a heading for {signature}"
        assert (fn.__doc__ or "").strip(), f"{name} has no docstring"
