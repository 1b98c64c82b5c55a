"""Sync bodies are gzip by ISA-L (kimdesk/sync/compression.py; issue 14, point 7): plain gzip
that any client reads, and zlib's gzip read as before; a bomb, garbage or a cut-short body is
refused. Both ends use it: the server compresses pull pages and receipts itself, the device
inflates them itself and compresses its batches."""

from __future__ import annotations

import contextlib
import gzip
import json
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kimdesk.domain.models import Person
from kimdesk.server import app as server_app
from kimdesk.sync import transport
from kimdesk.sync.compression import BadGzip, TooLarge, gunzip, gzip_bytes
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.errors import SyncError
from kimdesk.sync.store import outbox
from kimdesk.sync.transport import Transport

BODY = json.dumps({"changes": [{"kind": "persons", "id": str(i), "changed": {"note": "Ärger"}}
                               for i in range(2000)]}).encode()


def test_both_ways_compatible_with_the_standard_library() -> None:
    assert gzip.decompress(gzip_bytes(BODY)) == BODY
    assert gunzip(gzip.compress(BODY, compresslevel=1)) == BODY
    assert gunzip(gzip_bytes(BODY), limit=len(BODY)) == BODY
    assert len(gzip_bytes(BODY)) < len(BODY) / 5


def test_a_bomb_is_refused_after_the_limit() -> None:
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))
    with pytest.raises(TooLarge):
        gunzip(bomb, limit=1024 * 1024)


@pytest.mark.parametrize("bad", [b"\x1f\x8b garbage", gzip_bytes(BODY)[:-20], b"", BODY])
def test_garbage_and_cut_short_bodies_are_refused(bad: bytes) -> None:
    with pytest.raises(BadGzip):
        gunzip(bad)


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def counted(data: bytes, *args: Any) -> bytes:
        calls.append(len(data))
        return bytes(real(data, *args))

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_sync_compresses_and_inflates_with_isal(sqlite_server: Any, make_vault: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, the device compressed with the standard library and httpx inflated with zlib,
    and the server's middleware compressed the answers: none of these calls happened."""
    a, b = make_vault("a.kdb"), make_vault("b.kdb")
    for vault in (a, b):
        enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    for i in range(300):
        suffix = chr(97 + i % 26) + chr(97 + i // 26)
        a.people.add(Person(given_name="Ada", family_name="Demir" + suffix))
    packed = _counting(monkeypatch, outbox, "gzip_bytes")
    answered = _counting(monkeypatch, server_app, "gzip_bytes")
    inflated = _counting(monkeypatch, transport, "gunzip")
    assert SyncEngine(a).sync().pushed == 300
    assert packed and answered  # the batches; their receipts
    pulled = len(answered)
    assert SyncEngine(b).sync().pulled == 300
    assert len(answered) > pulled  # the pull's page
    assert len(inflated) >= len(answered)  # every compressed answer, by ISA-L


def test_a_broken_gzip_answer_is_a_sync_error_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"\x1f\x8bxx")

    t = Transport("http://127.0.0.1:9", client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(SyncError):
        t.whoami()


def test_an_answer_without_encoding_is_read_as_it_is() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"device_id": "d", "team": "Team Nord"})

    t = Transport("http://127.0.0.1:9", client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert t.whoami() == {"device_id": "d", "team": "Team Nord"}


def _synced_device(server: Any, make_vault: Any) -> SyncEngine:
    """An enrolled device that has pushed 40 persons (a pull page of some kilobytes)."""
    vault = make_vault()
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    for i in range(40):
        vault.people.add(Person(given_name="Ada", family_name="Demir" + chr(97 + i % 26)))
    engine = SyncEngine(vault)
    engine.sync()
    return engine


def test_a_client_that_does_not_accept_gzip_gets_plain_json(sqlite_server: Any,
                                                            make_vault: Any) -> None:
    """curl without ``--compressed`` or a municipal IT script: the page comes as it is."""
    engine = _synced_device(sqlite_server, make_vault)
    token = engine.store.get("token")
    url = f"{sqlite_server.url}/v1/changes?since=0&own=true"
    for accept, encoded in (("identity", None), ("gzip", "gzip")):
        raw = httpx.get(url, headers={"Authorization": f"Bearer {token}",
                                      "Accept-Encoding": accept})
        assert raw.headers.get("content-encoding") == encoded
        assert raw.headers.get("vary") == "Accept-Encoding"
        assert len(raw.json()["records"]) == 40


def test_several_members_are_one_body_and_junk_behind_them_is_refused() -> None:
    """Found by a review: a second member was dropped without a word."""
    assert gunzip(gzip.compress(b"abc") + gzip_bytes(b"def")) == b"abcdef"
    with pytest.raises(TooLarge):
        gunzip(gzip.compress(b"abc") + gzip.compress(b"def"), limit=5)
    with pytest.raises(BadGzip):
        gunzip(gzip.compress(b"abc") + b"junk")


@contextlib.contextmanager
def _raw_server(status: int, body: bytes, encoding: str = "gzip") -> Iterator[str]:
    """A server on 127.0.0.1 that answers every request with these bytes, labelled with
    ``encoding`` (a real one: httpx reads a mock transport's answer itself, before the
    transport could)."""

    class Answer(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            self.wfile.write(f"HTTP/1.1 {status} X\r\nContent-Encoding: {encoding}\r\n"
                             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                             .encode() + body)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def test_the_client_inflates_answers_only_up_to_a_limit(monkeypatch: pytest.MonkeyPatch,
                                                        sqlite_server: Any,
                                                        make_vault: Any) -> None:
    """Found by a review: a hostile server's 1 MB of gzip inflated to 1 GiB in the app."""
    engine = _synced_device(sqlite_server, make_vault)
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 2048)  # the page is larger than that
    with pytest.raises(SyncError):
        engine.transport.pull(0, 100, own=True)


def test_empty_or_broken_gzip_answers() -> None:
    """An empty body labelled gzip is an empty body (as httpx read it); a refusal whose gzip
    body is broken is not taken as a broken connection. Nor as the server's refusal: the
    server's carries its ``{"error", "detail"}`` body, so a 401 without a readable one is a
    portal's or a proxy's, and is tried again later (tests/sync/test_review_hostile_server.py)."""
    with _raw_server(200, b"") as url:
        assert Transport(url).request("GET", "/v1/hello").content == b""
    with _raw_server(401, b"\x1f\x8bxx") as url, pytest.raises(SyncError) as caught:
        Transport(url).whoami()
    assert caught.value.retry and "proxy" in caught.value.translated()
    with _raw_server(200, b"\x1f\x8bxx") as url, pytest.raises(SyncError):
        Transport(url).whoami()


@pytest.mark.parametrize(("accept", "gzipped"), [
    ("gzip", True), ("GZIP", True), ("x-gzip", True), ("gzip;q=0", False),
    ("gzip; q=0.0, identity", False), ("identity, *;q=0.5", True), ("*;q=0", False),
    ("br", False), ("", False), ("gzip;q=0.3, br", True), ("gzip;q=oops", False),
])
def test_accept_encoding_is_read_as_http_says(accept: str, gzipped: bool) -> None:
    """Found by a review: a substring test sent gzip to ``gzip;q=0`` and plain text to
    ``GZIP``."""
    assert server_app.accepts_gzip({"accept-encoding": accept}) is gzipped


def test_a_body_of_too_many_members_is_refused() -> None:
    """Found by a review: every member cost a copy of the rest of the body, and a push of
    800,000 empty members (16 MiB) kept the server's processor busy for minutes."""
    from kimdesk.sync.compression import MAX_MEMBERS

    member = gzip.compress(b"x", 1)
    assert gunzip(member * MAX_MEMBERS) == b"x" * MAX_MEMBERS
    with pytest.raises(BadGzip):
        gunzip(member * (MAX_MEMBERS + 1))


def test_the_server_refuses_many_members_and_inflates_large_bodies_off_its_event_loop(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a review: the push route inflated on the event loop, so no other request was
    served meanwhile (a 4 MB body of empty members held ``/v1/hello`` up for 8.7 s). Now a body
    of more than ``MAX_MEMBERS`` members gets 400, and a large body is inflated on a worker
    thread (a small one, under a millisecond, on the loop)."""
    import asyncio

    vault = make_vault("a.kdb", counselor="a", team="Team Nord")
    enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
    token = SyncEngine(vault).store.get("token")
    headers = {"Authorization": f"Bearer {token}", "KIMdesk-Protocol": "1",
               "Content-Encoding": "gzip"}
    on_loop: list[bool] = []
    real = server_app.gunzip

    def watched(data: bytes, limit: int | None = None) -> bytes:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(data, limit)

    monkeypatch.setattr(server_app, "gunzip", watched)
    url = sqlite_server.url + "/v1/push"
    with httpx.Client(timeout=60) as client:
        r = client.post(url, content=gzip.compress(b"", 1) * 5000, headers=headers)
        assert (r.status_code, r.json()["error"]) == (400, "bad_encoding"), r.text
        small = gzip.compress(b"{}")
        big = gzip.compress(b"{" + b" " * 1_000_000 + b"}", 0)  # stored, not compressed
        explosive = gzip.compress(b"{" + b" " * 8_000_000 + b"}")  # 8 KB, inflates to 8 MB
        for body in (small, big, explosive):
            r = client.post(url, content=body, headers=headers)
            assert (r.status_code, r.json()["error"]) == (422, "malformed"), r.text
    # a small body that inflates past 1 MiB is stopped there on the loop, then done off it
    assert on_loop == [False, True, False, True, False]


@contextlib.contextmanager
def _endless_server(chunks: int) -> Iterator[tuple[str, list[int]]]:
    """A server on 127.0.0.1 answering one request with ``chunks`` MiB of spaces, chunked; the
    list counts the MiB it got out before the client stopped reading."""
    sent: list[int] = [0]

    class Endless(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            block = b" " * (1 << 20)
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n")
                for _ in range(chunks):
                    self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                    sent[0] += 1
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Endless) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", sent
        finally:
            server.shutdown()


def test_the_app_stops_reading_an_endless_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a review: the device read a server's whole answer before any limit (a
    look-alike server's 500 MB answer to ``/v1/hello`` took the app to 1.5 GB). Now it stops
    after ``MAX_RAW_ANSWER_BYTES`` (1 MiB here) with a sync error; the server got out a few MiB
    (socket buffers), not all 200."""
    from kimdesk.sync.identity import identify

    monkeypatch.setattr(transport, "MAX_RAW_ANSWER_BYTES", 1 << 20)
    with _endless_server(200) as (url, sent), pytest.raises(SyncError):
        Transport(url).hello()
    assert sent[0] < 50, sent
    # the first contact, before any code is sent
    with _endless_server(200) as (url, sent), pytest.raises(SyncError):
        identify(url)
    assert sent[0] < 50, sent


def test_a_new_servers_hello_is_read_raw_and_only_plain_or_gzip() -> None:
    """Found by a review: the first contact read through httpx's decoders, which inflate zstd
    (a 16 KB answer took the app to 1.1 GB) before any limit. Now a zstd answer is no KIMdesk
    server, and a gzip one is inflated to 64 KiB at most."""
    from kimdesk.sync.identity import identify
    from kimdesk.sync.protocol import Hello

    hello = Hello(protocol=1, server_id="s1", server_time="2026-12-05T00:00:00Z")
    text = hello.model_dump_json().encode()
    try:
        import zstandard

        zstd = zstandard.ZstdCompressor().compress(text)
    except ImportError:  # httpx then ignores the label and reads the text as it is
        zstd = text
    for encoding, body in (("zstd", zstd),
                           ("gzip", gzip.compress(text + b" " * (1 << 20)))):
        with _raw_server(200, body, encoding) as url, pytest.raises(SyncError):
            identify(url)
    with _raw_server(200, gzip.compress(text), "gzip") as url:
        assert identify(url).server_id == "s1"
