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

The composition root passes `AdapterContext.previous_edition` (ISBN -> stored Edition) for 04 merges, and
`AdapterContext.validate` when `bookbridge source inspect --validate` asks for schema validation.

Factories open nothing: files are read and URLs fetched on `read()`. Entry point (pyproject):
`[project.entry-points."bookbridge.plugins"] onix = "bookbridge.adapters.onix.plugin"`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bookbridge.adapters.onix.folder import OnixFolderSource
from bookbridge.adapters.onix.sources import OnixFileSource, OnixUrlSource
from bookbridge.plugin import (
    AdapterContext,
    AdapterOptions,
    ConfigBool,
    ConfigFloat,
    ConfigInt,
    PluginRegistrar,
    hookimpl,
)

Required = Annotated[str, Field(min_length=1)]


class OnixFileOptions(AdapterOptions):
    path: Required
    validate_: ConfigBool = Field(default=False, alias="validate")
    complete: ConfigBool = False


class OnixFolderOptions(AdapterOptions):
    drop_dir: Required
    validate_: ConfigBool = Field(default=False, alias="validate")
    max_files: ConfigInt = Field(default=50, ge=1)


class OnixUrlOptions(AdapterOptions):
    url: Required
    validate_: ConfigBool = Field(default=False, alias="validate")
    complete: ConfigBool = False
    timeout: ConfigFloat = Field(default=60.0, gt=0)


def create_file_source(options: OnixFileOptions, context: AdapterContext) -> OnixFileSource:
    return OnixFileSource(options.path.strip(), name=context.name, validate=options.validate_ or context.validate,
                          complete=options.complete, previous_edition=context.previous_edition)


def create_folder_source(options: OnixFolderOptions, context: AdapterContext) -> OnixFolderSource:
    return OnixFolderSource(options.drop_dir.strip(), name=context.name,
                            validate=options.validate_ or context.validate, max_files=options.max_files,
                            previous_edition=context.previous_edition)


def create_url_source(options: OnixUrlOptions, context: AdapterContext) -> OnixUrlSource:
    return OnixUrlSource(options.url.strip(), name=context.name, validate=options.validate_ or context.validate,
                         complete=options.complete, timeout=options.timeout,
                         previous_edition=context.previous_edition)


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_source("onix-file", create_file_source, options=OnixFileOptions, description="one ONIX 3.0 file")
    registry.add_source("onix-folder", create_folder_source, options=OnixFolderOptions,
                        description="a drop folder of ONIX 3.0 files, each applied once")
    registry.add_source("onix-url", create_url_source, options=OnixUrlOptions,
                        description="an ONIX 3.0 feed over HTTP(S)")
