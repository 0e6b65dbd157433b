"""A webhook receiver on loopback: records every POST and answers what the test says (tests of notifiers)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_PATH = "/services/T000/B000/s3cretPathToken"


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Records every POST; answers `status` (switch it to 500 to play a target that is down)."""

    url: str = ""
    status: int = 200
    posts: list[Post] = field(default_factory=list)

    @property
    def accepted(self) -> list[Post]:
        return [p for p in self.posts if p.headers.get("x-answered") == "200"]


@contextmanager
def receiving(status: int = 200) -> Iterator[Receiver]:
    state = Receiver(status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = state.status
            headers = {k.lower(): v for k, v in self.headers.items()} | {"x-answered": str(status)}
            state.posts.append(Post(self.path, headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
