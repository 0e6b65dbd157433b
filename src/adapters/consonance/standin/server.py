"""`ConsonanceStandinServer`: the stand-in served by uvicorn on loopback, in a background thread.

    with ConsonanceStandinServer(data, api_key) as server:
        client = ConsonanceClient(server.url, api_key, ...)

`omit_fields` serves a leaner tenant (`LEAN_TENANT`: without the fields Consonance does not document).

The socket is bound before the thread starts (port 0 picks a free port), so `.url` is known at
once; `__exit__` asks uvicorn to exit and joins the thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Collection
from types import TracebackType

import uvicorn

from bookbridge.adapters.consonance.standin.app import DEFAULT_PAGE_SIZE, RecordedRequest, create_app
from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.faults import FaultPlan
from bookbridge.adapters.consonance.standin.schema import build_standin_schema

_START_TIMEOUT = 10.0


class ConsonanceStandinServer:
    def __init__(
        self,
        data: ConsonanceData,
        api_key: str,
        *,
        faults: FaultPlan | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        host: str = "127.0.0.1",
        omit_fields: Collection[str] = (),
    ) -> None:
        self.data = data
        self.faults = faults if faults is not None else FaultPlan()
        self.requests: list[RecordedRequest] = []
        self._app = create_app(data, api_key, self.faults, page_size=page_size, requests=self.requests,
                               schema=build_standin_schema(omit_fields=omit_fields))
        self._host = host
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"ConsonanceStandinServer(url={self.url if self._socket else None!r})"

    @property
    def url(self) -> str:
        """The base URL; the GraphQL endpoint is `{url}/graphql`."""
        if self._socket is None:
            raise RuntimeError("the stand-in is not running; use it as a context manager")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the stand-in is already running")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self._host, 0))
        config = uvicorn.Config(self._app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="consonance-standin"
        )
        self._thread.daemon = True
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Consonance stand-in did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> ConsonanceStandinServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
