"""After a revocation wipe the window keeps saying that the vault and the unsynced changes are
gone. Before (a review, 2026-12-06), it said so for 5 s in the status bar; then the create screen
and "This device has been revoked by the administrator." remained."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import enroll
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import unlock


def test_the_window_still_says_the_vault_was_deleted_after_the_message_timeout(
        make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    from kimdesk.gui.statusbar import MESSAGE_MS

    path = tmp_path / "v.kdb"
    with EmbeddedServer(tmp_path / "srv.db") as server:
        with Vault.create(path, PASSPHRASE, counselor="c", team="T") as v:
            answer = enroll(v, server.url, server.service.create_enroll_code("T"))
            v.people.add(Person(given_name="Zebulonia", family_name="Quistorpffel"))
        server.service.revoke(answer.device_id)
        window = make_window(path)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: not path.exists(), timeout=20000)
        qtbot.wait(MESSAGE_MS + 1000)
    texts = [window.statusBar().currentMessage()]
    texts += [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    said = " ".join(texts).lower()
    assert not path.exists()
    assert "deleted" in said or "gelöscht" in said, texts
