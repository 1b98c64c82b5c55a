"""The sync status indicator for the status bar: it draws the states of
:class:`kimdesk.sync.schedule.SyncState` that the controller (``controller.py``) reports, and
offers "Sync now" / "Cancel" and the conflict view. No rules live here.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStyle,
    QWidget,
)

from kimdesk.gui.sync.conflicts import ConflictDialog
from kimdesk.gui.sync.controller import EXPLAINED, SyncController
from kimdesk.gui.sync.refused import RefusedDialog, refused_sentence
from kimdesk.i18n import N_, gettext
from kimdesk.sync.protocol import ConflictInfo
from kimdesk.sync.schedule import RUNNING, SyncState
from kimdesk.vault.errors import WIPE_INCOMPLETE_STATE, WIPED
from kimdesk.vault.sync import Refusal

_ = gettext

STATE_LABELS: dict[str, str] = {
    SyncState.DISABLED: N_("Not enrolled for sync"),
    SyncState.IDLE: N_("Synced"),
    SyncState.CHECKING: N_("Connecting…"),
    SyncState.PUSHING: N_("Sending changes…"),
    SyncState.PULLING: N_("Receiving changes…"),
    SyncState.CONFLICT: N_("Conflicts to resolve"),
    SyncState.ERROR: N_("Sync failed"),
    SyncState.OFFLINE: N_("Offline"),
    # said plainly (a review: the status bar's "deleted" was gone after 5 s, this stayed)
    SyncState.REVOKED: WIPED,
    # The GUI stops sync only when it locks the vault.
    SyncState.STOPPED: N_("The vault is locked."),
}
STATE_COLORS: dict[str, str] = {
    SyncState.DISABLED: "#9e9e9e",
    SyncState.IDLE: "#2e7d32",
    SyncState.CHECKING: "#1565c0",
    SyncState.PUSHING: "#1565c0",
    SyncState.PULLING: "#1565c0",
    SyncState.CONFLICT: "#ef6c00",
    SyncState.ERROR: "#c62828",
    SyncState.OFFLINE: "#757575",
    SyncState.REVOKED: "#c62828",
    SyncState.STOPPED: "#9e9e9e",
}
#: States in which "Sync now" has nothing to start.
_NO_SYNC = frozenset({SyncState.DISABLED, SyncState.REVOKED, SyncState.STOPPED})


class _GivesWay(QLabel):
    """A label that gives way first when the status bar is full: drawn cut with "…" where its
    text does not fit (``text()`` and the tooltip keep the whole). At 1280 px the Russian status
    bar cut the last sync's date instead (a review); the server's name matters least there."""

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…") * 6,
                     super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                              rect.width())
        align = QStyle.visualAlignment(self.layoutDirection(), self.alignment())
        painter.drawText(rect, int(align), shown)


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
    """The last sync's local date as every other date of the app shows it (the locale's short
    format, kept in one piece in a right-to-left interface), and its time."""
    from PySide6.QtCore import QTime

    from kimdesk.gui.lang import format_date, locale, ltr

    if not iso:
        return _("never")
    try:
        stamp = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    clock = locale().toString(QTime(stamp.hour, stamp.minute), "HH:mm")  # the locale's digits
    return ltr(f"{format_date(stamp.date())} {clock}")


class SyncStatusWidget(QWidget):
    """Status indicator for the status bar: colored dot, state, last successful sync, progress,
    "Sync now" and, when there are conflicts, a button that opens the conflict view."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dot = _Dot(self)
        self.label = QLabel(self)
        self.label.setObjectName("syncState")
        self.server_label = _GivesWay(self)  # which server: the status never says "Synced" alone
        self.server_label.setObjectName("syncServer")
        self.server_label.hide()
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
        # why a run failed, and what to do, in words a keyboard reaches: it was only in the
        # state's tooltip, which needs a mouse and was gone with the next state (a review)
        self.details_button = QPushButton(_("Details…"), self)
        self.details_button.setObjectName("syncDetails")
        self.details_button.clicked.connect(self.show_details)
        self.details_button.hide()
        # changes the server refused: they stay on the device and go again with every run;
        # said until each is resolved, also after a restart (the vault keeps them)
        self.refused_button = QPushButton(self)
        self.refused_button.setObjectName("syncRefused")
        self.refused_button.clicked.connect(self.open_refused)
        self.refused_button.hide()
        self._refused = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for w in (self.dot, self.label, self.server_label, self.progress, self.last,
                  self.details_button, self.refused_button, self.conflict_button,
                  self.sync_button):
            layout.addWidget(w)
        # Tab goes left to right as they stand (the buttons were made in another order)
        for first, second in ((self.details_button, self.refused_button),
                              (self.refused_button, self.conflict_button),
                              (self.conflict_button, self.sync_button)):
            QWidget.setTabOrder(first, second)
        self._busy = False
        self._shown: tuple[str, int, int, str] = (controller.state, 0, 0, "")
        controller.state_changed.connect(self.show_state)
        controller.finished.connect(self._finished)
        controller.server_changed.connect(self._server_known)
        controller.refused_changed.connect(self.show_refused)
        self.dialog: ConflictDialog | None = None
        self.refused_dialog: RefusedDialog | None = None
        self.show_server(controller.server)
        self.show_state(controller.state, 0, 0, "")
        self._finished(controller.last_sync, controller.conflicts)

    @Slot(str, int, int, str)
    def show_state(self, state: str, done: int, total: int, message: str) -> None:
        self._shown = (state, done, total, message)
        # synced, but with changes the server refused: not the green of "all is on the server"
        shade = SyncState.CONFLICT if state == SyncState.IDLE and self._refused else state
        self.dot.color = QColor(STATE_COLORS.get(shade, "#9e9e9e"))
        self.dot.update()
        revoked = self.controller.wiped_by
        if state == SyncState.REVOKED and revoked is not None and revoked.left:
            text = _(WIPE_INCOMPLETE_STATE)  # not "its vault was deleted": the files stayed
        else:
            text = _(STATE_LABELS.get(state, state))
        busy = state in RUNNING
        if busy and total:
            text += f" {done}/{total}"
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        elif busy:
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        # While a run is under way the server and the last sync step aside: at the default
        # window width the state and its count were cut ("Änderungen werden gesendet… 1" of
        # 1234/5678, a review); the state keeps its full width whatever the status bar holds.
        self.last.setVisible(not busy)
        self.label.setText(text)
        self.label.setMinimumWidth(0)  # the hint of this text, not of the longest one shown
        self.label.setMinimumWidth(self.label.sizeHint().width())
        self.label.setToolTip(message)
        self.details_button.setVisible(bool(message) and state in EXPLAINED)
        self._busy = busy
        self.sync_button.setText(_("Cancel") if busy else _("Sync now"))
        self.sync_button.setEnabled(state not in _NO_SYNC)
        if state in (SyncState.STOPPED, SyncState.REVOKED):  # these live in the vault
            self.conflict_button.hide()
            self.refused_button.hide()
        if state in (SyncState.DISABLED, SyncState.STOPPED) or busy:  # no server, locked, busy
            self.server_label.hide()
        elif self.server_label.text():
            self.server_label.show()
        self.conflict_button.setEnabled(state != SyncState.STOPPED)

    def retranslate(self) -> None:
        """After a switch of the interface language: every text again, in the new language
        (the state stayed in the old one until the next sync, issue 18.5)."""
        self.details_button.setText(_("Details…"))
        self.show_server(self.controller.server)
        state, done, total, message = self._shown
        self.show_state(state, done, total, self.controller.explain(message))
        self._finished(self.controller.last_sync, self.controller.conflicts)
        self.show_refused(self._refused)

    @Slot(str)
    def show_server(self, url: str) -> None:
        """"Server: host" beside the state; hidden when not enrolled ("Not enrolled for sync")."""
        from kimdesk.sync.identity import server_host

        text = _("Server: {host}").format(host=server_host(url)) if url else ""
        self.server_label.setText(text)
        self.server_label.setToolTip(url)
        self.server_label.setVisible(bool(url) and not self._busy)

    @Slot(str)
    def _server_known(self, url: str) -> None:
        """Read at the start: the server, and the last sync and conflicts the vault remembers
        (they said "never" until the first run ended, minutes on a long first sync)."""
        self.show_server(url)
        self._finished(self.controller.last_sync, self.controller.conflicts)

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

    @Slot(int)
    def show_refused(self, count: int) -> None:
        """"2 changes were refused by the server and stay on this device – details"; hidden
        when none is (or the vault is locked)."""
        self._refused = count
        self.show_state(*self._shown)  # the dot's colour
        self.refused_button.setText(_("{what} – details").format(what=refused_sentence(count)))
        self.refused_button.setVisible(
            count > 0 and self.controller.state not in (SyncState.STOPPED, SyncState.REVOKED))

    def open_refused(self) -> None:
        """The refused records, as the vault keeps them now (read on the database worker)."""
        if self.controller.state == SyncState.STOPPED:
            return  # the vault is locked

        def show(refusals: list[Refusal]) -> None:
            self.refused_dialog = RefusedDialog(refusals, self)
            self.refused_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.refused_dialog.open()

        self.controller.load_refusals(show)

    def show_details(self) -> None:
        """The message of the state shown (why the last run failed), in a box that stays."""
        box = QMessageBox(QMessageBox.Icon.Information, _("KIMdesk"), self._shown[3],
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("syncDetailsBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def open_conflicts(self) -> None:
        if self.controller.state == SyncState.STOPPED:
            return  # the vault is locked
        def show(conflicts: list[ConflictInfo], titles: dict[str, str]) -> None:
            self.dialog = ConflictDialog(conflicts, self, titles=titles)
            self.dialog.accepted.connect(
                lambda: self.controller.resolve(self.dialog.choices() if self.dialog else {})
            )
            self.dialog.open()

        self.controller.load_conflicts(show)
