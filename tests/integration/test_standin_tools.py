"""The stand-ins run on their own, as docs/tools.md says: `python -m` serves them and prints how to connect."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from bookbridge.adapters.consonance.standin.__main__ import DEFAULT_KEY


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize(("module", "path", "headers"), [
    ("bookbridge.adapters.consonance.standin", "/graphql", {"Authorization": f"Bearer {DEFAULT_KEY}"}),
    ("bookbridge.adapters.bigcommerce.sandbox", "/stores/sandbox/v3/catalog/products",
     {"X-Auth-Token": "sandbox-token"}),
])
def test_a_stand_in_serves_on_its_own(module, path, headers):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", module, "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner, banner
        deadline = time.monotonic() + 30
        while True:
            try:
                if path.endswith("graphql"):
                    answer = httpx.post(f"http://127.0.0.1:{port}{path}", json={"query": "{ __typename }"},
                                        headers=headers, timeout=5)
                else:
                    answer = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the stand-in did not start"
                time.sleep(0.2)
        assert answer.status_code == 200, answer.text
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_sandbox_serves_a_second_channel_for_a_second_storefront():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "bookbridge.adapters.bigcommerce.sandbox", "--port", str(port),
                                "--channel", "2=US storefront"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=os.environ.copy())
    try:
        assert process.stdout is not None
        process.stdout.readline()
        settings = process.stdout.readline()  # what to write in bookbridge.toml, both base URLs and the channels
        assert f'v2_base_url = "http://127.0.0.1:{port}/stores/sandbox/v2"' in settings, settings
        assert "channels: 1 (Default storefront), 2 (US storefront)" in settings, settings
        # As docs/tools.md writes it: the store named, its token from a variable (no secret in the file).
        assert 'name = "sandbox"' in settings and 'access_token_env = "BIGCOMMERCE_ACCESS_TOKEN"' in settings
        assert "access_token =" not in settings and "export BIGCOMMERCE_ACCESS_TOKEN=sandbox-token" in settings
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/stores/sandbox/v3/channels",
                                   headers={"X-Auth-Token": "sandbox-token"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.2)
        assert [c["id"] for c in answer.json()["data"]] == [1, 2]
    finally:
        process.terminate()
        process.wait(timeout=20)
