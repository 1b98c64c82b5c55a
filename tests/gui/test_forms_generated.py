"""The compiled Designer files (kimdesk/gui/forms_generated/) are up to date and keep the widgets'
object names; their strings switch language through gettext.

How the staleness check works: for every ``ui/NAME.ui`` the test runs ``tools/build_ui.py``'s
``generate`` (pyside6-uic, then the deterministic gettext/type-hint post-processing) and compares
the result with the checked-in ``ui_NAME.py``; any difference fails with a diff and the command to
regenerate. CI has no build step, so this test is what keeps the two in step.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kimdesk import i18n

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kimdesk_build_ui_tool",
                                                  ROOT / "tools" / "build_ui.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _ui_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "ui").glob("*.ui"))


def _form_class(name: str) -> type:
    module = importlib.import_module(f"kimdesk.gui.forms_generated.ui_{name}")
    classes = [v for k, v in vars(module).items() if k.startswith("Ui_")]
    assert len(classes) == 1
    return classes[0]


def test_one_generated_module_per_designer_file() -> None:
    generated = sorted(p.stem.removeprefix("ui_")
                       for p in (ROOT / "kimdesk/gui/forms_generated").glob("ui_*.py"))
    assert generated == _ui_names()


@pytest.mark.parametrize("name", _ui_names())
def test_generated_file_is_what_uic_makes_of_the_ui_file(name: str) -> None:
    tool = _tool()
    ui_file = ROOT / "ui" / f"{name}.ui"
    expected = tool.generate(ui_file)
    actual = tool.output_path(ui_file).read_text("utf-8")
    diff = "".join(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True),
                                        "checked in", "pyside6-uic now"))
    assert diff == "", f"run: python tools/build_ui.py\n{diff[:4000]}"


def test_no_qt_translate_left() -> None:
    """Qt's .qm translation is not used: every string goes through gettext."""
    for path in (ROOT / "kimdesk/gui/forms_generated").glob("ui_*.py"):
        text = path.read_text("utf-8")
        assert "QCoreApplication.translate" not in text, path.name
        assert "from kimdesk.i18n import gettext as _" in text, path.name


def _build(qtbot: Any, name: str) -> tuple[Any, Any]:
    from PySide6.QtWidgets import QDialog, QWidget

    form_class = _form_class(name)
    tool = _tool()
    host = QDialog() if tool.top_widget_class(ROOT / "ui" / f"{name}.ui") == "QDialog" \
        else QWidget()
    qtbot.addWidget(host)
    form = form_class()
    form.setupUi(host)
    return form, host


@pytest.mark.parametrize("name", _ui_names())
def test_attributes_keep_their_object_names(qtbot: Any, name: str) -> None:
    """Tests (and the style sheet) find widgets by object name as well as by attribute."""
    from PySide6.QtWidgets import QWidget

    form, host = _build(qtbot, name)
    widgets = {k: v for k, v in vars(form).items() if isinstance(v, QWidget)}
    assert widgets
    for attribute, widget in widgets.items():
        assert widget.objectName() == attribute
        assert host.findChild(type(widget), attribute) is widget


@pytest.mark.parametrize("lang", i18n.UI_LANGUAGES)
def test_retranslate_follows_the_language(qtbot: Any, lang: str) -> None:
    form, host = _build(qtbot, "unlock")
    try:
        i18n.set_language(lang)
        form.retranslateUi(host)
        with i18n.language(lang):
            wanted = i18n.gettext("&Unlock")
        assert form.unlockButton.text() == wanted
        assert form.passphraseEdit.accessibleName() == i18n.gettext("Passphrase")
        assert (wanted == "&Unlock") is (lang == "en")
    finally:
        i18n.set_language("en")
    form.retranslateUi(host)
    assert form.unlockButton.text() == "&Unlock"
