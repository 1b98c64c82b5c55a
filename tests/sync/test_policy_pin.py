"""``[sync] fingerprint`` of the machine policy (docs/deployment.md): a server presenting
another certificate is refused at the hello, before the one-time code is sent, and on every
answer after it; the pinned one passes. Real HTTPS on 127.0.0.1 (the fixture of
test_identity.py)."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from kimdesk import config
from kimdesk.sync.errors import PolicyForbids
from kimdesk.sync.identity import identify
from kimdesk.sync.pinning import check_response
from tests.sync.helpers import make_device, sqlite_server  # noqa: F401  (fixtures)
from tests.sync.test_identity import tls_server  # noqa: F401  (fixture)


def pin(monkeypatch: pytest.MonkeyPatch, folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    path = folder / "policy.ini"
    path.write_text(text, "utf-8")
    path.chmod(0o644)
    monkeypatch.setattr(config, "POLICY_FILE", path)
    return path


def test_another_certificate_is_refused_at_the_hello(
        tls_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    url, cert_file, der = tls_server
    trust = ssl.create_default_context(cafile=str(cert_file))
    real = hashlib.sha256(der).hexdigest()  # lower case, no colons: taken as well
    pin(monkeypatch, tmp_path / "a", f"[sync]\nserver = {url}\nfingerprint = {real}\n")
    assert identify(url, verify=trust).server_id == "feedc0de"
    with httpx.Client(verify=trust, event_hooks={"response": [check_response]}) as client:
        assert client.get(url + "/v1/hello").status_code == 200
    other = "AB:" * 31 + "AB"
    path = pin(monkeypatch, tmp_path / "b", f"[sync]\nserver = {url}\nfingerprint = {other}\n")
    with pytest.raises(PolicyForbids) as refused:
        identify(url, verify=trust)
    line = refused.value.translated()
    assert str(path) in line and "nothing was sent" in line and "\n" not in line
    assert real.upper()[:2] in line  # the certificate it did present
    with httpx.Client(verify=trust, event_hooks={"response": [check_response]}) as client, \
            pytest.raises(PolicyForbids):
        client.get(url + "/v1/hello")  # every answer of a sync run


def test_another_address_is_refused_before_any_connection(
        tls_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    url, cert_file, _der = tls_server
    pin(monkeypatch, tmp_path / "a", "[sync]\nserver = https://kim.kreis.example\n")
    with pytest.raises(PolicyForbids) as refused:
        identify(url, verify=ssl.create_default_context(cafile=str(cert_file)))
    assert "https://kim.kreis.example" in refused.value.translated()
    assert refused.value.exit_code == 2 and not refused.value.retry


def test_a_policy_naming_another_server_stops_sync_and_loses_nothing(
        sqlite_server: Any, make_device: Any, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from kimdesk.domain.models import Person

    device = make_device(sqlite_server, "anna")
    device.sync()
    person = device.vault.people.add(Person(given_name="Ayse", family_name="Demir"))
    device.vault.cases.open_case(person.id, opened_on=date(2025, 3, 1))
    pending = device.store.pending_count()
    assert pending > 0
    path = pin(monkeypatch, tmp_path / "a", "[sync]\nserver = https://kim.kreis.example\n")
    with pytest.raises(PolicyForbids) as refused:
        device.sync()  # the engine's transport exists already: checked at every run
    assert str(path) in refused.value.translated() and not refused.value.retry
    assert device.store.pending_count() == pending  # waits in the outbox
    pin(monkeypatch, tmp_path / "b", "[app]\ndemo = false\n[sync]\nserver = \n")  # broken
    with pytest.raises(PolicyForbids):
        device.sync()
    pin(monkeypatch, tmp_path / "c", f"[sync]\nserver = {sqlite_server.url}\n")
    assert device.sync().accepted == pending and device.store.pending_count() == 0
