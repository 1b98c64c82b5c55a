"""The conflict view: resolve sync conflicts field by field (mine / theirs / merged).

A conflict is a field changed on two devices; the value that lost the merge is kept in the
conflict history (:mod:`kimdesk.sync.merge`), so choosing here never loses either side.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kimdesk.i18n import gettext
from kimdesk.sync.protocol import ConflictInfo

_ = gettext


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class ConflictDialog(QDialog):
    """Resolve conflicts record by record: for each conflicting field, keep *mine* (the value
    that lost, kept in the conflict history), *theirs* (what the record holds now) or a *merged*
    value typed by the counselor."""

    def __init__(self, conflicts: list[ConflictInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Resolve sync conflicts"))
        self.conflicts = conflicts
        self._rows: dict[str, tuple[QButtonGroup, QLineEdit]] = {}
        self.records = QListWidget(self)
        self.records.setObjectName("conflictRecords")
        self.detail = QWidget(self)
        self.grid = QGridLayout(self.detail)
        by_record: dict[str, list[ConflictInfo]] = {}
        for c in conflicts:
            by_record.setdefault(c.record_id, []).append(c)
        self.by_record = by_record
        for rid, items in by_record.items():
            item = QListWidgetItem(f"{_(items[0].kind)} {rid[:8]} ({len(items)})")
            item.setData(Qt.ItemDataRole.UserRole, rid)
            self.records.addItem(item)
        self._pages: dict[str, QWidget] = {}
        splitter = QSplitter(self)
        splitter.addWidget(self.records)
        splitter.addWidget(self.detail)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Apply"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The same field was changed on two devices. Choose which "
                                  "value to keep; the other stays in the history."), self))
        layout.addWidget(splitter)
        layout.addWidget(buttons)
        self._build_rows()
        self.records.currentRowChanged.connect(self._show_record)
        if conflicts:
            self.records.setCurrentRow(0)
        self.resize(760, 420)

    def _build_rows(self) -> None:
        for col, title in enumerate((_("Field"), _("Mine"), _("Theirs"), _("Merged"))):
            header = QLabel(f"<b>{title}</b>", self.detail)
            self.grid.addWidget(header, 0, col)
        row = 1
        for items in self.by_record.values():
            for c in items:
                group = QButtonGroup(self.detail)
                field = QLabel(_(c.field), self.detail)
                mine = QRadioButton(_text(c.mine), self.detail)
                theirs = QRadioButton(_text(c.theirs), self.detail)
                merged_radio = QRadioButton(self.detail)
                merged = QLineEdit(_text(c.theirs), self.detail)
                merged.setObjectName(f"merged-{c.id}")
                merged.textEdited.connect(lambda _t, r=merged_radio: r.setChecked(True))
                cell = QWidget(self.detail)
                h = QHBoxLayout(cell)
                h.setContentsMargins(0, 0, 0, 0)
                h.addWidget(merged_radio)
                h.addWidget(merged)
                for i, b in enumerate((mine, theirs, merged_radio)):
                    group.addButton(b, i)
                theirs.setChecked(True)
                self.grid.addWidget(field, row, 0)
                self.grid.addWidget(mine, row, 1)
                self.grid.addWidget(theirs, row, 2)
                self.grid.addWidget(cell, row, 3)
                self._rows[c.id] = (group, merged)
                for w in (field, mine, theirs, cell):
                    w.setProperty("record", c.record_id)
                row += 1

    def _show_record(self, index: int) -> None:
        item = self.records.item(index)
        rid = item.data(Qt.ItemDataRole.UserRole) if item else None
        for i in range(self.grid.count()):
            layout_item = self.grid.itemAt(i)
            w = layout_item.widget() if layout_item is not None else None
            if w is not None and w.property("record") is not None:
                w.setVisible(w.property("record") == rid)

    def choose(self, conflict_id: str, which: str, merged: str = "") -> None:
        """Programmatic choice (tests, keyboard-free use): mine | theirs | merged."""
        group, edit = self._rows[conflict_id]
        group.button({"mine": 0, "theirs": 1, "merged": 2}[which]).setChecked(True)
        if which == "merged":
            edit.setText(merged)

    def choices(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in self.conflicts:
            group, edit = self._rows[c.id]
            picked = group.checkedId()
            if picked == 0:
                out[c.id] = c.mine
            elif picked == 1:
                out[c.id] = c.theirs
            else:
                out[c.id] = _parse_like(edit.text(), c.theirs if c.theirs is not None else c.mine)
        return out


def _parse_like(text: str, example: Any) -> Any:
    """The merged text, as the type the field holds (lists and numbers are typed as JSON)."""
    if isinstance(example, str) or example is None:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
