"""The pinned certificate (``[sync] fingerprint``, docs/deployment.md) is checked at the TLS
handshake, before the first byte of a request: a server with another certificate gets neither
the device's token nor the one-time code nor a batch. Measured with a real HTTPS server on
127.0.0.1 that records every request it is sent (before the fix it got the token at the run's
first request and the code at enrolment)."""

from __future__ import annotations

import hashlib
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimdesk.sync.errors import PolicyForbids
from kimdesk.sync.transport import Transport
from tests.sync.test_identity import _certificate
from tests.sync.test_policy_pin import pin


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[bytes]

    def _answer(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        self.seen.append(bytes(self.requestline, "latin-1") + b"\n" + bytes(self.headers)
                         + body)
        answer = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _answer

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def recording_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[tuple[str, list[bytes], bytes]]:
    """(url, the requests it received, its certificate's DER); the process trusts it."""
    cert_file, key_file, der = _certificate(tmp_path)
    seen: list[bytes] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # trusted, as a CA-issued one would be
    yield f"https://127.0.0.1:{httpd.server_address[1]}", seen, der
    httpd.shutdown()
    httpd.server_close()


def test_a_server_with_another_certificate_gets_no_token(
        recording_tls: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen, der = recording_tls
    real = hashlib.sha256(der).hexdigest()
    pin(monkeypatch, tmp_path / "a", f"[sync]\nfingerprint = {real}\n")
    transport = Transport(url, token="tok-SECRET-123")
    try:
        assert transport.request("GET", "/v1/state").status_code == 200  # the pinned one passes
        assert len(seen) == 1 and b"tok-SECRET-123" in seen[0]
        seen.clear()
        transport.client.close()  # the next request on a new connection, new handshake
        transport = Transport(url, token="tok-SECRET-123")
        pin(monkeypatch, tmp_path / "b", "[sync]\nfingerprint = " + "AB:" * 31 + "AB\n")
        for _ in range(3):  # every request of a run, each on a connection it cannot reuse
            with pytest.raises(PolicyForbids) as refused:
                transport.request("POST", "/v1/push", body=b'{"batch": "Ayse Demir"}')
            assert "nothing was sent" in refused.value.translated()
        assert seen == []  # before the fix: 3 requests with the token and the batch
    finally:
        transport.close()


def test_a_server_with_another_certificate_gets_no_code(
        recording_tls: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        make_vault: Any) -> None:
    from kimdesk.sync.enrollment import enroll

    url, seen, _der = recording_tls
    pin(monkeypatch, tmp_path / "a", f"[sync]\nserver = {url}\nfingerprint = "
        + "AB:" * 31 + "AB\n")
    vault = make_vault()
    with pytest.raises(PolicyForbids):
        enroll(vault, url, "CODE-SECRET-9")  # the hello was passed earlier (DNS changed since)
    assert not any(b"CODE-SECRET-9" in request for request in seen)
    assert seen == []


def test_a_pinned_certificate_refuses_plain_http_before_connecting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain http (loopback only: an SSH tunnel can lead anywhere) has no certificate to
    check: a pin refuses it before the token leaves."""
    pin(monkeypatch, tmp_path / "a", "[sync]\nfingerprint = " + "AB:" * 31 + "AB\n")
    with pytest.raises(PolicyForbids):
        Transport("http://127.0.0.1:9", token="tok")
