"""`SandboxServer`: the sandbox served by uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import Sandbox
from .config import SandboxConfig
from .faults import FaultInjector
from .recording import RequestLog
from .state import SandboxState


class _PromptServer(uvicorn.Server):
    """uvicorn polls `should_exit` every 0.1 s; wake it at once so tests do not wait on shutdown."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)

    def request_exit(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)


class SandboxServer:
    """Context manager: `with SandboxServer(config) as server: httpx.get(server.base_url_v3 + ...)`.

    Binds a free loopback port (or `port`) before starting, so the URLs are known at once.
    """

    def __init__(self, config: SandboxConfig | None = None, *, port: int = 0, start_timeout: float = 10.0) -> None:
        self.sandbox = Sandbox(config)
        self._port = port
        self._start_timeout = start_timeout
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- handles ----------------------------------------------------------------------------------
    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    @property
    def requests(self) -> RequestLog:
        return self.sandbox.requests

    @property
    def faults(self) -> FaultInjector:
        return self.sandbox.faults

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("SandboxServer is not running")
        return int(self._socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url_v3(self) -> str:
        return f"{self.base_url}/stores/{self.config.store_hash}/v3"

    @property
    def base_url_v2(self) -> str:
        return f"{self.base_url}/stores/{self.config.store_hash}/v2"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.config.token, "Accept": "application/json"}

    def reset(self) -> None:
        """Empty the store and the request log, drop scheduled faults, refill the quota."""
        self.sandbox.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("SandboxServer already started")
        # proto=IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it every
        # response pays a ~40 ms Nagle/delayed-ACK stall (headers and body are written separately).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", self._port))
        self._socket = sock
        config = uvicorn.Config(
            self.sandbox,
            lifespan="off",
            http="h11",
            log_level="critical",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = _PromptServer(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="bigcommerce-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the BigCommerce sandbox did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
