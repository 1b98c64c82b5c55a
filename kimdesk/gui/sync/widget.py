"""The sync status indicator, the controller that drives :mod:`kimdesk.sync.engine` from the GUI,
and the conflict dialog (mine / theirs / merged, field by field).

The engine is Qt-free; this module only draws its states. Every vault access runs as a job on the
application's database worker (anything with ``submit(job, on_done, on_error)`` where ``job``
receives an object with ``.vault``, i.e. :class:`kimdesk.gui.worker.DbWorker`), so sync never
uses the vault from a second thread. State changes come from the worker thread through a Qt
signal carrying only strings and ints (queued to the GUI thread).

Automatic sync: every ``interval_ms`` while online; while offline a probe (``/v1/hello``, no vault
access, on a short-lived thread) every ``probe_ms``, and a sync as soon as the server answers;
after errors the delay grows with jittered exponential backoff.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent
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
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kimdesk.i18n import N_, gettext
from kimdesk.sync.engine import (
    Backoff,
    DeviceRevoked,
    NotEnrolled,
    Offline,
    Progress,
    SyncCancelled,
    SyncEngine,
    SyncState,
    Transport,
)
from kimdesk.sync.protocol import ConflictInfo

_ = gettext

STATE_LABELS: dict[str, str] = {
    SyncState.IDLE: N_("Synced"),
    SyncState.CHECKING: N_("Connecting…"),
    SyncState.PUSHING: N_("Sending changes…"),
    SyncState.PULLING: N_("Receiving changes…"),
    SyncState.CONFLICT: N_("Conflicts to resolve"),
    SyncState.ERROR: N_("Sync failed"),
    SyncState.OFFLINE: N_("Offline"),
    "disabled": N_("Not enrolled for sync"),
}
STATE_COLORS: dict[str, str] = {
    SyncState.IDLE: "#2e7d32",
    SyncState.CHECKING: "#1565c0",
    SyncState.PUSHING: "#1565c0",
    SyncState.PULLING: "#1565c0",
    SyncState.CONFLICT: "#ef6c00",
    SyncState.ERROR: "#c62828",
    SyncState.OFFLINE: "#757575",
    "disabled": "#9e9e9e",
}


class Worker(Protocol):
    def submit(self, job: Callable[[Any], Any], on_done: Callable[[Any], None] | None = ...,
               on_error: Callable[[Exception], None] | None = ...) -> int: ...


class SyncController(QObject):
    """Drives sync for the unlocked vault. Signals carry plain values only."""

    #: state, done, total, message (see :class:`kimdesk.sync.engine.SyncState`)
    state_changed = Signal(str, int, int, str)
    #: after every run: last successful sync (ISO, "" if never), open conflicts
    finished = Signal(str, int)
    #: the server revoked this device; the vault file has been wiped
    wiped = Signal()
    #: the server became reachable / unreachable (from the probe)
    _probed = Signal(bool)

    def __init__(self, worker: Worker, *, interval_ms: int = 300_000, probe_ms: int = 15_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.state = "disabled"
        self.last_sync = ""
        self.conflicts = 0
        self.running = False
        self._engine: SyncEngine | None = None
        self._server = ""
        self._backoff = Backoff(base=5.0, cap=600.0)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self.interval_ms = interval_ms
        self.probe_ms = probe_ms
        self._probed.connect(self._on_probe)

    # -- public API ----------------------------------------------------------------------------
    def start(self) -> None:
        """After unlock: read the sync state and sync once if enrolled."""
        def job(w: Any) -> tuple[str, str, int]:
            from kimdesk.sync.store import SyncStore

            store = SyncStore(w.vault)
            return (store.get("server") if store.enrolled else "", store.get("last_sync"),
                    len(store.conflicts()))

        self.worker.submit(job, self._started, self._failed)

    def stop(self) -> None:
        """Before lock: stop timers and cancel a running sync at its next step."""
        self._timer.stop()
        if self._engine is not None:
            self._engine.cancel()
        self._engine = None

    def sync_now(self) -> None:
        if self.running or not self._server:
            return
        self.running = True
        self._timer.stop()
        self.worker.submit(self._run, self._done, self._failed)

    def cancel(self) -> None:
        if self._engine is not None:
            self._engine.cancel()

    def load_conflicts(self, on_done: Callable[[list[ConflictInfo]], None]) -> None:
        def job(w: Any) -> list[ConflictInfo]:
            from kimdesk.sync.store import SyncStore

            return SyncStore(w.vault).conflicts()

        self.worker.submit(job, on_done, self._failed)

    def resolve(self, choices: dict[str, Any], on_done: Callable[[Any], None] | None = None
                ) -> None:
        """Resolve conflicts (conflict id -> chosen value), then sync."""
        def job(w: Any) -> int:
            from kimdesk.sync.store import SyncStore

            store = SyncStore(w.vault)
            for conflict_id, value in choices.items():
                store.resolve(conflict_id, value)
            return len(store.conflicts())

        def done(left: int) -> None:
            self.conflicts = left
            if on_done:
                on_done(left)
            self.sync_now()

        self.worker.submit(job, done, self._failed)

    # -- internals -----------------------------------------------------------------------------
    def _emit(self, state: str, done: int = 0, total: int = 0, message: str = "") -> None:
        self.state = state
        self.state_changed.emit(state, done, total, message)

    def _started(self, result: tuple[str, str, int]) -> None:
        self._server, self.last_sync, self.conflicts = result
        if not self._server:
            self._emit("disabled")
            return
        self._emit(SyncState.CONFLICT if self.conflicts else SyncState.IDLE)
        self.sync_now()

    def _run(self, w: Any) -> tuple[str, int]:
        """On the database thread."""
        if self._engine is None or self._engine.vault is not w.vault:
            self._engine = SyncEngine(w.vault, on_state=self._progress)
        try:
            report = self._engine.sync()
        except DeviceRevoked:
            w.vault = None  # the engine closed and wiped it
            raise
        return self._engine.last_sync, report.conflicts

    def _progress(self, p: Progress) -> None:  # database thread -> queued signal
        self.state_changed.emit(str(p.state), int(p.done), int(p.total), str(p.message))

    def _done(self, result: tuple[str, int]) -> None:
        self.running = False
        self.last_sync, self.conflicts = result
        self._backoff.reset()
        self._emit(SyncState.CONFLICT if self.conflicts else SyncState.IDLE)
        self.finished.emit(self.last_sync, self.conflicts)
        self._timer.start(self.interval_ms)

    def _failed(self, exc: Exception) -> None:
        self.running = False
        message = exc.translated() if hasattr(exc, "translated") else str(exc)
        if isinstance(exc, DeviceRevoked):
            self._engine = None
            self._server = ""
            self._emit(SyncState.ERROR, message=message)
            self.wiped.emit()
            return
        if isinstance(exc, NotEnrolled):
            self._emit("disabled")
            return
        if isinstance(exc, SyncCancelled):
            self._emit(SyncState.CONFLICT if self.conflicts else SyncState.IDLE)
            self.finished.emit(self.last_sync, self.conflicts)
            self._timer.start(self.interval_ms)
            return
        if isinstance(exc, Offline):
            self._emit(SyncState.OFFLINE, message=message)
            self._timer.start(self.probe_ms)
        else:
            self._emit(SyncState.ERROR, message=message)
            self._timer.start(int(self._backoff.next_delay() * 1000))
        self.finished.emit(self.last_sync, self.conflicts)

    def _tick(self) -> None:
        if self.state == SyncState.OFFLINE:
            server = self._server

            def probe() -> None:
                try:
                    t = Transport(server, timeout=5.0)
                    try:
                        t.hello()
                    finally:
                        t.close()
                    self._probed.emit(True)
                except Exception:
                    self._probed.emit(False)

            threading.Thread(target=probe, name="kimdesk-sync-probe", daemon=True).start()
        else:
            self.sync_now()

    @Slot(bool)
    def _on_probe(self, reachable: bool) -> None:
        if reachable:
            self.sync_now()
        elif self._server:
            self._timer.start(self.probe_ms)


class _Dot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor("#9e9e9e")
        self.setFixedSize(12, 12)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(self.color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(1, 1, 10, 10)


def format_last_sync(iso: str) -> str:
    if not iso:
        return _("never")
    try:
        stamp = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return stamp.strftime("%Y-%m-%d %H:%M")


class SyncStatusWidget(QWidget):
    """Status indicator for the status bar: colored dot, state, last successful sync, progress,
    "Sync now" and, when there are conflicts, a button that opens the conflict view."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dot = _Dot(self)
        self.label = QLabel(self)
        self.label.setObjectName("syncState")
        self.last = QLabel(self)
        self.last.setObjectName("syncLast")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.sync_button = QPushButton(_("Sync now"), self)
        self.sync_button.setObjectName("syncNow")
        self.sync_button.clicked.connect(self._clicked)
        self.conflict_button = QPushButton(self)
        self.conflict_button.setObjectName("syncConflicts")
        self.conflict_button.clicked.connect(self.open_conflicts)
        self.conflict_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for w in (self.dot, self.label, self.progress, self.last, self.conflict_button,
                  self.sync_button):
            layout.addWidget(w)
        self._busy = False
        controller.state_changed.connect(self.show_state)
        controller.finished.connect(self._finished)
        self.dialog: ConflictDialog | None = None
        self.show_state(controller.state, 0, 0, "")
        self._finished(controller.last_sync, controller.conflicts)

    @Slot(str, int, int, str)
    def show_state(self, state: str, done: int, total: int, message: str) -> None:
        self.dot.color = QColor(STATE_COLORS.get(state, "#9e9e9e"))
        self.dot.update()
        text = _(STATE_LABELS.get(state, state))
        busy = state in (SyncState.CHECKING, SyncState.PUSHING, SyncState.PULLING)
        if busy and total:
            text += f" {done}/{total}"
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        elif busy:
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        self.label.setText(text)
        self.label.setToolTip(message)
        self._busy = busy
        self.sync_button.setText(_("Cancel") if busy else _("Sync now"))
        self.sync_button.setEnabled(state != "disabled")

    def _clicked(self) -> None:
        """"Sync now", or "Cancel" while a run is under way (it stops at the next batch)."""
        if self._busy:
            self.controller.cancel()
        else:
            self.controller.sync_now()

    @Slot(str, int)
    def _finished(self, last_sync: str, conflicts: int) -> None:
        self.last.setText(_("Last sync: {when}").format(when=format_last_sync(last_sync)))
        self.conflict_button.setText(_("Conflicts: {n}").format(n=conflicts))
        self.conflict_button.setVisible(conflicts > 0)

    def open_conflicts(self) -> None:
        def show(conflicts: list[ConflictInfo]) -> None:
            self.dialog = ConflictDialog(conflicts, self)
            self.dialog.accepted.connect(
                lambda: self.controller.resolve(self.dialog.choices() if self.dialog else {})
            )
            self.dialog.open()

        self.controller.load_conflicts(show)


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
