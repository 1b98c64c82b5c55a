"""Tools → "Connect to server…": enroll the open vault with a sync server and run its first sync.

Three steps in one dialog, each started with Enter:

1. the counselor types the server's address and the one-time code from the administrator, and
   "Check server" asks the server who it is (:func:`kimdesk.sync.identity.identify`, on the
   files lane: the vault stays free);
2. the dialog shows what the server showed (host, encryption, certificate fingerprint, server
   id; see :mod:`kimdesk.sync.identity` for why not more) and "Connect" enrolls
   (:func:`kimdesk.sync.identity.enroll_with`, on the vault lane). A vault enrolled with another
   server says so first: it leaves that server and sends everything to the new one;
3. the sync controller restarts with the new enrollment and the dialog follows the first sync's
   progress; "Cancel sync" stops it at the next batch (the rest follows at the next sync).

Every failure is one translated sentence in the dialog (wrong code, unreachable server, plain
http to another computer, a certificate this computer does not trust); nothing is stored until
the server accepted the code.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext
from kimdesk.sync.schedule import RUNNING, SyncState

if TYPE_CHECKING:
    from kimdesk.gui.sync.controller import SyncController
    from kimdesk.sync.identity import ServerIdentity

_ = gettext


class Step(Enum):
    EDIT = "edit"  # typing address and code
    ASKING = "asking"  # waiting for the server's hello
    IDENTIFIED = "identified"  # the server's identity is shown
    ENROLLING = "enrolling"
    SYNCING = "syncing"
    DONE = "done"


def failure_text(exc: BaseException, host: str) -> str:
    """One translated sentence for a failed step; an unreachable server is named by its host
    (the transport's own message would quote the network library)."""
    from kimdesk.gui.jobs import failure_message
    from kimdesk.sync.errors import Offline

    if isinstance(exc, Offline):
        return _("The server {host} cannot be reached. Check the address and the network "
                 "connection.").format(host=host)
    return failure_message(exc)


def identity_text(identity: ServerIdentity, current: str) -> str:
    """What the server showed, line by line, and what connecting will change."""
    lines = [_("Server: {host}").format(host=identity.host)]
    if identity.encrypted:
        lines.append(_("Encrypted connection (https); certificate for: {subject}").format(
            subject=identity.subject or "?"))
        if identity.issuer:
            lines.append(_("Issued by: {issuer}").format(issuer=identity.issuer))
        lines.append(_("Certificate fingerprint (SHA-256):"))
        lines.append(identity.fingerprint)
        lines.append(_("Compare the fingerprint with the one your administrator gave you."))
    else:
        lines.append(_("Unencrypted connection, allowed only to this computer."))
    lines.append(_("Server ID: {id}").format(id=identity.server_id))
    lines.append(_("The team is set by the one-time code; it is shown after connecting."))
    if current and current != identity.url:
        from kimdesk.sync.identity import server_host

        lines.append(_("This vault syncs with {host} now. Connecting ends that: every record "
                       "will be sent to the new server.").format(host=server_host(current)))
    return "\n".join(lines)


class ConnectDialog(QDialog):
    """Address + one-time code → the server's identity → enrollment → first sync."""

    def __init__(self, parent: QWidget | None, worker: DbWorker,
                 restart: Callable[[], SyncController | None], *, address: str = "",
                 current: str = "", device_name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.worker = worker
        self._restart = restart
        self.current = current
        self.device_name = device_name
        self.identity: ServerIdentity | None = None
        self.team = ""
        self.step = Step.EDIT
        self.controller: SyncController | None = None
        from kimdesk import config

        #: the machine policy's server (docs/deployment.md): the only address, not editable
        self.fixed_server = config.policy().server
        self.address = QLineEdit(self.fixed_server or address)
        self.address.setObjectName("connectAddress")
        self.address_note = QLabel()
        self.address_note.setObjectName("connectAddressNote")
        self.address_note.setVisible(bool(self.fixed_server))
        self.address.setPlaceholderText("https://kim.example-kreis.de")
        self.code = QLineEdit()
        self.code.setObjectName("connectCode")
        self.code.setPlaceholderText("K7QM-2XPA-9RTD")
        self.address_label = QLabel()
        self.address_label.setBuddy(self.address)
        self.code_label = QLabel()
        self.code_label.setBuddy(self.code)
        self.identity_label = QLabel()
        self.identity_label.setObjectName("connectIdentity")
        self.identity_label.setWordWrap(True)
        self.identity_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity_label.hide()
        self.message = QLabel()
        self.message.setObjectName("connectMessage")
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("connectProgress")
        self.progress.hide()
        self.primary = QPushButton()
        self.primary.setObjectName("connectPrimary")
        self.primary.setDefault(True)
        self.primary.clicked.connect(self._primary_clicked)
        self.close_button = QPushButton()
        self.close_button.setObjectName("connectClose")
        self.close_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.address_label, self.address)
        form.addRow("", self.address_note)
        form.addRow(self.code_label, self.code)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.primary)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.identity_label)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.address.textEdited.connect(self._address_edited)
        self.resize(560, 360)
        self.retranslate()

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Connect to server"))
        self.address_label.setText(_("Server &address:"))
        self.code_label.setText(_("One-time &code:"))
        self.address.setAccessibleName(_("Server address"))
        self.code.setAccessibleName(_("One-time code"))
        self.close_button.setText(_("Close"))
        from kimdesk.policy import SET_BY_ADMINISTRATOR

        self.address_note.setText(_(SET_BY_ADMINISTRATOR))
        self._show_step(self.step)

    def _show_step(self, step: Step) -> None:
        self.step = step
        primary = {Step.EDIT: _("Check &server"), Step.ASKING: _("Check &server"),
                   Step.IDENTIFIED: _("Co&nnect"), Step.ENROLLING: _("Co&nnect"),
                   Step.SYNCING: _("Cancel s&ync"), Step.DONE: _("Close")}[step]
        self.primary.setText(primary)
        self.primary.setEnabled(step not in (Step.ASKING, Step.ENROLLING))
        editable = step in (Step.EDIT, Step.IDENTIFIED)
        self.address.setReadOnly(not editable or bool(self.fixed_server))
        self.code.setReadOnly(not editable)
        self.close_button.setVisible(step is not Step.DONE)
        self.progress.setVisible(step is Step.SYNCING)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)  # red in ui/kimdesk.qss
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    # -- steps ---------------------------------------------------------------------------------
    def _primary_clicked(self) -> None:
        if self.step is Step.EDIT:
            self.check()
        elif self.step is Step.IDENTIFIED:
            self.connect_()
        elif self.step is Step.SYNCING and self.controller is not None:
            self.controller.cancel()
        elif self.step is Step.DONE:
            self.accept()

    def _address_edited(self, _text: str) -> None:
        """Another address: what was shown belongs to the old one."""
        if self.step is Step.IDENTIFIED:
            self.identity = None
            self.identity_label.hide()
            self._say("")
            self._show_step(Step.EDIT)

    def check(self) -> None:
        """Step 1: ask the server who it is (no vault needed: the files lane)."""
        address = self.address.text().strip()
        if not address:
            self._say(_("Type the server's address, such as https://kim.example-kreis.de"),
                      error=True)
            self.address.setFocus()
            return
        from kimdesk.sync.identity import identify, server_host

        self._say(_("Asking {host}…").format(host=server_host(address)))
        self._show_step(Step.ASKING)
        self.worker.submit(lambda _w: identify(address), self._identified,
                           lambda exc: self._failed(exc, server_host(address), Step.EDIT),
                           lane="files")

    def _identified(self, identity: ServerIdentity) -> None:
        self.identity = identity
        self.identity_label.setText(identity_text(identity, self.current))
        self.identity_label.show()
        self._say(_("Check the server's identity, then connect."))
        self._show_step(Step.IDENTIFIED)
        self.primary.setFocus()

    def connect_(self) -> None:
        """Step 2: enroll with the server shown (vault lane: the token goes into the vault)."""
        identity = self.identity
        if identity is None:
            return
        code = self.code.text()
        if not code.strip():
            self._say(_("Type the one-time code you got from your administrator."), error=True)
            self.code.setFocus()
            return
        name = self.device_name

        def job(w: DbWorker) -> str:
            from kimdesk.sync.identity import enroll_with

            return enroll_with(w.require_vault(), identity, code, name).team

        self._say(_("Connecting to {host}…").format(host=identity.host))
        self._show_step(Step.ENROLLING)
        self.worker.submit(job, self._enrolled,
                           lambda exc: self._failed(exc, identity.host, Step.IDENTIFIED))

    def _enrolled(self, team: str) -> None:
        """Step 3: the controller starts again with the new enrollment and syncs at once."""
        self.team = team
        self.code.clear()  # used up: it must not be sent twice
        self.controller = self._restart()
        if self.controller is None:  # sync could not be built: enrolled, sync at next unlock
            self._finish(_("Connected. Sync starts at the next unlock."))
            return
        self.controller.state_changed.connect(self._sync_state)
        self.controller.finished.connect(self._sync_finished)
        self._say(_("Connected (team {team}). First sync…").format(team=team))
        self.progress.setRange(0, 0)
        self._show_step(Step.SYNCING)

    def _sync_state(self, state: str, done: int, total: int, message: str) -> None:
        if self.step is not Step.SYNCING:
            return
        if state in RUNNING:
            if total:
                self.progress.setRange(0, total)
                self.progress.setValue(min(done, total))
            from kimdesk.gui.sync.widget import STATE_LABELS

            self._say(_(STATE_LABELS[SyncState(state)]) + (f" {done}/{total}" if total else ""))
        elif state == SyncState.DISABLED or state == SyncState.REVOKED:
            self._finish(message or _("Sync failed"), error=True)

    def _sync_finished(self, _last: str, conflicts: int) -> None:
        if self.step is not Step.SYNCING or self.controller is None:
            return
        host = self.identity.host if self.identity else ""
        state = self.controller.state
        if state in (SyncState.IDLE, SyncState.CONFLICT):
            text = _("Connected with {host} (team {team}). The first sync is complete.").format(
                host=host, team=self.team)
            if conflicts:
                text += " " + _("Conflicts: {n}").format(n=conflicts)
            self._finish(text)
        elif state == SyncState.OFFLINE:
            self._finish(_("Connected, but {host} cannot be reached now; sync tries again by "
                           "itself.").format(host=host), error=True)
        else:
            self._finish(_("Connected with {host}. The first sync did not finish; it goes on "
                           "at the next sync.").format(host=host), error=True)

    def _finish(self, text: str, *, error: bool = False) -> None:
        if self.controller is not None:
            self.controller.state_changed.disconnect(self._sync_state)
            self.controller.finished.disconnect(self._sync_finished)
            self.controller = None
        self._say(text, error=error)
        self._show_step(Step.DONE)
        self.primary.setFocus()

    def _failed(self, exc: Exception, host: str, back_to: Step) -> None:
        self._say(failure_text(exc, host), error=True)
        self._show_step(back_to)
        if back_to is Step.EDIT:
            self.address.setFocus()
        else:
            self.code.setFocus()
            self.code.selectAll()

    def reject(self) -> None:
        """Closing while the first sync runs leaves it running (the status bar shows it)."""
        if self.controller is not None:
            self.controller.state_changed.disconnect(self._sync_state)
            self.controller.finished.disconnect(self._sync_finished)
            self.controller = None
        super().reject()

