"""Keys pressed faster than the vault lane answers: the case view's save/reload state machine under
fault injection (a review, 2026-12-07).

The promise (docs/gui.md, "Changed by sync meanwhile"): what the counselor typed is never lost,
and a colleague's change to another field is never silently undone by her save. Each test here
is an order of keys that broke it: Ctrl+S, F5, Revert, typing on after Ctrl+S, opening another
case, the Forms tab's Save, each before the lane had answered what came before.

Real vault files, the real window driven by keys, a real server on 127.0.0.1 and a colleague's
device whose change her window pulls (F9). The order is made by holding the vault lane (a job
that waits for the test runs first, so everything pressed meanwhile queues behind it), never by
timing; the test then waits until the lane has answered everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QDialogButtonBox, QMessageBox

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, wait_idle
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    CTRL,
    Boxes,
    Colleague,
    boxes,
    open_only_case,
    open_window,
    phone_typed_and_pulled,
    press,
    stored,
    sync_by_key,
    team,
    type_over,
)
from tests.gui.test_lock_after_save import vault_lane_held
from tests.gui.test_no_plaintext import user_folders  # noqa: F401 (fixture of two_cases)
from tests.gui.test_refused_elsewhere import open_by_keys, status_messages, two_cases  # noqa: F401
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui

PHONE = "0521 4471936"
THEIR_PHONE = "0521 333"
REFERRAL = "Beratungsstelle Kolibriweg"
Team = tuple[Path, Colleague, dict[str, str]]


def answered(qtbot: Any, window: Any) -> None:
    """Until the lane has answered everything, the answers' own follow-ups included (a refused
    save reads the case again, which may save again)."""
    for _round in range(3):
        wait_idle(qtbot, window)
        qtbot.wait(1)  # the answers' callbacks run on the GUI thread
    wait_idle(qtbot, window)


def kept_in_vault(path: Path, text: str) -> bool:
    """Whether ``text`` is among the entries kept in her (closed) vault for later."""
    with Vault.open(path, PASSPHRASE) as vault:
        rows = vault.conn.execute("SELECT value FROM vault_meta WHERE key LIKE 'case.%'")
        return any(text in value for (value,) in rows.fetchall())


def test_a_read_before_a_save_and_typing_on_never_writes_hers_over_their_change(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """Both changed the phone number (the colleague's was pulled). She presses F5, Ctrl+S, and
    types on in another field, all before the lane answered. The read answered first, under her
    unsaved typing, and counted the colleague's number as what she had read: the save, refused,
    was tried again at once, wrote her number over the colleague's and said "Saved.". Now her
    number stays in its field, unsaved, and the notice names the colleague's."""
    path, _colleague, ids = team
    window, view = phone_typed_and_pulled(qtbot, make_window, team, PHONE, phone=THEIR_PHONE)
    shown = status_messages(window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_F5)
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.case_form.inputs["referral_source"], REFERRAL)
    answered(qtbot, window)
    assert view.person_form.inputs["phone"].text() == PHONE
    assert view.case_form.inputs["referral_source"].text() == REFERRAL
    assert view.dirty and f"Phone (stored now: {THEIR_PHONE})" in view.notice.text()
    assert "Saved." not in shown and boxes.texts == []
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == THEIR_PHONE


def test_revert_after_ctrl_s_keeps_the_entries_being_saved(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """She saves a new phone number (Ctrl+S), types into another field and takes that back with
    Revert, before the save has run; the save is refused (the colleague's e-mail address was
    pulled). Revert took her phone number off the screen too: the refusal found nothing of hers,
    deleted its kept copy, said "Saved." and the number was gone. Now Revert takes back only what
    she typed after Ctrl+S; her number is stored, the colleague's e-mail kept."""
    path, _colleague, ids = team
    window, view = phone_typed_and_pulled(qtbot, make_window, team, PHONE,
                                          email="mira.neu@example.org")
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.case_form.inputs["referral_source"], REFERRAL)
        assert view.ui.revertButton.isEnabled()
        qtbot.mouseClick(view.ui.revertButton, Qt.MouseButton.LeftButton)
        assert view.person_form.inputs["phone"].text() == PHONE  # being saved: not taken back
        assert view.case_form.inputs["referral_source"].text() == ""
        assert not view.dirty
    answered(qtbot, window)
    assert view.person_form.inputs["phone"].text() == PHONE and not view.dirty
    assert boxes.texts == []
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert (person.phone, person.email) == (PHONE, "mira.neu@example.org")
    assert stored(path, "cases", ids["case"]).referral_source == ""


def test_typing_into_a_case_while_another_one_loads_is_not_lost(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Enter on case B in the list, then (B not read yet) she types a phone number into case A,
    still on screen. B's answer wrote its values over the inputs: her number was in no input,
    not stored, not kept, and nothing said so. Now A cannot be edited while B loads: whatever
    she could type is still somewhere."""
    path, _colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    with vault_lane_held(window):
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
        type_over(qtbot, view.person_form.inputs["phone"], PHONE)
        typed = PHONE in view.person_form.inputs["phone"].text()
    qtbot.waitUntil(lambda: view.case_id == ids["case_b"], timeout=10000)
    answered(qtbot, window)
    assert view.person_form.isEnabled() and view.person_form.inputs["phone"].text() == ""
    window.worker.stop()
    assert not typed or stored(path, "people", ids["person"]).phone == PHONE \
        or kept_in_vault(path, PHONE), "what she typed into case A is gone"


def test_the_case_on_screen_asked_for_again_while_another_loads_is_the_one_shown(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Enter on case B, then Enter on case A (still on screen) before B was read: the second
    Enter was ignored (A was "open already") and B came up."""
    path, _colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    with vault_lane_held(window):
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
        open_by_keys(qtbot, window, ids["case"], wait=False)
    answered(qtbot, window)
    assert view.case_id == ids["case"] and view.person_form.isEnabled()
    assert boxes.texts == []


def fill_a_followup(qtbot: Any, window: Any, view: Any) -> Any:
    """The Forms tab with the follow-up form ("verlauf") open, its first field of action ticked
    by Space (its autosave pending)."""
    tab = view.forms_tab
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    tab.combo.setCurrentIndex(tab.combo.findData("verlauf"))
    tab.open_form("verlauf")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    wait_idle(qtbot, window)
    tick(qtbot, tab, 0)
    return tab


def tick(qtbot: Any, tab: Any, index: int) -> bool:
    """Space on the form's ``index``-th check box; whether it is ticked now."""
    box = tab.widget.findChildren(QCheckBox)[index]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    return bool(box.isChecked())


def form_consultations(path: Path) -> list[Any]:
    with Vault.open(path, PASSPHRASE) as vault:
        return [c for c in vault.consultations.where() if c.form_id == "verlauf"]


def form_drafts(path: Path, case_id: str) -> list[str]:
    with Vault.open(path, PASSPHRASE) as vault:
        rows = vault.conn.execute("SELECT key, value FROM vault_meta WHERE key LIKE ?",
                                  (f"forms.draft.{case_id}:verlauf%",))
        return [value for _key, value in rows.fetchall()]


def test_a_form_saved_twice_before_the_answer_is_stored_once(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """"Save as consultation" clicked twice while the lane was busy (nothing seemed to happen):
    two consultations were stored, counted twice in the Land's statistics."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    tab = fill_a_followup(qtbot, window, view)
    with vault_lane_held(window):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    answered(qtbot, window)
    assert tab.widget is None and "saved" in tab.status.text().lower()
    window.worker.stop()
    assert len(form_consultations(path)) == 1


def test_an_autosave_after_a_form_was_saved_leaves_no_draft(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """The form's autosave fired after Save, before the save ran: it wrote the answers back as
    a draft after the save had discarded it, and the form came back as "(draft)" with the
    answers of a consultation already stored, to be saved once more."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    tab = fill_a_followup(qtbot, window, view)
    autosave = tab.widget._drafts._timer
    assert autosave.isActive()
    with vault_lane_held(window):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not autosave.isActive(), timeout=10000)  # fired, or stopped
    answered(qtbot, window)
    assert "verlauf" not in tab.drafted
    window.worker.stop()
    assert len(form_consultations(path)) == 1
    assert form_drafts(path, ids["case"]) == []


def test_an_answer_ticked_after_a_form_was_saved_is_not_lost(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """She saves the form and ticks another answer before the save ran: the save's answer closed
    the form with the later tick, which was neither stored nor kept. Now the form is read-only
    until the save has answered."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    tab = fill_a_followup(qtbot, window, view)
    with vault_lane_held(window):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        later = tick(qtbot, tab, 1)
    answered(qtbot, window)
    window.worker.stop()
    [stored_form] = form_consultations(path)
    topics = stored_form.answers.get("topics") or []
    drafts = form_drafts(path, ids["case"])
    assert not later or len(topics) == 2 or drafts, "the answer ticked after Save is gone"


def test_a_refused_save_is_not_tried_again_with_what_she_typed_after_ctrl_s(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """Ctrl+S on her phone number, then she starts typing the referral source; the save is
    refused (the colleague's e-mail address was pulled). It was tried again at once with every
    input as shown: the half-typed referral source was stored (and synced) as saved, "Saved.".
    Now nothing is saved by itself; the notice says so, and her next Ctrl+S stores both."""
    path, _colleague, ids = team
    window, view = phone_typed_and_pulled(qtbot, make_window, team, PHONE,
                                          email="mira.neu@example.org")
    shown = status_messages(window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.case_form.inputs["referral_source"], "Beratungsst")
    answered(qtbot, window)
    assert view.dirty and "Not saved" in view.notice.text() and "Saved." not in shown
    assert view.person_form.inputs["phone"].text() == PHONE
    assert view.bundle.case.referral_source == ""  # as read again after the refusal
    type_over(qtbot, view.case_form.inputs["referral_source"], REFERRAL)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    answered(qtbot, window)
    assert not view.dirty and boxes.texts == []
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert (person.phone, person.email) == (PHONE, "mira.neu@example.org")
    assert stored(path, "cases", ids["case"]).referral_source == REFERRAL


def test_her_own_saved_entry_is_never_called_a_change_from_another_device(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """Ctrl+S on a phone number, then she corrects it and presses Ctrl+S again, both before the
    first save ran: the second, refused for the first one's revision, said "Not saved: this case
    was changed meanwhile on another device ... Phone (stored now: <her first number>)". Now the
    second is stored too, and nothing speaks of another device."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    shown = status_messages(window)
    type_over(qtbot, view.person_form.inputs["phone"], "0521 10")
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.person_form.inputs["phone"], PHONE)
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    answered(qtbot, window)
    said = " ".join([*shown, view.notice.text()])
    assert "another device" not in said and "elsewhere" not in said
    assert not view.dirty and boxes.texts == []
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == PHONE


def test_typing_on_in_the_input_just_saved_is_not_called_changed_elsewhere(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """Ctrl+S on a phone number, then she types on in the same input before the save ran: the
    read after the save named her own stored number as "Changed elsewhere meanwhile (sync)"."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], "0521 10")
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    answered(qtbot, window)
    assert view.person_form.inputs["phone"].text() == PHONE and view.dirty
    assert "elsewhere" not in view.notice.text() and not view.notice.isVisible()
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == "0521 10"


def test_quitting_while_a_form_is_saved_stores_it_without_a_box(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """"Save as consultation", then Ctrl+Q before the save ran: the window waited and the form
    was stored, but the save's answer asked for the case list again, behind the closed vault,
    and "The vault is locked." opened in a box over "Closing…"."""
    path, _colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    tab = fill_a_followup(qtbot, window, view)
    with vault_lane_held(window):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
        press(qtbot, window, Qt.Key.Key_Q, CTRL)
        assert window.isVisible() and window.closer.waiting
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: not window.worker._lanes["vault"].thread.isRunning(), timeout=20000)
    qtbot.wait(1)
    assert boxes.texts == []
    assert len(form_consultations(path)) == 1


def test_a_save_refused_again_when_tried_again_says_not_saved(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Her save is refused (the colleague's e-mail address was pulled), read again and tried
    again at once; a second change of the colleague's lands between that read and the second
    try (a pulled page), which is refused too. Nothing was said at all: no "Saved.", no "Not
    saved", only her entry still in its field. Now the notice says it was not saved."""
    from kimdesk.gui import caseview
    from kimdesk.sync.engine import SyncEngine

    path, colleague, ids = team
    window, view = phone_typed_and_pulled(qtbot, make_window, team, PHONE,
                                          email="mira.neu@example.org")
    colleague.edit("people", ids["person"], email="mira.zwei@example.org")  # not pulled yet
    reads: list[int] = []
    plain = caseview.load_bundle

    def read_then_pull(w: Any, case_id: str) -> Any:
        """The read after the refusal, and right after it (on the lane) the colleague's second
        change pulled: the retry that follows is built on what was read before it."""
        bundle = plain(w, case_id)
        reads.append(1)
        if len(reads) == 1:
            engine = SyncEngine(w.require_vault())
            engine.sync()
            engine.close()
        return bundle

    monkeypatch.setattr(caseview, "load_bundle", read_then_pull)
    shown = status_messages(window)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    answered(qtbot, window)
    assert len(reads) >= 2  # the retry was refused and the case read again
    assert view.dirty and view.person_form.inputs["phone"].text() == PHONE
    assert "Not saved" in view.notice.text(), (view.notice.text(), shown)
    assert "Saved." not in shown and boxes.texts == []
    window.worker.stop()
    person = stored(path, "people", ids["person"])
    assert (person.phone, person.email) == ("0521 111", "mira.zwei@example.org")


def test_f5_and_ctrl_s_on_a_case_purged_meanwhile_say_so_once(
        qtbot: Any, make_window: Any, team: Team, boxes: Boxes) -> None:  # noqa: F811
    """The colleague purged the case (Art. 17), pulled; she presses F5 and Ctrl+S on it before
    the lane answered. The read found the case gone and said so in a box; then the refused save
    said the same again in a second box."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    purge_cases(colleague.vault, [ids["case"]],
                PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="bert",
                           reason="subject_request"))
    colleague.engine.sync()
    sync_by_key(qtbot, window)
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_F5)
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    answered(qtbot, window)
    qtbot.waitUntil(lambda: bool(boxes.texts), timeout=5000)
    answered(qtbot, window)
    assert len(boxes.texts) == 1 and "deleted meanwhile" in boxes.texts[0], boxes.texts
    assert view.bundle is None
    window.worker.stop()
    assert not kept_in_vault(path, PHONE)


def test_two_saves_queued_before_she_left_the_case_are_both_stored(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Ctrl+S, a correction, Ctrl+S again, and Enter on case B, all before the first save ran.
    The second save, built on the same read as the first, was refused for the first one's
    revision: its entries were kept and the status bar said they were "not saved because it was
    changed meanwhile on another device". Nothing else had changed it: both are stored now."""
    path, _colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    shown = status_messages(window)
    type_over(qtbot, view.person_form.inputs["phone"], "0521 10")
    with vault_lane_held(window):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        type_over(qtbot, view.person_form.inputs["phone"], PHONE)
        type_over(qtbot, view.case_form.inputs["referral_source"], REFERRAL)
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
    qtbot.waitUntil(lambda: view.case_id == ids["case_b"], timeout=10000)
    answered(qtbot, window)
    assert not any("meanwhile" in m for m in shown), shown
    assert boxes.texts == [] and not view.notice.isVisible()
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == PHONE
    assert stored(path, "cases", ids["case"]).referral_source == REFERRAL
    assert not kept_in_vault(path, PHONE)


class SaveWhenAsked:
    """Answers the unsaved-changes box with Save (its ``exec`` runs an event loop of its own),
    counting the questions."""

    def __init__(self) -> None:
        self.asked = 0
        self.timer = QTimer()
        self.timer.timeout.connect(self._answer)
        self.timer.start(20)

    def _answer(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible() \
                    and widget.objectName() == "unsavedBox":
                self.asked += 1
                button = widget.button(QMessageBox.StandardButton.Save)
                assert button is not None
                button.click()


def test_a_new_case_never_drops_entries_refused_while_its_dialog_was_open(
        qtbot: Any, make_window: Any, team: Team) -> None:  # noqa: F811
    """Both changed the phone number (the colleague's pulled). Ctrl+N; the unsaved-changes box:
    Save; the new-case dialog opens, and meanwhile her save is refused: her number is back in
    its field, unsaved, the notice names the colleague's. She creates the new case: the window
    marked the person inputs clean and opened it, without asking; her number was gone. Now the
    unsaved guard asks again (here: Save, which stores hers knowingly)."""
    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    window.duplicate_answer = True  # the new person's name is no one's yet anyway
    view = open_only_case(qtbot, window, ids["case"])
    type_over(qtbot, view.person_form.inputs["phone"], PHONE)
    colleague.edit("people", ids["person"], phone=THEIR_PHONE)
    sync_by_key(qtbot, window)
    answers = SaveWhenAsked()
    try:
        press(qtbot, window, Qt.Key.Key_N, CTRL)
        qtbot.waitUntil(lambda: getattr(QApplication.activeModalWidget(), "objectName",
                                        str)() == "newCaseDialog", timeout=5000)
        dialog: Any = QApplication.activeModalWidget()
        answered(qtbot, window)  # the save, refused, and the case read again
        assert view.dirty and f"(stored now: {THEIR_PHONE})" in view.notice.text()
        qtbot.keyClicks(dialog.person_form.inputs["given_name"], "Nele")
        qtbot.keyClicks(dialog.person_form.inputs["family_name"], "Ostwind")
        buttons = dialog.findChild(QDialogButtonBox)
        buttons.button(QDialogButtonBox.StandardButton.Save).click()
        qtbot.waitUntil(lambda: view.case_id not in (None, ids["case"]), timeout=10000)
        answered(qtbot, window)
    finally:
        answers.timer.stop()
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == PHONE, "her number is gone"
    assert answers.asked == 2


def test_f5_while_another_case_loads_does_not_take_her_back(
        qtbot: Any, make_window: Any, two_cases: Team, boxes: Boxes) -> None:  # noqa: F811
    """Enter on case B, then F5 before B was read: F5 read the case still on screen again and
    B's answer was dropped; she stayed on A."""
    path, _colleague, ids = two_cases
    window = open_window(qtbot, make_window, path)
    view = open_by_keys(qtbot, window, ids["case"])
    with vault_lane_held(window):
        open_by_keys(qtbot, window, ids["case_b"], wait=False)
        press(qtbot, window, Qt.Key.Key_F5)
    answered(qtbot, window)
    assert view.case_id == ids["case_b"] and view.person_form.isEnabled()
