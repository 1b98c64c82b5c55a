"""FormWidget: a consultation form rendered from a definition, with a client-language column.

Each question is one row of a grid: the counselor's language on one side, the input in the middle,
the client's language on the other side. Each of the two text columns has its own layout
direction (German left-to-right beside Arabic right-to-left); the grid itself follows the
counselor's language. Skip logic, calculations and validation come from
:class:`kimdesk.forms.engine.FormState` after every edit; a required answer is flagged once its
field has been touched (or after :meth:`FormWidget.show_all_issues`), a constraint as soon as the
value breaks it. Drafts are saved through a :class:`kimdesk.forms.drafts.DraftStore` a moment after
each edit, and at once on :meth:`flush_draft` (call it before an auto-lock).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kimdesk.forms.definition import METADATA_TYPES, Field, Form
from kimdesk.forms.drafts import DraftStore, draft_payload
from kimdesk.forms.engine import FormState, Issue, Scope, apply_defaults, path_key
from kimdesk.forms.expressions import ExpressionError, to_string
from kimdesk.i18n import N_, current_language, gettext, is_rtl, language

log = logging.getLogger(__name__)

#: Text colours by label role. Set through palettes: style sheets (per widget or one on the
#: form) made building the Erstgespräch 2-3x slower, as Qt then polishes every child widget.
COLOURS = {"hint": "#666666", "message": "#b00020", "client-message": "#b00020",
           "client-choice": "#555555", "client-value": "#555555", "legal-unreviewed": "#a15c00"}


def tinted(label: QLabel, role: str) -> QLabel:
    label.setObjectName(role)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(COLOURS[role]))
    label.setPalette(palette)
    return label

RADIO_MAX = 6  # select_one with more choices becomes a combo box
CHECK_MAX = 12  # select_multiple with more choices becomes a filterable checklist
EMPTY_DATE = QDate(1900, 1, 1)
_INT = re.compile(r"^\s*-?\d+\s*$")
_DEC = re.compile(r"^\s*-?(\d+([.,]\d*)?|[.,]\d+)\s*$")
_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")

MSG_ADD = N_("Add")
MSG_REMOVE = N_("Remove")
MSG_UNREVIEWED = N_("Translation not legally reviewed")
MSG_DRAFT_LEGAL = N_("Draft text, not legally reviewed")
MSG_FILTER = N_("Filter")
MSG_NO_ANSWER = N_("(no answer)")
MSG_CLIENT_LANGUAGE = N_("Client language:")
MSG_NO_CLIENT_COLUMN = N_("(none)")


def tr(msgid: str, lang: str) -> str:
    with language(lang):
        return gettext(msgid)


def direction(lang: str) -> Qt.LayoutDirection:
    return Qt.LayoutDirection.RightToLeft if is_rtl(lang) else Qt.LayoutDirection.LeftToRight


def aligned(label: QLabel, lang: str) -> QLabel:
    """Align a label to its language's reading start, whatever script the text itself is in
    (a Latin "A1" in an Arabic column still sits on the right), and set its text direction."""
    label.setLayoutDirection(direction(lang))
    side = Qt.AlignmentFlag.AlignRight if is_rtl(lang) else Qt.AlignmentFlag.AlignLeft
    label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop)
    return label


class _DateEdit(QDateEdit):
    """A date field that may be empty (shown blank) and whose calendar opens at today then.

    The calendar is positioned only when the user opens it: creating it for every date field
    up front cost ~1.5 ms each."""

    def _today_page(self) -> None:
        if self.date() == EMPTY_DATE:
            cal = self.calendarWidget()
            now = QDate.currentDate()
            if cal is not None:
                cal.setCurrentPage(now.year(), now.month())

    def mousePressEvent(self, event: Any) -> None:
        self._today_page()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        self._today_page()
        super().keyPressEvent(event)


class _Cell(QWidget):
    """A label column cell (label and hint in one language); keeps its label in Python.

    (QObject.property() is avoided on purpose: in PySide6 6.12, reading an unset property
    returns None with a reference-count error that crashes the interpreter after a few thousand
    calls, which live validation reaches quickly.)"""

    def __init__(self, label: QLabel) -> None:
        super().__init__()
        self.label = label


class _NoteText:
    """A note label, its template and the text last shown (so unchanged text is not re-laid)."""

    def __init__(self, label: QLabel, template: str) -> None:
        self.label = label
        self.template = template
        self.shown: str | None = None


class _Row:
    """The widgets of one rendered field in one scope."""

    def __init__(self, f: Field, scope: Scope) -> None:
        self.field = f
        self.scope = scope
        self.widgets: list[QWidget] = []  # shown/hidden together by skip logic
        self.editor: QWidget | None = None
        self.message: QLabel | None = None
        self.client_message: QLabel | None = None
        self.counselor_cell: QWidget | None = None
        self.client_cell: QWidget | None = None
        self.note_labels: list[_NoteText] = []  # notes may show answers through ${field}
        self.client_value: QLabel | None = None  # combo selections echoed in client language
        self.setter: Callable[[Any], None] | None = None
        # What is shown now. Refreshing after every keystroke touches Qt only where something
        # changed: cheaper, and PySide6 6.12 on Python 3.11 leaks a reference to None on every
        # call of a void Qt method (the interpreter aborts after a few thousand such calls).
        self.visible = True  # Qt widgets start shown
        self.messages: dict[int, str] = {}

    def set_visible(self, visible: bool) -> None:
        if visible == self.visible:
            return  # see _Row: no Qt call when nothing changes
        self.visible = visible
        for w in self.widgets:
            w.setVisible(visible)

    def show_message(self, label: QLabel | None, text: str) -> None:
        if label is None or self.messages.get(id(label)) == text:
            return
        self.messages[id(label)] = text
        label.setText(text)
        label.setVisible(bool(text))


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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        self.ui_language = ui_language or current_language()
        self._client = client_language if client_language != self.ui_language else None
        self.draft_store = draft_store
        self.draft_key = draft_key
        self.today = today
        self.read_only = read_only
        self.language_picker = language_picker
        self._answers: dict[str, Any] = _copy(answers or {})
        self._rows: dict[str, _Row] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._dirty = False
        self._valid: bool | None = None
        self._issues: list[Issue] = []
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self._flush_quietly)
        self.setObjectName(f"form:{form.form_id}")
        self.setLayoutDirection(direction(self.ui_language))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self._scroll)
        if answers is None and not self.restore_draft():
            apply_defaults(form, form.fields, self._answers, today)
        self._build()

    # -- public API ----------------------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """The answers as entered (a copy; irrelevant answers kept, see ``cleaned_answers``)."""
        return _copy(self._answers)

    def cleaned_answers(self) -> dict[str, Any]:
        """Answers for storage: calculations filled, irrelevant answers dropped."""
        return self._state().cleaned()

    def set_answers(self, answers: dict[str, Any]) -> None:
        self._answers = _copy(answers)
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
        self._client = lang if lang != self.ui_language else None
        self._build()

    def set_ui_language(self, lang: str) -> None:
        self.ui_language = lang
        self.setLayoutDirection(direction(lang))
        if self._client == lang:
            self._client = None
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

    def flush_draft(self) -> None:
        """Save the draft now if anything changed since the last save."""
        self._timer.stop()
        if not self._dirty or self.draft_store is None or not self.draft_key:
            return
        self.draft_store.save(self.draft_key, draft_payload(self.form, self.answers(),
                                                            self._client))
        self._dirty = False
        self.draftSaved.emit(self.draft_key)

    def restore_draft(self) -> bool:
        """Load the draft saved for this form version, if any (True when one was loaded)."""
        if self.draft_store is None or not self.draft_key:
            return False
        payload = self.draft_store.load(self.draft_key)
        if not payload or payload.get("form_id") != self.form.form_id or payload.get(
                "form_version") != self.form.version:
            return False
        self._answers = _copy(payload.get("answers") or {})
        if payload.get("client_language") and self._client is None:
            lang = str(payload["client_language"])
            self._client = lang if lang != self.ui_language else None
        if self._rows:
            self._build()
        return True

    def discard_draft(self) -> None:
        self._timer.stop()
        self._dirty = False
        if self.draft_store is not None and self.draft_key:
            self.draft_store.discard(self.draft_key)

    def hideEvent(self, event: Any) -> None:
        self._flush_quietly()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self._flush_quietly()
        super().closeEvent(event)

    def _flush_quietly(self) -> None:
        """Flush from Qt events: an error there (vault already locked) must not escape into
        Qt's event loop; it is logged, and the caller's explicit flush_draft() before locking
        is the guarantee."""
        try:
            self.flush_draft()
        except Exception:
            log.exception("draft of form %s not saved", self.form.form_id)

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self._loading = True
        self._rows.clear()
        body = QWidget()
        body.setObjectName("form-body")
        layout = QVBoxLayout(body)
        layout.addWidget(self._header())
        grid = self._grid()
        layout.addLayout(grid)
        self._build_fields(self.form.fields, (), grid)
        layout.addStretch(1)
        old = self._scroll.takeWidget()
        self._scroll.setWidget(body)
        if old is not None:
            old.deleteLater()
        self._loading = False
        self._refresh(emit=False)

    def _grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(2, 3 if self._client else 0)
        return grid

    def _header(self) -> QWidget:
        outer = QWidget()
        stack = QVBoxLayout(outer)
        stack.setContentsMargins(0, 0, 0, 6)
        if self.language_picker:
            stack.addWidget(self._picker())
        box = QWidget()
        stack.addWidget(box)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for lang, name in ((self.ui_language, "title-counselor"), (self._client, "title-client")):
            if lang is None:
                continue
            cell = QWidget()
            cell.setObjectName(name)
            cell.setLayoutDirection(direction(lang))
            col = QVBoxLayout(cell)
            col.setContentsMargins(0, 0, 0, 0)
            title = aligned(QLabel(self.form.title(lang)), lang)
            font = QFont(title.font())
            font.setPointSizeF(font.pointSizeF() * 1.3)
            font.setBold(True)
            title.setFont(font)
            title.setWordWrap(True)
            col.addWidget(title)
            if self.form.legal_unreviewed(lang):
                msg = MSG_DRAFT_LEGAL if lang == self.form.default_language else MSG_UNREVIEWED
                warn = aligned(QLabel(tr(msg, lang)), lang)
                tinted(warn, "legal-unreviewed")
                bold = QFont(warn.font())
                bold.setBold(True)
                warn.setFont(bold)
                col.addWidget(warn)
            row.addWidget(cell, 1)
        return outer

    def _picker(self) -> QWidget:
        """'Client language: [...]': each language named in itself, so the client finds theirs."""
        from babel import Locale

        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(QLabel(tr(MSG_CLIENT_LANGUAGE, self.ui_language)))
        combo = QComboBox()
        combo.setObjectName("client-language-picker")
        combo.addItem(tr(MSG_NO_CLIENT_COLUMN, self.ui_language), None)
        for lang in self.client_languages():
            try:
                name = Locale.parse(lang).get_display_name(lang) or lang
            except (ValueError, LookupError):
                name = lang
            combo.addItem(name, lang)
        combo.setCurrentIndex(max(combo.findData(self._client), 0) if self._client else 0)

        def picked(i: int) -> None:
            lang = combo.itemData(i)
            if lang != self._client:
                QTimer.singleShot(0, lambda: self.set_client_language(lang))  # not in the slot

        combo.currentIndexChanged.connect(picked)
        line.addWidget(combo)
        line.addStretch(1)
        return box

    def _build_fields(self, fields: list[Field], scope: Scope, grid: QGridLayout) -> None:
        for f in fields:
            if f.kind == "calculate" or f.kind in METADATA_TYPES:
                continue
            if f.kind == "group":
                self._build_group(f, scope, grid)
            elif f.kind == "repeat":
                self._build_repeat(f, scope, grid)
            else:
                self._build_row(f, scope, grid)

    def _text_cell(self, f: Field, lang: str, name: str, required: bool = False) -> _Cell:
        text = self.form.label(f, lang)
        label = aligned(QLabel(text + (" *" if required else "")), lang)
        cell = _Cell(label)
        cell.setObjectName(name)
        cell.setLayoutDirection(direction(lang))
        col = QVBoxLayout(cell)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if f.kind in {"group", "repeat"}:
            font = QFont(label.font())
            font.setBold(True)
            label.setFont(font)
        col.addWidget(label)
        hint = self.form.hint(f, lang)
        if hint:
            h = aligned(QLabel(hint), lang)
            h.setWordWrap(True)
            tinted(h, "hint")
            col.addWidget(h)
        col.addStretch(1)  # keep texts at the top of tall rows (radio lists)
        cell.setMinimumWidth(120)
        return cell

    def _row_cells(self, f: Field, scope: Scope, grid: QGridLayout, row: _Row) -> int:
        r = grid.rowCount()
        required = f.row.required is True
        counselor = self._text_cell(f, self.ui_language, "counselor-cell", required)
        client = (self._text_cell(f, self._client, "client-cell", required)
                  if self._client else None)
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
        grid.addWidget(counselor, r, 0)
        row.widgets.append(counselor)
        if client is not None:
            grid.addWidget(client, r, 2)
            row.widgets.append(client)
        return r

    def _build_row(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        row = _Row(f, scope)
        key = path_key(f.name, scope)
        self._rows[key] = row
        r = self._row_cells(f, scope, grid, row)
        if f.kind == "note":
            for cell, lang in ((row.counselor_cell, self.ui_language),
                               (row.client_cell, self._client)):
                if isinstance(cell, _Cell) and lang is not None:
                    row.note_labels.append(_NoteText(cell.label, self.form.label(f, lang)))
            return
        holder = QWidget()
        holder.setObjectName("editor-cell")
        col = QVBoxLayout(holder)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        editor = self._editor(f, scope, key, row)
        editor.setObjectName(key)
        editor.setEnabled(not (self.read_only or f.row.read_only))
        editor.setAccessibleName(self.form.label(f, self.ui_language))  # for screen readers
        if isinstance(row.counselor_cell, _Cell):
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
        if row.client_cell is not None and self._client:
            cm = aligned(QLabel(""), self._client)
            tinted(cm, "client-message")
            cm.setWordWrap(True)
            cm.hide()
            row.messages[id(cm)] = ""
            lay = row.client_cell.layout()
            if isinstance(lay, QVBoxLayout):
                at = lay.count() - 1  # before the stretch
                if row.client_value is not None:
                    lay.insertWidget(at, row.client_value)
                    at += 1
                lay.insertWidget(at, cm)
            row.client_message = cm

    def _framed_section(self, f: Field, scope: Scope, name: str) -> tuple[_Row, QFrame,
                                                                            QVBoxLayout]:
        """A group's or repeat's frame with its label row in both language columns."""
        row = _Row(f, scope)
        self._rows[path_key(f.name, scope)] = row
        frame = QFrame()
        frame.setObjectName(name)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(frame)
        head = self._grid()
        hrow = _Row(f, scope)
        self._row_cells(f, scope, head, hrow)
        row.counselor_cell, row.client_cell = hrow.counselor_cell, hrow.client_cell
        inner.addLayout(head)
        return row, frame, inner

    def _build_group(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        row, frame, inner = self._framed_section(f, scope, "group")
        body = self._grid()
        inner.addLayout(body)
        self._build_fields(f.children, scope, body)
        grid.addWidget(frame, grid.rowCount(), 0, 1, 3)
        row.widgets.append(frame)

    def _build_repeat(self, f: Field, scope: Scope, grid: QGridLayout) -> None:
        key = path_key(f.name, scope)
        row, frame, inner = self._framed_section(f, scope, "repeat")
        items = self._container(scope).get(f.name)
        count = len(items) if isinstance(items, list) else 0
        for i in range(count):
            inst = QFrame()
            inst.setObjectName(f"{key}.{i}")
            inst.setFrameShape(QFrame.Shape.Box)
            il = QVBoxLayout(inst)
            ig = self._grid()
            il.addLayout(ig)
            self._build_fields(f.children, (*scope, (f.name, i)), ig)
            remove = QPushButton(tr(MSG_REMOVE, self.ui_language))
            remove.setObjectName(f"remove:{key}.{i}")
            remove.setEnabled(not self.read_only)
            remove.clicked.connect(lambda _=False, i=i: self._remove_instance(f, scope, i))
            il.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
            inner.addWidget(inst)
        add = QPushButton(tr(MSG_ADD, self.ui_language) + " +")
        add.setObjectName(f"add:{key}")
        add.setEnabled(not self.read_only)
        add.clicked.connect(lambda _=False: self._add_instance(f, scope))
        inner.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        row.editor = add
        grid.addWidget(frame, grid.rowCount(), 0, 1, 3)
        row.widgets.append(frame)

    # -- editors -------------------------------------------------------------------------------
    def _editor(self, f: Field, scope: Scope, key: str, row: _Row) -> QWidget:
        kind = f.kind
        value = self._container(scope).get(f.name)

        def commit(v: Any) -> None:
            self._set(f, scope, key, v)

        if kind in {"text", "integer", "decimal"}:
            return self._line_editor(f, value, commit, row)
        if kind == "date":
            return self._date_editor(value, commit, row)
        if kind == "select_one":
            return self._select_one(f, value, commit, row)
        if kind == "select_multiple":
            return self._select_multiple(f, value, commit, row)
        if kind == "acknowledge":
            box = QCheckBox("OK")
            box.setChecked(value in ("OK", True))
            box.toggled.connect(lambda on: commit("OK" if on else None))
            row.setter = lambda v: box.setChecked(v in ("OK", True))
            return box
        return QLabel(to_string(value))

    def _line_editor(self, f: Field, value: Any, commit: Callable[[Any], None],
                     row: _Row) -> QWidget:
        kind = f.kind
        text = "" if value is None else to_string(value)

        def convert(t: str) -> Any:
            if not t.strip():
                return None
            if kind == "integer" and _INT.match(t):
                return int(t)
            if kind == "decimal" and _DEC.match(t):
                return float(t.replace(",", "."))
            return t

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

    def _date_editor(self, value: Any, commit: Callable[[Any], None], row: _Row) -> QWidget:
        edit = _DateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.setMinimumDate(EMPTY_DATE)
        edit.setSpecialValueText(" ")
        edit.setDate(_qdate(value))

        def changed(d: QDate) -> None:
            commit(None if d == EMPTY_DATE else d.toString("yyyy-MM-dd"))

        edit.dateChanged.connect(changed)
        row.setter = lambda v: edit.setDate(_qdate(v))
        return edit

    def _select_one(self, f: Field, value: Any, commit: Callable[[Any], None],
                    row: _Row) -> QWidget:
        choices = self.form.choice_list(f)
        ui, client = self.ui_language, self._client
        if len(choices) <= RADIO_MAX and "minimal" not in f.row.appearance:
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            group = QButtonGroup(box)
            group.setExclusive(True)
            buttons: dict[str, QRadioButton] = {}
            for i, c in enumerate(choices):
                rb = QRadioButton(self.form.text(c.label, ui))
                rb.setObjectName(f"choice:{c.name}")
                rb.setChecked(value == c.name)
                group.addButton(rb, i)
                grid.addWidget(rb, i, 0)
                buttons[c.name] = rb
                if client:
                    cl = aligned(QLabel(self.form.text(c.label, client)), client)
                    tinted(cl, "client-choice")
                    grid.addWidget(cl, i, 1)
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
        combo = QComboBox()
        combo.setMaxVisibleItems(20)
        combo.addItem(tr(MSG_NO_ANSWER, ui), None)
        for c in choices:
            combo.addItem(self.form.text(c.label, ui), c.name)
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
        row.setter = lambda v: combo.setCurrentIndex(max(combo.findData(v), 0))
        return combo

    def _select_multiple(self, f: Field, value: Any, commit: Callable[[Any], None],
                         row: _Row) -> QWidget:
        choices = self.form.choice_list(f)
        ui, client = self.ui_language, self._client
        selected = set(value) if isinstance(value, list) else set()
        order = [c.name for c in choices]
        if len(choices) <= CHECK_MAX:
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            checks: dict[str, QCheckBox] = {}

            def collect() -> None:
                names = [n for n in order if checks[n].isChecked()]
                commit(names or None)

            for i, c in enumerate(choices):
                cb = QCheckBox(self.form.text(c.label, ui))
                cb.setObjectName(f"choice:{c.name}")
                cb.setChecked(c.name in selected)
                cb.toggled.connect(lambda _on: collect())
                grid.addWidget(cb, i, 0)
                checks[c.name] = cb
                if client:
                    cl = aligned(QLabel(self.form.text(c.label, client)), client)
                    tinted(cl, "client-choice")
                    grid.addWidget(cl, i, 1)

            def set_checks(v: Any) -> None:
                names = set(v) if isinstance(v, list) else set()
                for n, cb in checks.items():
                    cb.blockSignals(True)
                    cb.setChecked(n in names)
                    cb.blockSignals(False)
                collect()

            row.setter = set_checks
            return box
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        flt = QLineEdit()
        flt.setPlaceholderText(tr(MSG_FILTER, ui))
        flt.setClearButtonEnabled(True)
        lst = QListWidget()
        lst.setObjectName("checklist")
        lst.setMinimumHeight(120)
        lst.setMaximumHeight(180)
        for c in choices:
            text = self.form.text(c.label, ui)
            if client:
                text += f"  —  {self.form.text(c.label, client)}"
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

        def apply_filter(t: str) -> None:
            needle = t.casefold().strip()
            for i in range(lst.count()):
                lst.item(i).setHidden(bool(needle) and needle not in lst.item(i).text().casefold())

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

    # -- model ---------------------------------------------------------------------------------
    def _container(self, scope: Scope, create: bool = False) -> dict[str, Any]:
        node: dict[str, Any] = self._answers
        for repeat, i in scope:
            items = node.get(repeat)
            if not isinstance(items, list):
                if not create:
                    return {}
                items = node[repeat] = []
            while create and len(items) <= i:
                items.append({})
            if i >= len(items) or not isinstance(items[i], dict):
                return {}
            node = items[i]
        return node

    def _set(self, f: Field, scope: Scope, key: str, value: Any) -> None:
        if self._loading:
            return
        node = self._container(scope, create=True)
        if value is None or value == "" or value == []:
            node.pop(f.name, None)
        else:
            node[f.name] = value
        self._touched.add(key)
        self._changed()

    def _add_instance(self, f: Field, scope: Scope) -> None:
        node = self._container(scope, create=True)
        items = node.setdefault(f.name, [])
        instance: dict[str, Any] = {}
        apply_defaults(self.form, f.children, instance, self.today)
        items.append(instance)
        self._build()
        self._changed()

    def _remove_instance(self, f: Field, scope: Scope, i: int) -> None:
        items = self._container(scope).get(f.name)
        if isinstance(items, list) and i < len(items):
            del items[i]
            if not items:
                self._container(scope).pop(f.name, None)
        self._build()
        self._changed()

    def _changed(self) -> None:
        self._dirty = True
        self._refresh()
        if self.draft_store is not None and self.draft_key:
            self._timer.start()
        self.answersChanged.emit(self.answers())

    def _state(self) -> FormState:
        return FormState(self.form, self._answers, today=self.today)

    def _refresh(self, emit: bool = True) -> None:
        """Apply skip logic, note texts and validation messages to the rendered rows."""
        state = self._state()
        self._issues = state.issues()
        by_path: dict[str, Issue] = {}
        for issue in self._issues:
            by_path.setdefault(issue.path, issue)
        for key, row in self._rows.items():
            row.set_visible(state.relevant(row.field, row.scope))
            for note in row.note_labels:
                text = _interpolate(note.template, state, row.scope)
                if text != note.shown:
                    note.shown = text
                    set_text(note.label, text)
            if row.message is None:
                continue
            found = by_path.get(key)
            shown = found is not None and (
                self._show_all or key in self._touched or found.kind != "required")
            for lbl, lang in ((row.message, self.ui_language),
                              (row.client_message, self._client)):
                if lang is not None:
                    row.show_message(lbl, found.message(lang) if shown and found else "")
        valid = not self._issues
        if emit and valid != self._valid:
            self.validityChanged.emit(valid)
        self._valid = valid


def set_text(label: QLabel, text: str) -> None:
    """Long text in a right-to-left column goes through Qt's rich-text layout (QTextDocument),
    which wraps mixed Arabic/Latin lines within the label's width; plain QLabel layout let the
    first line overflow in grid cells."""
    if is_rtl_direction(label):
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'<div dir="rtl" align="right">{html.escape(text)}</div>')
    else:
        label.setText(text)


def is_rtl_direction(label: QLabel) -> bool:
    return label.layoutDirection() == Qt.LayoutDirection.RightToLeft


def _interpolate(template: str, state: FormState, scope: Scope) -> str:
    if "${" not in template:
        return template

    def sub(m: re.Match[str]) -> str:
        try:
            return to_string(state.lookup(m.group(1), scope))
        except ExpressionError:
            return m.group(0)

    return _REF.sub(sub, template)


def _qdate(value: Any) -> QDate:
    if isinstance(value, str) and len(value) >= 10:
        d = QDate.fromString(value[:10], "yyyy-MM-dd")
        if d.isValid():
            return d
    return EMPTY_DATE


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


__all__ = ["FormWidget"]
