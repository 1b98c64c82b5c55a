"""FormWidget: a consultation form rendered from a definition, with a client-language column.

Each question is one row of a grid: the counselor's language on one side, the input in the middle,
the client's language on the other side. Each of the two text columns has its own layout
direction (German left-to-right beside Arabic right-to-left); the grid itself follows the
counselor's language. Skip logic, calculations and validation come from
:class:`kimdesk.forms.engine.FormState` after every edit; a required answer is flagged once its
field has been touched (or after :meth:`FormWidget.show_all_issues`), a constraint as soon as the
value breaks it. Drafts are saved through a :class:`kimdesk.forms.drafts.DraftStore` a moment after
each edit, and at once on :meth:`flush_draft` (call it before an auto-lock).

The widget holds the state and the public API; the parts are modules of their own:
:mod:`.body` (grid, groups, repeats), :mod:`.editors` (one input per field type),
:mod:`.bilingual` (directions, label cells, title, language picker), :mod:`.refresh` (skip logic
and messages on the rows) and :mod:`.autosave` (drafts); the answers being edited are a
Qt-free :class:`kimdesk.forms.answer_tree.AnswerTree`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication, QFrame, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from kimdesk.forms.answer_tree import AnswerTree
from kimdesk.forms.attachments import ChosenFile, FormFiles
from kimdesk.forms.cascade import sync_repeat_counts
from kimdesk.forms.definition import Field, Form
from kimdesk.forms.drafts import DraftStore
from kimdesk.forms.engine import FormState, Issue, Scope, apply_defaults
from kimdesk.gui.forms.autosave import DraftAutosave
from kimdesk.gui.forms.bilingual import direction, header, language_picker
from kimdesk.gui.forms.body import BodyBuilder
from kimdesk.gui.forms.refresh import apply_state
from kimdesk.gui.forms.rows import Row
from kimdesk.i18n import current_language


class FormWidget(QWidget):
    """A form filled in a consultation. See docs/forms.md ("Embedding the form widget").

    ``answers`` is the JSON-shaped answer dict (as stored in ``Consultation.answers``). With a
    ``draft_store`` and ``draft_key`` the widget restores a matching draft when no answers are
    given, and autosaves ``autosave_ms`` after the last edit."""

    answersChanged = Signal(dict)
    validityChanged = Signal(bool)
    draftSaved = Signal(str)

    def __init__(
        self,
        form: Form,
        *,
        answers: dict[str, Any] | None = None,
        ui_language: str | None = None,
        client_language: str | None = None,
        draft_store: DraftStore | None = None,
        draft_key: str | None = None,
        autosave_ms: int = 800,
        today: date | None = None,
        read_only: bool = False,
        language_picker: bool = False,
        files: FormFiles | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        #: Files chosen for file questions (stored with the consultation on save) and stored
        #: files read for display (kimdesk/forms/attachments.py).
        self.files = files or FormFiles()
        self.ui_language = ui_language or current_language()
        # The client language asked for, kept while the counselor's language equals it (the
        # column is hidden then: the same language twice) and shown again after switching away.
        self._wanted = client_language
        self._client = client_language if client_language != self.ui_language else None
        self.today = today
        self.read_only = read_only
        self.language_picker = language_picker
        self._answers = AnswerTree(answers)
        self._rows: dict[str, Row] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._valid: bool | None = None
        self._issues: list[Issue] = []
        self._loading = False
        self._drafts = DraftAutosave(self, form, draft_store, draft_key, autosave_ms,
                                     lambda: (self.answers(), self._wanted), self.draftSaved.emit)
        self.setObjectName(f"form:{form.form_id}")
        self.setLayoutDirection(direction(self.ui_language))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self._scroll)
        if answers is None and not self.restore_draft():
            apply_defaults(form, form.fields, self._answers.data, today)
        self._build()

    # -- drafts ------------------------------------------------------------------------------------
    @property
    def draft_store(self) -> DraftStore | None:
        """Where drafts go; set it to None to stop saving drafts (after the answers are stored)."""
        return self._drafts.store

    @draft_store.setter
    def draft_store(self, store: DraftStore | None) -> None:
        self._drafts.store = store

    @property
    def draft_key(self) -> str | None:
        return self._drafts.key

    @draft_key.setter
    def draft_key(self, key: str | None) -> None:
        self._drafts.key = key

    def flush_draft(self) -> None:
        """Save the draft now if anything changed since the last save."""
        self._drafts.flush()

    def restore_draft(self) -> bool:
        """Load the draft saved for this form version, if any (True when one was loaded)."""
        payload = self._drafts.load()
        if payload is None:
            return False
        self._answers = AnswerTree(payload.get("answers") or {})
        if payload.get("client_language") and self._wanted is None:
            lang = str(payload["client_language"])
            self._wanted = lang
            self._client = lang if lang != self.ui_language else None
        if self._rows:
            self._build()
        return True

    def discard_draft(self) -> None:
        self._drafts.discard()

    def hideEvent(self, event: Any) -> None:
        self._drafts.flush_quietly()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self._drafts.flush_quietly()
        super().closeEvent(event)

    # -- public API ----------------------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """The answers as entered (a copy; irrelevant answers kept, see ``cleaned_answers``)."""
        return self._answers.copy()

    def cleaned_answers(self) -> dict[str, Any]:
        """Answers for storage: calculations filled, irrelevant answers dropped."""
        return self._state().cleaned()

    def set_answers(self, answers: dict[str, Any]) -> None:
        self._answers = AnswerTree(answers)
        self._build()

    def issues(self) -> list[Issue]:
        return list(self._issues)

    def is_valid(self) -> bool:
        return not self._issues

    def client_language(self) -> str | None:
        return self._client

    def form_body(self) -> QWidget:
        """The widget holding every row (inside the scroll area): grab it for a full image."""
        body = self._scroll.widget()
        assert body is not None
        return body

    def client_languages(self) -> list[str]:
        """Languages the form is written in, other than the counselor's (offer these; any other
        language would show the form's default language in the client column)."""
        return [lang for lang in self.form.languages if lang != self.ui_language]

    def set_client_language(self, lang: str | None) -> None:
        """Show (or, with None, hide) the client-language column; answers are kept."""
        self._wanted = lang
        self._client = lang if lang != self.ui_language else None
        self._build()

    def set_ui_language(self, lang: str) -> None:
        self.ui_language = lang
        self.setLayoutDirection(direction(lang))
        # The client's column survives a switch of the interface language (issue 18.5): hidden
        # only while both languages are the same, back when they differ again.
        self._client = self._wanted if self._wanted != lang else None
        self._build()

    def show_all_issues(self) -> list[Issue]:
        """Flag every problem, touched or not (call before saving); returns them."""
        self._show_all = True
        self._refresh()
        return self.issues()

    def editor(self, path: str) -> QWidget | None:
        """The input widget of a field (``name`` or ``repeat.0.name``), for tests and focus."""
        row = self._rows.get(path)
        return row.editor if row else None

    def is_shown(self, path: str) -> bool:
        row = self._rows.get(path)
        return bool(row and row.widgets and not row.widgets[0].isHidden())

    def message(self, path: str) -> str:
        row = self._rows.get(path)
        return row.message.text() if row and row.message else ""

    def cells(self, path: str) -> tuple[QWidget | None, QWidget | None]:
        """(counselor cell, client cell) of a row: each carries its own layout direction."""
        row = self._rows.get(path)
        return (row.counselor_cell, row.client_cell) if row else (None, None)

    def set_value(self, path: str, value: Any) -> None:
        """Set an answer programmatically (updates the editor, validation and the draft)."""
        row = self._rows.get(path)
        if row is None or row.setter is None:
            raise KeyError(path)
        row.setter(value)

    def add_repeat(self, path: str) -> None:
        """Add an instance to the repeat at ``path`` (as the Add button does)."""
        row = self._rows.get(path)
        if row is None or row.field.kind != "repeat":
            raise KeyError(path)
        self._add_instance(row.field, row.scope)

    def show_files(self, loaded: dict[str, ChosenFile]) -> None:
        """Stored files read for display (read on the database worker): sizes, thumbnails and
        "Save as…" appear."""
        self.files.loaded.update(loaded)
        self._build()

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        sync_repeat_counts(self.form, self._answers, self.today)
        self._loading = True
        self._rows.clear()
        body = QWidget()
        body.setObjectName("form-body")
        layout = QVBoxLayout(body)
        picker = (language_picker(self.ui_language, self.client_languages(), self._client,
                                  self.set_client_language) if self.language_picker else None)
        layout.addWidget(header(self.form, self.ui_language, self._client, picker))
        builder = BodyBuilder(
            self.form, ui_language=self.ui_language, client_language=self._client,
            read_only=self.read_only, answers=self._answers, rows=self._rows, commit=self._set,
            add_instance=self._add_instance, remove_instance=self._remove_instance,
            files=self.files)
        grid = builder.grid()
        layout.addLayout(grid)
        builder.fields(self.form.fields, (), grid)
        layout.addStretch(1)
        old = self._scroll.takeWidget()
        self._scroll.setWidget(body)
        if old is not None:
            old.deleteLater()
        self._loading = False
        self._refresh(emit=False)

    # -- model ---------------------------------------------------------------------------------
    def _set(self, f: Field, scope: Scope, key: str, value: Any) -> None:
        if self._loading:
            return
        self._answers.set(f.name, scope, value)
        self._touched.add(key)
        self._changed()

    def _add_instance(self, f: Field, scope: Scope) -> None:
        self._answers.add_instance(self.form, f, scope, self.today)
        self._build()
        self._changed()

    def _remove_instance(self, f: Field, scope: Scope, i: int) -> None:
        self._answers.remove_instance(f.name, scope, i)
        self._build()
        self._changed()

    def _changed(self) -> None:
        if sync_repeat_counts(self.form, self._answers, self.today):
            self._rebuild_keeping_focus()
        self._drafts.changed()
        self._refresh()
        self.answersChanged.emit(self.answers())

    def _rebuild_keeping_focus(self) -> None:
        """A changed repeat_count rebuilds the body; the field being typed in keeps the focus
        and its cursor, so typing "12" after "1" goes on in the same field."""
        focused = QApplication.focusWidget()
        path = next((key for key, row in self._rows.items() if row.editor is focused), None)
        cursor = focused.cursorPosition() if isinstance(focused, QLineEdit) else None
        self._build()
        editor = self.editor(path) if path else None
        if editor is not None:
            editor.setFocus()
            if isinstance(editor, QLineEdit) and cursor is not None:
                editor.setCursorPosition(cursor)

    def _state(self) -> FormState:
        # the counselor's language is the form's current language where the form has it
        lang = self.ui_language if self.ui_language in self.form.languages else None
        state = FormState(self.form, self._answers.data, today=self.today, language=lang)
        if self._answers.keep_once(state):  # once(): the first value is kept (JavaRosa)
            state = FormState(self.form, self._answers.data, today=self.today, language=lang)
        return state

    def _refresh(self, emit: bool = True) -> None:
        """Apply skip logic, note texts and validation messages to the rendered rows."""
        state = self._state()
        self._issues = state.issues()
        apply_state(self._rows, state, self._issues, self._touched, self._show_all,
                    self.ui_language, self._client)
        valid = not self._issues
        if emit and valid != self._valid:
            self.validityChanged.emit(valid)
        self._valid = valid


__all__ = ["FormWidget"]
