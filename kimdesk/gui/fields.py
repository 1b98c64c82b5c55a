"""Forms built from field lists, with validation messages beside each field.

Every record editor (person, case, consultation, goal, referral, consent, gap, note) is a
:class:`FieldForm` built from :class:`Field` specs, because the records are pydantic models that
already validate themselves: the form collects values, the model validates them, and
:func:`field_errors` routes each pydantic error to the field it concerns, translated, so the
message appears right under the input (and in its accessible description for screen readers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kimdesk.errors import KimdeskError
from kimdesk.errors import ValidationError as DomainValidationError
from kimdesk.gui.codepicker import CodePicker
from kimdesk.gui.datefield import DateField, Years
from kimdesk.gui.jobs import failure_message
from kimdesk.gui.labels import code_label
from kimdesk.gui.lang import format_int
from kimdesk.gui.worker import where
from kimdesk.i18n import N_, gettext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    """One input. ``kind``: text, multiline, date, int, optint, bool, choice, multi, codes,
    list, or a name picker for ISO codes (:data:`PICKERS`: countries, languages, language).
    ``optint`` is a whole number that may stay empty (None: not recorded, as a consultation's
    duration), typed into a line of digits; a spin box always holds some number.

    A date's ``extra["years"]`` is its :class:`~kimdesk.gui.datefield.Years` rule for two-digit
    years (default: the nearest)."""

    name: str
    label: str  # English msgid (marked with N_ where defined)
    kind: str = "text"
    choices: type[StrEnum] | None = None
    optional: bool = True  # for date/choice: may stay empty
    minimum: int = 0
    maximum: int = 100000
    hint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# Messages the domain models raise, mapped to the field they concern and a translatable text.
_MODEL_MESSAGES: dict[str, tuple[str | None, str]] = {
    "the birth date lies in the future": ("birth_date", N_("The birth date lies in the future.")),
    "birth year and birth date disagree": ("birth_year",
                                           N_("Birth year and birth date disagree.")),
    "a family name in non-Latin script needs a Latin transliteration": (
        "family_name_latin", N_("A name in non-Latin script needs a Latin transliteration.")),
    "the preferred language must be one of the person's languages": (
        "preferred_language", N_("The preferred language must be one of the person's languages.")),
    "not an e-mail address": ("email", N_("This is not an e-mail address.")),
    "a consent names at least one purpose (no blanket consent)": (
        "purposes", N_("Name at least one purpose (no blanket consent).")),
    "sharing data needs the named recipients": ("recipients",
                                                N_("Sharing data needs the named recipients.")),
    "consent is given in written or electronic form": (
        "form", N_("Consent is given in written or electronic form.")),
    "a consent cannot be withdrawn before it was given": (
        "withdrawn_on", N_("A consent cannot be withdrawn before it was given.")),
    "a case cannot close before it opened": (None, N_("A case cannot close before it opened.")),
    "form id and form version go together": (None, N_("Form id and form version go together.")),
    "not a time of day": ("next_appointment_time", N_("Type the time like 09:30.")),
    "an appointment's time and place need its date": (
        "next_appointment_on", N_("An appointment's time and place need its date.")),
}
_EMPTY = N_("This field must not be empty.")
_REQUIRED = N_("This field is required.")
_INVALID = N_("This value is not valid.")
_COUNTRY = N_("Unknown country code {code}.")
_LANGUAGE = N_("Unknown language code {code}.")
_NUMBER = N_("Enter a number between {low} and {high}.")
_TOO_LONG = N_("At most {n} characters, please.")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Field kinds shown as a :class:`CodePicker`: (what it picks, several values).
PICKERS = {"countries": ("country", True), "languages": ("language", True),
           "language": ("language", False)}


def _message(raw: str) -> tuple[str | None, str]:
    raw = raw.removeprefix("Value error, ").strip()
    if raw in _MODEL_MESSAGES:
        target, text = _MODEL_MESSAGES[raw]
        return target, gettext(text)
    if raw.endswith("must not be empty"):
        return None, gettext(_EMPTY)
    found = re.match(r"unknown ISO 3166 country code: (.*)", raw)
    if found:
        return None, gettext(_COUNTRY).format(code=found.group(1))
    found = re.match(r"unknown ISO 639 language code: (.*)", raw)
    if found:
        return None, gettext(_LANGUAGE).format(code=found.group(1))
    return None, gettext(_INVALID)


def field_errors(exc: Exception) -> tuple[dict[str, str], str]:
    """Map a validation failure to ``({field: message}, general message)``, translated."""
    from pydantic import ValidationError as PydanticError

    fields: dict[str, str] = {}
    general: list[str] = []
    if isinstance(exc, PydanticError):
        for error in exc.errors():
            loc = error.get("loc", ())
            kind = error.get("type", "")
            target = str(loc[0]) if loc else None
            if kind == "missing":
                text = gettext(_REQUIRED)
            elif kind == "string_too_long":
                text = gettext(_TOO_LONG).format(n=error.get("ctx", {}).get("max_length", ""))
            elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
                ctx = error.get("ctx", {})
                low = ctx.get("ge", ctx.get("gt", ""))
                high = ctx.get("le", ctx.get("lt", ""))
                text = gettext(_NUMBER).format(low=low, high=high)
            else:
                mapped, text = _message(str(error.get("msg", "")))
                target = target or mapped
            if target:
                fields.setdefault(target, text)
            else:
                general.append(text)
    elif isinstance(exc, DomainValidationError) and exc.field:
        fields[exc.field] = exc.translated()
    elif isinstance(exc, KimdeskError):
        general.append(exc.translated())
    else:  # a programming error: never its text (it may quote what was typed), only the type
        log.error("unexpected error: %s", where(exc))
        general.append(failure_message(exc))
    return fields, " ".join(general)


class FieldForm(QWidget):
    """Inputs for some fields of a record; ``values()`` gives what the model needs."""

    changed = Signal()

    def __init__(self, fields: Sequence[Field], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = list(fields)
        self.inputs: dict[str, Any] = {}  # QLineEdit, DateField, ... by field name
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self.dirty = False
        self._loading = False
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in self.fields:
            widget = self._make_input(spec)
            widget.setObjectName(f"field_{spec.name}")
            label = QLabel()
            label.setBuddy(widget)
            error = QLabel()
            error.setObjectName("fieldError")
            error.setWordWrap(True)
            error.setVisible(False)
            error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(widget)
            column.addWidget(error)
            layout.addRow(label, box)
            self.inputs[spec.name] = widget
            self.labels[spec.name] = label
            self.errors[spec.name] = error
        self.retranslate()
        self._base = self.snapshot()

    # -- building ------------------------------------------------------------------------------
    def _make_input(self, spec: Field) -> QWidget:
        widget: QWidget
        if spec.kind == "multiline":
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(90)
            edit.textChanged.connect(self._touched)
            widget = edit
        elif spec.kind == "date":
            dated = DateField(optional=spec.optional,
                              years=Years(spec.extra.get("years", Years.NEAR)))
            if not spec.optional:
                dated.set_value(date.today())
            dated.textChanged.connect(self._touched)
            dated.problemChanged.connect(
                lambda message, name=spec.name: self._show_error(name, message))
            widget = dated
        elif spec.kind in PICKERS:
            picker = CodePicker(*PICKERS[spec.kind])
            picker.textChanged.connect(self._touched)
            widget = picker
        elif spec.kind == "optint":
            digits = QLineEdit()
            # any script's digits: an Arabic or Persian keyboard types "٤٥" (int() reads it)
            digits.setValidator(QRegularExpressionValidator(QRegularExpression(
                r"\d{0,4}", QRegularExpression.PatternOption.UseUnicodePropertiesOption)))
            digits.textChanged.connect(self._touched)
            widget = digits
        elif spec.kind == "int":
            spin = QSpinBox()
            spin.setRange(spec.minimum, spec.maximum)
            spin.valueChanged.connect(self._touched)
            widget = spin
        elif spec.kind == "bool":
            check = QCheckBox()
            check.toggled.connect(self._touched)
            widget = check
        elif spec.kind == "choice":
            combo = QComboBox()  # as narrow as the form: a long entry cut the person form (uk)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)  # as the forms'; the list, the tooltip: whole
            combo.currentTextChanged.connect(combo.setToolTip)
            if spec.optional:
                combo.addItem("", None)
            for member in spec.choices or ():
                combo.addItem(member.value, member.value)
            combo.currentIndexChanged.connect(self._touched)
            widget = combo
        elif spec.kind == "multi":
            listing = QListWidget()
            for member in spec.choices or ():
                item = QListWidgetItem(member.value)
                item.setData(Qt.ItemDataRole.UserRole, member.value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                listing.addItem(item)
            rows = min(len(spec.choices or ()), 5)
            listing.setMaximumHeight(rows * 22 + 6)
            listing.setMinimumWidth(260)
            listing.itemChanged.connect(self._touched)
            widget = listing
        else:  # text, codes
            line = QLineEdit()
            line.textChanged.connect(self._touched)
            widget = line
        return widget

    def _touched(self, *_: object) -> None:
        if not self._loading:
            self.dirty = True
            sender = self.sender()
            self.last_touched = sender.objectName() if sender is not None else ""
            self.changed.emit()

    def retranslate(self) -> None:
        for spec in self.fields:
            text = gettext(spec.label)
            self.labels[spec.name].setText(text)
            widget = self.inputs[spec.name]
            widget.setAccessibleName(text.replace("&", ""))
            if isinstance(widget, DateField | CodePicker):  # names and formats of the language
                self._loading = True
                widget.retranslate()
                self._loading = False
            if spec.hint:
                widget.setToolTip(gettext(spec.hint))
                if isinstance(widget, QLineEdit):
                    widget.setPlaceholderText(gettext(spec.hint))
            if spec.choices is not None:
                if isinstance(widget, QComboBox):
                    for i in range(widget.count()):
                        code = widget.itemData(i)
                        if code is not None:
                            widget.setItemText(i, code_label(spec.choices, code))
                elif isinstance(widget, QListWidget):
                    self._loading = True
                    for i in range(widget.count()):
                        item = widget.item(i)
                        item.setText(code_label(spec.choices,
                                                item.data(Qt.ItemDataRole.UserRole)))
                    self._loading = False

    # -- values --------------------------------------------------------------------------------
    def set_values(self, data: dict[str, Any]) -> None:
        self._loading = True
        try:
            for spec in self.fields:
                self._set(spec, data.get(spec.name))
        finally:
            self._loading = False
        self.dirty = False
        self._base = self.snapshot()
        self.show_errors({})

    def _set(self, spec: Field, value: Any) -> None:
        widget = self.inputs[spec.name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value or ""))
        elif isinstance(widget, DateField):
            if value:
                widget.set_value(value if isinstance(value, date) else str(value))
            else:
                widget.set_value(None if spec.optional else date.today())
        elif isinstance(widget, CodePicker):
            widget.set_value(value)
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value) if value is not None else spec.minimum)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            code = getattr(value, "value", value)
            index = widget.findData(code)
            widget.setCurrentIndex(max(index, 0))
        elif isinstance(widget, QListWidget):
            chosen = {getattr(v, "value", v) for v in value or ()}
            for i in range(widget.count()):
                item = widget.item(i)
                state = item.data(Qt.ItemDataRole.UserRole) in chosen
                item.setCheckState(Qt.CheckState.Checked if state else Qt.CheckState.Unchecked)
        elif isinstance(widget, QLineEdit):
            if spec.kind in ("codes", "list"):
                widget.setText(("; " if spec.kind == "list" else ", ").join(value or ()))
            elif spec.kind == "optint" and value is not None:  # the list's digits ("٤٥")
                widget.setText(format_int(int(value)))
            else:
                widget.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.inputs[spec.name]
            value: Any
            if isinstance(widget, QPlainTextEdit):
                value = widget.toPlainText().strip()
            elif isinstance(widget, DateField | QSpinBox | CodePicker):
                value = widget.value()
            elif isinstance(widget, QCheckBox):
                value = widget.isChecked()
            elif isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, QListWidget):
                value = [
                    widget.item(i).data(Qt.ItemDataRole.UserRole)
                    for i in range(widget.count())
                    if widget.item(i).checkState() == Qt.CheckState.Checked
                ]
            elif isinstance(widget, QLineEdit):
                text = widget.text().strip()
                if spec.kind == "optint":  # digits only (the validator): empty is None
                    value = int(text) if text else None
                elif spec.kind in ("codes", "list"):
                    sep = r"[,;\s]+" if spec.kind == "codes" else r"[;,]+"
                    value = [part.strip() for part in re.split(sep, text) if part.strip()]
                else:
                    value = text
            else:  # pragma: no cover
                continue
            result[spec.name] = value
        return result

    def mark_clean(self) -> None:
        self.dirty = False

    # -- drafts (kimdesk.gui.lockdraft) --------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What every input holds as typed, JSON-safe (a date as its text, even unreadable)."""
        state: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QPlainTextEdit):
                state[name] = widget.toPlainText()
            elif isinstance(widget, DateField):  # ISO when readable (any language), else as typed
                state[name] = widget.iso() or widget.text()
            elif isinstance(widget, CodePicker):
                state[name] = widget.snapshot()
            elif isinstance(widget, QLineEdit):
                state[name] = widget.text()
            elif isinstance(widget, QSpinBox):
                state[name] = widget.value()
            elif isinstance(widget, QCheckBox):
                state[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                state[name] = widget.currentData()
            elif isinstance(widget, QListWidget):
                state[name] = [widget.item(i).data(Qt.ItemDataRole.UserRole)
                               for i in range(widget.count())
                               if widget.item(i).checkState() == Qt.CheckState.Checked]
        return state

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(changed, base)``: the inputs edited since the last :meth:`set_values`, and what
        each of them held then (to tell later whether the stored value moved meanwhile)."""
        now = self.snapshot()
        changed = {name: value for name, value in now.items() if value != self._base.get(name)}
        return changed, {name: self._base.get(name) for name in changed}

    def base_value(self, name: str) -> Any:
        """What an input held after the last :meth:`set_values` (the stored value)."""
        return self._base.get(name)

    def keep_base(self, base: dict[str, Any]) -> None:
        """Count the named inputs, where they differ from the stored value, as edited from
        ``base``: what they held before an edit that is being saved
        (:mod:`kimdesk.gui.staleedit`)."""
        now = self.snapshot()
        self._base.update({name: value for name, value in base.items()
                           if name in now and now[name] != self._base.get(name)})

    def apply(self, state: dict[str, Any]) -> None:
        """Put typed input back (a draft): the inputs named in ``state`` take its values and the
        form counts as edited."""
        self._loading = True
        try:
            for name, value in state.items():
                widget = self.inputs.get(name)
                if widget is None:
                    continue
                if isinstance(widget, QPlainTextEdit):
                    widget.setPlainText(str(value or ""))
                elif isinstance(widget, DateField) and _ISO_DATE.fullmatch(str(value)):
                    widget.set_value(str(value))
                elif isinstance(widget, CodePicker):
                    widget.restore(value)
                elif isinstance(widget, QLineEdit):
                    widget.setText(str(value or ""))
                elif isinstance(widget, QSpinBox):
                    widget.setValue(int(value or 0))
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                elif isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(widget.findData(value), 0))
                elif isinstance(widget, QListWidget):
                    chosen = set(value or ())
                    for i in range(widget.count()):
                        item = widget.item(i)
                        item.setCheckState(Qt.CheckState.Checked if item.data(
                            Qt.ItemDataRole.UserRole) in chosen else Qt.CheckState.Unchecked)
        finally:
            self._loading = False
        if state:
            self.dirty = True
            self.changed.emit()

    def input_errors(self) -> dict[str, str]:
        """Messages for inputs that cannot become a value at all (a date that is no date, an
        empty required date), shown beside them; the model never sees such input."""
        errors: dict[str, str] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, DateField | CodePicker):  # no date / no country or language
                message = widget.check() if isinstance(widget, DateField) else widget.problem()
                if message:
                    errors[name] = message
        for spec in self.fields:  # an optional number outside its range, with both bounds
            text = self.inputs[spec.name].text() if spec.kind == "optint" else ""
            if text and not spec.minimum <= int(text) <= spec.maximum:
                errors[spec.name] = gettext(_NUMBER).format(low=spec.minimum, high=spec.maximum)
        return errors

    def _show_error(self, name: str, message: str) -> None:
        """One field's message (a date field reports its own when the counselor leaves it)."""
        label = self.errors[name]
        label.setText(message)
        label.setVisible(bool(message))
        widget = self.inputs[name]
        widget.setAccessibleDescription(message)
        widget.setProperty("invalid", bool(message))
        widget.style().polish(widget)

    def show_errors(self, errors: dict[str, str]) -> bool:
        """Show each message beside its field; returns True when some field took a message."""
        shown = False
        first: QWidget | None = None
        for name in self.errors:
            message = errors.get(name, "")
            self._show_error(name, message)
            if message:
                shown = True
                first = first or self.inputs[name]
        if first is not None:
            first.setFocus()
        return shown
