"""An overall deadline per request and a Cancel that reaches a request in flight.

httpx's timeout is per socket operation: a server (or a proxy in between) that sends a byte
every 29 seconds, in the headers or in the body, never trips a 30-second read timeout and held a
sync run, and the counselor's Cancel, for as long as it liked (a review, 2026-12-06). The
engine's Cancel only took effect between batches and pages, after the request in flight had
ended; a helper thread blocked in ``recv`` also kept the run's thread pools from closing.

Both are handled below httpx, in httpcore's network layer, since that is where the reads
happen and the one place that sees every one of them (headers and body, plain and TLS):
:class:`GuardedBackend` wraps httpcore's :class:`httpcore.SyncBackend` and every stream it
opens.

* **Deadline:** the request's thread notes its deadline (:meth:`Guard.request`); each read,
  write, connect or TLS handshake gets at most the time left (``min(per-read timeout,
  remaining)``), and none starts once it has passed. A drip then ends at the deadline with
  httpcore's own timeout error; no watchdog thread is needed for it.
* **Cancel:** :meth:`Guard.cancel` marks the guard cancelled and shuts down (``SHUT_RDWR``)
  every socket the guard's streams hold. ``shutdown`` wakes a thread blocked in ``recv`` or
  ``send`` on Linux, macOS and Windows; ``close`` from another thread does not (on Linux the
  blocked call goes on waiting). httpcore then sees the connection end (EOF or a reset) and
  drops it from its pool. Any later I/O of the guard fails at once until :meth:`Guard.resume`.

The guard is installed on httpx's connection pool through its ``network_backend``, which
httpx's :class:`httpx.HTTPTransport` does not take as a parameter; :func:`install` sets it on
the pool it made (checked, so an httpx that renames the attribute fails loudly, in every test
that builds a transport).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator

import httpcore
import httpx

#: httpcore's socket options (``(level, option, value)`` tuples, as httpx passes them).
SocketOption = (tuple[int, int, int] | tuple[int, int, bytes | bytearray]
                | tuple[int, int, None, int])


class Guard:
    """Deadlines (per thread: each request runs on its caller's thread) and a Cancel flag for
    the streams of one :class:`kimdesk.sync.transport.Transport`."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self._cancelled = False

    # -- the request's side --------------------------------------------------------------------
    @contextlib.contextmanager
    def request(self, seconds: float) -> Iterator[None]:
        """Run a request on this thread with at most ``seconds`` for all of its I/O."""
        self._local.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.deadline = None

    def expired(self) -> bool:
        """Whether this thread's request has used up its time."""
        deadline: float | None = getattr(self._local, "deadline", None)
        return deadline is not None and time.monotonic() >= deadline

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Fail every request in flight now, and every later one until :meth:`resume`."""
        with self._lock:
            self._cancelled = True
            socks = list(self._socks)
        for sock in socks:
            _shutdown(sock)

    def resume(self) -> None:
        with self._lock:
            self._cancelled = False

    # -- the streams' side ---------------------------------------------------------------------
    def time_left(self, timeout: float | None, error: type[Exception]) -> float | None:
        """The timeout for the next operation: ``timeout`` cut to the deadline; ``error`` when
        cancelled or past it."""
        if self._cancelled:
            raise error("cancelled")
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise error("request deadline passed")
        return left if timeout is None else min(timeout, left)

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._socks.add(sock)
            cancelled = self._cancelled
        if cancelled:  # cancelled while connecting: the caller's next operation fails
            _shutdown(sock)

    def discard(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socks.discard(sock)


def _shutdown(sock: socket.socket) -> None:
    # The base class's shutdown, also for an ``ssl.SSLSocket`` (whose own drops its TLS state
    # under the thread that may be reading it): only the descriptor is shut down.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _socket_of(stream: httpcore.NetworkStream) -> socket.socket | None:
    sock = stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None


class GuardedStream(httpcore.NetworkStream):
    """A network stream whose reads and writes keep to the guard's deadline and Cancel."""

    def __init__(self, stream: httpcore.NetworkStream, guard: Guard) -> None:
        self._stream = stream
        self._guard = guard
        self._sock = _socket_of(stream)
        guard.add(self._sock)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes,
                                 self._guard.time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._guard.time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._guard.discard(self._sock)
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        left = self._guard.time_left(timeout, httpcore.ConnectTimeout)
        tls = self._stream.start_tls(ssl_context, server_hostname, left)
        self._guard.discard(self._sock)  # the TLS stream holds the descriptor from here on
        return GuardedStream(tls, self._guard)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every stream guarded by ``guard``."""

    def __init__(self, backend: httpcore.NetworkBackend, guard: Guard) -> None:
        self._backend = backend
        self._guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[SocketOption] | None = None
                    ) -> httpcore.NetworkStream:
        left = self._guard.time_left(timeout, httpcore.ConnectTimeout)
        return GuardedStream(self._backend.connect_tcp(host, port, left, local_address,
                                                       socket_options), self._guard)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[SocketOption] | None = None
                            ) -> httpcore.NetworkStream:
        left = self._guard.time_left(timeout, httpcore.ConnectTimeout)
        return GuardedStream(self._backend.connect_unix_socket(path, left, socket_options),
                             self._guard)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def install(transport: httpx.HTTPTransport, guard: Guard) -> httpx.HTTPTransport:
    """``transport`` with its connection pool's network backend guarded by ``guard``."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if not isinstance(backend, httpcore.NetworkBackend):
        raise RuntimeError("httpx/httpcore changed: no network backend to guard")
    pool._network_backend = GuardedBackend(backend, guard)  # type: ignore[union-attr]
    return transport
