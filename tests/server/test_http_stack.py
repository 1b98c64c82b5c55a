"""The server runs on uvicorn's compiled HTTP parser and event loop (issue 14, point 7).

With the pure-Python ``h11`` parser and asyncio's loop a request cost about a third more server
CPU (0.8 against 1.2 ms for ``/v1/whoami``, before it also lost a worker-thread hop); the
incremental push of 1k records, four batches and a handful of small requests, took 0.10 instead
of 0.11 s. uvicorn falls back to both silently when the packages are missing, so this test
notices a dependency that went away. httptools has no limit of its own on a request's head:
the server adds one (``kimdesk/server/http_limits.py``)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from kimdesk.server.embedded import EmbeddedServer, uvicorn_config

#: Long enough for any machine; a test that waits this long has failed.
PATIENCE = 20.0


def _config() -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        raise AssertionError("not called")

    config = uvicorn_config(app)
    config.load()
    return config


def test_http_parser_is_httptools_with_a_head_limit() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from kimdesk.server.http_limits import HeadLimitedHttpToolsProtocol

    assert _config().http_protocol_class is HeadLimitedHttpToolsProtocol
    assert issubclass(HeadLimitedHttpToolsProtocol, HttpToolsProtocol)


def _answer(sock: socket.socket) -> bytes:
    """The server's answer: read until its head and ``Content-Length`` bytes of body are in, or
    the server closes the connection (``PATIENCE`` at most)."""
    sock.settimeout(PATIENCE)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            return data
        if not chunk:
            return data
        data += chunk
        head, found, body = data.partition(b"\r\n\r\n")
        lengths = [int(x.split(b":")[1]) for x in head.lower().split(b"\r\n")
                   if x.startswith(b"content-length:")]
        if found and lengths and len(body) >= lengths[0]:
            return data


def test_an_endless_head_is_refused_before_it_fills_the_memory(tmp_path: Path) -> None:
    """Found by a review: with httptools and no cap, header lines that never end were buffered
    without limit (4.6 GB for 300 MB sent). Now: 431 and the connection closed after the cap;
    before the cap, the server was still reading."""
    from kimdesk.server.http_limits import MAX_HEAD_BYTES

    with EmbeddedServer(tmp_path / "s.db") as server, socket.create_connection(
            ("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /v1/hello HTTP/1.1\r\nHost: x\r\n")
        sent = 0
        try:
            while sent < 8 * MAX_HEAD_BYTES:
                sock.sendall(b"X-A: b\r\n" * 512)
                sent += 8 * 512
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed by the server: the answer was sent before
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


def test_heads_and_bodies_below_the_cap_pass(tmp_path: Path) -> None:
    """A long header under the cap, and a large body sent in the same write as its head (the
    head is complete, so the body is not counted against it)."""
    with EmbeddedServer(tmp_path / "s.db") as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"GET /v1/hello HTTP/1.1\r\nHost: x\r\nKIMdesk-Protocol: 1\r\n"
                         b"X-Long: " + b"a" * 16000 + b"\r\n\r\n")
            assert _answer(sock).startswith(b"HTTP/1.1 200")
        body = b"{" + b" " * 3_000_000 + b"}"
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\nKIMdesk-Protocol: 1\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            assert _answer(sock).startswith(b"HTTP/1.1 401")  # no token: refused, no 431


@pytest.mark.parametrize("head", [
    b"GET /v1/hello HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 40_000 + b"\r\n\r\n",
    b"GET /v1/hello?" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/hello HTTP/1.1\r\nHost: x\r\n" + b"X-A: bbbb\r\n" * 5000 + b"\r\n",
])
def test_a_large_head_in_one_write_is_refused(tmp_path: Path, head: bytes) -> None:
    """Found by a review: a head that arrived in one read with its end was complete before it
    was counted (40-100 KB heads got 200)."""
    with EmbeddedServer(tmp_path / "s.db") as server, socket.create_connection(
            ("127.0.0.1", server.port)) as sock:
        sock.sendall(head)
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


@pytest.mark.parametrize("trailer", [b"X-T: " + b"t" * 200 + b"\r\n", b"t" * 4096])
def test_endless_trailers_are_refused(tmp_path: Path, trailer: bytes) -> None:
    """Found by a review: trailers after a chunked body were never counted (600 MB of them
    grew the server by as much, before any login). Whole trailer lines and one that never ends
    both get 431 after the cap; before it, the server was still reading."""
    from kimdesk.server.http_limits import MAX_HEAD_BYTES

    with EmbeddedServer(tmp_path / "s.db") as server, socket.create_connection(
            ("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\nKIMdesk-Protocol: 1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")
        sent = 0
        try:
            while sent < 8 * MAX_HEAD_BYTES:
                sock.sendall(trailer * 8)
                sent += 8 * len(trailer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed by the server: the answer was sent before
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


def test_a_chunked_body_in_small_chunks_passes(tmp_path: Path) -> None:
    """Chunk framing is not counted as trailers while body arrives: 40 KB of body in 4-byte
    chunks (the framing alone is over the cap) is read as a body."""
    chunks = b"".join(b"4\r\n    \r\n" for _ in range(10_000))
    with EmbeddedServer(tmp_path / "s.db") as server, socket.create_connection(
            ("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\nKIMdesk-Protocol: 1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 422"), answer[:100]  # the body is no JSON object


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_event_loop_is_uvloop() -> None:
    import uvloop

    factory = _config().get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
