"""The form view filters a cascading select live and follows a repeat_count (issue 16), driven
by clicks and typed keys on the real widgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QRadioButton

from kimdesk.forms.checker import check_definition
from kimdesk.forms.xlsform import import_xlsform
from kimdesk.gui.forms import FormWidget
from kimdesk.i18n import language

MD = """
| survey   |                  |          |          |                 |              |
|          | type             | name     | label    | choice_filter   | repeat_count |
|          | select_one state | state    | State    |                 |              |
|          | select_one dist  | district | District | st = ${state}   |              |
|          | integer          | n        | Kids     |                 |              |
|          | begin repeat     | kid      | Kid      |                 | ${n}         |
|          | text             | kname    | Name     |                 |              |
|          | end repeat       |          |          |                 |              |
| choices  |                  |          |          |
|          | list_name        | name     | label    | st              |
|          | state            | nrw      | NRW      |                 |
|          | state            | by       | Bayern   |                 |
|          | dist             | koeln    | Koeln    | nrw             |
|          | dist             | bonn     | Bonn     | nrw             |
|          | dist             | muc      | Muenchen | by              |
| settings |                  |          |
|          | form_id          | version  |
|          | cascade          | 1        |
"""


def _visible_choices(w: FormWidget) -> list[str]:
    editor = w.editor("district")
    assert editor is not None
    return [b.objectName().split(":", 1)[1] for b in editor.findChildren(QRadioButton)
            if b.isVisibleTo(editor)]


def _widget(tmp_path: Path, md: str) -> FormWidget:
    path = tmp_path / "f.md"
    path.write_text(md, encoding="utf-8")
    with language("en"):
        result = import_xlsform(path, default_language="en")
        assert result.definition is not None
        form, _problems = check_definition(result.definition)
    assert form is not None
    return FormWidget(form, ui_language="en")


def test_cascading_select_and_repeat_count(qtbot: Any, tmp_path: Path) -> None:
    w = _widget(tmp_path, MD)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    assert _visible_choices(w) == []
    state = w.editor("state")
    assert state is not None
    nrw, by = (state.findChild(QRadioButton, f"choice:{c}") for c in ("nrw", "by"))
    assert nrw is not None and by is not None
    nrw.click()
    assert _visible_choices(w) == ["koeln", "bonn"]
    by.click()
    assert _visible_choices(w) == ["muc"]
    # repeat_count: typing the number makes the instances
    n = w.editor("n")
    assert isinstance(n, QLineEdit)
    qtbot.keyClicks(n, "3")
    assert len(w.answers()["kid"]) == 3
    assert w.editor("kid.2.kname") is not None
    n = w.editor("n")
    assert isinstance(n, QLineEdit)
    qtbot.mouseClick(n, Qt.MouseButton.LeftButton)  # the counselor clicks into the field
    qtbot.waitUntil(n.hasFocus)
    n.selectAll()
    qtbot.keyClicks(n, "1")
    assert len(w.answers()["kid"]) == 1
    # the rebuild keeps the focus in the field being typed in: "12" is twelve, not "1"
    n = w.editor("n")
    assert isinstance(n, QLineEdit) and n.hasFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "2")
    assert w.answers()["n"] == 12 and len(w.answers()["kid"]) == 12
    w.grab().save(str(tmp_path / "cascade.png"))


LIVE = """
| survey   |          |        |                          |                        |
|          | type     | name   | label                    | hint                   |
|          | text     | who    | Name                     |                        |
|          | integer  | age    | How old is ${who}?       | ${who} said: ${who}    |
| settings |          |        |
|          | form_id  | version|
|          | live     | 1      |
"""


def test_labels_and_hints_show_answers_live(qtbot: Any, tmp_path: Path) -> None:
    from kimdesk.gui.forms.bilingual import Cell

    w = _widget(tmp_path, LIVE)
    qtbot.addWidget(w)
    who = w.editor("who")
    assert isinstance(who, QLineEdit)
    qtbot.keyClicks(who, "Ana")
    cell, _client = w.cells("age")
    assert isinstance(cell, Cell) and cell.hint is not None
    assert cell.label.text() == "How old is Ana?"
    assert cell.hint.text() == "Ana said: Ana"


def test_a_repeat_opens_no_stray_window(qtbot: Any, tmp_path: Path) -> None:
    """The repeat's Add button once got setVisible(True) before it had a parent: Qt showed it
    as a window of its own, which took the focus from the main window (Ctrl+L stopped locking)."""
    w = _widget(tmp_path, MD.replace("| ${n}         |", "|              |"))
    assert not w.form.by_name["kid"].row.repeat_count
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.set_answers({"kid": [{"kname": "Ana"}]})  # a rebuild with a repeat instance
    QApplication.processEvents()  # deliver the (de)activation events, if any
    assert QApplication.activeWindow() is w
