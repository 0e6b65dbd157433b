"""Where an ONIX feed comes from: a file, a drop folder, or a URL. Each is a `CatalogSource`.

OnixFileSource(path)
    Reads one file. The cursor is the file's SHA-256: reading again with it returns nothing new.

OnixUrlSource(url, http_client=None)
    Streams the feed to a temporary file (conditional GET with the ETag/Last-Modified from the cursor), then
    parses it like a file. An httpx.Client passed in is used and left open; otherwise one is made per read.

OnixFolderSource(drop_dir)
    A drop folder that a sender (SFTP, rsync...) fills with ONIX files, each applied once: see `folder.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bookbridge.adapters.onix.assembly import PreviousEdition
from bookbridge.adapters.onix.folder import OnixFolderSource, sha256_of
from bookbridge.adapters.onix.parser import read_onix
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.adapters.transport_words import transport_failure
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.domain.words import failure_words

__all__ = ["OnixFileSource", "OnixFolderSource", "OnixUrlSource", "sha256_of"]

_CHUNK = 1 << 20


class OnixFileSource(CatalogSource):
    """One ONIX 3.0 file. `complete=True` only if the file is the whole catalogue (absent editions withdrawn)."""

    name: str

    def __init__(self, path: str | Path, *, name: str = "onix-file", previous_edition: PreviousEdition | None = None,
                 validate: bool = False, complete: bool = False) -> None:
        self.path = Path(path)
        self.name = name
        self.previous_edition = previous_edition
        self.validate = validate
        self.complete = complete

    def read(self, cursor: str | None = None) -> SourceRead:
        digest = f"sha256:{sha256_of(self.path)}" if self.path.exists() else None
        if digest is None:
            raise OnixFileError(str(self.path), "no such file")
        if cursor == digest:
            return SourceRead(families=(), cursor=cursor, complete=False)
        read = read_onix(self.path, previous_edition=self.previous_edition, validate=self.validate,
                         complete=self.complete)
        return replace(read, cursor=digest)


class OnixUrlSource(CatalogSource):
    """An ONIX 3.0 feed over HTTP(S), streamed to a temporary file and then parsed."""

    name: str

    def __init__(self, url: str, http_client: httpx.Client | None = None, *, name: str = "onix-url",
                 previous_edition: PreviousEdition | None = None, validate: bool = False, complete: bool = False,
                 timeout: float = 60.0) -> None:
        self.url = url
        self.http_client = http_client
        self.name = name
        self.previous_edition = previous_edition
        self.validate = validate
        self.complete = complete
        self.timeout = timeout

    def read(self, cursor: str | None = None) -> SourceRead:
        seen: dict[str, Any] = json.loads(cursor) if cursor else {}
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        with tempfile.TemporaryDirectory(prefix="bookbridge-onix-") as folder:
            target = Path(folder) / "feed.xml"
            with contextlib.ExitStack() as stack:
                client = self.http_client or stack.enter_context(httpx.Client(timeout=self.timeout,
                                                                              follow_redirects=True))
                try:
                    with client.stream("GET", self.url, headers=headers) as response:
                        if response.status_code == 304:
                            return SourceRead(families=(), cursor=cursor, complete=False)
                        if response.status_code >= 400:
                            status = response.status_code
                            raise OnixFileError(self.url, f"HTTP {status} {response.reason_phrase}",
                                                transient=status in (408, 429) or status >= 500)
                        digest = hashlib.sha256()
                        with target.open("wb") as out:
                            for chunk in response.iter_bytes(_CHUNK):
                                digest.update(chunk)
                                out.write(chunk)
                        state = {"etag": response.headers.get("etag"),
                                 "last_modified": response.headers.get("last-modified"),
                                 "sha256": digest.hexdigest()}
                except httpx.TransportError as exc:  # as Consonance's says it: "could not connect to …: …"
                    raise OnixFileError(self.url, transport_failure(exc, self.url, httpx.Timeout(self.timeout)),
                                        transient=True, names_path=True) from None
                except httpx.HTTPError as exc:
                    raise OnixFileError(self.url, f"download failed: {failure_words(exc)}", transient=True) from None
            new_cursor = json.dumps(state, sort_keys=True)
            if seen.get("sha256") == state["sha256"]:
                return SourceRead(families=(), cursor=new_cursor, complete=False)
            read = read_onix(target, previous_edition=self.previous_edition, validate=self.validate,
                             complete=self.complete, source=self.url)
            return replace(read, cursor=new_cursor)


# mypy checks here that each source matches the CatalogSource port.
_file_source: type[CatalogSource] = OnixFileSource
_folder_source: type[CatalogSource] = OnixFolderSource
_url_source: type[CatalogSource] = OnixUrlSource
