"""once() as in JavaRosa (issue 16): a calculation with once() is computed when its field is
empty and kept afterwards: typing on in its input does not change it, a reopened answer keeps it."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QLineEdit

from kimdesk.forms.checker import check_data
from kimdesk.forms.drafts import MemoryDraftStore
from kimdesk.gui.forms import FormWidget

FORM: dict[str, Any] = {
    "settings": {"form_id": "o", "version": "1", "title": {"en": "O"}, "default_language": "en",
                 "languages": ["en"]},
    "survey": [
        {"type": "text", "name": "who", "label": {"en": "Who"}},
        {"type": "calculate", "name": "first", "calculation": "once(${who})"},
        {"type": "calculate", "name": "live", "calculation": "concat('by ', ${who})"},
        {"type": "note", "name": "shown", "label": {"en": "Kept: ${first}"}},
    ],
}


def _who(w: FormWidget) -> QLineEdit:
    editor = w.editor("who")
    assert isinstance(editor, QLineEdit)
    return editor


def test_once_keeps_the_first_value_while_typing_and_after_reopen(qtbot: Any) -> None:
    form, problems = check_data(FORM)
    assert form is not None, [str(p) for p in problems]
    store = MemoryDraftStore()
    w = FormWidget(form, ui_language="en", draft_store=store, draft_key="k")
    qtbot.addWidget(w)
    qtbot.keyClicks(_who(w), "Ann")
    cleaned = w.cleaned_answers()
    # the first non-empty value ("A", after the first key) is kept; the plain calculation
    # follows every key
    assert cleaned["first"] == "A"
    assert cleaned["live"] == "by Ann"
    qtbot.keyClicks(_who(w), "e")
    assert w.cleaned_answers()["first"] == "A"
    # reopened from the saved answers (inputs changed since): still the kept value
    saved = {**w.cleaned_answers(), "who": "Bob"}
    again = FormWidget(form, ui_language="en")
    qtbot.addWidget(again)
    again.set_answers(saved)
    assert again.cleaned_answers()["first"] == "A"
    assert again.cleaned_answers()["live"] == "by Bob"
    # the draft carries the kept value too
    w.flush_draft()
    restored = FormWidget(form, ui_language="en", draft_store=store, draft_key="k")
    qtbot.addWidget(restored)
    assert restored.answers().get("first") == "A"
