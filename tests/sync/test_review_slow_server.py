"""A review of the device against a server that drips its answer (2026-12-06).

httpx's timeout is per read, so a server (or a proxy) that sends a byte now and then, in the
headers or in the body, held a request, the sync run and the counselor's Cancel for as long as it
liked. The server here is a raw socket on 127.0.0.1 that drips one byte every :data:`DRIP`
seconds, far below the per-read timeout, for up to :data:`DRIP_FOR` seconds. The tests assert
on outcomes; their only clock is a generous upper bound (the request ended well before the drip
would have).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kimdesk.domain.models import Person
from kimdesk.sync.engine import SyncEngine
from kimdesk.sync.errors import SyncCancelled, SyncError
from kimdesk.sync.transport import Transport, too_slow

#: Seconds between two dripped bytes: far below the per-read timeout the tests set.
DRIP = 0.2
#: Seconds a drip lasts at most (so a failing test ends): the fixed code ends well before.
DRIP_FOR = 40.0
#: A generous bound on what the fixed code takes: a deadline of 1 s, or a Cancel, plus time for
#: a loaded machine; the drip would take :data:`DRIP_FOR`.
WELL_BEFORE = 20.0
#: The per-read timeout in these tests: never reached by a drip.
PER_READ = 10.0

_BODY = b'{"protocol": 1, "server_id": "drip", "server_time": "2026-12-06T00:00:00Z"}'


class DripServer:
    """Answers ``fine`` paths at once and drips everything else: ``mode`` "headers" drips the
    status line and headers, "body" sends the headers at once and drips a long body."""

    def __init__(self, mode: str, fine: dict[str, bytes] | None = None) -> None:
        self.mode = mode
        self.fine = fine or {}
        self.dripping = threading.Event()
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            try:
                while True:
                    while b"\r\n\r\n" not in buf:
                        data = conn.recv(65536)
                        if not data:
                            return
                        buf += data
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(buf) < length:
                        buf += conn.recv(65536)
                    buf = buf[length:]
                    path = head.split(b" ")[1].split(b"?")[0].decode()
                    if path in self.fine:
                        body = self.fine[path]
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
                        continue
                    self._drip(conn)
                    return
            except OSError:
                return

    def _drip(self, conn: socket.socket) -> None:
        if self.mode == "headers":
            answer = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 100_000
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            answer = b" " * 100_000
        self.dripping.set()
        ends = time.monotonic() + DRIP_FOR
        for byte in answer:
            if self.stop.is_set() or time.monotonic() > ends:
                return
            conn.sendall(bytes([byte]))
            time.sleep(DRIP)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def drip_server(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    server = DripServer(request.param)
    yield server
    server.close()


@pytest.mark.parametrize("drip_server", ["headers", "body"], indirect=True)
def test_a_dripping_answer_ends_at_the_requests_deadline(drip_server: DripServer) -> None:
    """Found: each read got its 30 s anew, so a byte every 29 s held the request (and the run)
    without end; here a byte every 0.2 s with a per-read timeout of 10 s, for 40 s."""
    transport = Transport(drip_server.url, timeout=PER_READ, deadline=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(SyncError) as caught:
            transport.hello()
    finally:
        transport.close()
    took = time.monotonic() - started
    assert drip_server.dripping.is_set()
    assert caught.value.message == too_slow().message, caught.value.translated()
    assert caught.value.retry
    assert took < WELL_BEFORE, f"took {took:.1f} s"


@pytest.mark.parametrize("drip_server", ["headers", "body"], indirect=True)
def test_the_first_contact_with_a_dripping_server_ends_at_its_timeout(
        drip_server: DripServer) -> None:
    """The connect dialog's first question to a new server (its hello, read by its own client
    in kimdesk/sync/identity.py) had the per-read timeout alone: a drip held the dialog."""
    from kimdesk.sync.errors import Offline
    from kimdesk.sync.identity import identify

    started = time.monotonic()
    with pytest.raises(Offline):
        identify(drip_server.url, timeout=1.0)
    took = time.monotonic() - started
    assert drip_server.dripping.is_set()
    assert took < WELL_BEFORE, f"took {took:.1f} s"


@pytest.mark.parametrize("mode", ["headers", "body"])
def test_cancel_ends_a_dripping_push_at_once_and_loses_nothing(make_vault: object,
                                                                mode: str) -> None:
    """Found: Cancel took effect between batches only; the batch in flight (its receipt
    dripping) held the run until the server stopped. Now the request ends at once, the run
    ends cancelled, and the edits stay pending (the batch stays in the outbox, resent next
    time)."""
    server = DripServer(mode, fine={
        "/v1/whoami": b'{"device_id": "d", "team": "Team Nord"}',
        "/v1/reference": b'{"items": [], "next_cursor": 0, "more": false}',
        "/v1/hello": _BODY})
    vault = make_vault("a.kdb", counselor="a")  # type: ignore[operator]
    for name in ("Eins", "Zwei"):
        vault.people.add(Person(given_name="Mine", family_name=name))
    engine = SyncEngine(vault, transport=Transport(server.url, "token", timeout=PER_READ))
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            engine.sync()
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    runner = threading.Thread(target=run)
    try:
        runner.start()
        assert server.dripping.wait(WELL_BEFORE), "the push never reached the server"
        started = time.monotonic()
        engine.cancel()
        runner.join(WELL_BEFORE)
        took = time.monotonic() - started
        assert not runner.is_alive(), "the run went on after Cancel"
    finally:
        server.close()
        runner.join()
    assert took < WELL_BEFORE
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelled), outcome
    assert engine.store.pending_count() == 2
    assert engine.store.outbox() is not None
    engine.close()


def test_a_run_after_a_cancelled_one_sends_again(make_vault: object) -> None:
    """Cancel holds for the run it stopped, not for the next one."""
    fine = {"/v1/whoami": b'{"device_id": "d", "team": "Team Nord"}',
            "/v1/hello": _BODY}
    server = DripServer("headers", fine=fine)
    try:
        transport = Transport(server.url, "token", timeout=PER_READ)
        transport.cancel()
        with pytest.raises(SyncCancelled):
            transport.whoami()
        transport.resume()
        assert json.loads(json.dumps(transport.whoami())) == {"device_id": "d",
                                                              "team": "Team Nord"}
        transport.close()
    finally:
        server.close()
