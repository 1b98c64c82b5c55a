"""A save refused after the counselor left its case: her entries are kept, encrypted in the vault,
and come back when she opens the case again (a review, 2026-12-07: three holes).

She types into case A and presses Ctrl+S (or Save in a note's editor); before the save has run she
opens case B, closes the case view and locks, or quits. Sync pulled a colleague's change to A
meanwhile, so the save is refused (``StaleRecord``). Before, the refusal answered a case view that
showed another case (or none): a raw error box, or nothing at all, and her entries were gone.

Real vault files, the real window driven by keys, a real server and a colleague's device whose
change her window pulls (F9). The order is made by holding the vault lane, not by timing: her
save and what she does next are queued behind a job that waits for the test. Afterwards a raw
byte scan of every file of the test (her vault with its -wal and -shm, the colleague's, the
server's database, settings, the redirected data, config, cache and temp folders) finds none of
what she typed in plaintext.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kimdesk.domain.models import Case, Person
from kimdesk.gui.records import RecordDialog
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    CTRL,
    HER_ADDITION,
    NOTE_TEXT,
    Boxes,
    Colleague,
    add_to_the_note,
    boxes,
    open_window,
    press,
    save_by_key,
    stored,
    sync_by_key,
    team,
    type_over,
)
from tests.gui.test_lock_after_save import lock_by_key, vault_lane_held
from tests.gui.test_lock_drafts import stored_meta
from tests.gui.test_no_plaintext import scan, user_folders  # noqa: F401 (a fixture)
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui

#: What she types (ASCII: qtbot.keyClicks), distinctive enough for a byte scan.
PHONE = "0521 4471936"
REFERRAL = "Beratungsstelle Kolibriweg"
THEIR_PHONE = "0521 333"
NUMBER_A = "2026-QB-0001"
NUMBER_B = "2026-QB-0002"
MARKERS = {PHONE, "4471936", REFERRAL, "Kolibriweg", HER_ADDITION.strip(), "Zitronenfalter"}


@pytest.fixture
def two_cases(user_folders: dict[str, Path],  # noqa: F811 (folders redirected first)
              team: tuple[Path, Colleague, dict[str, str]]  # noqa: F811
              ) -> Iterator[tuple[Path, Colleague, dict[str, str]]]:
    """The team's vault with a second case of her own (B) beside the synced case (A)."""
    path, colleague, ids = team
    with Vault.open(path, PASSPHRASE) as vault:
        person = vault.people.add(Person(given_name="Lutz", family_name="Kranichfeld"))
        case = vault.cases.add(Case(case_number=NUMBER_B, person_id=person.id, owner="anna",
                                    team="Team Nord", opened_on=date(2026, 3, 3)))
    yield path, colleague, ids | {"case_b": case.id}


def open_by_keys(qtbot: Any, window: Any, case_id: str, *, wait: bool = True) -> Any:
    """Her case list: the case's row, Enter. ``wait``: until it is on screen."""
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.model.row_of_case(case_id) >= 0, timeout=10000)
    ws.table.setFocus()
    ws.table.setCurrentIndex(ws.model.index(ws.model.row_of_case(case_id), 0))
    qtbot.keyClick(ws.table, Qt.Key.Key_Return)
    if wait:
        qtbot.waitUntil(lambda: ws.case_view.case_id == case_id, timeout=10000)
        wait_idle(qtbot, window)
    return ws.case_view


def type_and_get_stale(qtbot: Any, window: Any, colleague: Colleague,
                       ids: dict[str, str]) -> Any:
    """Case A open, her phone number and referral source typed (unsaved); the colleague's new
    phone number and e-mail address of the same person pulled meanwhile: her save will be
    refused."""
    view = open_by_keys(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    type_over(qtbot, view.case_form.inputs["referral_source"], REFERRAL)
    colleague.edit("people", ids["person"], phone=THEIR_PHONE, email="mira.neu@example.org")
    sync_by_key(qtbot, window)
    return view


def status_messages(window: Any) -> list[str]:
    """Every message the status bar shows from now on."""
    shown: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: shown.append(text))
    return shown


BACK = "not saved because this case was changed meanwhile on another device are back"


def her_entries_are_back(qtbot: Any, view: Any, why: str = BACK) -> None:
    """Case A on screen with her entries on top of the stored values, unsaved, and a notice that
    says why and names the field changed on both sides."""
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE
    assert view.case_form.inputs["referral_source"].text() == REFERRAL
    assert view.person_form.inputs["email"].text() == "mira.neu@example.org"  # theirs, untouched
    assert view.dirty and view.ui.saveButton.isEnabled()
    text = view.notice.text()
    assert why in text, text
    assert f"Phone (stored now: {THEIR_PHONE})" in text, text


def test_a_save_refused_after_she_opened_another_case_comes_back_with_the_case(
        qtbot: Any, make_window: Any, two_cases: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes, tmp_path: Path) -> None:  # noqa: F811
    """Ctrl+S on case A, then Enter on case B before the save ran; the save is refused. No box,
    a status message names case A, the list marks A; opening A again puts her entries back on
    the stored values (nothing saved by itself), and Ctrl+S then stores hers and keeps the
    colleague's e-mail."""
    path, colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = type_and_get_stale(qtbot, window, colleague, ids)
    shown = status_messages(window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        assert not view.dirty  # the save is queued
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
    qtbot.waitUntil(lambda: view.case_id == ids["case_b"], timeout=10000)
    wait_idle(qtbot, window)
    assert boxes.texts == []
    kept = [m for m in shown if NUMBER_A in m]
    assert kept and "come back when you open it" in kept[-1], shown
    assert kept[-1] in view.notice.text() and view.notice.isVisible()  # above case B, whole
    ws = window.workspace
    marker = ws.model.index(ws.model.row_of_case(ids["case"]), 0)
    qtbot.waitUntil(lambda: ws.model.data(marker, Qt.ItemDataRole.DecorationRole) is not None,
                    timeout=5000)
    assert scan([tmp_path], MARKERS) == []  # with the vault open: -wal and -shm too

    open_by_keys(qtbot, window, ids["case"])
    her_entries_are_back(qtbot, view)
    wait_idle(qtbot, window)
    assert view.bundle.person.phone == THEIR_PHONE and view.dirty  # not saved by itself
    window.grab().save(str(tmp_path / "back-en.png"))
    save_by_key(qtbot, window)
    assert not view.dirty and boxes.texts == []
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert (person.phone, person.email) == (PHONE, "mira.neu@example.org")
    assert stored(path, "cases", ids["case"]).referral_source == REFERRAL
    assert not [k for k in stored_meta(path) if ids["case"] in k]  # no draft left behind


def test_a_note_refused_after_she_opened_another_case_reopens_with_the_case(
        qtbot: Any, make_window: Any, two_cases: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes, tmp_path: Path) -> None:  # noqa: F811
    """She adds to a note the colleague changed meanwhile (pulled), presses Save and opens case B
    before the save ran. The refusal keeps her text; opening case A reopens the note's editor
    with her text on the colleague's version, and the notice names that version."""
    path, colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    dialog = add_to_the_note(qtbot, view)
    theirs = NOTE_TEXT + " (Bert: erledigt)"
    colleague.edit("notes", ids["note"], text=theirs)
    sync_by_key(qtbot, window)
    shown = status_messages(window)
    with vault_lane_held(window):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert not dialog.isVisible()
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
    qtbot.waitUntil(lambda: view.case_id == ids["case_b"], timeout=10000)
    wait_idle(qtbot, window)
    assert boxes.texts == []
    assert not [d for d in view.findChildren(RecordDialog) if d.isVisible()]
    kept = [m for m in shown if NUMBER_A in m]
    assert kept and "come back when you open it" in kept[-1], shown
    assert scan([tmp_path], MARKERS) == []

    open_by_keys(qtbot, window, ids["case"])
    qtbot.waitUntil(lambda: any(d.isVisible() for d in view.findChildren(RecordDialog)),
                    timeout=10000)
    again = next(d for d in view.findChildren(RecordDialog) if d.isVisible())
    assert again.existing is not None and again.existing.text == theirs
    assert again.form.inputs["text"].toPlainText() == NOTE_TEXT + HER_ADDITION
    assert "(Bert: erledigt)" in view.notice.text()
    wait_idle(qtbot, window)
    assert [n.text for n in view.tab_widgets["notes"].records] == [theirs]  # not saved yet
    again.buttons.button(again.buttons.StandardButton.Save).click()
    wait_idle(qtbot, window)
    qtbot.wait(1)
    wait_idle(qtbot, window)
    assert boxes.texts == []
    window.worker.stop()
    assert stored(path, "notes", ids["note"]).text == NOTE_TEXT + HER_ADDITION


def test_quitting_with_a_refused_save_keeps_the_entries_for_the_next_start(
        qtbot: Any, make_window: Any, two_cases: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes, tmp_path: Path) -> None:  # noqa: F811
    """Ctrl+S, then Ctrl+Q before the save ran: the window waits for the save's answer, keeps
    the refused entries in the vault and closes. Next start, opening case A brings them back."""
    path, colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = type_and_get_stale(qtbot, window, colleague, ids)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        assert not view.dirty
        press(qtbot, window, Qt.Key.Key_Q, CTRL)
        assert window.isVisible() and window.closer.waiting  # waits for the queued save
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    assert window.worker.vault is None and boxes.texts == []
    assert scan([tmp_path], MARKERS) == []
    meta = stored_meta(path)
    assert any(PHONE in v for k, v in meta.items() if ids["case"] in k), \
        "the refused save's entries are neither stored nor kept"

    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    her_entries_are_back(qtbot, view)
    assert boxes.texts == []


def test_a_save_refused_after_the_case_was_closed_and_the_vault_locked_comes_back(
        qtbot: Any, make_window: Any, two_cases: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes, tmp_path: Path) -> None:  # noqa: F811
    """Ctrl+S on case A, Ctrl+W (no case open) and Ctrl+L before the save ran: the lock draft
    covered only the case on screen, so the refusal opened a box over the lock screen and the
    entries were gone. Now the lock screen says they were kept, and opening A after unlock
    brings them back."""
    path, colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = type_and_get_stale(qtbot, window, colleague, ids)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        press(qtbot, window, Qt.Key.Key_W, CTRL)
        assert view.bundle is None
        lock_by_key(qtbot, window)
    wait_idle(qtbot, window)
    assert window.worker.vault is None
    assert boxes.texts == []  # nothing over the lock screen
    assert "kept as an encrypted draft" in window.unlock_screen.error.text()
    assert scan([tmp_path], MARKERS) == []

    unlock(qtbot, window)
    view = open_by_keys(qtbot, window, ids["case"])
    # kept in the lock's draft, as a refused save of the case on screen always was
    her_entries_are_back(qtbot, view, "Unsaved entries from before the lock are back.")
    assert BACK not in view.notice.text()  # one copy of them, not two
    assert boxes.texts == []
    wait_idle(qtbot, window)
    window.worker.stop()
    assert not [k for k in stored_meta(path) if ids["case"] in k]  # back: no copy left


def fits(label: Any) -> None:
    """The label shows all its lines: as tall as its text needs at its width, none of it
    clipped by the window."""
    assert label.isVisible() and label.wordWrap()
    assert label.height() >= label.heightForWidth(label.width()), "the notice is cut"
    assert label.visibleRegion().boundingRect().height() >= label.height(), "clipped"


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_notice_on_return_is_translated_and_not_cut(
        qtbot: Any, make_window: Any, two_cases: tuple[Path, Colleague, dict[str, str]],
        boxes: Boxes, tmp_path: Path, lang: str) -> None:  # noqa: F811
    """The status message and the notice in German and Arabic: translated (not the English
    text), the notice's lines all shown at the window's size; a screenshot to look at."""
    from kimdesk.i18n import gettext

    path, colleague, ids = two_cases
    window = open_window(qtbot, make_window, path, lang)
    view = type_and_get_stale(qtbot, window, colleague, ids)
    shown = status_messages(window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
    qtbot.waitUntil(lambda: view.case_id == ids["case_b"], timeout=10000)
    wait_idle(qtbot, window)
    kept = [m for m in shown if NUMBER_A in m]
    assert kept and "come back" not in kept[-1], shown  # translated
    assert kept[-1] in view.notice.text()  # above case B, where it is not cut
    fits(view.notice)
    window.grab().save(str(tmp_path / f"kept-{lang}.png"))

    open_by_keys(qtbot, window, ids["case"])
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=10000)
    assert view.person_form.inputs["phone"].text() == PHONE
    from kimdesk.gui.keptedits import MSG_BACK

    assert gettext(MSG_BACK) != MSG_BACK and gettext(MSG_BACK) in view.notice.text()
    assert THEIR_PHONE in view.notice.text()
    fits(view.notice)
    window.grab().save(str(tmp_path / f"back-{lang}.png"))
    assert QApplication.activeModalWidget() is None and boxes.texts == []
