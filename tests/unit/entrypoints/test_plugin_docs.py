"""Meta-tests on the plugin API: every hook and every registry method is documented in docs/plugins.md with its
exact signature (and has a docstring), and every field of the context a factory gets is described there."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bookbridge.plugin import AdapterContext, AdapterKind, AdapterRegistry, BookbridgeSpecs, PluginRegistrar

DOC = Path(__file__).parents[3] / "docs" / "plugins.md"


def signature(prefix: str, fn: Callable[..., object]) -> str:
    """`prefix + name(params) -> returns` with the annotations as written in the source."""
    parts, star = [], False
    for p in inspect.signature(fn).parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = f"{p.name}: {p.annotation}"
        if p.default is not p.empty:
            default = json.dumps(p.default) if isinstance(p.default, str) else repr(p.default)
            text += f" = {default}"
        parts.append(text)
    return f"{prefix}{fn.__name__}({', '.join(parts)}) -> {inspect.signature(fn).return_annotation}"


def public_methods(cls: type) -> list[Callable[..., object]]:
    return [fn for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")]


HOOKS = [fn for fn in public_methods(BookbridgeSpecs) if fn.__name__.startswith("bookbridge_")]
REGISTRAR = public_methods(PluginRegistrar)
CREATORS = [fn for fn in public_methods(AdapterRegistry) if fn.__name__.startswith("create_")]


def test_there_is_one_hook_and_one_add_and_one_create_per_kind():
    assert [fn.__name__ for fn in HOOKS] == ["bookbridge_register_adapters"]
    kinds = sorted(kind.value.replace("-", "_") for kind in AdapterKind)
    assert sorted(fn.__name__.removeprefix("add_") for fn in REGISTRAR) == kinds
    assert sorted(fn.__name__.removeprefix("create_") for fn in CREATORS) == kinds


@pytest.mark.parametrize("fn", HOOKS, ids=lambda fn: fn.__name__)
def test_every_hook_is_documented_with_its_signature_and_a_docstring(fn):
    heading = f"### `{signature('', fn)}`"
    assert heading in DOC.read_text(encoding="utf-8"), f"docs/plugins.md lacks the heading {heading}"
    doc = inspect.getdoc(fn) or ""
    assert "Parameters:" in doc and "Must not:" in doc, f"{fn.__name__}'s docstring must say both"


@pytest.mark.parametrize("fn", REGISTRAR, ids=lambda fn: fn.__name__)
def test_every_registry_method_is_documented_with_its_signature(fn):
    line = f"`{signature('registry.', fn)}`"
    assert line in DOC.read_text(encoding="utf-8"), f"docs/plugins.md lacks {line}"


@pytest.mark.parametrize("fn", CREATORS, ids=lambda fn: fn.__name__)
def test_every_create_method_is_documented_with_its_signature(fn):
    line = f"`{signature('AdapterRegistry.', fn)}`"
    assert line in DOC.read_text(encoding="utf-8"), f"docs/plugins.md lacks {line}"


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(AdapterContext)])
def test_every_context_field_is_described(field):
    assert f"| `{field}` |" in DOC.read_text(encoding="utf-8"), f"docs/plugins.md does not describe context.{field}"
