"""Issue 18, item 10: nationalities and languages are chosen by their CLDR name in the interface
language (typed, searchable), and stored as ISO codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from kimdesk.gui.codepicker import EXTRA_LANGUAGES, CodePicker
from kimdesk.gui.fields import FieldForm
from kimdesk.i18n import set_language
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def person_form(qtbot: Any) -> Any:
    from kimdesk.gui.records import PERSON_FIELDS

    def make(lang: str) -> FieldForm:
        set_language(lang)
        form = FieldForm(PERSON_FIELDS)
        qtbot.addWidget(form)
        form.show()
        form.activateWindow()
        qtbot.waitUntil(form.isActiveWindow)
        return form

    yield make
    set_language("en")


def _offered(picker: CodePicker) -> list[str]:
    model = picker.completer_.completionModel()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def _choose(qtbot: Any, picker: CodePicker, typed: str, downs: int = 0) -> None:
    """Type into the picker, move down the offered names, Enter (the keys go to the popup while
    it is open, as Qt routes them)."""
    picker.setFocus()
    qtbot.keyClicks(picker, typed)
    popup = picker.popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    for _down in range(downs):
        qtbot.keyClick(QApplication.activePopupWidget() or popup, Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.activePopupWidget() or popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=3000)


def test_typing_part_of_a_german_name_stores_the_code(qtbot: Any, person_form: Any,
                                                      tmp_path: Path) -> None:
    form = person_form("de")
    picker = form.inputs["nationalities"]
    assert isinstance(picker, CodePicker)
    picker.setFocus()
    qtbot.keyClicks(picker, "Syr")
    qtbot.waitUntil(picker.popup().isVisible, timeout=3000)
    assert "Syrien" in _offered(picker)
    assert picker.popup().currentIndex().data() == "Syrien"  # Enter takes it
    form.window().grab().save(str(tmp_path / "picker-de.png"))
    picker.popup().grab().save(str(tmp_path / "picker-popup-de.png"))
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Return)
    assert picker.text() == "Syrien"
    assert form.values()["nationalities"] == ["SY"]
    # A second one after ";": "Ira" offers Irak before Iran, Down picks Iran.
    qtbot.keyClicks(picker, "; ira")
    assert _offered(picker)[:2] == ["Irak", "Iran"]
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Return)
    assert picker.text() == "Syrien; Iran"
    assert form.values()["nationalities"] == ["SY", "IR"]
    # Languages: several, and the preferred one out of them; all stored as codes.
    _choose(qtbot, form.inputs["languages"], "arab")
    qtbot.keyClicks(form.inputs["languages"], "; kurd")
    offered = _offered(form.inputs["languages"])
    assert {"Kurdisch", "Zentralkurdisch"} <= set(offered), offered
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Escape)
    form.inputs["languages"].clear()
    _choose(qtbot, form.inputs["languages"], "arab")
    _choose(qtbot, form.inputs["preferred_language"], "arab")
    assert form.values()["languages"] == ["ar"]
    assert form.values()["preferred_language"] == "ar"
    assert form.input_errors() == {}


def test_arabic_names_and_stored_values_shown_as_names(qtbot: Any, person_form: Any) -> None:
    form = person_form("ar")
    form.set_values({"nationalities": ["SY", "IQ"], "languages": ["ar", "ckb"],
                     "preferred_language": "ar", "gender": "female"})
    assert form.inputs["nationalities"].text() == "سوريا; العراق"
    assert form.inputs["languages"].text() == "العربية; السورانية الكردية"
    assert form.inputs["preferred_language"].text() == "العربية"
    assert "سوريا" in form.inputs["nationalities"].completer_.model().stringList()
    assert form.values()["nationalities"] == ["SY", "IQ"]
    # An ISO code typed directly is understood in any language.
    form.inputs["nationalities"].clear()
    qtbot.keyClicks(form.inputs["nationalities"], "ua")
    assert form.values()["nationalities"] == ["UA"]
    # The language switches: the names follow, the codes stay, and that is no edit.
    form.mark_clean()
    set_language("de")
    form.retranslate()
    assert form.inputs["nationalities"].text() == "Ukraine"
    assert form.inputs["languages"].text() == "Arabisch; Zentralkurdisch"
    assert not form.dirty


def test_unknown_text_gives_a_translated_error_and_stays(qtbot: Any, person_form: Any) -> None:
    form = person_form("de")
    picker = form.inputs["nationalities"]
    _choose(qtbot, picker, "Syr")
    qtbot.keyClicks(picker, "; Atlantis")
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Escape)
    errors = form.input_errors()
    assert errors == {
        "nationalities": "Unbekanntes Land: Atlantis. Wählen Sie einen Namen aus der Liste."}
    form.show_errors(errors)
    label = form.errors["nationalities"]
    assert isinstance(label, QLabel) and label.isVisible() and "Atlantis" in label.text()
    assert picker.text() == "Syrien; Atlantis"  # nothing lost
    assert form.snapshot()["nationalities"] == "Syrien; Atlantis"  # a draft keeps the text
    # Commas work where they are no part of a name.
    picker.setText("SY, Irak")
    assert form.values()["nationalities"] == ["SY", "IQ"] and not form.input_errors()


def test_offered_languages_match_the_form_code_list() -> None:
    from kimdesk.forms.codelists import EXTRA_LANGUAGES as FORM_EXTRAS

    assert EXTRA_LANGUAGES == FORM_EXTRAS


def test_case_view_shows_names_and_saves_codes(qtbot: Any, demo_window: Any,
                                               tmp_path: Path) -> None:
    window = demo_window
    window.switch_language("de")
    ws = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(ws.search, "Kassem")
    qtbot.keyClick(ws.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.case_view.bundle is not None, timeout=5000)
    wait_idle(qtbot, window)
    view = ws.case_view
    person = view.bundle.person
    picker = view.person_form.inputs["nationalities"]
    assert person.nationalities and picker.text() == "; ".join(
        picker.name(code) for code in person.nationalities)
    assert all(code not in picker.text().split("; ") for code in person.nationalities)
    picker.setFocus()
    picker.end(False)
    _choose(qtbot, picker, "; Ukrai")
    window.grab().save(str(tmp_path / "case-picker-de.png"))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.bundle is not None
                    and view.bundle.person.nationalities[-1:] == ["UA"], timeout=5000)
    assert picker.text().endswith("; Ukraine")


def test_accents_are_folded_on_both_sides(qtbot: Any, person_form: Any) -> None:
    """Typed without accents on a plain keyboard, a name with them is still offered and
    taken ("Turk" -> Türkei, "Cote" -> Côte d'Ivoire); typed with them, too."""
    form = person_form("de")
    picker = form.inputs["nationalities"]
    picker.setFocus()
    qtbot.keyClicks(picker, "Turk")
    qtbot.waitUntil(picker.popup().isVisible, timeout=3000)
    assert "Türkei" in _offered(picker)
    assert picker.popup().currentIndex().data() == "Türkei"
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.popup().isVisible(), timeout=3000)
    assert picker.text() == "Türkei"  # the real name, not the folded one
    qtbot.keyClicks(picker, "; cote")
    qtbot.waitUntil(picker.popup().isVisible, timeout=3000)
    offered = _offered(picker)
    assert any(name.startswith("Côte") for name in offered), offered
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.popup().isVisible(), timeout=3000)
    assert form.values()["nationalities"] == ["TR", "CI"]
    # typed in full without the accents and not chosen from the list: still understood
    picker.clear()
    qtbot.keyClicks(picker, "Turkei")
    qtbot.keyClick(QApplication.activePopupWidget() or picker, Qt.Key.Key_Escape)
    assert form.values()["nationalities"] == ["TR"] and not form.input_errors()
    # languages in English: "Francais"-style folding works there too
    set_language("en")
    form.retranslate()
    languages = form.inputs["languages"]
    languages.clear()
    languages.setFocus()
    qtbot.keyClicks(languages, "volapu")
    qtbot.waitUntil(languages.popup().isVisible, timeout=3000)
    assert "Volapük" in _offered(languages)


def test_a_consultations_languages_are_chosen_by_name(qtbot: Any, tmp_path: Path) -> None:
    """The consultation's interpreter language and language were lines for an ISO code: "fa"
    in every interface language (a walk through the GUI, 2026-12-07). They are chosen by name
    now, like the person's languages, and stored as codes."""
    from kimdesk.gui.records import KINDS

    consultation = next(k for k in KINDS if k.key == "consultations")
    set_language("de")
    try:
        form = FieldForm(consultation.fields)
        qtbot.addWidget(form)
        form.show()
        form.activateWindow()
        qtbot.waitUntil(form.isActiveWindow)
        form.set_values({"language": "fa"})
        assert form.inputs["language"].text() == "Persisch"
        _choose(qtbot, form.inputs["interpreter_language"], "Arab")
        assert form.values()["interpreter_language"] == "ar"
        assert form.values()["language"] == "fa"
        form.window().grab().save(str(tmp_path / "consultation-de.png"))
    finally:
        set_language("en")
