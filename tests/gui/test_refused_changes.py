"""Changes the server refused are said in the sync status, in the counselor's language, and a
view lists them with the server's own words (2026-12-07; before, nothing said so and the
counselor believed her work was on the server).

A real server on 127.0.0.1, a real vault whose note is too large for the server and whose
consultation is dated 1899 (``kimdesk/server/plausibility.py``); the window syncs at the unlock,
the keyboard opens the view, a second window on the same vault (the server gone) still says it,
and once both records are fixed and synced the notice goes. Afterwards no file the test wrote
(vault, WAL/SHM, server database, settings, temp) holds the name typed into the refused records.
Screenshots of the status bar and the view: ``refused-<lang>-*.png`` in the test's folder.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.domain.models import Consultation, Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import enroll
from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle
from tests.gui.test_no_plaintext import scan

pytestmark = pytest.mark.gui

MARKER = "Zebulonia-Quistorpffel"
#: What the German status bar says, and the kinds in words (Arabic: read from the catalog).
GERMAN = "2 Änderungen wurden vom Server abgelehnt und bleiben auf diesem Gerät – Details"
GERMAN_KINDS = ["Beratungsgespräch", "Notiz"]


def _vault_with_refused(path: Path, server: EmbeddedServer) -> tuple[str, str, str]:
    """An enrolled vault with a case, a note over the server's 64 KiB (with ``MARKER`` typed
    into it) and a consultation dated 1899: (case number, note id, consultation id)."""
    with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord") as v:
        enroll(v, server.url, server.service.create_enroll_code("Team Nord"))
        person = v.people.add(Person(given_name="Olena", family_name="Kranich"))
        case = v.cases.open_case(person.id, opened_on=date(2026, 1, 5))
        note = v.notes.add(Note(case_id=case.id, text=f"{MARKER} " + "Notiz " * 12000))
        visit = v.consultations.add(Consultation(
            case_id=case.id, date=date(1899, 12, 31), duration_minutes=30,
            summary="kam mit ihrer Tochter"))
        return case.case_number, note.id, visit.id


def _fix(window: Any, qtbot: Any, note_id: str, visit_id: str) -> None:
    """The counselor's corrections, saved through the window's database worker."""
    def job(w: Any) -> None:
        vault = w.require_vault()
        vault.notes.update(vault.notes.get(note_id).model_copy(update={"text": "kurz"}))
        vault.consultations.update(vault.consultations.get(visit_id).model_copy(
            update={"date": date(2026, 2, 3)}))

    done: list[object] = []
    window.worker.submit(job, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)


def _quit(qtbot: Any, window: Any) -> None:
    """Ctrl+Q, as the counselor ends the app; until the window is gone."""
    wait_idle(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_refused_changes_are_said_and_listed_until_resolved(
        make_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        lang: str) -> None:
    from kimdesk.gui.sync.refused import refused_sentence
    from kimdesk.i18n import gettext, set_language

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    path = tmp_path / "v.kdb"
    with EmbeddedServer(tmp_path / "srv.db") as server:
        number, note_id, visit_id = _vault_with_refused(path, server)
        window = make_window(path, lang=lang)
        window.resize(1280, 800)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: window.sync_status is not None, timeout=10000)
        widget = window.sync_status
        qtbot.waitUntil(lambda: widget.refused_button.isVisible(), timeout=30000)
        assert widget.controller.refused == 2
        assert widget.dot.color.name() == "#ef6c00"  # not the green of "all on the server"
        button = widget.refused_button
        said = button.text()
        if lang == "de":
            assert button.text() == GERMAN
        else:
            assert button.text() == gettext("{what} – details").format(
                what=refused_sentence(2))
            assert not any(w in button.text() for w in ("refused", "server", "device"))
        window.grab().save(str(tmp_path / f"refused-{lang}-window.png"))

        # the keyboard reaches it: Shift+Tab from "Sync now", Space opens the view
        widget.sync_button.setFocus()
        qtbot.keyClick(widget.sync_button, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert button.hasFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: widget.refused_dialog is not None
                        and widget.refused_dialog.isVisible(), timeout=10000)
        dialog = widget.refused_dialog
        table = dialog.table
        assert table.rowCount() == 2
        rows = [[table.item(r, c).text() for c in range(4)] for r in range(2)]
        assert all(number in row[1] for row in rows), rows
        reasons = sorted(row[3].strip("\u2066\u2069") for row in rows)
        assert reasons[0] == "date 1899-12-31 lies outside 1900-01-01 .. 2100-12-31"
        assert reasons[1].startswith("record too large (")  # as the server sent it
        header = table.horizontalHeaderItem(3).text()
        assert header == gettext("The server's reason (its own words)")
        if lang == "de":
            assert sorted(row[0] for row in rows) == GERMAN_KINDS
            assert "Server" in header
        assert MARKER not in "\n".join(map(str, rows))
        dialog.grab().save(str(tmp_path / f"refused-{lang}-details.png"))
        qtbot.keyClick(table, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
        _quit(qtbot, window)

    # a restart with the server gone: the vault still says it, before any run could
    again = make_window(path, lang=lang)
    unlock(qtbot, again)
    qtbot.waitUntil(lambda: again.sync_status is not None, timeout=10000)
    status = again.sync_status
    qtbot.waitUntil(lambda: status.refused_button.isVisible(), timeout=10000)
    assert status.refused_button.text() == said
    _quit(qtbot, again)
    assert scan([tmp_path], {MARKER}) == []

    # fixed and synced: the notice goes (the server back, on another port)
    with EmbeddedServer(tmp_path / "srv.db") as server:
        with Vault.open(path, PASSPHRASE) as v:
            SyncStore(v).set_many({"server": server.url})
        third = make_window(path, lang=lang)
        unlock(qtbot, third)
        qtbot.waitUntil(lambda: third.sync_status is not None, timeout=10000)
        status = third.sync_status
        qtbot.waitUntil(lambda: status.controller.refused == 2
                        and not status.controller.running, timeout=30000)
        _fix(third, qtbot, note_id, visit_id)
        runs: list[int] = []
        status.controller.refused_changed.connect(runs.append)
        status.sync_button.setFocus()
        qtbot.keyClick(status.sync_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: bool(runs), timeout=30000)
        assert runs[-1] == 0 and not status.refused_button.isVisible()
        assert status.dot.color.name() == "#2e7d32"
        _quit(qtbot, third)
    set_language("en")
    assert scan([tmp_path], {MARKER}) == []
