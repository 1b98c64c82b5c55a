"""One input widget per field type: text, numbers, dates, single and multiple choice, acknowledge.

Each editor reports a changed answer through ``commit`` (``None`` for an empty answer) and gives
its row a ``setter``, so an answer can be set from outside (tests, restoring) the way a user
would set it. Choices show the client's language beside the counselor's: in a second column for
radio buttons and check boxes, below the combo box, after the text in a long checklist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kimdesk.forms.attachments import FILE_TYPES, FormFiles
from kimdesk.forms.definition import Choice, Field, Form
from kimdesk.forms.expressions import to_string
from kimdesk.gui.datefield import DateField, Years
from kimdesk.gui.forms.bilingual import MSG_FILTER, MSG_NO_ANSWER, aligned, tinted, tr
from kimdesk.gui.forms.choiceline import choice_line
from kimdesk.gui.forms.rows import Row

RADIO_MAX = 6  # select_one with more choices becomes a combo box
CHECK_MAX = 12  # select_multiple with more choices becomes a filterable checklist
#: A choice combo is at least this many characters wide, not as wide as its longest choice;
#: its open list is as wide as the longest (plus room for the scroll bar).
COMBO_MIN_CHARS = 14
POPUP_SLACK = 24
_INT = re.compile(r"^\s*-?\d+\s*$")
_DEC = re.compile(r"^\s*-?(\d+([.,]\d*)?|[.,]\d+)\s*$")

Commit = Callable[[Any], None]


_NOT_AFTER_TODAY = re.compile(r"^\s*\.\s*<=?\s*today\(\)")
_NOT_BEFORE_TODAY = re.compile(r"^\s*\.\s*>=?\s*today\(\)")


def date_years(f: Field) -> Years:
    """How a two-digit year is read in a form's date question: a constraint ``. <= today()``
    (a date in the past: arrival, birth) reads it as past, ``. >= today()`` as future."""
    constraint = f.row.constraint
    if _NOT_AFTER_TODAY.match(constraint):
        return Years.PAST
    if _NOT_BEFORE_TODAY.match(constraint):
        return Years.FUTURE
    return Years.NEAR


def show_date(edit: DateField, value: Any) -> None:
    """A stored answer in a date field: an ISO date in the locale's spelling; any other text (a
    draft saved while the date was not readable) as it was typed, so nothing typed is lost."""
    if isinstance(value, date):
        edit.set_value(value)
    elif isinstance(value, str) and value.strip():
        try:
            edit.set_value(date.fromisoformat(value[:10]))
        except ValueError:
            edit.setText(value)
            edit.check()
    else:
        edit.set_value(None)


def converter(kind: str) -> Callable[[str], Any]:
    """Typed text to an answer: whole and decimal numbers (comma or point) become numbers;
    anything else stays text, for the engine to report as the wrong format."""

    def convert(t: str) -> Any:
        if not t.strip():
            return None
        if kind == "integer" and _INT.match(t):
            return int(t)
        if kind == "decimal" and _DEC.match(t):
            return float(t.replace(",", "."))
        return t

    return convert


class EditorFactory:
    """Builds editors for one rendering of a form (its languages fixed for that rendering)."""

    def __init__(self, form: Form, ui_language: str, client_language: str | None) -> None:
        self.form = form
        self.ui = ui_language
        self.client = client_language
        self.files = FormFiles()  # the form's chosen and loaded files (file questions)
        self.read_only = False

    def editor(self, f: Field, value: Any, commit: Commit, row: Row) -> QWidget:
        kind = f.kind
        if kind in FILE_TYPES:
            from kimdesk.gui.forms.fileeditor import FileEditor

            file_editor = FileEditor(f, value, commit, self.files,
                                     self.read_only or f.row.read_only)
            def set_answer(v: Any) -> None:
                file_editor.show_value(v)
                commit(file_editor.value)

            row.setter = set_answer
            return file_editor
        # geopoint: typed coordinates; barcode: the code typed; time/dateTime: typed (14:30)
        if kind in {"text", "integer", "decimal", "geopoint", "barcode", "time", "dateTime"}:
            return self.line_editor(f, value, commit, row)
        if kind == "date":
            return self.date_editor(value, commit, row, date_years(f))
        if kind == "select_one":
            return self.select_one(f, value, commit, row)
        if kind == "select_multiple":
            return self.select_multiple(f, value, commit, row)
        if kind == "acknowledge":
            box = QCheckBox("OK")
            box.setAccessibleName(self.option_name(f, "OK"))
            box.setChecked(value in ("OK", True))
            box.toggled.connect(lambda on: commit("OK" if on else None))
            row.setter = lambda v: box.setChecked(v in ("OK", True))
            return box
        return QLabel(to_string(value))

    def option_name(self, f: Field, option: str) -> str:
        """"question: option", the accessible name of a radio button or check box: a screen
        reader that says only "Ja" leaves the counselor guessing which question it answers."""
        return f"{self.form.label(f, self.ui)}: {option}"

    def line_editor(self, f: Field, value: Any, commit: Commit, row: Row) -> QWidget:
        kind = f.kind
        text = "" if value is None else to_string(value)
        convert = converter(kind)
        if kind == "text" and "multiline" in f.row.appearance:
            edit = QPlainTextEdit()
            edit.setPlainText(text)
            edit.setFixedHeight(72)
            edit.setTabChangesFocus(True)
            edit.textChanged.connect(lambda: commit(convert(edit.toPlainText())))
            row.setter = lambda v: edit.setPlainText("" if v is None else to_string(v))
            return edit
        line = QLineEdit(text)
        if kind in {"integer", "decimal"}:
            line.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        line.textChanged.connect(lambda t: commit(convert(t)))
        row.setter = lambda v: line.setText("" if v is None else to_string(v))
        return line

    def date_editor(self, value: Any, commit: Commit, row: Row,
                    years: Years = Years.NEAR) -> QWidget:
        """A :class:`~kimdesk.gui.datefield.DateField`: a readable date is answered as ISO while
        typing; text that is no date is answered as typed once the counselor leaves the field,
        so the engine reports the wrong format (the row shows the date message) and nothing
        typed is lost."""
        edit = DateField(years=years)
        show_date(edit, value)

        def typed(_text: str) -> None:
            if not edit.text().strip():
                commit(None)
            elif edit.value() is not None:
                commit(edit.iso())

        def left() -> None:
            if edit.problem() and edit.text().strip():
                commit(edit.text().strip())

        edit.textEdited.connect(typed)
        edit.editingFinished.connect(left)
        def set_answer(v: Any) -> None:
            show_date(edit, v)
            typed(edit.text())
            left()

        row.setter = set_answer
        return edit

    def _client_choice(self, grid: QGridLayout, c: Choice, i: int) -> list[QWidget]:
        """The choice's text in the client's language, in the second column of its line."""
        if self.client:
            cl = aligned(QLabel(self.form.text(c.label, self.client)), self.client)
            cl.setWordWrap(True)  # wraps rather than widening the form past the window
            tinted(cl, "client-choice")
            grid.addWidget(cl, i, 1)
            return [cl]
        return []

    @staticmethod
    def _filterable(row: Row, options: list[tuple[Choice, list[QWidget]]]) -> None:
        """Cascading selects: the refresh shows only the choices the filter offers."""

        def show(offered: set[int]) -> None:
            for choice, widgets in options:
                for w in widgets:
                    w.setVisible(id(choice) in offered)

        row.filter_options = show

    # -- select_one ----------------------------------------------------------------------------
    def select_one(self, f: Field, value: Any, commit: Commit, row: Row) -> QWidget:
        choices = self.form.choice_list(f)
        if len(choices) <= RADIO_MAX and "minimal" not in f.row.appearance:
            return self.radio_buttons(choices, value, commit, row, f)
        return self.combo_box(f, choices, value, commit, row)

    def radio_buttons(self, choices: list[Choice], value: Any, commit: Commit,
                      row: Row, f: Field) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(box)
        group.setExclusive(True)
        buttons: dict[str, QRadioButton] = {}
        options: list[tuple[Choice, list[QWidget]]] = []
        for i, c in enumerate(choices):
            rb = QRadioButton()
            text = self.form.text(c.label, self.ui)
            rb.setAccessibleName(self.option_name(f, text))
            rb.setObjectName(f"choice:{c.name}")
            rb.setChecked(value == c.name)
            group.addButton(rb, i)
            line = choice_line(rb, text, self.ui)
            grid.addWidget(line, i, 0)
            buttons.setdefault(c.name, rb)
            options.append((c, [line, *self._client_choice(grid, c, i)]))
        self._filterable(row, options)

        def toggled(button: QRadioButton, on: bool) -> None:
            if on:
                commit(button.objectName().split(":", 1)[1])

        group.buttonToggled.connect(toggled)

        def set_radio(v: Any) -> None:
            if v in buttons:
                buttons[v].setChecked(True)
            else:
                group.setExclusive(False)
                for b in buttons.values():
                    b.setChecked(False)
                group.setExclusive(True)
                commit(None)

        row.setter = set_radio
        return box

    def combo_box(self, f: Field, choices: list[Choice], value: Any, commit: Commit,
                  row: Row) -> QWidget:
        client = self.client
        combo = QComboBox()
        combo.setMaxVisibleItems(20)
        # Not as wide as the longest choice (a residence status in Ukrainian, 560 px, pushed the
        # client's column out of the window, issue 18.10): the combo takes its column's width,
        # the open list shows every text whole.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(COMBO_MIN_CHARS)
        combo.addItem(tr(MSG_NO_ANSWER, self.ui), None)
        for c in choices:
            combo.addItem(self.form.text(c.label, self.ui), c.name)

        def show_offered(offered: set[int]) -> None:
            view = combo.view()
            if isinstance(view, QListView):
                for i, c in enumerate(choices, start=1):
                    view.setRowHidden(i, id(c) not in offered)

        row.filter_options = show_offered
        index = combo.findData(value) if value is not None else 0
        combo.setCurrentIndex(max(index, 0))
        if client:
            echo = aligned(QLabel(""), client)
            tinted(echo, "client-value")
            row.client_value = echo

            def show_client(i: int) -> None:
                name = combo.itemData(i)
                echo.setText(self.form.choice_label(f, name, client) if name else "")

            combo.currentIndexChanged.connect(show_client)
            show_client(combo.currentIndex())
        combo.currentIndexChanged.connect(lambda i: commit(combo.itemData(i)))
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + POPUP_SLACK)
        combo.setToolTip(combo.currentText())
        combo.currentTextChanged.connect(combo.setToolTip)  # the whole text if it is cut
        row.setter = lambda v: combo.setCurrentIndex(max(combo.findData(v), 0))
        return combo

    # -- select_multiple -----------------------------------------------------------------------
    def select_multiple(self, f: Field, value: Any, commit: Commit, row: Row) -> QWidget:
        choices = self.form.choice_list(f)
        selected = set(value) if isinstance(value, list) else set()
        if len(choices) <= CHECK_MAX:
            return self.check_boxes(choices, selected, commit, row, f)
        return self.checklist(choices, selected, commit, row, f)

    def check_boxes(self, choices: list[Choice], selected: set[Any], commit: Commit,
                    row: Row, f: Field) -> QWidget:
        order = [c.name for c in choices]
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        checks: dict[str, QCheckBox] = {}

        def collect() -> None:
            names = [n for n in order if checks[n].isChecked()]
            commit(names or None)

        options: list[tuple[Choice, list[QWidget]]] = []
        for i, c in enumerate(choices):
            cb = QCheckBox()
            text = self.form.text(c.label, self.ui)
            cb.setAccessibleName(self.option_name(f, text))
            cb.setObjectName(f"choice:{c.name}")
            cb.setChecked(c.name in selected)
            cb.toggled.connect(lambda _on: collect())
            line = choice_line(cb, text, self.ui)
            grid.addWidget(line, i, 0)
            checks[c.name] = cb
            options.append((c, [line, *self._client_choice(grid, c, i)]))
        self._filterable(row, options)

        def set_checks(v: Any) -> None:
            names = set(v) if isinstance(v, list) else set()
            for n, cb in checks.items():
                cb.blockSignals(True)
                cb.setChecked(n in names)
                cb.blockSignals(False)
            collect()

        row.setter = set_checks
        return box

    def checklist(self, choices: list[Choice], selected: set[Any], commit: Commit,
                  row: Row, f: Field) -> QWidget:
        """A long choice list: a filter line above a list of checkable items."""
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        flt = QLineEdit()
        flt.setPlaceholderText(tr(MSG_FILTER, self.ui))
        flt.setClearButtonEnabled(True)
        flt.setAccessibleName(self.option_name(f, tr(MSG_FILTER, self.ui)))
        lst = QListWidget()
        lst.setAccessibleName(self.form.label(f, self.ui))
        lst.setObjectName("checklist")
        lst.setMinimumHeight(120)
        lst.setMaximumHeight(180)
        for c in choices:
            text = self.form.text(c.label, self.ui)
            if self.client:
                text += f"  —  {self.form.text(c.label, self.client)}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c.name in selected
                               else Qt.CheckState.Unchecked)
            lst.addItem(item)

        def collect_list(_item: Any = None) -> None:
            names = [lst.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lst.count())
                     if lst.item(i).checkState() == Qt.CheckState.Checked]
            commit(names or None)

        offered: set[int] = {id(c) for c in choices}

        def apply_filter(t: str) -> None:
            needle = t.casefold().strip()
            for i, c in enumerate(choices):
                lst.item(i).setHidden(id(c) not in offered or (
                    bool(needle) and needle not in lst.item(i).text().casefold()))

        def show_offered(ids: set[int]) -> None:
            offered.clear()
            offered.update(ids)
            apply_filter(flt.text())

        row.filter_options = show_offered

        def set_list(v: Any) -> None:
            names = set(v) if isinstance(v, list) else set()
            lst.blockSignals(True)
            for i in range(lst.count()):
                it = lst.item(i)
                it.setCheckState(Qt.CheckState.Checked if it.data(Qt.ItemDataRole.UserRole)
                                 in names else Qt.CheckState.Unchecked)
            lst.blockSignals(False)
            collect_list()

        lst.itemChanged.connect(collect_list)
        flt.textChanged.connect(apply_filter)
        col.addWidget(flt)
        col.addWidget(lst)
        row.setter = set_list
        return box
