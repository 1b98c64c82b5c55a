"""User settings (language, idle timeout) and their dialog, with the sync server the vault is
enrolled with (read only: Tools → "Connect to server…" changes it) and the retention plan
(:mod:`kimdesk.gui.retention`) on its last pages.

Stored with :class:`QSettings` in an INI file in the user's config folder (``KIMDESK_SETTINGS``
points elsewhere, e.g. in tests). Nothing personal goes there: case data lives only in the vault.
The failed-unlock counter is kept here too, so restarting the app does not reset the growing wait.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QWidget

from kimdesk import config, i18n
from kimdesk.gui.forms_generated.ui_settings import Ui_SettingsDialog
from kimdesk.gui.lang import language_label
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext
from kimdesk.vault.files import create_private_file, make_private, private_dir

_ = gettext
DEFAULT_IDLE_MINUTES = 5


def settings_path() -> Path:
    from kimdesk.config import settings_path as configured

    return configured()


class AppSettings:
    """Typed access to the settings file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        # QSettings writes through QSaveFile, which keeps an existing file's mode: create it
        # private first (its folder 0700), so it is 0600 whatever the umask.
        private_dir(self.path.parent)
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):
                create_private_file(self.path)
        make_private(self.path)
        self.store = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _get(self, key: str, default: object) -> object:
        return self.store.value(key, default)

    @property
    def language(self) -> str:
        from kimdesk.policy import language  # the machine policy's wins

        value = language(str(self._get("ui/language", i18n.current_language())))
        return value if value in i18n.UI_LANGUAGES else i18n.DEFAULT_LANGUAGE

    @language.setter
    def language(self, value: str) -> None:
        self.store.setValue("ui/language", value)

    @property
    def idle_minutes(self) -> int:
        """The counselor's choice, at most the machine policy's ``idle_lock_minutes``."""
        from kimdesk.policy import idle_minutes

        try:
            chosen = int(self._get("security/idle_minutes", DEFAULT_IDLE_MINUTES))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            chosen = DEFAULT_IDLE_MINUTES
        low, high = config.IDLE_LOCK_RANGE  # the dialog's range: an edited file is held to it too
        return idle_minutes(min(high, max(low, chosen)))

    @idle_minutes.setter
    def idle_minutes(self, value: int) -> None:
        self.store.setValue("security/idle_minutes", int(value))

    @property
    def server_url(self) -> str:
        """The address last connected to (or typed into the Settings of earlier versions): only
        a prefill for "Connect to server…". The vault's enrollment says where sync goes."""
        return str(self._get("sync/server_url", ""))

    @server_url.setter
    def server_url(self, value: str) -> None:
        self.store.setValue("sync/server_url", value.strip())

    @property
    def retired_servers(self) -> set[str]:
        """Ids of the plaintext local servers that earlier versions ran and this one shredded
        (:mod:`kimdesk.sync.localcopy`); a vault enrolled with one is un-enrolled at unlock."""
        return {v for v in str(self._get("sync/retired_servers", "")).split() if v}

    @retired_servers.setter
    def retired_servers(self, value: set[str]) -> None:
        self.store.setValue("sync/retired_servers", " ".join(sorted(value)))
        self.store.sync()

    @property
    def last_vault(self) -> str:
        return str(self._get("vault/last", ""))

    @last_vault.setter
    def last_vault(self, value: str) -> None:
        self.store.setValue("vault/last", value)

    @property
    def failed_unlocks(self) -> int:
        try:
            return int(self._get("security/failed_unlocks", 0))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return 0

    @failed_unlocks.setter
    def failed_unlocks(self, value: int) -> None:
        self.store.setValue("security/failed_unlocks", int(value))
        self.store.sync()


def server_status(url: str | None) -> str:
    """The Server page's first line. There is no address to type here: an address alone would
    not move sync anywhere (issue 18.4); enrolling does (docs/gui.md, "Sync server"). The address
    itself is not in the sentence but below it (:meth:`SettingsDialog._show_address`)."""
    if url is None:
        return _("Unlock the vault to see the server it syncs with.")
    if not url:
        return _("This vault is not enrolled for sync.")
    return _("This vault syncs with the server at this address:")


def address_line(field: QLineEdit, url: str, name: str) -> None:
    """Show a server address in a read-only field: left to right in every language, with the
    whole address as its tooltip, hidden when there is none.

    A field never wraps; its text is exactly the address, so a counselor can select and copy it
    whole for a colleague or the IT service (an address elided in the middle would copy as
    "https://kim-…/kimdesk"); too long for the window it scrolls, and the tooltip shows it all.
    A URL reads left to right, also in a right-to-left interface, as in a browser's address bar.
    ``name`` is what screen readers call the field (a buddy label alone is not enough there)."""
    field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    field.setText(url)
    field.setToolTip(url)
    field.setCursorPosition(0)  # the scheme and host first when it does not fit
    field.setVisible(bool(url))
    field.setAccessibleName(name)


class SettingsDialog(QDialog):
    """Language, idle timeout, the sync server (shown), and the retention plan with its
    "delete". ``sync_server``: the address the open vault syncs with, "" when it is not
    enrolled, None while locked (unknown)."""

    def __init__(self, settings: AppSettings, worker: DbWorker,
                 parent: QWidget | None = None, *, unlocked: bool = True,
                 sync_server: str | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.worker = worker
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(_("Settings"))
        self.setObjectName("settingsDialog")
        combo = self.ui.languageCombo
        for code in i18n.UI_LANGUAGES:
            combo.addItem(language_label(code), code)
        combo.setCurrentIndex(combo.findData(settings.language))
        self.ui.idleSpin.setValue(settings.idle_minutes)
        self.ui.serverStatus.setText(server_status(sync_server))
        self._show_address(sync_server or "")
        self.policy_note = self._show_policy()
        buttons = self.ui.buttons
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        from kimdesk.gui.retention import RetentionPage

        self.retention = RetentionPage(self.ui, worker, self)
        # The plan and "Delete due cases" read the vault: not on the lock screen.
        tabs = self.ui.tabs
        tabs.setTabEnabled(tabs.indexOf(self.ui.retentionTab), unlocked)

    def _show_address(self, url: str) -> None:
        """The address the vault syncs with, on a line of its own (:func:`address_line`).

        Why not in the sentence above: a word-wrapped label breaks a line after a hyphen or a
        slash, so the address came apart mid-word ("https://kim-sync.kreis-" / "guetersloh.de
        :8443/kimdesk"), and in Arabic and Persian the bidirectional algorithm put its parts out
        of order besides (a review, 2026-12-07). Screen readers call it "Server address", and
        the sentence above is its buddy."""
        address_line(self.ui.serverAddress, url, _("Server address"))
        self.ui.serverStatus.setBuddy(self.ui.serverAddress)

    def _show_policy(self) -> QLabel:
        """Fields the machine policy sets are read-only, with a note that says so
        (docs/deployment.md, "Machine policy"); a broken policy file is named here too."""
        from kimdesk.policy import SET_BY_ADMINISTRATOR, broken_line

        policy = config.policy()
        lines = [broken_line(policy)] if policy.broken else []
        if policy.language:
            self.ui.languageCombo.setEnabled(False)
            lines.append(_("Language: {note}").format(note=_(SET_BY_ADMINISTRATOR)))
        most = policy.longest_idle()
        if most is not None:
            self.ui.idleSpin.setMaximum(most)
            lines.append(_("Lock after at most {minutes} idle minutes: {note}").format(
                minutes=most, note=_(SET_BY_ADMINISTRATOR)))
        note = QLabel("\n".join(lines))
        note.setObjectName("policyNote")
        note.setWordWrap(True)
        note.setVisible(bool(lines))
        self.ui.generalForm.addRow(note)
        if policy.server:
            self._show_policy_server(policy.server)
        return note

    def _show_policy_server(self, url: str) -> None:
        """The one server the machine policy allows: a sentence without the address, and the
        address below it on a line of its own, as the enrolled one above (:func:`address_line`).

        It was "Sync only with {server}: Set by your administrator.", one word-wrapped label:
        a long address broke after a hyphen or a slash in every language (2026-12-07). The
        sentence ends in a colon that points at the field, like "This vault syncs with the
        server at this address:" above; "Set by your administrator." as a second part would
        stand between the two. On a managed machine both fields usually show the same address:
        one says where this vault syncs, the other where any vault here may."""
        sentence = QLabel(_("Your administrator allows sync only with the server at this "
                            "address:"))
        sentence.setObjectName("policyServer")
        sentence.setWordWrap(True)
        field = QLineEdit()
        field.setObjectName("policyServerAddress")
        field.setReadOnly(True)
        address_line(field, url, _("Server address allowed by your administrator"))
        sentence.setBuddy(field)
        layout = self.ui.serverLayout
        at = layout.indexOf(self.ui.serverAddress) + 1
        layout.insertWidget(at, sentence)
        layout.insertWidget(at + 1, field)
        QWidget.setTabOrder(self.ui.serverAddress, field)  # not after OK and Cancel

    def accept(self) -> None:
        self.settings.idle_minutes = self.ui.idleSpin.value()
        if self.ui.languageCombo.isEnabled():  # not when the machine policy sets it
            self.settings.language = self.ui.languageCombo.currentData()
        self.settings.store.sync()
        super().accept()
