"""The ONIX 3.0 sources as a bookbridge plugin (`source = "onix-file" | "onix-folder" | "onix-url"`).

Configuration (the `source` mapping):
    path        onix-file: the ONIX 3.0 file
    drop_dir    onix-folder: the drop folder (processed/ and failed/ are made inside it)
    url         onix-url: the feed's http(s) URL (timeout: seconds, default 60)
    validate    run onixcheck and report its messages as warnings (default false)
    complete    onix-file/onix-url: the file is the whole catalogue, so absent editions are withdrawn
                (default false: a feed is read as a delta)
    max_files   onix-folder: files per read (default 50)
    name        the source's name (defaults: onix-file, onix-folder, onix-url)
    previous_edition  (passed by the composition root, not configured) ISBN -> stored Edition, for 04 merges

Factories open nothing: files are read and URLs fetched on `read()`. Entry point (pyproject):
`[project.entry-points."bookbridge.plugins"] onix = "bookbridge.adapters.onix.plugin"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl
from bookbridge.adapters.onix.assembly import PreviousEdition
from bookbridge.adapters.onix.folder import OnixFolderSource
from bookbridge.adapters.onix.sources import OnixFileSource, OnixUrlSource

_TRUE = frozenset({"1", "true", "yes", "on"})
# Every key each factory reads, besides those the composition root passes (name, previous_edition).
FILE_OPTIONS = ("path", "validate", "complete")
FOLDER_OPTIONS = ("drop_dir", "validate", "max_files")
URL_OPTIONS = ("url", "validate", "complete", "timeout")


def _flag(cfg: Mapping[str, Any], key: str) -> bool:
    value = cfg.get(key, False)
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def _required(cfg: Mapping[str, Any], key: str, kind: str) -> str:
    value = cfg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"source {kind!r} needs {key!r}")
    return value.strip()


def _previous(cfg: Mapping[str, Any]) -> PreviousEdition | None:
    """The composition root passes `previous_edition` (a lookup into the stored catalogue) for 04 merges."""
    lookup = cfg.get("previous_edition")
    return lookup if callable(lookup) else None


def create_file_source(cfg: Mapping[str, Any]) -> OnixFileSource:
    return OnixFileSource(_required(cfg, "path", "onix-file"), name=str(cfg.get("name") or "onix-file"),
                          validate=_flag(cfg, "validate"), complete=_flag(cfg, "complete"),
                          previous_edition=_previous(cfg))


def create_folder_source(cfg: Mapping[str, Any]) -> OnixFolderSource:
    return OnixFolderSource(_required(cfg, "drop_dir", "onix-folder"), name=str(cfg.get("name") or "onix-folder"),
                            validate=_flag(cfg, "validate"), max_files=int(cfg.get("max_files", 50)),
                            previous_edition=_previous(cfg))


def create_url_source(cfg: Mapping[str, Any]) -> OnixUrlSource:
    return OnixUrlSource(_required(cfg, "url", "onix-url"), name=str(cfg.get("name") or "onix-url"),
                         validate=_flag(cfg, "validate"), complete=_flag(cfg, "complete"),
                         timeout=float(cfg.get("timeout", 60)), previous_edition=_previous(cfg))


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_source("onix-file", create_file_source, "one ONIX 3.0 file", options=FILE_OPTIONS)
    registry.add_source("onix-folder", create_folder_source, "a drop folder of ONIX 3.0 files, each applied once",
                        options=FOLDER_OPTIONS)
    registry.add_source("onix-url", create_url_source, "an ONIX 3.0 feed over HTTP(S)", options=URL_OPTIONS)
