"""Every flag and number of the configuration is of its TOML type in the file, and read from text in the
environment: each settings model's and each built-in adapter's, so that no key is lax where another is strict."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, ValidationError

from bookbridge.domain.config_values import EnvironmentText
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import Settings

SCALARS = {bool: "bool_type", int: "int_type", float: "float_type"}


def _scalar(annotation: Any) -> type | None:
    """bool, int or float where `annotation` is one (or one or None), else None."""
    if get_origin(annotation) is Annotated:
        return _scalar(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        found = [s for a in get_args(annotation) if a is not type(None) and (s := _scalar(a))]
        return found[0] if found else None
    return annotation if annotation in SCALARS else None


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model its fields hold, whatever the depth."""
    found = [model]
    for field in model.model_fields.values():
        for inner in (field.annotation, *get_args(field.annotation)):
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                found.extend(m for m in _models(inner) if m not in found)
    return found


def _options_models() -> list[type[BaseModel]]:
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    return list(dict.fromkeys(spec.options for spec in registry))


def _scalar_keys() -> list[tuple[type[BaseModel], str, type]]:
    keys = [(model, field.alias or name, kind)
            for model in dict.fromkeys([*_models(Settings), *_options_models()])
            for name, field in model.model_fields.items() if (kind := _scalar(field.annotation))]
    assert len(keys) > 20  # the walk found the models: the settings' tables and the adapters' options
    return keys


def _errors_at(model: type[BaseModel], key: str, value: Any) -> list[str]:
    try:
        model.model_validate({key: value})
    except ValidationError as exc:
        return [e["type"] for e in exc.errors() if e["loc"] == (key,)]
    return []


@pytest.mark.parametrize(("model", "key", "kind"), _scalar_keys(),
                         ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_a_flag_or_a_number_in_quotes_is_refused_and_one_from_the_environment_is_read(model, key, kind):
    text = "true" if kind is bool else "1"
    assert _errors_at(model, key, text) == [SCALARS[kind]], f"{model.__name__}.{key} takes the text {text!r}"
    read = [t for t in _errors_at(model, key, EnvironmentText(text)) if t.endswith(("_type", "_parsing"))]
    assert read == [], f"{model.__name__}.{key} refuses the environment's {text!r}"  # a bound may refuse it
    if kind is bool:  # TOML's 1 is a number, never true
        assert _errors_at(model, key, 1) == ["bool_type"]
