"""A form definition that cannot be used is left out of the Forms tab's list, and the tab says
which and why. The reason was made into text when the forms were loaded, so after a language
switch it stayed in the old language (a review, 2026-12-07): now it is kept untranslated with its
arguments and read in the language of the moment it is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kimdesk.forms.registry import FormRegistry, shipped_dir
from kimdesk.i18n import language
from tests.gui.conftest import open_case, wait_idle

pytestmark = pytest.mark.gui

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

#: "the version is empty" as each language says it (the catalogs' words)
EMPTY_VERSION = {"de": "die Version ist leer", "en": "the version is empty",
                 "ar": "الإصدار فارغ"}


def broken_form(folder: Path) -> Path:
    """The shipped Verlauf form under another id with an empty version: one error."""
    data = yaml.safe_load((shipped_dir() / "verlauf.yaml").read_text("utf-8"))
    data["settings"]["form_id"] = "verlauf_kaputt"
    data["settings"]["version"] = ""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "verlauf_kaputt.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_a_reason_reads_in_the_language_current_when_it_is_read(tmp_path: Path) -> None:
    broken_form(tmp_path / "forms")
    with language("de"):
        registry = FormRegistry([shipped_dir(), tmp_path / "forms"])
    [item] = registry.unavailable
    for lang, words in EMPTY_VERSION.items():
        with language(lang):
            assert item.reason == f"settings.version: {words}"
    with language("ar"):
        assert str(registry.problems[item.path][0]).endswith(": خطأ: الإصدار فارغ")


def test_the_forms_tab_names_the_unusable_form_in_the_new_language(
        demo_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("KIMDESK_FORMS_DIR", str(tmp_path / "user-forms"))
    broken_form(tmp_path / "user-forms")
    window = demo_window
    window.switch_language("de")
    view = open_case(qtbot, window, window.workspace.model.row_at(0).case_id)
    tab = view.forms_tab
    qtbot.waitUntil(lambda: tab.registry is not None, timeout=10000)
    note = tab.unusable
    assert not note.isHidden()
    assert note.text() == ("1 Formular kann nicht verwendet werden:\n"
                           "verlauf_kaputt.yaml: settings.version: die Version ist leer")
    assert tab.combo.findData("verlauf_kaputt") < 0  # left out of the list
    window.switch_language("ar")
    wait_idle(qtbot, window)
    assert "الإصدار فارغ" in note.text(), note.text()
    assert "Version ist leer" not in note.text()
    view.tabs.setCurrentWidget(tab)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "unusable-forms-ar.png"))
    window.switch_language("en")
    assert note.text().endswith("settings.version: the version is empty")
    window.lock()
    assert note.isHidden()
