"""The form's body: one grid line per question, a frame per group, a framed list per repeat.

Each question is one line of a three-column grid: the counselor's language, the input, the
client's language. Notes (long legal texts) have no input and share the full width between the
two languages instead. Every rendered field gets a :class:`~kimdesk.gui.forms.rows.Row`, filed
under its path (``name`` or ``repeat.0.name``) for refreshing, tests and focus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kimdesk.forms.answer_tree import AnswerTree
from kimdesk.forms.attachments import FILE_TYPES, FormFiles
from kimdesk.forms.definition import HIDDEN_TYPES, Field, Form
from kimdesk.forms.engine import Scope, path_key
from kimdesk.gui.forms.bilingual import (
    MSG_ADD,
    MSG_REMOVE,
    Cell,
    aligned,
    text_cell,
    tinted,
    tr,
)
from kimdesk.gui.forms.editors import EditorFactory
from kimdesk.gui.forms.rows import NoteText, Row


def new_grid(with_client: bool) -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(12)
    grid.setColumnStretch(0, 3)
    grid.setColumnStretch(1, 4)
    grid.setColumnStretch(2, 3 if with_client else 0)
    return grid


class BodyBuilder:
    """Renders fields into grids for one build of the form, filing each row in ``rows``.

    What the user does goes back to the widget through three callbacks: ``commit(field, scope,
    path, value)`` for an edited answer, ``add_instance(repeat, scope)`` and
    ``remove_instance(repeat, scope, index)`` for the repeat buttons."""

    def __init__(
        self,
        form: Form,
        *,
        ui_language: str,
        client_language: str | None,
        read_only: bool,
        answers: AnswerTree,
        rows: dict[str, Row],
        commit: Callable[[Field, Scope, str, Any], None],
        add_instance: Callable[[Field, Scope], None],
        remove_instance: Callable[[Field, Scope, int], None],
        files: FormFiles | None = None,
    ) -> None:
        self.form = form
        self.ui = ui_language
        self.client = client_language
        self.read_only = read_only
        self.answers = answers
        self.rows = rows
        self.commit = commit
        self.add_instance = add_instance
        self.remove_instance = remove_instance
        self.editors = EditorFactory(form, ui_language, client_language)
        self.editors.files = files or FormFiles()
        self.editors.read_only = read_only

    def grid(self) -> QGridLayout:
        return new_grid(bool(self.client))

    def fields(self, fields: list[Field], scope: Scope, grid: QGridLayout) -> None:
        for f in fields:
            if f.kind == "calculate" or f.kind in HIDDEN_TYPES:
                continue
            if f.kind == "group":
                self.group(f, scope, grid)
            elif f.kind == "repeat":
                self.repeat(f, scope, grid)
            else:
                self.question(f, scope, grid)

    # -- one question ----------------------------------------------------------------------------
    def cells(self, f: Field, grid: QGridLayout, row: Row) -> int:
        """The label cells of a row in both languages; returns the grid line they are on."""
        r = grid.rowCount()
        required = f.row.required is True
        counselor = text_cell(self.form, f, self.ui, "counselor-cell", required)
        client = (text_cell(self.form, f, self.client, "client-cell", required)
                  if self.client else None)
        row.counselor_cell, row.client_cell = counselor, client
        if f.kind == "note":
            # Notes (long legal texts) have no input: both languages share the full width,
            # half each, instead of leaving the input column empty.
            band = QWidget()
            band.setObjectName("note-row")
            hbox = QHBoxLayout(band)
            hbox.setContentsMargins(0, 2, 0, 2)
            hbox.setSpacing(24)
            hbox.addWidget(counselor, 1)
            if client is not None:
                hbox.addWidget(client, 1)
            grid.addWidget(band, r, 0, 1, 3)
            row.widgets.append(band)
            return r
        self._live_texts(f, row, required)
        grid.addWidget(counselor, r, 0)
        row.widgets.append(counselor)
        if client is not None:
            grid.addWidget(client, r, 2)
            row.widgets.append(client)
        return r

    def _live_texts(self, f: Field, row: Row, required: bool) -> None:
        """Labels and hints that show answers (``${name}``) are refreshed like notes."""
        for cell, lang in ((row.counselor_cell, self.ui), (row.client_cell, self.client)):
            if not isinstance(cell, Cell) or lang is None:
                continue
            label = self.form.label(f, lang)
            if "${" in label:
                row.note_labels.append(NoteText(cell.label, label + (" *" if required else "")))
            hint = self.form.hint(f, lang)
            if cell.hint is not None and "${" in hint:
                row.note_labels.append(NoteText(cell.hint, hint))

    def question(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        row = Row(f, scope)
        key = path_key(f.name, scope)
        self.rows[key] = row
        r = self.cells(f, grid, row)
        if f.kind == "note":
            for cell, lang in ((row.counselor_cell, self.ui), (row.client_cell, self.client)):
                if isinstance(cell, Cell) and lang is not None:
                    row.note_labels.append(NoteText(cell.label, self.form.label(f, lang)))
            return
        holder = QWidget()
        holder.setObjectName("editor-cell")
        col = QVBoxLayout(holder)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)

        def commit(v: Any) -> None:
            self.commit(f, scope, key, v)

        editor = self.editors.editor(f, self.answers.value(f.name, scope), commit, row)
        editor.setObjectName(key)
        # a file question stays enabled when read-only: its "Save as…" (it hides the rest)
        editor.setEnabled(not (self.read_only or f.row.read_only) or f.kind in FILE_TYPES)
        editor.setAccessibleName(self.form.label(f, self.ui))  # for screen readers
        if isinstance(row.counselor_cell, Cell):
            row.counselor_cell.label.setBuddy(editor)
        col.addWidget(editor)
        msg = QLabel("")
        tinted(msg, "message")
        msg.setWordWrap(True)
        msg.hide()
        row.messages[id(msg)] = ""
        col.addWidget(msg)
        row.editor = editor
        row.message = msg
        grid.addWidget(holder, r, 1)
        row.widgets.append(holder)
        if row.client_cell is not None and self.client:
            self._client_message(row, self.client)

    def _client_message(self, row: Row, client: str) -> None:
        """The validation message in the client's language, below the client's label (after
        the combo box's echo of the choice, if any)."""
        cm = aligned(QLabel(""), client)
        tinted(cm, "client-message")
        cm.setWordWrap(True)
        cm.hide()
        row.messages[id(cm)] = ""
        lay = row.client_cell.layout() if row.client_cell is not None else None
        if isinstance(lay, QVBoxLayout):
            at = lay.count() - 1  # before the stretch
            if row.client_value is not None:
                lay.insertWidget(at, row.client_value)
                at += 1
            lay.insertWidget(at, cm)
        row.client_message = cm

    # -- groups and repeats ----------------------------------------------------------------------
    def framed_section(self, f: Field, scope: Scope, name: str) -> tuple[Row, QFrame,
                                                                          QVBoxLayout]:
        """A group's or repeat's frame with its label row in both language columns."""
        row = Row(f, scope)
        self.rows[path_key(f.name, scope)] = row
        frame = QFrame()
        frame.setObjectName(name)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(frame)
        head = self.grid()
        hrow = Row(f, scope)
        self.cells(f, head, hrow)
        row.counselor_cell, row.client_cell = hrow.counselor_cell, hrow.client_cell
        row.note_labels = hrow.note_labels
        inner.addLayout(head)
        return row, frame, inner

    def group(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        row, frame, inner = self.framed_section(f, scope, "group")
        body = self.grid()
        inner.addLayout(body)
        self.fields(f.children, scope, body)
        grid.addWidget(frame, grid.rowCount(), 0, 1, 3)
        row.widgets.append(frame)

    def repeat(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        key = path_key(f.name, scope)
        row, frame, inner = self.framed_section(f, scope, "repeat")
        items = self.answers.value(f.name, scope)
        count = len(items) if isinstance(items, list) else 0
        for i in range(count):
            inner.addWidget(self._instance(f, scope, key, i))
        add = QPushButton(tr(MSG_ADD, self.ui) + " +")
        add.setObjectName(f"add:{key}")
        add.setEnabled(not self.read_only)
        if f.row.repeat_count:  # repeat_count decides the instances (never setVisible(True)
            add.hide()          # on a widget without parent: it would open as a window)
        add.clicked.connect(lambda _=False: self.add_instance(f, scope))
        inner.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        row.editor = add
        grid.addWidget(frame, grid.rowCount(), 0, 1, 3)
        row.widgets.append(frame)

    def _instance(self, f: Field, scope: Scope, key: str, i: int) -> QFrame:
        """Instance ``i`` of a repeat: its fields and a Remove button."""
        inst = QFrame()
        inst.setObjectName(f"{key}.{i}")
        inst.setFrameShape(QFrame.Shape.Box)
        il = QVBoxLayout(inst)
        ig = self.grid()
        il.addLayout(ig)
        self.fields(f.children, (*scope, (f.name, i)), ig)
        remove = QPushButton(tr(MSG_REMOVE, self.ui))
        remove.setObjectName(f"remove:{key}.{i}")
        remove.setEnabled(not self.read_only)
        if f.row.repeat_count:
            remove.hide()
        remove.clicked.connect(lambda _=False, i=i: self.remove_instance(f, scope, i))
        il.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        return inst
