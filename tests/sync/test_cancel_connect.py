"""Cancel while the connect itself waits: a network that drops packets (2026-12-06).

A connect to a host that never answers waits for the whole connect timeout (30 s), and neither
``shutdown`` nor ``close`` from another thread wakes it, so a Cancel (and a lock, which waits for
the sync run) waited as long. A listener whose accept queue is full stands in for such a host
here: Linux drops the further SYNs, so a connect to it hangs like one to a blackholed address,
without a network. The tests wait until the request is inside the connect (its stack, not a
clock); their only clock is a generous upper bound.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kimdesk.sync.errors import SyncCancelled
from kimdesk.sync.transport import Transport
from tests.sync.test_review_slow_server import _BODY, WELL_BEFORE

#: The connect timeout in these tests: what a Cancel would wait for before the fix.
CONNECT = 40.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="a full accept queue drops SYNs on Linux")


@pytest.fixture
def full_queue() -> Iterator[socket.socket]:
    """A listener that accepts nothing and whose queue is full: the next connect hangs."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(listener.getsockname(), timeout=5)
    yield listener
    filler.close()
    listener.close()


def _in_connect(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name == "connect_tcp":
            return True
        frame = frame.f_back
    return False


def _hello_on_a_thread(transport: Transport) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def ask() -> None:
        try:
            outcome.append(transport.hello())
        except Exception as exc:  # the outcome is what the test looks at
            outcome.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    deadline = time.monotonic() + WELL_BEFORE
    while not _in_connect(thread) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _in_connect(thread), "the request never reached the connect"
    return thread, outcome


def test_cancel_ends_a_hanging_connect_at_once(full_queue: socket.socket) -> None:
    port = full_queue.getsockname()[1]
    transport = Transport(f"http://127.0.0.1:{port}", timeout=CONNECT, deadline=2 * CONNECT)
    thread, outcome = _hello_on_a_thread(transport)
    started = time.monotonic()
    transport.cancel()
    thread.join(WELL_BEFORE)
    took = time.monotonic() - started
    transport.close()
    assert not thread.is_alive(), f"still connecting {took:.0f} s after the Cancel"
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelled), outcome


def test_a_slow_connect_still_connects(full_queue: socket.socket) -> None:
    """The connect is waited for in slices, not retried: a SYN answered only on its
    retransmission (about 1 s here, ten slices) still connects and gets its answer."""
    port = full_queue.getsockname()[1]
    transport = Transport(f"http://127.0.0.1:{port}", timeout=CONNECT)
    thread, outcome = _hello_on_a_thread(transport)
    full_queue.accept()[0].close()  # the queue frees: the retransmitted SYN is taken
    full_queue.settimeout(WELL_BEFORE)
    conn, _ = full_queue.accept()
    with conn:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY)
        thread.join(WELL_BEFORE)
    transport.close()
    assert len(outcome) == 1 and getattr(outcome[0], "server_id", None) == "drip", outcome
