"""The one date input of the desktop client: a line edit that reads dates the way people type them.

Qt's ``QDateEdit`` was used before and failed counselors in three ways (issue #18): an empty field
is a date edit at a "special value" (1 January 1900) whose sections swallow typed separators
(``15.03.1988`` became ``5031988``), Tab cycled through the sections instead of leaving, and the
calendar opened at January 1900. :class:`DateField` is a plain :class:`QLineEdit` instead:

* it reads ``15.03.1988``, ``15.3.88`` and ``150388`` (any separator, Western or native digits) in
  the interface locale's order of day, month and year (:func:`kimdesk.gui.lang.date_format`);
* two-digit years follow the field's :class:`Years` rule (birth dates lie in the past, review
  dates lean to the future; docs/gui.md, "Typing dates");
* empty is allowed where the field is optional; a text that is no date stays as typed and the
  field reports a translated message (:meth:`DateField.problem`, the ``problemChanged`` signal),
  which the form around it shows in the message line under the field, and marks itself invalid
  (red frame, accessible description);
* the calendar button (or F4 / Alt+Down) opens a calendar at the field's date, else at today.

The parsing is :func:`parse_date`, plain Python, so it is tested without widgets.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from PySide6.QtCore import QDate, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QVBoxLayout, QWidget

from kimdesk.gui.lang import date_format, format_date
from kimdesk.i18n import N_, gettext

_ = gettext
Day = date  # inside DateField, ``date`` is its Qt-style method

MIN_YEAR = 1900
MAX_YEAR = 2100
_EXAMPLE = date(1988, 3, 15)
MSG_INVALID = N_("This is not a valid date. Type it like {example}.")
MSG_NOT_A_DATE = N_("This is not a valid date.")  # for a column in the client's language
MSG_RANGE = N_("Enter a date between {low} and {high}.")
MSG_REQUIRED = N_("This field is required.")
MSG_EXAMPLE = N_("e.g. {example}")
MSG_CALENDAR = N_("Choose from the calendar (F4)")
_DIGITS = re.compile(r"\d+")  # str patterns: any Unicode decimal digit (Arabic, Persian ...)


class Years(StrEnum):
    """How a two-digit year is completed (a four-digit year is taken as typed)."""

    PAST = "past"  # birth dates: the latest such year that does not put the date after today
    FUTURE = "future"  # review dates: from 20 years back to 79 years ahead
    NEAR = "near"  # any other date: the nearest, 50 years back to 49 years ahead


def field_order(fmt: str) -> str:
    """``"dMy"``, ``"Mdy"`` or ``"yMd"``: the order of day, month and year in a Qt date format."""
    order = ""
    for ch in fmt:
        if ch in "dMy" and ch not in order:
            order += ch
    return order if sorted(order) == sorted("dMy") else "dMy"


def _full_year(yy: int, day: int, month: int, rule: Years, today: date) -> int:
    if rule is Years.PAST:
        year = today.year - today.year % 100 + yy
        try:
            later = date(year, month, day) > today
        except ValueError:  # not a date in that year (29 February): the message follows anyway
            later = year > today.year
        return year - 100 if later else year
    low = today.year - (20 if rule is Years.FUTURE else 50)
    return low + (yy - low) % 100


def _groups(text: str, order: str) -> list[str] | None:
    """The day, month and year digits in ``order``, or None when the text has another shape."""
    parts = _DIGITS.findall(text)
    if len(parts) == 1 and len(text.strip()) == len(parts[0]):
        run = parts[0]
        if len(run) == 6:
            return [run[0:2], run[2:4], run[4:6]]
        if len(run) == 8:
            widths = [4, 2, 2] if order[0] == "y" else [2, 2, 4] if order[2] == "y" else []
            if not widths:
                return None
            start, groups = 0, []
            for width in widths:
                groups.append(run[start:start + width])
                start += width
            return groups
        return None
    if len(parts) != 3 or re.search(r"[^\W\d_]", text):  # letters: not a date we read
        return None
    return parts


def parse_date(text: str, order: str = "dMy", years: Years = Years.NEAR,
               today: date | None = None) -> date | None:
    """The date a counselor typed, or None. ``ValueError`` when the text is not a date.

    ``order``: :func:`field_order` of the locale's format. Accepted: three numbers with any
    separators (``15.3.88``, ``15/03/1988``, ``15 3 1988``), or the digits alone (``150388``,
    ``15031988``; year first in a year-first locale). A year has two or four digits."""
    if not text.strip():
        return None
    groups = _groups(text, order)
    if groups is None:
        raise ValueError("not a date")
    numbers = dict(zip(order, groups, strict=True))
    day, month, year_text = int(numbers["d"]), int(numbers["M"]), numbers["y"]
    if len(numbers["d"]) > 2 or len(numbers["M"]) > 2 or len(year_text) not in (2, 4):
        raise ValueError("not a date")
    year = int(year_text)
    if len(year_text) == 2:
        year = _full_year(year, day, month, years, today or date.today())
    return date(year, month, day)  # ValueError for 31.02. or month 13


def _calendar_icon() -> QIcon:
    """A small drawn calendar (no icon theme is guaranteed on the counselors' machines)."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor("#4a4a4a"))
    painter.drawRect(QRect(1, 2, 13, 12))
    painter.fillRect(QRect(2, 3, 12, 3), QColor("#4a4a4a"))
    for row in range(2):
        for col in range(3):
            painter.fillRect(QRect(3 + 4 * col, 8 + 3 * row, 2, 2), QColor("#4a4a4a"))
    painter.end()
    return QIcon(pixmap)


class _CalendarPopup(QWidget):
    """The calendar under a date field; a pick writes the date into the field."""

    def __init__(self, field: DateField) -> None:
        super().__init__(field, Qt.WindowType.Popup)
        self.setObjectName("dateFieldPopup")
        self.field = field
        self.calendar = QCalendarWidget(self)
        self.calendar.setObjectName("dateFieldCalendar")
        self.calendar.setMinimumDate(QDate(MIN_YEAR, 1, 1))
        self.calendar.setMaximumDate(QDate(MAX_YEAR, 12, 31))
        self.calendar.setAccessibleName(_("Calendar"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.calendar)
        self.calendar.activated.connect(self._picked)
        self.calendar.clicked.connect(self._picked)

    def _picked(self, picked: QDate) -> None:
        self.hide()
        self.field.set_value(date(picked.year(), picked.month(), picked.day()))
        self.field.textEdited.emit(self.field.text())  # a pick is an edit, as if typed
        self.field.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self.field.setFocus()
            return
        super().keyPressEvent(event)


class DateField(QLineEdit):
    """A date input (see the module docstring). ``value()`` is a :class:`datetime.date` or None.

    ``dateChanged(QDate)`` fires when the date it holds changes (a null QDate for empty or not a
    date); ``problemChanged(str)`` when its message changes after a check (leaving the field,
    Enter, :meth:`check`). The Qt-style ``date()``/``setDate()`` keep code written for QDateEdit
    working."""

    dateChanged = Signal(QDate)
    problemChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, optional: bool = True,
                 years: Years | str = Years.NEAR, today: date | None = None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.years = Years(years)
        self._today = today
        self._value: date | None = None
        self._problem = ""
        self._popup: _CalendarPopup | None = None
        self.calendar_action = QAction(_calendar_icon(), "", self)
        self.calendar_action.setObjectName("dateFieldCalendarButton")
        self.calendar_action.triggered.connect(self.open_calendar)
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self.textChanged.connect(self._edited)
        self.editingFinished.connect(self.check)
        self.retranslate()

    # -- values --------------------------------------------------------------------------------
    def today(self) -> date:
        return self._today or date.today()

    def value(self) -> date | None:
        """The date typed (None when empty or not a date: see :meth:`problem`). Read from the
        text each time: ``textEdited`` handlers run before this field has seen the change."""
        return self._readable()

    def iso(self) -> str | None:
        found = self.value()
        return found.isoformat() if found else None

    def set_value(self, value: date | str | None) -> None:
        """Show ``value`` (a date, an ISO string or None) in the locale's format."""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10]) if value.strip() else None
        self.setText(format_date(value) if value else "")
        self._set(value)
        self._show_problem("")

    def problem(self) -> str:
        """The translated message for what is typed now ("" when it is fine)."""
        try:
            found = self._parse()
        except ValueError:
            return _(MSG_INVALID).format(example=format_date(_EXAMPLE))
        if found is None:
            return "" if self.optional else _(MSG_REQUIRED)
        if not MIN_YEAR <= found.year <= MAX_YEAR:
            return _(MSG_RANGE).format(low=format_date(date(MIN_YEAR, 1, 1)),
                                       high=format_date(date(MAX_YEAR, 12, 31)))
        return ""

    def check(self) -> str:
        """Validate what is typed: a date is shown in the locale's format, anything else is left
        as typed and the message is reported (``problemChanged``). Returns the message."""
        message = self.problem()
        found = self.value()
        if not message and found is not None:
            shown = format_date(found)
            if shown != self.text():
                self.setText(shown)
        self._show_problem(message)
        return message

    # -- Qt-style access (code and tests written for QDateEdit) ---------------------------------
    def date(self) -> QDate:
        d = self.value()
        return QDate(d.year, d.month, d.day) if d else QDate()

    def setDate(self, value: QDate) -> None:
        self.set_value(date(value.year(), value.month(), value.day()) if value.isValid() else None)

    # -- language ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Texts and the date's spelling in the current interface language."""
        self.setPlaceholderText(_(MSG_EXAMPLE).format(example=format_date(_EXAMPLE)))
        self.calendar_action.setText(_(MSG_CALENDAR))
        self.calendar_action.setToolTip(_(MSG_CALENDAR))
        if self._value is not None and not self._problem:
            self.setText(format_date(self._value))
        elif self._problem:
            self._show_problem(self.problem())

    # -- the calendar --------------------------------------------------------------------------
    def open_calendar(self) -> None:
        """The calendar under the field, at the field's date or else today's month."""
        if self._popup is None:
            self._popup = _CalendarPopup(self)
        cal = self._popup.calendar
        shown = self.value() or self.today()
        if MIN_YEAR <= shown.year <= MAX_YEAR:
            cal.setSelectedDate(QDate(shown.year, shown.month, shown.day))
            cal.setCurrentPage(shown.year, shown.month)
        self._popup.adjustSize()
        corner = QPoint(self.width() - self._popup.width(), self.height()) \
            if self.isRightToLeft() else QPoint(0, self.height())
        self._popup.move(self.mapToGlobal(corner))
        self._popup.show()
        cal.setFocus()

    @property
    def popup(self) -> QWidget | None:
        return self._popup

    def keyPressEvent(self, event: QKeyEvent) -> None:
        alt_down = (event.key() == Qt.Key.Key_Down
                    and event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if event.key() == Qt.Key.Key_F4 or alt_down:
            self.open_calendar()
            return
        super().keyPressEvent(event)

    # -- internals -----------------------------------------------------------------------------
    def _parse(self) -> Day | None:
        return parse_date(self.text(), field_order(date_format()), self.years, self.today())

    def _readable(self) -> Day | None:
        try:
            found = self._parse()
        except ValueError:
            return None
        return found if found is not None and MIN_YEAR <= found.year <= MAX_YEAR else None

    def _edited(self, _text: str) -> None:
        self._set(self._readable())
        if self._problem and not self.problem():
            self._show_problem("")  # corrected: the message goes at once, not on leaving

    def _set(self, value: Day | None) -> None:
        if value != self._value:
            self._value = value
            self.dateChanged.emit(self.date())

    def _show_problem(self, message: str) -> None:
        if message == self._problem:
            return
        self._problem = message
        self.setAccessibleDescription(message)
        self.setProperty("invalid", bool(message))
        self.style().unpolish(self)
        self.style().polish(self)
        self.problemChanged.emit(message)
