"""A sync server inside a Python process: loopback only, a background thread.

The tests use it to run a real server on 127.0.0.1 with real HTTP, and ``kimdesk server run``
uses its listening socket. The desktop app does not start one: a server beside the vault would
be a second, unencrypted copy of every record (issue 13, docs/vault.md "Files on disk").
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

#: Seconds an idle keep-alive connection stays open. uvicorn's default, 5 s, is shorter than a
#: reverse proxy keeps its upstream connections idle (nginx: ``keepalive_timeout 60s``) and than
#: a device pauses between two requests now and then: the server hung up on a connection just as
#: the other side sent on it, and that request failed (benchmarks/server_load.py: broken pushes
#: at the start of a run; behind nginx a 502 for a POST, which nginx does not resend).
KEEP_ALIVE_S = 75


def uvicorn_config(app: Any, **kwargs: Any) -> Any:
    """The uvicorn configuration of every KIMdesk server (``kimdesk server run`` and the
    embedded one): quiet, no lifespan, idle connections kept ``KEEP_ALIVE_S``. HTTP is parsed by
    ``httptools`` (with a cap on a request's head: :mod:`kimdesk.server.http_limits`) and uvicorn
    picks ``uvloop`` by itself (a dependency; not on Windows, where asyncio's loop runs): a
    request then costs about a third less server CPU than with the pure-Python ``h11`` and
    asyncio's loop."""
    import uvicorn

    from kimdesk.server.http_limits import HeadLimitedHttpToolsProtocol

    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                          timeout_keep_alive=KEEP_ALIVE_S, http=HeadLimitedHttpToolsProtocol,
                          **kwargs)


def listen_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn. ``proto=IPPROTO_TCP`` matters: asyncio disables Nagle on
    accepted sockets only when the listening socket says TCP (uvicorn's own bind does not), and
    otherwise every keep-alive response waits ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


class EmbeddedServer:
    """``with EmbeddedServer(db_url) as server: server.url`` -> ``http://127.0.0.1:PORT``."""

    def __init__(self, db_url: str | Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if isinstance(db_url, Path) or "://" not in str(db_url):
            db_url = f"sqlite:///{Path(db_url).absolute()}"
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the embedded server listens on loopback only")
        self.db_url = str(db_url)
        self.host = host
        self.port = port
        self.app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedServer:
        import uvicorn

        from kimdesk.server.app import create_app

        self.app = create_app(self.db_url)
        self._sock = listen_socket(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        config = uvicorn_config(self.app, timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None
        sock = self._sock
        self._thread = threading.Thread(
            target=lambda: self._server.run(sockets=[sock]), name="kimdesk-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("embedded sync server did not start")
            time.sleep(0.01)
        return self

    @property
    def service(self) -> Any:
        return self.app.state.service

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._sock is not None:
            self._sock.close()
        if self.app is not None:
            self.app.state.engine.dispose()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
