"""The changes the server refused: which records, in which case, and what the server said.

A refused change stays on the device, pending, and travels again with every sync; until
2026-12-07 nothing said so, and the counselor believed her work was on the server. The sync
status offers this view whenever the vault keeps a refusal
(:mod:`kimdesk.vault.sync.refusals`): one line per record, its kind in words, its case number
and the server's reason exactly as the server sent it. The reason is not translated (the server
speaks English and names fields by their model names): the column says it is the server's text,
so a counselor can hand it to the administrator as it is, and it is kept left to right inside a
right-to-left interface.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.labels import kind_label
from kimdesk.gui.lang import format_int, ltr
from kimdesk.gui.naming import tab_leaves
from kimdesk.i18n import N_, gettext, ngettext
from kimdesk.vault.sync import Refusal

_ = gettext

#: The view's columns (msgids).
COLUMNS = (N_("Record"), N_("Case"), N_("Refused"), N_("The server's reason (its own words)"))


def refused_sentence(count: int) -> str:
    """"2 changes were refused by the server and stay on this device", in the UI language: what
    the button in the sync status says (with "– details") and the view's first line."""
    return ngettext("{n} change was refused by the server and stays on this device",
                    "{n} changes were refused by the server and stay on this device",
                    count).format(n=format_int(count))


def record_text(refusal: Refusal) -> str:
    """The record's kind in words; edited since it was refused: said, since that version goes
    with the next sync."""
    kind = kind_label(refusal.kind)
    kind = kind[:1].upper() + kind[1:]
    return _("{kind} (changed since)").format(kind=kind) if refusal.changed_since else kind


class RefusedDialog(QDialog):
    """The refused changes, one row per record (read-only; Esc or Close ends it)."""

    def __init__(self, refusals: list[Refusal], parent: QWidget | None = None) -> None:
        from kimdesk.gui.sync.widget import format_last_sync

        super().__init__(parent)
        self.setObjectName("syncRefusedDialog")
        self.setWindowTitle(_("Changes refused by the server"))
        self.intro = QLabel(self)
        self.intro.setObjectName("syncRefusedIntro")
        self.intro.setWordWrap(True)
        if refusals:
            self.intro.setText(
                refused_sentence(len(refusals)) + ". "
                + _("Each is sent again with every sync until the server accepts it. Correct "
                    "the record if the server's reason says what is wrong; otherwise tell your "
                    "administrator the case number and the server's words."))
        else:
            self.intro.setText(_("The server refuses none of your changes any more."))
        self.table = QTableWidget(len(refusals), len(COLUMNS), self)
        self.table.setObjectName("syncRefusedTable")
        tab_leaves(self.table)  # arrows between cells, Tab on to "Close"
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        for row, refusal in enumerate(refusals):
            cells = (record_text(refusal), ltr(refusal.case_number) or "—",
                     format_last_sync(refusal.at), ltr(refusal.reason))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(refusal.reason if column == 3 else text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(refusals))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 320)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        """Rows as high as their text at the width shown (measured before, the reason column
        was narrow and every row two lines high)."""
        super().showEvent(event)
        self.table.resizeRowsToContents()
