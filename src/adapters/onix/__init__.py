"""ONIX 3.0 source adapter: stream a feed into families, delistings and problems.

    from bookbridge.adapters.onix import OnixFileSource, OnixFolderSource, OnixUrlSource, read_onix, OnixReader

See parser.py (reading), assembly.py (notification types, merges), grouping.py (families) and sources.py
(file, drop folder, URL).
"""

from bookbridge.adapters.onix.folder import OnixFolderSource
from bookbridge.adapters.onix.parser import OnixReader, parse_product, read_onix
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.adapters.onix.records import OnixRecord, WorkKey, merge
from bookbridge.adapters.onix.sources import OnixFileSource, OnixUrlSource

__all__ = [
    "OnixFileError",
    "OnixFileSource",
    "OnixFolderSource",
    "OnixReader",
    "OnixRecord",
    "OnixUrlSource",
    "WorkKey",
    "merge",
    "parse_product",
    "read_onix",
]
