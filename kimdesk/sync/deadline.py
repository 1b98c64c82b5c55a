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
  A connect still under way is not a socket ``shutdown`` wakes; it is waited for in slices that
  look at the flag (:func:`_connect`), so a Cancel ends it too, within a tenth of a second.

The guard is installed on httpx's connection pool through its ``network_backend``, which
httpx's :class:`httpx.HTTPTransport` does not take as a parameter; :func:`install` sets it on
the pool it made (checked, so an httpx that renames the attribute fails loudly, in every test
that builds a transport).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator

import httpcore
import httpx

# httpcore's own stream and error mapping for the connect below: private names, like the pool's
# backend in :func:`install`; an httpcore that moves them fails at import, in every test.
from httpcore._backends.sync import SyncStream
from httpcore._exceptions import map_exceptions

from kimdesk.sync.pinning import check_handshake

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
        try:  # the machine policy's pinned certificate, before the request's first byte
            check_handshake(server_hostname or "", tls.get_extra_info("ssl_object"))
        except BaseException:
            tls.close()
            raise
        return GuardedStream(tls, self._guard)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


#: How often a connect in progress looks whether it was cancelled.
CONNECT_POLL = 0.1
_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035}  # 10035: Windows'


def _connect(guard: Guard, address: tuple[str, int], timeout: float | None,
             local_address: str | None) -> socket.socket:
    """``socket.create_connection``, but a Cancel ends it within :data:`CONNECT_POLL`.

    A connect to a host that drops packets (a network that lets nothing through, a firewall)
    waits for the whole connect timeout, 30 s, and neither ``shutdown`` nor ``close`` from
    another thread wakes it. So the connect is started without blocking and waited for in
    slices, looking at the guard in between: the attempt itself keeps running in the kernel,
    unlike a retry with a short timeout, so a slow but working link still connects. Before
    (2026-12-06), a Cancel, or the lock, which waits for the sync run to end, waited up to 30 s
    when the network dropped packets. The name lookup before it cannot be interrupted (the
    system's resolver has its own timeouts).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    host, port = address
    error: OSError | None = None
    for family, kind, proto, _name, target in socket.getaddrinfo(host, port, 0,
                                                                 socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            if local_address is not None:
                sock.bind((local_address, 0))
            sock.setblocking(False)
            code = sock.connect_ex(target)
            while code in _IN_PROGRESS:
                guard.time_left(None, httpcore.ConnectError)  # cancelled: raised here
                left = CONNECT_POLL if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out")
                _, ready, failed = select.select([], [sock], [sock], min(left, CONNECT_POLL))
                if ready or failed:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
            sock.setblocking(True)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, socket.timeout):
                raise
        except BaseException:
            sock.close()
            raise
    raise error or OSError("getaddrinfo returned nothing")


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
        if type(self._backend) is not httpcore.SyncBackend:  # another backend: its own connect
            return GuardedStream(self._backend.connect_tcp(host, port, left, local_address,
                                                           socket_options), self._guard)
        with map_exceptions({TimeoutError: httpcore.ConnectTimeout,
                             OSError: httpcore.ConnectError}):
            sock = _connect(self._guard, (host, port), left, local_address)
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return GuardedStream(SyncStream(sock), self._guard)

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


def drop_connections(transport: httpx.HTTPTransport) -> None:
    """Close every pooled connection of ``transport`` (the pool stays usable: the next request
    connects anew). Through the pool :func:`install` guarded, checked the same way."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool):
        raise RuntimeError("httpx/httpcore changed: no connection pool to empty")
    pool.close()
