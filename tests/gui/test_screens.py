"""Screens one by one: accessibility, tab order, shortcuts, phases, the unsaved-changes guard,
settings, filters, languages, hooks, the worker and the lazy model."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from kimdesk.domain.codes import ClosureReason, Phase
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle

pytestmark = pytest.mark.gui


def _open_first(qtbot: Any, window: Any, phase: str | None = None) -> Any:
    ws = window.workspace
    for row in range(ws.model.rowCount()):
        data = ws.model.row_at(row)
        if data is not None and (phase is None or data.phase == phase):
            ws.open_case(data.case_id)
            qtbot.waitUntil(lambda d=data: ws.case_view.case_id == d.case_id, timeout=5000)
            wait_idle(qtbot, window)
            return ws.case_view
    raise AssertionError(f"no case in phase {phase}")


def _answer_box(button: QMessageBox.StandardButton) -> None:
    """Answer the next message box when it opens (it runs its own event loop)."""
    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                widget.button(button).click()
                return
        QTimer.singleShot(20, answer)
    QTimer.singleShot(20, answer)


def test_every_input_has_an_accessible_name(qtbot: Any, demo_window: Any) -> None:
    from kimdesk.gui.uiload import inputs_without_names

    window = demo_window
    view = _open_first(qtbot, window)
    screens: list[QWidget] = [window.unlock_screen, window.create_screen, window.workspace, view]
    window.new_case().setObjectName("probe")
    screens.append(window.findChild(QDialog, "probe"))
    view.add_record("consents")
    screens.append(window.findChild(QDialog, "dialog_consents"))
    screens.append(window.open_settings())
    for screen in screens:
        missing = inputs_without_names(screen)
        assert missing == [], [(type(w).__name__, w.objectName()) for w in missing]
    for dialog in window.findChildren(QDialog):
        dialog.reject()


def test_tab_order_follows_the_form(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    window = make_window(tmp_path / "none.kdb")
    create = window.create_screen.ui
    chain: list[str] = []
    widget = create.counselorEdit
    while len(chain) < 6:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget.objectName())
        widget = widget.nextInFocusChain()
    assert chain[:6] == ["counselorEdit", "teamEdit", "municipalityEdit", "passphraseEdit",
                         "repeatEdit", "understoodCheck"]
    unlock_ui = window.unlock_screen.ui
    widget = unlock_ui.passphraseEdit.nextInFocusChain()
    while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        widget = widget.nextInFocusChain()
    assert widget is unlock_ui.unlockButton


def test_shortcuts_for_frequent_actions(qtbot: Any, demo_window: Any) -> None:
    actions = demo_window.actions_
    keys = [a.shortcut().toString() for a in actions.values() if not a.shortcut().isEmpty()]
    assert len(set(keys)) == len(keys)
    # Only the rare Help commands go without one (Alt+H, then M or A): the free function keys
    # are the desktops' (Ctrl+F1 on KDE, Alt+F1 on GNOME).
    assert {name for name, a in actions.items() if a.shortcut().isEmpty()} == {"manual", "about"}
    for name in ("new_case", "save", "consultation", "search", "lock", "refresh"):
        assert not actions[name].shortcut().isEmpty()
    view = _open_first(qtbot, demo_window)
    demo_window.activateWindow()
    qtbot.waitUntil(demo_window.isActiveWindow)
    qtbot.keyClick(demo_window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert view.tabs.currentWidget() is view.tab_widgets["consultations"]
    qtbot.keyClick(demo_window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not demo_window.unlocked, timeout=3000)


def test_phase_actions_and_history(qtbot: Any, demo_window: Any) -> None:
    view = _open_first(qtbot, demo_window, phase="erstkontakt")
    texts = [a.objectName() for a in view.phase_actions()]
    assert texts == ["phase_assessment", "phase_abschluss"]
    view.phase_actions()[0].trigger()
    qtbot.waitUntil(lambda: view.bundle.case.phase == Phase.ASSESSMENT, timeout=5000)
    assert [a.objectName() for a in view.phase_actions()] == ["phase_hilfeplanung",
                                                              "phase_abschluss"]
    view.change_phase(Phase.ABSCHLUSS, ClosureReason.MOVED_AWAY)
    qtbot.waitUntil(lambda: view.bundle.case.phase == Phase.ABSCHLUSS, timeout=5000)
    assert view.bundle.case.closure_reason == ClosureReason.MOVED_AWAY
    assert "moved away" in view.ui.phaseLabel.text()
    assert all(a.objectName() != "phase_abschluss" for a in view.phase_actions())
    history = view.ui.historyTree
    whats = [history.topLevelItem(i).text(2) for i in range(history.topLevelItemCount())]
    assert any("Closed" in w for w in whats) and any("Assessment" in w for w in whats)


def test_unsaved_changes_guard(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    view = _open_first(qtbot, demo_window)
    first = view.case_id
    other = next(ws.model.row_at(r).case_id for r in range(5) if ws.model.row_at(r).case_id
                 != first)
    view.person_form.inputs["phone"].setText("+49 5241 0000")
    assert view.dirty and view.ui.saveButton.isEnabled()
    _answer_box(QMessageBox.StandardButton.Cancel)
    assert not ws.open_case(other)
    assert view.case_id == first and view.dirty
    _answer_box(QMessageBox.StandardButton.Save)
    assert ws.open_case(other)
    qtbot.waitUntil(lambda: view.case_id == other, timeout=5000)
    wait_idle(qtbot, demo_window)
    ws.open_case(first)
    qtbot.waitUntil(lambda: view.case_id == first, timeout=5000)
    assert view.bundle.person.phone == "+49 5241 0000"
    # Invalid input is never saved: the message sits beside the field.
    view.person_form.inputs["email"].setText("no-at-sign")
    assert view.save() is False
    assert view.person_form.errors["email"].text() == "This is not an e-mail address."
    assert demo_window.statusBar().currentMessage().startswith("Not saved")
    view.revert()
    assert not view.dirty
    # nothing is marked any more: the status bar no longer says to correct marked fields
    assert demo_window.statusBar().currentMessage() == "Unsaved changes discarded."


def test_record_dialog_validation(qtbot: Any, demo_window: Any) -> None:
    view = _open_first(qtbot, demo_window)
    dialog = view.add_record("consents")
    dialog.form.inputs["recipients"].setText("")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.form.errors["purposes"].text() == \
        "Name at least one purpose (no blanket consent)."
    listing = dialog.form.inputs["purposes"]
    for i in range(listing.count()):
        if listing.item(i).data(Qt.ItemDataRole.UserRole) == "share_with_agency":
            listing.item(i).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    assert dialog.form.errors["recipients"].text() == "Sharing data needs the named recipients."
    dialog.form.inputs["recipients"].setText("Jobcenter Gütersloh; Ausländerbehörde")
    before = len(view.bundle.records["consents"])
    dialog.accept()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: len(view.bundle.records["consents"]) == before + 1, timeout=5000)
    assert view.bundle.records["consents"][-1].recipients == ["Jobcenter Gütersloh",
                                                             "Ausländerbehörde"]


def test_settings_dialog(qtbot: Any, demo_window: Any) -> None:
    dialog = demo_window.open_settings()
    # the demo's cases closed within three years: nothing is due today, much in ten years
    qtbot.waitUntil(lambda: "0 cases are due" in dialog.ui.retentionSummary.text(), timeout=5000)
    assert "36 months after the case was closed" in dialog.ui.retentionPolicy.text()
    assert not dialog.ui.retentionApply.isEnabled()
    dialog.ui.retentionDate.setDate(QDate.currentDate().addYears(10))
    qtbot.waitUntil(lambda: dialog.ui.retentionTree.topLevelItemCount() > 0, timeout=5000)
    assert dialog.ui.retentionApply.isEnabled()
    # no address to type: the Server page says where sync goes (issue 18.4)
    assert dialog.ui.serverStatus.text() == "This vault is not enrolled for sync."
    dialog.ui.idleSpin.setValue(9)
    dialog.ui.languageCombo.setCurrentIndex(dialog.ui.languageCombo.findData("tr"))
    dialog.accept()
    assert not dialog.isVisible()
    settings = demo_window.settings
    assert settings.idle_minutes == 9 and demo_window.idle.timeout_ms == 9 * 60_000
    assert settings.language == "tr" and demo_window.hub.lang == "tr"
    assert demo_window.workspace.case_view.tabs.tabText(0) != "Person and case"


def test_filters_and_counts(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    total = ws.model.rowCount()
    assert demo_window.count_label.text() == f"{total} of {total} cases"
    combo = ws.ui.phaseCombo
    done = ws.queries_done
    combo.setCurrentIndex(combo.findData("abschluss"))
    qtbot.waitUntil(lambda: ws.queries_done > done, timeout=5000)
    shown = ws.model.rowCount()
    assert 0 < shown < total
    assert all(ws.model.row_at(r).phase == "abschluss" for r in range(min(shown, 50)))
    assert demo_window.count_label.text() == f"{shown} of {total} cases"
    done = ws.queries_done
    ws.ui.reviewCheck.setChecked(True)
    qtbot.waitUntil(lambda: ws.queries_done > done, timeout=5000)
    assert ws.model.rowCount() == 0  # closed cases are never due for review
    ws.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    ws.reset_filters()
    ws.run_query()  # supersedes the sort's query if that has not started yet
    wait_idle(qtbot, demo_window)
    numbers = [ws.model.row_at(r).case_number for r in range(20)]
    assert numbers == sorted(numbers)


def test_lazy_model_fetches_pages(qtbot: Any, demo_window: Any) -> None:
    from kimdesk.gui.casemodel import PAGE

    ws = demo_window.workspace
    model = ws.model
    assert model.rowCount() == 300 and PAGE < 300
    assert model.row_at(PAGE + 5) is None or 1 in model._pages  # first call requests the page
    qtbot.waitUntil(lambda: model.row_at(PAGE + 5) is not None, timeout=5000)
    assert model.data(model.index(PAGE + 5, 0)).startswith(str(model.row_at(0).case_number)[:4])
    model.clear()
    assert model.rowCount() == 0 and not model._pages


@pytest.mark.parametrize("lang", ["de", "ar", "fa", "tr", "uk", "ru"])
def test_language_switch_retranslates_and_mirrors(qtbot: Any, demo_window: Any,
                                                  lang: str) -> None:
    view = _open_first(qtbot, demo_window)
    english = {
        "menu": [m.title() for m in demo_window._menus.values()],
        "tabs": [view.tabs.tabText(i) for i in range(view.tabs.count())],
        "header": demo_window.workspace.model.headerData(0, Qt.Orientation.Horizontal),
    }
    demo_window.switch_language(lang)
    rtl = lang in ("ar", "fa")
    assert demo_window.isRightToLeft() is rtl
    assert view.isRightToLeft() is rtl
    assert all(a != b for a, b in zip(english["menu"],
                                      [m.title() for m in demo_window._menus.values()],
                                      strict=True))
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert sum(a != b for a, b in zip(english["tabs"], tabs, strict=True)) >= len(tabs) - 1
    assert demo_window.workspace.model.headerData(0, Qt.Orientation.Horizontal) != \
        english["header"]
    demo_window.switch_language("en")
    assert not demo_window.isRightToLeft()


def test_other_gui_packages_enabled_after_unlock(demo_window: Any) -> None:
    """Sync, handouts and statistics ship with the app: their actions work once unlocked."""
    for action in ("sync", "handout", "stats"):
        assert demo_window.actions_[action].isEnabled()
    assert demo_window.sync_controller is not None


def test_unlock_delay_grows_and_strength() -> None:
    from kimdesk.gui.unlock import unlock_delay
    from kimdesk.vault.passphrase import passphrase_score

    delays = [unlock_delay(n) for n in range(0, 8)]
    assert delays[0] == 0 and delays == sorted(delays) and delays[-1] == 30
    assert passphrase_score("") == 0
    assert passphrase_score("passwort123") <= 1
    assert passphrase_score("Sommer2024!") <= 1
    assert passphrase_score("aaaaaaaaaaaaaaaa") <= 1
    assert passphrase_score("Kaffee Fahrrad Wolke") >= 3


def test_worker_supersedes_queued_searches(qtbot: Any, demo_window: Any) -> None:
    worker = demo_window.worker
    seen: list[int] = []
    gate: list[int] = []

    def slow(w: Any) -> int:
        import time

        time.sleep(0.2)
        return 0

    worker.submit(slow, gate.append)
    for i in range(5):
        worker.submit(lambda w, i=i: i, seen.append, key="probe")
    qtbot.waitUntil(lambda: not worker.busy, timeout=5000)
    assert gate == [0] and seen == [4]  # the four older queued jobs never ran


def test_refcount_guard() -> None:
    from PySide6.QtWidgets import QLabel

    from kimdesk.gui import qtfix

    guard = qtfix.install()
    label = QLabel()
    for _ in range(50_000):  # without the guard this many calls kill CPython 3.11 here
        label.setText("x")
    guard.check()
    assert sys.getrefcount(None) > 10_000


def test_wrong_passphrase_then_unlock(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                      tmp_path: Path) -> None:
    copy = tmp_path / "d.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy)
    screen = window.unlock_screen
    for n in (1, 2):
        qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=5000)
        screen.passphrase.setText("nope")
        screen.try_unlock()
        qtbot.waitUntil(lambda n=n: screen.failures == n, timeout=10000)
        assert "Wrong passphrase" in screen.error.text()
    assert window.settings.failed_unlocks == 2  # kept in the settings file: a restart waits too
    qtbot.waitUntil(lambda: screen.button.isEnabled(), timeout=5000)
    unlock(qtbot, window, PASSPHRASE)
    assert window.workspace.model.rowCount() == 300
    assert window.settings.failed_unlocks == 0


def test_delete_record_leaves_a_tombstone(qtbot: Any, demo_window: Any) -> None:
    view = _open_first(qtbot, demo_window)
    goals = view.bundle.records["goals"]
    if not goals:
        pytest.skip("first case has no goals")
    view.delete_record("goals", 0, ask=False)
    qtbot.waitUntil(lambda: len(view.bundle.records["goals"]) == len(goals) - 1, timeout=5000)

    def tombstone(w: Any) -> bool:
        return bool(w.vault.goals.get(goals[0].id, include_deleted=True).deleted)

    result: list[bool] = []
    demo_window.worker.submit(tombstone, result.append)
    qtbot.waitUntil(lambda: result == [True], timeout=5000)


def test_auto_lock_closes_hook_dialogs(qtbot: Any, demo_window: Any) -> None:
    view = _open_first(qtbot, demo_window)
    for action in ("handout", "stats"):
        demo_window.actions_[action].trigger()
    view.add_record("goals")
    qtbot.waitUntil(lambda: any(isinstance(w, QDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    demo_window.auto_lock()
    assert not any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert demo_window.stack.currentWidget() is demo_window.unlock_screen
    wait_idle(qtbot, demo_window)


def test_screenshots_command(tmp_path: Path, qtbot: Any) -> None:
    import argparse

    from kimdesk.gui.screenshots import cmd_screenshots

    out = tmp_path / "shots"
    assert cmd_screenshots(argparse.Namespace(directory=str(out), langs="ar", cases=20)) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["about-ar.png", "appointments-ar.png", "case-validation-ar.png",
                     "cases-ar.png", "create-ar.png", "forms-ar.png", "goals-ar.png",
                     "help-ar.png", "settings-ar.png", "unlock-ar.png"]
    assert all(p.stat().st_size > 10_000 for p in out.glob("*.png"))


def test_arrow_keys_open_only_the_case_where_the_selection_rests(qtbot: Any,
                                                                 demo_window: Any) -> None:
    ws = demo_window.workspace
    ws.table.setFocus()
    ws.table.selectRow(0)
    for _ in range(5):
        qtbot.keyClick(ws.table, Qt.Key.Key_Down)
    target = ws.model.row_at(5).case_id
    qtbot.waitUntil(lambda: ws.case_view.case_id == target, timeout=5000)
    wait_idle(qtbot, demo_window)

    def reads(w: Any) -> list[str]:
        return [e.subject_id for e in w.vault.audit.where("action = 'read'")]

    seen: list[list[str]] = []
    demo_window.worker.submit(reads, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    passed = {ws.model.row_at(r).case_id for r in range(1, 5)}
    assert target in seen[0] and not passed & set(seen[0])


def test_searches_are_audited_without_their_text(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    done = ws.queries_done
    for text in ("mel", "melnyk"):  # two searches in one burst of typing: one entry
        ws.search.setText(text)
        ws.run_query()
    qtbot.waitUntil(lambda: ws.queries_done > done and ws.search.text() == "melnyk"
                    and not demo_window.worker.busy, timeout=5000)
    events: list[list[str]] = []

    def searches() -> list[str]:
        events.clear()
        demo_window.worker.submit(
            lambda w: [e.detail for e in w.vault.audit.where("action = 'search'")],
            events.append)
        qtbot.waitUntil(lambda: bool(events), timeout=5000)
        return events[0]

    before = len(searches())
    # written once the typing rests (a second), not with every keystroke's answer
    qtbot.waitUntil(lambda: len(searches()) > before, timeout=10_000)
    details = searches()
    assert details[before:] == ["6 characters"]
    assert not any("melnyk" in d for d in details)


def test_a_search_is_audited_before_the_vault_locks(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    done = ws.queries_done
    ws.search.setText("kowal")
    ws.run_query()
    qtbot.waitUntil(lambda: ws.queries_done > done, timeout=5000)
    demo_window.lock()  # at once: the audit entry must not wait for its timer
    qtbot.waitUntil(lambda: not demo_window.worker.busy, timeout=10_000)
    unlock(qtbot, demo_window)
    events: list[list[str]] = []
    demo_window.worker.submit(
        lambda w: [e.detail for e in w.vault.audit.where("action = 'search'")], events.append)
    qtbot.waitUntil(lambda: bool(events), timeout=5000)
    assert events[0][-1] == "5 characters"


def test_new_case_warns_about_a_returning_client(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    view = _open_first(qtbot, demo_window)
    existing = view.bundle.person
    total = ws.total
    demo_window.duplicate_answer = False  # "No": open the existing case instead
    dialog = demo_window.new_case()
    form = dialog.person_form
    form.inputs["given_name"].setText(existing.given_name_latin)
    form.inputs["family_name"].setText(existing.family_name_latin)
    dialog.accept()
    wait_idle(qtbot, demo_window)
    assert ws.total == total  # nothing created
    demo_window.duplicate_answer = True  # "Yes": create anyway
    dialog = demo_window.new_case()
    dialog.person_form.inputs["given_name"].setText(existing.given_name_latin)
    dialog.person_form.inputs["family_name"].setText(existing.family_name_latin)
    dialog.accept()
    qtbot.waitUntil(lambda: ws.total == total + 1, timeout=5000)


def test_keyboard_only_from_search_to_case(qtbot: Any, demo_window: Any) -> None:
    ws = demo_window.workspace
    demo_window.activateWindow()
    qtbot.waitUntil(demo_window.isActiveWindow)
    qtbot.keyClick(demo_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert ws.search.hasFocus()
    done = ws.queries_done
    qtbot.keyClicks(ws.search, "kassem")
    qtbot.waitUntil(lambda: ws.queries_done > done and ws.model.rowCount() > 0, timeout=5000)
    ws.table.setFocus()
    ws.table.setCurrentIndex(ws.model.index(0, 0))
    qtbot.keyClick(ws.table, Qt.Key.Key_Return)
    target = ws.model.row_at(0).case_id
    qtbot.waitUntil(lambda: ws.case_view.case_id == target, timeout=5000)
    assert "Kassem" in ws.case_view.ui.subtitleLabel.text() or \
        "Kassem" in ws.case_view.ui.nameLabel.text()


def test_retention_page_deletes_due_cases_after_confirmation(qtbot: Any, demo_window: Any,
                                                              monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    dialog = demo_window.open_settings()
    dialog.ui.tabs.setCurrentWidget(dialog.ui.retentionTab)
    dialog.ui.retentionDate.setDate(QDate.currentDate().addYears(10))
    qtbot.waitUntil(lambda: dialog.ui.retentionApply.isEnabled(), timeout=5000)
    due = dialog.ui.retentionTree.topLevelItemCount()
    asked: list[str] = []

    def no(*args: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    qtbot.mouseClick(dialog.ui.retentionApply, Qt.MouseButton.LeftButton)
    assert asked and f"Delete {due} cases" in asked[0]
    assert dialog.ui.retentionTree.topLevelItemCount() == due  # "No" deletes nothing
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.ui.retentionApply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.ui.retentionSummary.text().startswith("Deleted:"),
                    timeout=15000)
    assert f"Deleted: {due} cases" in dialog.ui.retentionSummary.text()
    assert dialog.ui.retentionTree.topLevelItemCount() == 0
    assert not dialog.ui.retentionApply.isEnabled()


def test_typing_a_name_finds_its_other_spellings_after_the_exact_ones(qtbot: Any,
                                                                      demo_window: Any) -> None:
    """The demo holds Mohammad, Mohammed and Mohamed, no "Muhammad": typed, it finds them all
    (issue 18: "muhammad" found 0 cases while "mohammad" found 18)."""
    ws = demo_window.workspace
    demo_window.activateWindow()
    qtbot.waitUntil(demo_window.isActiveWindow)
    qtbot.keyClick(demo_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    done = ws.queries_done
    qtbot.keyClicks(ws.search, "mohammad")
    qtbot.waitUntil(lambda: ws.queries_done > done and ws.model.rowCount() > 0, timeout=5000)
    wait_idle(qtbot, demo_window)
    exact = ws.model.rowCount()
    ws.search.clear()
    done = ws.queries_done
    qtbot.keyClicks(ws.search, "muhammad")
    qtbot.waitUntil(lambda: ws.queries_done > done and ws.model.rowCount() > 0, timeout=5000)
    wait_idle(qtbot, demo_window)
    assert ws.model.rowCount() >= exact
    names = [f"{r.given_name_latin} {r.family_name_latin}"
             for r in (ws.model.row_at(i) for i in range(ws.model.rowCount()))]
    assert any("Mohammad" in n for n in names) and any("Mohammed" in n or "Mohamed" in n
                                                         for n in names)
    assert not any("Muhammad" in n for n in names)


def test_save_dialogs_start_in_documents_with_a_translated_name(qtbot: Any, demo_window: Any,
                                                                 monkeypatch: Any,
                                                                 tmp_path: Path) -> None:
    """Issue 18: file dialogs opened in the working folder; handout file names were English
    template keys."""
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from kimdesk.gui.handouts.dialog import HandoutDialog

    docs = tmp_path / "Dokumente"
    docs.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _kind: str(docs))
    asked: list[str] = []

    def save_as(_parent: Any, _title: str, name: str, _filters: str) -> tuple[str, str]:
        asked.append(name)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    _open_first(qtbot, demo_window)
    demo_window.actions_["handout"].trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, HandoutDialog) and w.isVisible())
    dialog.save_document()
    assert asked and Path(asked[0]).parent == docs
    assert Path(asked[0]).name.startswith(dialog.template_box.currentText())
    assert dialog.template_box.currentData() not in Path(asked[0]).name
    dialog.close()


def test_the_idle_lock_notice_counts_one_minute_in_the_singular(qtbot: Any,
                                                                demo_window: Any) -> None:
    """Issue 18: "Nach 1 Minuten ohne Eingabe gesperrt"."""
    from kimdesk import i18n

    demo_window.settings.idle_minutes = 1
    with i18n.language("de"):
        demo_window.auto_lock()
        wait_idle(qtbot, demo_window)
        text = demo_window.unlock_screen.error.text()
    assert "Nach 1 Minute ohne Eingabe gesperrt." in text


def test_notices_are_not_shown_in_the_colour_of_errors(qtbot: Any, demo_window: Any) -> None:
    """Issue 18: success messages were shown in red. The lock screen's line is red for a wrong
    passphrase and blue for the idle lock's notice (style sheet by the label's tone)."""
    from PySide6.QtGui import QColor, QPalette

    from kimdesk.gui.app import load_style

    load_style(QApplication.instance())  # type: ignore[arg-type]
    try:
        demo_window.auto_lock()
        wait_idle(qtbot, demo_window)
        label = demo_window.unlock_screen.error
        label.ensurePolished()
        assert label.text() and label.palette().color(QPalette.ColorRole.WindowText) != \
            QColor("#b00020")
        qtbot.keyClicks(demo_window.unlock_screen.passphrase, "wrong")
        qtbot.keyClick(demo_window.unlock_screen.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Wrong passphrase" in label.text(), timeout=15000)
        label.ensurePolished()
        assert label.palette().color(QPalette.ColorRole.WindowText) == QColor("#b00020")
    finally:
        QApplication.instance().setStyleSheet("")  # type: ignore[union-attr]
