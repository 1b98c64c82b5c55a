"""The Qt FormWidget offscreen: skip logic and validation while typing, a client-language column
with its own direction, drafts autosaved to a real vault and restored after a reopen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from kimdesk.forms.drafts import (
    MemoryDraftStore,
    VaultDraftStore,
    draft_key,
    save_consultation,
)
from kimdesk.forms.registry import FormRegistry
from kimdesk.gui.forms import FormWidget
from tests.conftest import PASSPHRASE

LTR, RTL = Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft


def click_choice(w: FormWidget, path: str, choice: str) -> None:
    editor = w.editor(path)
    assert editor is not None
    button = editor.findChild(QRadioButton, f"choice:{choice}") or editor.findChild(
        QCheckBox, f"choice:{choice}")
    assert button is not None, (path, choice)
    button.click()


def line(w: FormWidget, path: str) -> QLineEdit:
    editor = w.editor(path)
    assert isinstance(editor, QLineEdit), path
    return editor


def test_erstgespraech_fill_validate_save_reopen(qtbot: Any, make_vault: Any,
                                                 registry: FormRegistry, tmp_path: Path) -> None:
    from kimdesk.domain.models import Person
    from kimdesk.vault import Vault

    vault = make_vault(name="w.kdb")
    person = vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = vault.cases.open_case(person.id)
    form = registry.get("erstgespraech")
    key = draft_key(case.id, form.form_id)
    w = FormWidget(form, ui_language="de", client_language="uk",
                   draft_store=VaultDraftStore(vault), draft_key=key, autosave_ms=30)
    qtbot.addWidget(w)
    w.resize(1000, 900)
    w.show()

    # skip logic: the interpreter's language appears only once "yes" is chosen
    assert not w.is_shown("interpreter_language")
    click_choice(w, "interpreter", "yes")
    assert w.is_shown("interpreter_language")
    combo = w.editor("interpreter_language")
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("uk"))

    # live validation while typing (ASCII through the keyboard)
    qtbot.keyClicks(line(w, "household_size"), "3")
    assert w.is_shown("children_count")
    qtbot.keyClicks(line(w, "children_count"), "5")
    assert w.message("children_count") == "Es muss weniger Kinder als Personen im Haushalt geben."
    client_msg = w._rows["children_count"].client_message
    assert client_msg is not None and client_msg.isVisibleTo(w)
    assert "Дітей має бути менше" in client_msg.text()
    line(w, "children_count").clear()
    qtbot.keyClicks(line(w, "children_count"), "1")
    assert w.message("children_count") == ""

    click_choice(w, "urgent", "yes")
    assert w.is_shown("urgent_detail")
    qtbot.keyClicks(line(w, "urgent_detail"), "Frist Jobcenter 15.03.")
    summary = w.editor("summary")
    assert isinstance(summary, QPlainTextEdit)
    summary.setPlainText("Familie aus Charkiw, Wohnungssuche; Ärger mit Vermieter")  # non-ASCII

    # a draft is autosaved a moment after the last edit
    with qtbot.waitSignal(w.draftSaved, timeout=3000):
        qtbot.keyClicks(line(w, "urgent_detail"), "!")
    typed = w.answers()
    assert typed["household_size"] == 3 and typed["children_count"] == 1
    assert typed["urgent_detail"] == "Frist Jobcenter 15.03.!"

    # required answers are flagged on a save attempt
    issues = w.show_all_issues()
    assert {"consultation_date", "contact_source", "place", "residence_status",
            "handlungsfelder", "wants_case_management"} <= {i.field for i in issues}
    assert w.message("place") == "Diese Angabe ist erforderlich."
    w.close()

    # "crash": the vault is closed without saving anything else; reopen it and the draft
    vault.close()
    vault = Vault.open(tmp_path / "w.kdb", PASSPHRASE)
    try:
        w2 = FormWidget(form, ui_language="de", draft_store=VaultDraftStore(vault),
                        draft_key=key)
        qtbot.addWidget(w2)
        assert w2.answers() == typed
        assert w2.client_language() == "uk"  # the draft remembers the client's language
        assert line(w2, "household_size").text() == "3"
        assert w2.is_shown("urgent_detail")
        w2.set_value("consultation_date", "2026-02-20")
        click_choice(w2, "contact_source", "self")
        click_choice(w2, "place", "office")
        w2.set_value("residence_status", "par24")
        click_choice(w2, "handlungsfelder", "housing")
        click_choice(w2, "wants_case_management", "no")
        assert w2.is_valid(), [(i.path, i.kind) for i in w2.issues()]
        stored, problems = save_consultation(vault, case.id, form, w2.answers(),
                                             draft_store=VaultDraftStore(vault), draft=key)
        assert problems == [] and stored is not None
        w2.discard_draft()  # stored: nothing left to autosave
        assert VaultDraftStore(vault).load(key) is None

        # reopen the stored consultation with the version it was recorded in
        again = vault.consultations.get(stored.id)
        w3 = FormWidget(registry.for_consultation(again), answers=again.answers,
                        ui_language="de", read_only=True)
        qtbot.addWidget(w3)
        assert w3.answers() == again.answers
        assert again.answers["summary"].endswith("Ärger mit Vermieter")
        assert line(w3, "household_size").text() == "3"
        assert not line(w3, "household_size").isEnabled()
    finally:
        vault.close()


def test_arabic_beside_german_directions(qtbot: Any, registry: FormRegistry,
                                         tmp_path: Path) -> None:
    w = FormWidget(registry.get("erstgespraech"), ui_language="de", client_language="ar")
    qtbot.addWidget(w)
    w.resize(1100, 1400)
    w.show()
    assert w.layoutDirection() == LTR
    counselor, client = w.cells("residence_status")
    assert counselor is not None and client is not None
    assert counselor.layoutDirection() == LTR and client.layoutDirection() == RTL
    assert counselor.mapTo(w, counselor.rect().topLeft()).x() < client.mapTo(
        w, client.rect().topLeft()).x()  # German on the left, Arabic on the right
    title = w.findChild(QWidget, "title-client")
    assert title is not None and title.layoutDirection() == RTL
    assert any("المقابلة الأولى" in lbl.text() for lbl in title.findChildren(QLabel))
    # a counselor working in Arabic with a German-speaking client: everything mirrors
    w.set_ui_language("ar")
    w.set_client_language("de")
    assert w.layoutDirection() == RTL
    counselor, client = w.cells("residence_status")
    assert counselor is not None and client is not None
    assert counselor.layoutDirection() == RTL and client.layoutDirection() == LTR
    w.set_client_language(None)
    assert w.cells("residence_status")[1] is None
    assert not w.grab().isNull()


def test_repeat_and_legal_banner(qtbot: Any, registry: FormRegistry) -> None:
    store = MemoryDraftStore()
    w = FormWidget(registry.get("hilfeplan"), ui_language="de", client_language="fa",
                   draft_store=store, draft_key="k")
    qtbot.addWidget(w)
    add = w.editor("goals")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert w.editor("goals.0.goal_text") is not None
    qtbot.keyClicks(line(w, "goals.0.goal_text"), "Deutschkurs B1")
    assert not w.is_shown("goals.0.goal_agency")
    click_choice(w, "goals.0.responsible", "agency")
    assert w.is_shown("goals.0.goal_agency")
    w.add_repeat("goals")
    assert w.answers()["goals"][0]["goal_text"] == "Deutschkurs B1"
    assert len(w.answers()["goals"]) == 2
    w.flush_draft()
    draft = store.load("k")
    assert draft is not None and draft["answers"]["goals"][0]["responsible"] == ["agency"]

    consent = FormWidget(registry.get("einwilligung"), ui_language="de", client_language="ar")
    qtbot.addWidget(consent)
    banners = [lbl.text() for lbl in consent.findChildren(QLabel, "legal-unreviewed")]
    assert "Entwurf, nicht juristisch geprüft" in banners
    assert "ترجمة لم تخضع لمراجعة قانونية" in banners
    assert not consent.is_shown("recipients")
    click_choice(consent, "purposes", "share_with_agency")
    assert consent.is_shown("recipients")
    assert consent.message("purposes") == (
        "Ohne Einwilligung in das Case Management selbst sind die übrigen Zwecke nicht möglich.")


def test_defaults_fill_new_forms_only(qtbot: Any, registry: FormRegistry) -> None:
    from datetime import date

    form = registry.get("verlauf")
    w = FormWidget(form, ui_language="tr", client_language="fa", today=date(2026, 2, 3))
    qtbot.addWidget(w)
    assert w.answers() == {"consultation_date": "2026-02-03", "duration": 60}
    stored = FormWidget(form, answers={"duration": 30}, ui_language="de")
    qtbot.addWidget(stored)
    assert stored.answers() == {"duration": 30}  # stored answers are never completed


def test_preview_command_writes_a_screenshot(tmp_path: Path, qtbot: Any) -> None:
    from kimdesk.cli import main

    out = tmp_path / "preview.png"
    assert main(["forms", "preview", "einwilligung", "--client", "ar",
                 "--screenshot", str(out)]) == 0
    assert out.stat().st_size > 10_000


def test_refresh_touches_qt_only_where_something_changed(qtbot: Any,
                                                         registry: FormRegistry) -> None:
    """Live validation runs after every keystroke. PySide6 6.12 on Python 3.11 leaks a reference
    to None with every void Qt call, so a refresh that changes nothing must make none (on
    Python >= 3.12 None is immortal and this test cannot fail)."""
    import sys

    w = FormWidget(registry.get("erstgespraech"), ui_language="de", client_language="ar")
    qtbot.addWidget(w)
    w.set_value("household_size", 3)
    w.set_value("children_count", 5)
    import gc

    w._refresh()
    gc.collect()
    was_enabled = gc.isenabled()  # off in this test session (tests/conftest.py)
    gc.disable()  # freeing unrelated garbage would lower the count legitimately
    try:
        before = sys.getrefcount(None)
        for _ in range(300):
            w._refresh()
        after = sys.getrefcount(None)
    finally:
        if was_enabled:
            gc.enable()
    assert before - after < 50
    assert w.message("children_count")


def test_language_picker(qtbot: Any, registry: FormRegistry) -> None:
    w = FormWidget(registry.get("abschluss"), ui_language="de", language_picker=True)
    qtbot.addWidget(w)
    picker = w.findChild(QComboBox, "client-language-picker")
    assert picker is not None and picker.count() == 7  # none + six other languages
    assert picker.itemText(picker.findData("fa")) == "فارسی"
    picker.setCurrentIndex(picker.findData("fa"))
    qtbot.waitUntil(lambda: w.client_language() == "fa", timeout=2000)
    client_cell = w.cells("closure_reason")[1]
    assert client_cell is not None and client_cell.layoutDirection() == RTL
    again = w.findChild(QComboBox, "client-language-picker")
    assert again is not None and again.currentData() == "fa"
