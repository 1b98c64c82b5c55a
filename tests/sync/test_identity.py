"""Issue #18, point 4 (the part without Qt): what a server shows before enrolling, its
certificate's fingerprint over https, clear errors, and moving a vault to another server."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.errors import InvalidCode, Offline, SyncError
from kimdesk.sync.identity import enroll_with, identify, server_host
from kimdesk.sync.store import SyncStore
from tests.sync.helpers import sqlite_server  # noqa: F401  (fixture)

HELLO = b'{"protocol": 1, "server_id": "feedc0de", "server_time": "2026-01-01T00:00:00Z"}'


def _certificate(folder: Path) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for 127.0.0.1: (cert file, key file, DER bytes)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kim.test"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kreis Test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file, cert.public_bytes(serialization.Encoding.DER)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(HELLO)))
        self.end_headers()
        self.wfile.write(HELLO)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, bytes]]:
    cert_file, key_file, der = _certificate(tmp_path)
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", cert_file, der
    httpd.shutdown()
    httpd.server_close()


def test_https_shows_the_certificate_fingerprint(tls_server: Any) -> None:
    url, cert_file, der = tls_server
    trust = ssl.create_default_context(cafile=str(cert_file))
    identity = identify(url, verify=trust)
    expected = hashlib.sha256(der).hexdigest().upper()
    assert identity.fingerprint.replace(":", "") == expected
    assert identity.encrypted and identity.server_id == "feedc0de"
    assert identity.subject == "kim.test, Kreis Test" and identity.host.startswith("127.0.0.1:")
    # the system does not trust this certificate: a clear message, nothing sent
    with pytest.raises(SyncError) as refused:
        identify(url)
    assert "not trusted" in refused.value.translated()


def test_errors_say_what_is_wrong(sqlite_server: Any) -> None:  # noqa: F811
    with pytest.raises(SyncError) as plain:
        identify("http://kim.kreis-guetersloh.example")  # plain http to another machine
    assert "https://" in plain.value.translated()
    closed = sqlite_server.url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(Offline) as offline:
        identify(closed)
    assert offline.value.translated().startswith("The server 127.0.0.1:1 cannot be reached")
    with pytest.raises(SyncError) as other:
        identify(sqlite_server.url + "/elsewhere")
    assert "There is no KIMdesk sync server" in other.value.translated()
    assert server_host("https://kim.example.de/") == "kim.example.de"
    assert server_host(sqlite_server.url) == f"127.0.0.1:{sqlite_server.port}"


def test_wrong_code_and_moving_to_another_server(tmp_path: Path, make_vault: Any) -> None:
    from kimdesk.server.embedded import EmbeddedServer

    old = EmbeddedServer(tmp_path / "old.db").start()
    new = EmbeddedServer(tmp_path / "new.db").start()
    try:
        vault = make_vault()
        from datetime import date

        from kimdesk.domain.models import Person

        person = vault.people.add(Person(given_name="Ayse", family_name="Demir"))
        vault.cases.open_case(person.id, opened_on=date(2025, 3, 1))
        enroll(vault, old.url, old.service.create_enroll_code("Team Nord"))
        engine = SyncEngine(vault)
        engine.sync()
        engine.close()
        store = SyncStore(vault)
        assert store.pending_count() == 0
        identity = identify(new.url)
        with pytest.raises(InvalidCode):
            enroll_with(vault, identity, "AAAA-BBBB-CCCC")
        assert store.get("server") == old.url  # nothing changed
        answer = enroll_with(vault, identity, new.service.create_enroll_code("Team Süd"))
        assert answer.team == "Team Süd" and store.get("server") == new.url
        # the old server's acknowledgements meant nothing to the new one: all is sent again
        assert store.pending_count() == 3
        engine = SyncEngine(vault)
        report = engine.sync()
        engine.close()
        assert report.pushed == 3
    finally:
        old.stop()
        new.stop()
