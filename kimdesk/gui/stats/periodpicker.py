"""The statistics window's choice of period: kind (month, quarter, year, custom), year, month or
quarter, and for a custom period two dates.

Apart from :mod:`kimdesk.gui.stats.dialog` because choosing a period is one idea with its own
rules (CLDR's month and quarter names in the interface language, the last full quarter as the
default) and the window was at the 500-line limit. The controls are plain widgets the window lays
out in its top row; :class:`PeriodControls` only builds, names and reads them.
"""

from __future__ import annotations

from datetime import date

from babel.dates import get_month_names, get_quarter_names
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QSpinBox, QWidget

from kimdesk.gui.datefield import DateField
from kimdesk.gui.naming import named
from kimdesk.i18n import N_, current_language, gettext
from kimdesk.stats import Period

_ = gettext

KINDS = ("month", "quarter", "year", "custom")
KIND_LABELS = {"month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year"),
               "custom": N_("Custom period")}


class PeriodControls:
    """The period widgets (``kind``, ``year``, ``part``, ``date_from``, ``date_to``), quarter
    and the last full quarter chosen at first."""

    def __init__(self) -> None:
        self.kind = named(QComboBox(), "period_kind")
        for kind in KINDS:
            self.kind.addItem("", kind)
        self.kind.setCurrentIndex(KINDS.index("quarter"))
        self.kind.currentIndexChanged.connect(self.kind_changed)
        self.year = named(QSpinBox(), "period_year")
        self.year.setRange(2000, 2100)
        default = Period.last_full_quarter()
        self.year.setValue(default.start.year)
        self.part = named(QComboBox(), "period_part")
        self.date_from = named(DateField(optional=False), "date_from")
        self.date_to = named(DateField(optional=False), "date_to")
        self.date_from.setDate(QDate(default.start.year, default.start.month, 1))
        self.date_to.setDate(QDate(default.end.year, default.end.month, default.end.day))

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.kind, self.year, self.part, self.date_from, self.date_to)

    def retranslate(self) -> None:
        for i, kind in enumerate(KINDS):
            self.kind.setItemText(i, _(KIND_LABELS[kind]))
        for widget, name in ((self.kind, N_("Kind of period")), (self.year, N_("Year")),
                             (self.part, N_("Month or quarter")), (self.date_from, N_("From")),
                             (self.date_to, N_("To"))):
            widget.setAccessibleName(_(name))  # screen readers (issue 18.9)
        self.date_from.retranslate()
        self.date_to.retranslate()
        self.fill_parts()

    def fill_parts(self) -> None:
        """Months or quarters by CLDR's names in the interface language ("3. Quartal",
        "الربع الثالث"; a bare "Q3" read as Latin letters in Arabic and Persian)."""
        kind = self.kind.currentData()
        keep = self.part.currentIndex()
        self.part.clear()
        if kind == "month":
            names = get_month_names("wide", locale=current_language())
            for m in range(1, 13):
                self.part.addItem(names[m], m)
            self.part.setCurrentIndex(keep if 0 <= keep < 12 else
                                      Period.last_full_quarter().end.month - 1)
        elif kind == "quarter":
            quarters = get_quarter_names("wide", locale=current_language())
            for q in range(1, 5):
                self.part.addItem(quarters[q], q)
            default = (Period.last_full_quarter().start.month - 1) // 3
            self.part.setCurrentIndex(keep if 0 <= keep < 4 else default)

    def kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.fill_parts()
        self.part.setVisible(kind in ("month", "quarter"))
        self.year.setVisible(kind != "custom")
        self.date_from.setVisible(kind == "custom")
        self.date_to.setVisible(kind == "custom")

    def custom(self) -> bool:
        return bool(self.kind.currentData() == "custom")

    def period(self) -> Period:
        kind = self.kind.currentData()
        if kind == "month":
            return Period.month(self.year.value(), int(self.part.currentData()))
        if kind == "quarter":
            return Period.quarter(self.year.value(), int(self.part.currentData()))
        if kind == "year":
            return Period.year(self.year.value())
        f, t = self.date_from.date(), self.date_to.date()
        return Period(date(f.year(), f.month(), f.day()), date(t.year(), t.month(), t.day()))

    def set_period(self, period: Period) -> None:
        """Select a period in the controls (custom unless it is a month, quarter or year)."""
        label = period.label
        if ".." in label:
            self.kind.setCurrentIndex(KINDS.index("custom"))
            self.date_from.setDate(QDate(period.start.year, period.start.month, period.start.day))
            self.date_to.setDate(QDate(period.end.year, period.end.month, period.end.day))
            return
        self.year.setValue(period.start.year)
        if "-Q" in label:
            self.kind.setCurrentIndex(KINDS.index("quarter"))
            self.part.setCurrentIndex((period.start.month - 1) // 3)
        elif "-" in label:
            self.kind.setCurrentIndex(KINDS.index("month"))
            self.part.setCurrentIndex(period.start.month - 1)
        else:
            self.kind.setCurrentIndex(KINDS.index("year"))
