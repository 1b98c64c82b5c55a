"""One tab per kind of record around a case (consultations, goals, referrals, ...).

Each :class:`RecordTab` lists its records and offers Add / Edit / Delete; the case view
(:mod:`kimdesk.gui.caseview`) builds one per entry of :data:`kimdesk.gui.records.KINDS` and does
the reading and writing. The consultations tab draws its date column as a timeline
(:class:`TimelineDelegate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kimdesk.domain.models import Consultation, Record
from kimdesk.gui.emptynote import EmptyNote
from kimdesk.gui.fitting import fit_stretched_last
from kimdesk.gui.lang import own_direction
from kimdesk.gui.records import RecordKind, consultation_row, form_id_as_name
from kimdesk.i18n import N_, gettext

_ = gettext
#: What an empty list of records says ("Add…" is the button below it).
EMPTY = N_("Nothing recorded yet. “Add…” below records the first one.")


class TimelineDelegate(QStyledItemDelegate):
    """Draws the consultations' date column as a timeline: a line through all rows and a dot per
    consultation, coloured by place (office, outreach, remote), mirrored in right-to-left."""

    COLORS: ClassVar[dict[str, str]] = {"office": "#0b3d91", "partner": "#0b3d91",
                                        "remote": "#757575"}
    OUTREACH = "#e07b00"
    GUTTER = 18

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + self.GUTTER, size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rtl = opt.direction == Qt.LayoutDirection.RightToLeft
        rect = opt.rect
        gutter = rect.adjusted(0, 0, 0, 0)
        if rtl:
            gutter.setLeft(rect.right() - self.GUTTER)
            opt.rect = rect.adjusted(0, 0, -self.GUTTER, 0)
        else:
            gutter.setRight(rect.left() + self.GUTTER)
            opt.rect = rect.adjusted(self.GUTTER, 0, 0, 0)
        super().paint(painter, opt, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = gutter.center().x()
        painter.setPen(QPen(QColor("#b0b8c4"), 2))
        painter.drawLine(x, rect.top(), x, rect.bottom())
        place = index.data(Qt.ItemDataRole.UserRole) or ""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.COLORS.get(str(place), self.OUTREACH)))
        painter.drawEllipse(gutter.center(), 5, 5)
        painter.restore()


class RecordList(QTreeWidget):
    """The records of one kind; empty, it says so in words (:class:`EmptyNote`)."""

    def __init__(self) -> None:
        super().__init__()
        self.placeholder = EmptyNote(self)

    def show_placeholder(self, text: str) -> None:
        """``text`` while the list is empty."""
        self.placeholder.say(text, self.topLevelItemCount() == 0)


class RecordTab(QWidget):
    """A list of one kind of record with Add / Edit buttons."""

    add_requested = Signal(str)
    edit_requested = Signal(str, int)
    delete_requested = Signal(str, int)

    def __init__(self, kind: RecordKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.records: list[Record] = []
        #: A form's name in the interface language by its id, for consultations recorded with a
        #: form before they had titles (the case view points it at its form registry).
        self.form_name: Callable[[str], str] = form_id_as_name
        self.setObjectName(f"tab_{kind.key}")
        layout = QVBoxLayout(self)
        self.tree = RecordList()
        self.tree.setObjectName(f"list_{kind.key}")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setColumnCount(len(kind.columns))
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemActivated.connect(lambda *_: self._edit())
        if kind.key == "consultations":
            self.timeline = TimelineDelegate(self.tree)
            self.tree.setItemDelegateForColumn(0, self.timeline)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        self.delete_button = QPushButton()
        self.delete_button.setObjectName(f"delete_{kind.key}")
        self.delete_button.clicked.connect(self._delete)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        self.edit_button = QPushButton()
        self.edit_button.setObjectName(f"edit_{kind.key}")
        self.edit_button.clicked.connect(self._edit)
        self.add_button = QPushButton()
        self.add_button.setObjectName(f"add_{kind.key}")
        self.add_button.clicked.connect(lambda: self.add_requested.emit(kind.key))
        row.addWidget(self.edit_button)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.retranslate()

    def _edit(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.edit_requested.emit(self.kind.key, self.tree.indexOfTopLevelItem(item))

    def _delete(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.delete_requested.emit(self.kind.key, self.tree.indexOfTopLevelItem(item))

    def show_records(self, records: list[Record]) -> None:
        self.records = list(records)
        self.tree.clear()
        for record in self.records:
            if self.kind.key == "consultations":
                item = QTreeWidgetItem(consultation_row(cast(Consultation, record),
                                                        self.form_name))
                item.setToolTip(len(self.kind.columns) - 1, getattr(record, "summary", ""))
                item.setData(0, Qt.ItemDataRole.UserRole, str(getattr(record, "place", "")))
            else:
                # typed text reads in its own direction (a German note in Arabic)
                item = QTreeWidgetItem([own_direction(cell) for cell in self.kind.row(record)])
            self.tree.addTopLevelItem(item)
        self.tree.show_placeholder(_(EMPTY))

    def retranslate(self) -> None:
        self.tree.setHeaderLabels([_(c) for c in self.kind.columns])
        fit_stretched_last(self.tree.header())  # the last header uncut (issue 18.10)
        self.tree.setAccessibleName(_(self.kind.title))
        self.tree.show_placeholder(_(EMPTY))
        self.add_button.setText(_("&Add…"))
        self.edit_button.setText(_("&Edit…"))
        self.delete_button.setText(_("&Delete…"))
        self.delete_button.setAccessibleName(
            _("Delete: {what}").format(what=_(self.kind.singular)))
        self.add_button.setAccessibleName(_("Add: {what}").format(what=_(self.kind.singular)))
        self.edit_button.setAccessibleName(_("Edit: {what}").format(what=_(self.kind.singular)))
        if self.records:
            self.show_records(self.records)
