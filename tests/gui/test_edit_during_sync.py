"""A counselor edits a case while sync writes a colleague's change to the same records.

Real vault files, the real window driven by keys, a real server on 127.0.0.1 and a second device
that pushes changes. The window's sync is started by F9 and counted by its ``finished`` signal
(no timing). Message boxes that a failed save opens are read and closed by a timer (a static
``QMessageBox.warning`` runs its own event loop), and counted.

What must hold: what the counselor typed is never lost, and a colleague's change to another
field of the same record is never silently undone by her save (it would be pushed back to the
server and undo it on every device).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from kimdesk.domain.models import Case, Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier

NOTE_TEXT = "Termin beim Jobcenter Quarzweg vereinbart"
HER_ADDITION = " - Unterlagen Zitronenfalter mitbringen"


class Colleague:
    """The second device of the team, with the same case (synced from the server)."""

    def __init__(self, srv: EmbeddedServer, path: Path) -> None:
        self.vault = Vault.create(path, PASSPHRASE, counselor="bert", team="Team Nord")
        enroll(self.vault, srv.url, srv.service.create_enroll_code("Team Nord"))
        self.engine = SyncEngine(self.vault)
        self.engine.sync()

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        repo = getattr(self.vault, kind)
        repo.update(repo.get(record_id).model_copy(update=changes))
        self.engine.sync()

    def close(self) -> None:
        self.engine.close()
        self.vault.close()


@pytest.fixture
def team(sqlite_server: EmbeddedServer, tmp_path: Path  # noqa: F811
         ) -> Iterator[tuple[Path, Colleague, dict[str, str]]]:
    """Her vault (closed, enrolled, synced: one person, case and note) and the colleague."""
    path = tmp_path / "anna.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Team Nord") as vault:
        person = vault.people.add(Person(given_name="Mira", family_name="Quellbach",
                                         phone="0521 111", email="mira@example.org"))
        case = vault.cases.add(Case(case_number="2026-QB-0001", person_id=person.id,
                                    owner="anna", team="Team Nord",
                                    opened_on=date(2026, 2, 2)))
        note = vault.notes.add(Note(case_id=case.id, text=NOTE_TEXT, author="anna"))
        enroll(vault, sqlite_server.url,
               sqlite_server.service.create_enroll_code("Team Nord"))
        engine = SyncEngine(vault)
        engine.sync()
        engine.close()
    colleague = Colleague(sqlite_server, tmp_path / "bert.kdb")
    try:
        yield path, colleague, {"person": person.id, "case": case.id, "note": note.id}
    finally:
        colleague.close()


class Boxes:
    """Reads and closes every message box that opens (a failed save's), keeping its text."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._close)
        self.timer.start(20)

    def _close(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                self.texts.append(widget.text())
                widget.done(0)

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def boxes(qtbot: Any) -> Iterator[Boxes]:
    """Every message box of the test read and closed (a blocking one would hang the test)."""
    watcher = Boxes()
    yield watcher
    watcher.stop()


def open_window(qtbot: Any, make_window: Any, path: Path, lang: str = "en") -> Any:
    window = make_window(path, lang=lang)
    unlock(qtbot, window)
    controller = window.sync.controller
    qtbot.waitUntil(lambda: controller.last_sync != "" and controller.state == "idle",
                    timeout=30000)
    runs: list[int] = []
    controller.finished.connect(lambda *_a: runs.append(1))
    window.sync_runs = runs
    return window


def press(qtbot: Any, window: Any, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier
          ) -> None:
    """A shortcut of the main window, pressed once it is the active window again."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, key, modifier)


def sync_by_key(qtbot: Any, window: Any) -> None:
    """F9 (or, while an editor is open, the timer's request), and wait until that run has
    finished (counted)."""
    before = len(window.sync_runs)
    if QApplication.activeModalWidget() is not None:
        window.sync.sync_now()
    else:
        press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: len(window.sync_runs) > before, timeout=30000)
    wait_idle(qtbot, window)


def open_only_case(qtbot: Any, window: Any, case_id: str) -> Any:
    ws = window.workspace
    ws.table.setFocus()
    ws.table.setCurrentIndex(ws.model.index(0, 0))
    qtbot.keyClick(ws.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.case_view.case_id == case_id, timeout=5000)
    wait_idle(qtbot, window)
    return ws.case_view


def type_over(qtbot: Any, widget: Any, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)


def save_by_key(qtbot: Any, window: Any) -> None:
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, window)
    qtbot.wait(1)  # the answer's callbacks run on the GUI thread
    wait_idle(qtbot, window)


def stored(path: Path, kind: str, record_id: str) -> Any:
    """The record as her vault file holds it (read after the window's worker stopped)."""
    with Vault.open(path, PASSPHRASE) as vault:
        return getattr(vault, kind).get(record_id)


def typing_into_the_note(qtbot: Any, make_window: Any,
                         team: tuple[Path, Colleague, dict[str, str]]) -> tuple[Any, Any, Any]:
    """Her window, case view and the note's editor, open with :data:`HER_ADDITION` typed at the
    end of the note's text (not saved yet)."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    return window, view, add_to_the_note(qtbot, view)


def add_to_the_note(qtbot: Any, view: Any) -> Any:
    """The first note's editor, open with :data:`HER_ADDITION` typed at the end (not saved)."""
    view.tabs.setCurrentWidget(view.tab_widgets["notes"])
    dialog = view.edit_record("notes", 0)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    editor = dialog.form.inputs["text"]
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(editor, HER_ADDITION)
    return dialog


def phone_typed_and_pulled(qtbot: Any, make_window: Any,
                           team: tuple[Path, Colleague, dict[str, str]], typed: str = "0521 222",
                           **pulled: str) -> tuple[Any, Any]:
    """Her window and case view: she typed a new phone number (``typed``), unsaved, and the
    colleague's change of the same person (``pulled``) was pulled meanwhile."""
    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], typed)
    colleague.edit("people", ids["person"], **pulled)
    sync_by_key(qtbot, window)
    return window, view


def _phone_typed_email_pulled(qtbot: Any, make_window: Any,
                              team: tuple[Path, Colleague, dict[str, str]]) -> tuple[Any, Any]:
    """... and the colleague's new e-mail address was pulled."""
    return phone_typed_and_pulled(qtbot, make_window, team, email="mira.neu@example.org")


def _phone_typed_on_both_sides(qtbot: Any, make_window: Any,
                               team: tuple[Path, Colleague, dict[str, str]]) -> tuple[Any, Any]:
    """... and the colleague's new phone number was pulled."""
    return phone_typed_and_pulled(qtbot, make_window, team, phone="0521 333")


def test_a_save_after_a_pulled_change_to_another_field_keeps_both(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """She types a new phone number; meanwhile the colleague's new e-mail address of the same
    person is pulled. Her save (and a second one, if the first is refused as "changed
    meanwhile", after reloading as the message says) must store her phone and keep the
    colleague's e-mail."""
    path, _colleague, ids = team
    window, view = _phone_typed_email_pulled(qtbot, make_window, team)
    save_by_key(qtbot, window)
    if view.dirty:  # refused: "reload it and try again", as the message asks
        press(qtbot, window, Qt.Key.Key_F5)
        wait_idle(qtbot, window)
        save_by_key(qtbot, window)
    assert not view.dirty
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert person.phone == "0521 222"
    assert person.email == "mira.neu@example.org", "the colleague's change was undone"


def test_an_edit_in_the_open_case_after_a_pulled_change_keeps_both(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """Like above, but the case view reloads on its own in between (she saved a note in
    another tab while her phone number was still unsaved): no message at all, and her save
    undid the colleague's e-mail."""
    path, _colleague, ids = team
    window, view = _phone_typed_email_pulled(qtbot, make_window, team)
    view.reload()  # what saving a note or a form does to the open case
    wait_idle(qtbot, window)
    assert view.person_form.inputs["phone"].text() == "0521 222"
    save_by_key(qtbot, window)
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert person.phone == "0521 222"
    assert person.email == "mira.neu@example.org", "the colleague's change was undone"


def test_a_note_edited_while_the_colleague_changed_it_is_not_lost(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """She edits a note in its editor; the colleague's change to the same note is pulled; she
    presses Save. What she typed must still be somewhere she can see it (an editor open with
    her text) or stored; before, the editor closed and her text was gone, with a message
    naming the table and the record's id."""
    path, colleague, ids = team
    window, view, dialog = typing_into_the_note(qtbot, make_window, team)
    colleague.edit("notes", ids["note"], text=NOTE_TEXT + " (Bert: erledigt)")
    sync_by_key(qtbot, window)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    wait_idle(qtbot, window)
    qtbot.wait(1)
    wait_idle(qtbot, window)
    from kimdesk.gui.records import RecordDialog

    shown = [d for d in view.findChildren(RecordDialog) if d.isVisible()]
    texts = [d.form.inputs["text"].toPlainText() for d in shown]
    window.worker.stop()
    note = stored(path, "notes", ids["note"])
    kept = any(HER_ADDITION.strip() in t for t in texts) or HER_ADDITION.strip() in note.text
    assert kept, f"her text is gone; the message said {boxes.texts!r}"
    assert not any("notes record" in t for t in boxes.texts), boxes.texts


def test_the_same_field_changed_on_both_sides_is_shown_and_hers_kept(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """Both changed the phone number: her first save stores nothing, her number stays in the
    field, a notice names the stored one; a second Ctrl+S stores hers, knowingly."""
    path, _colleague, ids = team
    window, view = _phone_typed_on_both_sides(qtbot, make_window, team)
    save_by_key(qtbot, window)
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=5000)
    assert view.dirty
    assert view.person_form.inputs["phone"].text() == "0521 222"
    assert "0521 333" in view.notice.text()
    save_by_key(qtbot, window)
    assert boxes.texts == []
    assert not view.dirty
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == "0521 222"
    with Vault.open(path, PASSPHRASE) as vault:  # the refused save's kept copy went once shown
        assert vault.conn.execute("SELECT key FROM vault_meta WHERE key LIKE 'case.%'"
                                  ).fetchall() == []


def test_a_note_deleted_meanwhile_comes_back_as_a_new_entry_with_her_text(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    path, colleague, ids = team
    window, view, dialog = typing_into_the_note(qtbot, make_window, team)
    colleague.vault.notes.delete(ids["note"])
    colleague.engine.sync()
    sync_by_key(qtbot, window)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    from kimdesk.gui.records import RecordDialog

    qtbot.waitUntil(lambda: any(d.isVisible() for d in view.findChildren(RecordDialog)
                                if d is not dialog), timeout=10000)
    again = next(d for d in view.findChildren(RecordDialog) if d.isVisible())
    assert again.existing is None and "deleted meanwhile" in again.general.text()
    assert again.form.inputs["text"].toPlainText() == NOTE_TEXT + HER_ADDITION
    again.buttons.button(again.buttons.StandardButton.Save).click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(view.tab_widgets["notes"].records) == 1, timeout=5000)
    window.worker.stop()
    with Vault.open(path, PASSPHRASE) as vault:
        texts = [n.text for n in vault.notes.where()]
    assert texts == [NOTE_TEXT + HER_ADDITION]


def test_a_case_purged_meanwhile_is_said_in_words_and_not_brought_back(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """Art. 17: the colleague purges the case (and so the person); her unsaved phone number
    cannot be kept, and the message says why in words (not "No cases record with id ...")."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], "0521 222")
    purge_cases(colleague.vault, [ids["case"]],
                PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="bert",
                           reason="subject_request"))
    colleague.engine.sync()
    sync_by_key(qtbot, window)
    save_by_key(qtbot, window)
    qtbot.waitUntil(lambda: bool(boxes.texts), timeout=5000)
    assert "deleted meanwhile" in boxes.texts[-1], boxes.texts
    assert view.bundle is None and not view.dirty
    window.worker.stop()
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.people.count() == 0 and vault.cases.count() == 0


def test_saving_case_fields_only_leaves_the_person_unwritten(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]]) -> None:
    """Saving a case field wrote the unchanged person too: a new revision, a push to every
    device of the team and an audit entry for nothing (left open by the last review)."""
    path, _colleague, ids = team
    before = stored(path, "people", ids["person"])
    assert not before.pending
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.case_form.inputs["referral_source"], "Jobcenter Quarzweg")
    save_by_key(qtbot, window)
    window.close()
    window.worker.stop()
    assert stored(path, "cases", ids["case"]).referral_source == "Jobcenter Quarzweg"
    after = stored(path, "people", ids["person"])
    assert (after.revision, after.pending) == (before.revision, False)


def f5_then_save(qtbot: Any, window: Any) -> None:
    """F5 and at once Ctrl+S: the re-read is queued before the save and answers first, with the
    values of before the save."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    wait_idle(qtbot, window)
    qtbot.wait(1)  # the answers' callbacks run on the GUI thread
    wait_idle(qtbot, window)


def test_a_re_read_answering_before_a_refused_save_keeps_her_entries(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """The re-read used to write the stored values over her phone number; the save, refused
    (the colleague's e-mail was pulled), then found nothing of hers on screen, said "Saved."
    and her number was gone. Now it is stored, the colleague's e-mail kept."""
    path, _colleague, ids = team
    window, view = _phone_typed_email_pulled(qtbot, make_window, team)
    f5_then_save(qtbot, window)
    assert view.person_form.inputs["phone"].text() == "0521 222"
    assert not view.dirty
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert person.phone == "0521 222"
    assert person.email == "mira.neu@example.org"
    assert boxes.texts == []


def test_a_re_read_before_a_save_refused_on_the_same_field_keeps_hers_in_the_field(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes) -> None:
    """Both changed the phone number, and F5 answered before her save: her number stays in the
    field as unsaved, a notice names the stored one, nothing is stored by itself."""
    path, _colleague, ids = team
    window, view = _phone_typed_on_both_sides(qtbot, make_window, team)
    f5_then_save(qtbot, window)
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=5000)
    assert view.person_form.inputs["phone"].text() == "0521 222"
    assert view.dirty
    assert "0521 333" in view.notice.text()
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == "0521 333"
