"""An idle keep-alive connection stays open longer than uvicorn's default 5 s (issue 14, found
by benchmarks/server_load.py).

With the default, the server closed a connection after 5 s of quiet while the other side was
about to reuse it: under load a device's push failed with a broken connection (85 of 200
devices at the start of a run), and behind nginx, which keeps upstream connections idle for
60 s, such a POST would come back as a 502 (nginx does not resend a non-idempotent request).
The server now keeps them for ``KEEP_ALIVE_S`` (75 s), longer than nginx's upstream default.

The test waits out the old timeout on one raw socket to ``kimdesk server run`` and sends a
second request on it: with the old setting the server has hung up by then."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kimdesk.server.embedded import KEEP_ALIVE_S

UVICORN_DEFAULT = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hello(sock: socket.socket) -> bytes:
    """One request on the socket and its whole answer (``b""`` if the server hung up)."""
    sock.sendall(b"GET /v1/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nKIMdesk-Protocol: 1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@pytest.fixture
def server_url(tmp_path: Path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kimdesk.cli", "server", "run", "--db",
         f"sqlite:///{tmp_path / 'server.db'}", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/v1/hello", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(20)


def test_idle_connection_outlives_the_uvicorn_default(server_url: int) -> None:
    assert KEEP_ALIVE_S > 60  # longer than nginx keeps an upstream connection idle
    with socket.create_connection(("127.0.0.1", server_url), timeout=30) as sock:
        assert _hello(sock).startswith(b"HTTP/1.1 200")
        time.sleep(UVICORN_DEFAULT + 1.5)
        second = _hello(sock)
    assert second.startswith(b"HTTP/1.1 200"), "the server closed the idle connection"
