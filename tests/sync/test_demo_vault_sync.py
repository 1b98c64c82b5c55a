"""The demo vault's passphrase is public: "demo", shown on the unlock screen and in the README.
Whoever has the file reads it. Connected to the municipal server with a real enrollment code (the
demo window has the same Tools -> Connect), it pulled the team's real cases into itself and
pushed its 500 synthetic cases to every colleague (a review, 2026-12-06). Enrolling refuses a
vault that the demo passphrase opens, and so does every sync run of one enrolled before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.errors import KimdeskError
from kimdesk.sync import enrollment
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault, kdf
from kimdesk.vault.intake import open_case_for_new_person
from tests.gui.test_connect import _server_records
from tests.vault.pages import plaintext

CLIENT = b"Quistorpffel"


@pytest.fixture
def team_with_a_client(sqlite_server: Any, make_device: Any) -> Any:
    """A colleague's device has synced a real client to the team's server."""
    colleague = make_device(sqlite_server, "colleague")
    open_case_for_new_person(colleague.vault, Person(given_name="Zebulonia",
                                                     family_name="Quistorpffel"), {})
    colleague.sync()
    return sqlite_server


@pytest.fixture
def demo_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo vault where ``kimdesk --demo`` makes it, with its 500 synthetic cases."""
    from kimdesk.cli.demo import ensure_demo_vault

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return ensure_demo_vault()


def _readable_by_anyone(path: Path) -> bytes:
    """Every page of the file, decrypted with the public passphrase."""
    from kimdesk.cli.demo import DEMO_PASSPHRASE

    return plaintext(path, kdf.CURRENT.derive(DEMO_PASSPHRASE, path.read_bytes()[:kdf.SALT_BYTES]))


def _connect_and_sync(demo: Vault, server: Any) -> str:
    """Connect (enroll) and sync as the GUI's dialog and the CLI do; the refusal's text, if any."""
    try:
        enroll(demo, server.url, server.service.create_enroll_code("Team Nord"))
        SyncEngine(demo).sync()
    except KimdeskError as exc:
        return exc.translated()
    return ""


def test_the_demo_vault_is_not_connected(team_with_a_client: Any, demo_path: Path) -> None:
    from kimdesk.cli.demo import DEMO_PASSPHRASE

    before = _server_records(team_with_a_client)
    with Vault.open(demo_path, DEMO_PASSPHRASE) as demo:
        said = _connect_and_sync(demo, team_with_a_client)
        enrolled = SyncStore(demo).enrolled
    assert CLIENT not in _readable_by_anyone(demo_path)
    assert _server_records(team_with_a_client) == before  # no synthetic case for the team
    assert not enrolled
    assert "demo vault" in said


def test_a_demo_vault_enrolled_before_does_not_sync(
        team_with_a_client: Any, demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kimdesk.cli.demo import DEMO_PASSPHRASE

    before = _server_records(team_with_a_client)
    with Vault.open(demo_path, DEMO_PASSPHRASE) as demo:
        with monkeypatch.context() as older_version:  # enrolled by a version without the check
            older_version.setattr(enrollment, "refuse_public_vault", lambda vault: None,
                                  raising=False)
            enroll(demo, team_with_a_client.url,
                   team_with_a_client.service.create_enroll_code("Team Nord"))
        engine = SyncEngine(demo)
        with pytest.raises(KimdeskError, match="demo vault"):
            engine.sync()
        engine.close()
    assert CLIENT not in _readable_by_anyone(demo_path)
    assert _server_records(team_with_a_client) == before
