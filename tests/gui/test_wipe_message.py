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
from tests.gui.test_review_sync_gui import revoked_with_a_lost_deletion


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


def _hold_vault_file(monkeypatch: Any, path: Path, *, only_off_main: bool) -> None:
    """The vault file cannot be written or removed (a backup or cloud client holding it):
    everywhere, or only on other threads than the GUI's (held while the sync lane wipes, let
    go before the window tries again)."""
    import os
    import threading

    import kimdesk.vault.files as files

    real_open, real_unlink = os.open, Path.unlink

    def held() -> bool:
        return not only_off_main or threading.current_thread() is not threading.main_thread()

    def guarded_open(p: Any, flags: int, *a: Any) -> int:
        if Path(p) == path and flags & (os.O_WRONLY | os.O_RDWR) and held():
            raise PermissionError(13, "held", str(p))
        return real_open(p, flags, *a)

    def guarded_unlink(self: Path, missing_ok: bool = False) -> None:
        if self == path and held():
            raise PermissionError(13, "held", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(files.os, "open", guarded_open)
    monkeypatch.setattr(Path, "unlink", guarded_unlink)


def _said(window: Any) -> tuple[str, str]:
    """What the window says (status bar, visible labels, open boxes, closed afterwards), and
    the sync state's label."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    texts = [window.statusBar().currentMessage()]
    texts += [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox) and box.isVisible():
            texts.append(box.text())
            box.close()
    state = window.findChild(QLabel, "syncState")
    return "\n".join(texts), state.text() if state is not None else ""


def test_lost_deletions_are_said_when_only_the_first_wipe_attempt_left_a_file(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """The sync lane's wipe could not remove the file (held by the vault lane's connection, as
    on Windows, or by a backup client); the window's second try did. Before, the count of lost
    deletions was dropped with the first message, and the window said "deleted" for 5 s."""
    with EmbeddedServer(tmp_path / "srv.db") as server:
        path = revoked_with_a_lost_deletion(tmp_path, server)
        _hold_vault_file(monkeypatch, path, only_off_main=True)
        window = make_window(path)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: not path.exists(), timeout=20000)
        qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
        qtbot.wait(200)
    said, state = _said(window)
    assert "carry them out again on another device" in said, said
    assert "(number: 2)" in said, said
    assert "could not be deleted completely" not in state, state


def test_a_wipe_that_left_the_file_is_not_called_deleted_and_keeps_the_lost_count(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """Both tries failed: the status label said "its vault was deleted" while the box said it
    could not be, and neither named the deletion that never reached the server."""
    with EmbeddedServer(tmp_path / "srv.db") as server:
        path = revoked_with_a_lost_deletion(tmp_path, server)
        _hold_vault_file(monkeypatch, path, only_off_main=False)
        window = make_window(path)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: not window.unlocked, timeout=20000)
        qtbot.wait(200)
        said, state = _said(window)
        monkeypatch.undo()
    assert path.exists()
    assert "could not be deleted completely" in said and str(path) in said, said
    assert "(number: 2)" in said and "carry them out again" in said, said
    assert "could not be deleted completely" in state, state
    assert "its vault was deleted" not in state, state
