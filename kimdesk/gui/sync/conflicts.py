"""The conflict view: resolve sync conflicts field by field (mine / theirs / merged).

A conflict is a field changed on two devices; the value that lost the merge is kept in the
conflict history (:mod:`kimdesk.sync.merge`), so choosing here never loses either side.

Records and fields are named as the case view names them (the client's name or the case number,
the form's field labels), never by the model's names and ids; "Apply" resolves only the records
the counselor looked at, the others stay open (a review: they were closed as "theirs", unseen).
"""

from __future__ import annotations

import functools
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

from kimdesk.gui.labels import kind_label
from kimdesk.i18n import current_language, gettext, is_rtl
from kimdesk.sync.protocol import ConflictInfo

_ = gettext
#: First-strong isolate and pop: each value laid out in its own direction ("0201 111" read
#: "111 0201" in Arabic; a name in Arabic script stays right to left).
FSI, PDI = "\u2068", "\u2069"


@functools.cache
def _field_labels() -> dict[tuple[str, str], str]:
    """(kind, field) -> the msgid of the label the record's editor shows."""
    from kimdesk.gui.records import CASE_FIELDS, KINDS, PERSON_FIELDS

    labels = {("persons", f.name): f.label for f in PERSON_FIELDS}
    labels.update({("cases", f.name): f.label for f in CASE_FIELDS})
    for kind in KINDS:
        labels.update({(kind.key, f.name): f.label for f in kind.fields})
    return labels


def field_label(kind: str, field: str) -> str:
    """The field as its editor labels it, translated; the model's name where no editor has it."""
    label = _field_labels().get((kind, field))
    return _(label) if label else field


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _shown(value: Any) -> str:
    """A value as a choice shows it: isolated in a right-to-left interface."""
    text = _text(value)
    return f"{FSI}{text}{PDI}" if is_rtl(current_language()) else text


class ConflictDialog(QDialog):
    """Resolve conflicts record by record: for each conflicting field, keep *mine* (the value
    that lost, kept in the conflict history), *theirs* (what the record holds now) or a *merged*
    value typed by the counselor."""

    def __init__(self, conflicts: list[ConflictInfo], parent: QWidget | None = None, *,
                 titles: dict[str, str] | None = None) -> None:
        """``titles``: record id -> what the counselor knows it by (a name, a case number)."""
        super().__init__(parent)
        self.setWindowTitle(_("Resolve sync conflicts"))
        self.conflicts = conflicts
        self._rows: dict[str, tuple[QButtonGroup, QLineEdit]] = {}
        self._seen: set[str] = set()  # records shown: only their conflicts are resolved
        self.records = QListWidget(self)
        self.records.setObjectName("conflictRecords")
        self.detail = QWidget(self)
        self.grid = QGridLayout(self.detail)
        by_record: dict[str, list[ConflictInfo]] = {}
        for c in conflicts:
            by_record.setdefault(c.record_id, []).append(c)
        self.by_record = by_record
        for rid, items in by_record.items():
            title = (titles or {}).get(rid) or kind_label(items[0].kind)
            item = QListWidgetItem(f"{title} ({len(items)})")
            item.setData(Qt.ItemDataRole.UserRole, rid)
            self.records.addItem(item)
        self._pages: dict[str, QWidget] = {}
        splitter = QSplitter(self)
        splitter.addWidget(self.records)
        splitter.addWidget(self.detail)
        self._build_rows()  # before the buttons: Tab goes from the list to the choices
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Apply"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        intro = QLabel(_("The same field was changed on two devices. Choose which value to "
                         "keep; the other stays in the history."), self)
        intro.setObjectName("conflictIntro")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        # the lists take the room, not the sentence above them: a band of empty space above
        # and below the sentence, and between the headers and the rows (a GUI review)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
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
                field = QLabel(field_label(c.kind, c.field), self.detail)
                mine = QRadioButton(_shown(c.mine), self.detail)
                theirs = QRadioButton(_shown(c.theirs), self.detail)
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
        self.grid.setRowStretch(row, 1)  # the rows stay under their headers, at the top
        self.grid.setColumnStretch(3, 1)  # the merged value's field takes the width

    def _show_record(self, index: int) -> None:
        item = self.records.item(index)
        rid = item.data(Qt.ItemDataRole.UserRole) if item else None
        if rid is not None:
            self._seen.add(rid)
        for i in range(self.grid.count()):
            layout_item = self.grid.itemAt(i)
            w = layout_item.widget() if layout_item is not None else None
            if w is not None and w.property("record") is not None:
                w.setVisible(w.property("record") == rid)

    def choose(self, conflict_id: str, which: str, merged: str = "") -> None:
        """Programmatic choice (tests, keyboard-free use): mine | theirs | merged."""
        group, edit = self._rows[conflict_id]
        self._seen.update(c.record_id for c in self.conflicts if c.id == conflict_id)
        group.button({"mine": 0, "theirs": 1, "merged": 2}[which]).setChecked(True)
        if which == "merged":
            edit.setText(merged)

    def choices(self) -> dict[str, Any]:
        """The chosen values of the records looked at; the others stay open for later."""
        out: dict[str, Any] = {}
        for c in self.conflicts:
            if c.record_id not in self._seen:
                continue
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
