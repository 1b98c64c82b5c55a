"""The sync state and its count are read whole in the status bar at the default window width.

A GUI review (2026-12-06) saw, at 1280 px in German, "Änderungen werden gesendet… 1" for
1234/5678 and "Letzte Synchronisation: 2026-12-0": the state, the server, the last sync and the
conflicts button shared a status bar that could not hold them. The last sync was also the only
date of the app in ISO form instead of the locale's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kimdesk.demo.generator import fill
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("lang", ["de", "ru", "uk"])
def test_the_running_state_and_its_count_are_not_cut(make_window: Any, qtbot: Any,
                                                       tmp_path: Path, lang: str) -> None:
    path = tmp_path / "v.kdb"
    with EmbeddedServer(tmp_path / "srv.db") as server:
        with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord") as v:
            fill(v, 30, seed=7)  # reviews due and a case count on the status bar's left
            enroll(v, server.url, server.service.create_enroll_code("Team Nord"))
            engine = SyncEngine(v)
            engine.sync()
            engine.close()
        window = make_window(path, lang=lang)
        window.resize(1280, 800)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: window.sync_status is not None, timeout=10000)
        widget = window.sync_status
        qtbot.waitUntil(lambda: widget.controller.state == "idle", timeout=20000)
        widget._finished(widget.controller.last_sync, 4)  # a conflicts button beside it
        for state, done, total in (("pushing", 1234, 5678), ("pulling", 880, 5678),
                                   ("error", 0, 0), ("idle", 0, 0)):
            widget.show_state(state, done, total, "")
            qtbot.wait(50)
            label = widget.label
            assert label.width() >= label.sizeHint().width(), (lang, state, label.text())
            if total:
                assert f"{done}/{total}" in label.text()
        assert not re.search(r"\d{4}-\d\d-\d\d", widget.last.text()), widget.last.text()


def test_the_last_sync_is_a_locale_date(qtbot: Any) -> None:
    from kimdesk.gui.sync.widget import format_last_sync
    from kimdesk.i18n import set_language

    set_language("de")
    try:
        shown = format_last_sync("2026-12-06T10:14:00+00:00")
    finally:
        set_language("en")
    assert "06.12.2026" in shown, shown


def test_why_a_run_failed_is_reached_by_keyboard(make_window: Any, qtbot: Any,
                                                  tmp_path: Path) -> None:
    """A GUI review (2026-12-06): the reason ("the server cannot be reached ...") was only in
    the state's tooltip: a mouse was needed, and the next state emptied it. "Details…" shows it
    in a box that stays; it is a button, so Tab reaches it."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    path = tmp_path / "v.kdb"
    with EmbeddedServer(tmp_path / "srv.db") as server:
        with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord") as v:
            enroll(v, server.url, server.service.create_enroll_code("Team Nord"))
        window = make_window(path, lang="de")
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: window.sync_status is not None, timeout=10000)
        widget = window.sync_status
        qtbot.waitUntil(lambda: widget.controller.state == "idle", timeout=20000)
        assert not widget.details_button.isVisible()
        reason = "Der Server 10.0.0.9 ist nicht erreichbar."
        widget.show_state("offline", 0, 0, reason)
        button = widget.details_button
        assert button.isVisible() and button.text() == "Details…"
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: any(
            isinstance(w, QMessageBox) and w.isVisible() and w.text() == reason
            for w in QApplication.topLevelWidgets()), timeout=5000)
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox):
                w.close()
        widget.show_state("idle", 0, 0, "")
        assert not widget.details_button.isVisible()
