"""bookbridge: keeps a publisher's Consonance catalogue and a BigCommerce store in step.

The one import package. Its layers are subpackages (`bookbridge.domain`, `bookbridge.application`,
`bookbridge.adapters`, `bookbridge.entrypoints`); the folders stay `src/domain`, `src/application`, ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bookbridge.plugin import (
        AdapterContext,
        AdapterOptions,
        ConfigBool,
        ConfigFloat,
        ConfigInt,
        NoOptions,
        PluginRegistrar,
        hookimpl,
    )

# The public plugin API, `from bookbridge import hookimpl, AdapterOptions`: loaded on first use, so that
# `import bookbridge.domain` does not import pluggy.
__all__ = ["AdapterContext", "AdapterOptions", "ConfigBool", "ConfigFloat", "ConfigInt", "NoOptions", "PluginRegistrar",
           "hookimpl"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("bookbridge.plugin"), name)
    raise AttributeError(f"module 'bookbridge' has no attribute {name!r}")
