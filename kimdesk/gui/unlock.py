"""The first screens: unlock an existing vault, or create one.

Unlocking runs the key derivation on the database worker (it takes a noticeable fraction of a
second by design), with a busy bar. Each wrong passphrase doubles the wait before the next try
(1, 2, 4, ... up to 30 seconds; the count survives a restart), which makes guessing at the
keyboard slow without locking a counselor out for long after a typo.

How strong a new passphrase must be is the core's rule (:mod:`kimdesk.vault.passphrase`): this
screen only shows its score and its translated refusal. The widgets come from ``ui/unlock.ui`` and
``ui/create.ui``, compiled to typed classes in :mod:`kimdesk.gui.forms_generated`.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kimdesk import i18n
from kimdesk.gui.fields import field_errors
from kimdesk.gui.forms_generated.ui_create import Ui_CreateScreen
from kimdesk.gui.forms_generated.ui_unlock import Ui_UnlockScreen
from kimdesk.gui.lang import language_label
from kimdesk.gui.tone import say
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext
from kimdesk.policy import SET_BY_ADMINISTRATOR
from kimdesk.vault.passphrase import passphrase_score, strength_label, weakness

_ = gettext

MAX_DELAY_S = 30.0
#: Page cache of the GUI's vault connection, in KiB. The vault's default (64 MiB) keeps scans and
#: aggregates at plain-SQLite speed, but on a 200k-case vault it alone lifts the desktop client
#: past its 250 MB memory goal; the case list needs far less (searches read the small full-text
#: index, pages of 256 rows by key).
GUI_CACHE_KIB = 24_576


def unlock_delay(failures: int, base: float = 1.0) -> float:
    """Seconds to wait after ``failures`` wrong passphrases in a row."""
    if failures <= 0:
        return 0.0
    return min(base * 2 ** (failures - 1), MAX_DELAY_S)


class UnlockScreen(QWidget):
    """Passphrase entry for one vault file."""

    unlocked = Signal(object)  # VaultMeta
    #: The key derivation started on the worker: the GUI thread is free for a moment.
    unlock_started = Signal()
    failed = Signal(int)  # failures in a row (the window stores the count)
    create_requested = Signal()
    language_requested = Signal(str)
    path_changed = Signal(str)

    def __init__(self, worker: DbWorker, failures: int = 0, delay_base: float = 1.0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.failures = failures
        self.delay_base = delay_base
        self.path: Path | None = None
        self.ui = Ui_UnlockScreen()
        self.ui.setupUi(self)
        self.passphrase = self.ui.passphraseEdit
        self.button = self.ui.unlockButton
        self.busy = self.ui.busyBar
        self.error = self.ui.errorLabel
        self.error.setObjectName("errorLabel")
        self.busy.setVisible(False)
        self.button.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.ui.createButton.clicked.connect(self.create_requested)
        self.ui.chooseButton.clicked.connect(self.choose_vault)
        combo = self.ui.languageCombo
        for code in i18n.UI_LANGUAGES:
            combo.addItem(language_label(code), code)
        combo.setCurrentIndex(combo.findData(i18n.current_language()))
        combo.activated.connect(
            lambda _i: self.language_requested.emit(combo.currentData()))
        self._wait = QTimer(self)
        self._wait.setInterval(250)
        self._wait.timeout.connect(self._tick)
        if failures:
            self._wait.start()
        self._remaining = unlock_delay(failures, delay_base)
        self._working = False
        self.demo_hint = False  # the demo vault is shown: say what its passphrase is
        self._refresh()

    # -- state ---------------------------------------------------------------------------------
    def set_path(self, path: Path) -> None:
        """The vault to unlock; the demo vault, and only it, gets the passphrase hint."""
        from kimdesk.config import is_demo_vault

        self.path = path
        self.ui.vaultLabel.setText(str(path))
        self.demo_hint = is_demo_vault(path)
        self.retranslate()
        self._refresh()
        refusal = self.demo_refusal()
        if refusal:
            say(self.error, refusal, error=True)

    def demo_refusal(self) -> str:
        """The machine policy's line when it switches the demo off and the demo vault is shown
        ("" otherwise): the unlock button stays disabled (docs/deployment.md)."""
        if not self.demo_hint:
            return ""
        from kimdesk.policy import PolicyRefused, require_demo_allowed

        try:
            require_demo_allowed()
        except PolicyRefused as exc:
            return exc.translated()
        return ""

    def set_failures(self, failures: int) -> None:
        """Failures so far for the vault now shown (each vault kind keeps its own count, so
        trying the demo vault never delays or counts against the real one)."""
        self.failures = failures
        self._remaining = unlock_delay(failures, self.delay_base)
        if self._remaining > 0:
            self._wait.start()
        else:
            self._wait.stop()
            self.error.setText("")
        self._refresh()

    def reset(self) -> None:
        """Back to an empty field (after a lock); the failure count stays."""
        self.passphrase.clear()
        self.error.setText("")
        self._working = False
        self.busy.setVisible(False)
        self._refresh()
        self.passphrase.setFocus()
        refusal = self.demo_refusal()
        if refusal:
            say(self.error, refusal, error=True)

    def _refresh(self) -> None:
        waiting = self._remaining > 0
        ready = not waiting and not self._working and self.path is not None \
            and not (self.demo_hint and self.demo_refusal())
        self.button.setEnabled(ready)
        self.passphrase.setEnabled(not self._working)

    @property
    def waiting(self) -> bool:
        return self._remaining > 0

    # -- unlocking -----------------------------------------------------------------------------
    def try_unlock(self) -> None:
        if self.path is None or self._working or self.waiting:
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            say(self.error, _("Enter your passphrase."), error=True)
            return
        path = self.path
        self._working = True
        self.busy.setVisible(True)
        self.error.setText("")
        self._refresh()

        def job(w: DbWorker) -> object:
            from kimdesk.vault import Vault

            w.close_vault()
            vault = Vault.open(path, passphrase)
            if vault.public:  # any vault the demo passphrase opens is a demo vault
                from kimdesk.policy import require_demo_allowed

                try:
                    require_demo_allowed()
                except Exception:
                    vault.close()
                    raise
            w.vault = vault
            w.vault.set_cache_size(GUI_CACHE_KIB)
            return w.vault.meta

        self.worker.submit(job, self._done, self._failed)
        self.unlock_started.emit()

    def _done(self, meta: object) -> None:
        self._working = False
        self.busy.setVisible(False)
        self.failures = 0
        self.passphrase.clear()
        self._refresh()
        self.unlocked.emit(meta)

    def _failed(self, exc: Exception) -> None:
        from kimdesk.vault.errors import WrongPassphrase

        self._working = False
        self.busy.setVisible(False)
        if isinstance(exc, WrongPassphrase):
            self.failures += 1
            self.failed.emit(self.failures)
            self._remaining = unlock_delay(self.failures, self.delay_base)
            self._wait.setInterval(max(10, min(250, int(self._remaining * 1000))))
            self._wait.start()
            self.passphrase.selectAll()
            self._show_wrong()
        else:
            say(self.error, field_errors(exc)[1], error=True)
        self._refresh()
        self.passphrase.setFocus()

    def _show_wrong(self) -> None:
        seconds = math.ceil(self._remaining)
        if seconds > 0:
            text = _("Wrong passphrase. You can try again in {seconds} s.").format(
                seconds=seconds)
        else:
            text = _("Wrong passphrase. Please try again.")
        say(self.error, text, error=True)

    def _tick(self) -> None:
        self._remaining = max(0.0, self._remaining - self._wait.interval() / 1000)
        self._show_wrong()
        if self._remaining <= 0:
            self._wait.stop()
        self._refresh()

    def choose_vault(self) -> None:
        from kimdesk.gui.filedialogs import open_file, start_dir

        start = str(self.path.parent) if self.path else str(start_dir())
        name = open_file(self, _("Open vault"), start,
                         _("KIMdesk vaults (*.kdb);;All files (*)"))
        if name:
            self.set_path(Path(name))
            self.path_changed.emit(name)

    def retranslate(self) -> None:
        self.ui.retranslateUi(self)
        # a switch made elsewhere (Settings) shows here too; it said "English" under a German
        # screen (setCurrentIndex does not emit ``activated``: no switch is requested again)
        combo = self.ui.languageCombo
        combo.setCurrentIndex(combo.findData(i18n.current_language()))
        from kimdesk.config import policy

        fixed = bool(policy().language)  # the machine policy sets it: no choice here
        combo.setEnabled(not fixed)
        combo.setToolTip(_(SET_BY_ADMINISTRATOR) if fixed else "")
        self.passphrase.setPlaceholderText(_("Demo vault: the passphrase is \"demo\"") if
                                           self.demo_hint and not self.demo_refusal() else "")
        if self._remaining > 0:
            self._show_wrong()


class CreateScreen(QWidget):
    """A new vault: who I am, the passphrase twice, its strength, the unrecoverable warning."""

    created = Signal(object)  # VaultMeta
    back_requested = Signal()

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.ui = Ui_CreateScreen()
        self.ui.setupUi(self)
        self.ui.warningLabel.setObjectName("warningLabel")
        self.ui.busyBar.setVisible(False)
        for edit in (self.ui.passphraseEdit, self.ui.repeatEdit):
            edit.textChanged.connect(self._update)
        self.ui.understoodCheck.toggled.connect(self._update)
        # the sentence is a label of its own, so that it wraps (a check box's text does not:
        # German cut it at "nicht wiederherg", a review); a click on it ticks the box
        self.ui.understoodLabel.installEventFilter(self)
        self.ui.counselorEdit.textChanged.connect(self._update)
        self.ui.createButton.clicked.connect(self.create_vault)
        self.ui.backButton.clicked.connect(self.back_requested)
        self.ui.pathButton.clicked.connect(self.choose_path)
        self._working = False
        self._update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.ui.understoodLabel and event.type() == QEvent.Type.MouseButtonRelease:
            self.ui.understoodCheck.toggle()
            self.ui.understoodCheck.setFocus()
            return True
        return super().eventFilter(watched, event)

    def set_defaults(self, path: Path, counselor: str = "") -> None:
        self.ui.pathEdit.setText(str(path))
        if counselor and not self.ui.counselorEdit.text():
            self.ui.counselorEdit.setText(counselor)

    def reset(self) -> None:
        self.ui.passphraseEdit.clear()
        self.ui.repeatEdit.clear()
        self.ui.understoodCheck.setChecked(False)
        self.ui.errorLabel.setText("")
        self._update()

    def choose_path(self) -> None:
        from kimdesk.gui.filedialogs import save_file

        name = save_file(self, _("New vault"), self.ui.pathEdit.text(),
                         _("KIMdesk vaults (*.kdb)"))
        if name:
            self.ui.pathEdit.setText(name)

    def problems(self) -> str:
        """Why the vault cannot be created yet ('' when it can)."""
        first = self.ui.passphraseEdit.text()
        second = self.ui.repeatEdit.text()
        if not self.ui.counselorEdit.text().strip():
            return _("Enter your name.")
        too_weak = weakness(first)
        if too_weak:
            return too_weak
        if second and first != second:
            return _("The passphrases differ.")
        if not second:
            return _("Repeat the passphrase.")
        if not self.ui.understoodCheck.isChecked():
            return _("Confirm that you have read the warning.")
        return ""

    def _update(self, *_args: object) -> None:
        first = self.ui.passphraseEdit.text()
        score = passphrase_score(first)
        self.ui.strengthBar.setValue(score)
        self.ui.strengthBar.setProperty("score", score)
        self.ui.strengthBar.style().polish(self.ui.strengthBar)
        self.ui.strengthLabel.setText(strength_label(score) if first else "")
        problem = self.problems()
        second = self.ui.repeatEdit.text()
        shown = problem if (first and second) or problem == _("The passphrases differ.") else ""
        if not self._working:
            self.ui.errorLabel.setText(shown)
        self.ui.createButton.setEnabled(not problem and not self._working)

    def create_vault(self) -> None:
        if self.problems() or self._working:
            self.ui.errorLabel.setText(self.problems())
            return
        path = Path(self.ui.pathEdit.text().strip()).expanduser()
        counselor = self.ui.counselorEdit.text().strip()
        team = self.ui.teamEdit.text().strip()
        municipality = self.ui.municipalityEdit.text().strip()
        passphrase = self.ui.passphraseEdit.text()
        self._working = True
        self.ui.busyBar.setVisible(True)
        self._update()

        def job(w: DbWorker) -> object:
            from kimdesk.vault import Vault

            w.close_vault()
            w.vault = Vault.create(path, passphrase, counselor=counselor, team=team,
                                   municipality=municipality)
            w.vault.set_cache_size(GUI_CACHE_KIB)
            return w.vault.meta

        self.worker.submit(job, self._done, self._failed)

    def _done(self, meta: object) -> None:
        self._working = False
        self.ui.busyBar.setVisible(False)
        self.reset()
        self.created.emit(meta)

    def _failed(self, exc: Exception) -> None:
        self._working = False
        self.ui.busyBar.setVisible(False)
        self.ui.errorLabel.setText(field_errors(exc)[1])
        self._update()

    def path(self) -> Path:
        return Path(self.ui.pathEdit.text().strip()).expanduser()

    def retranslate(self) -> None:
        self.ui.retranslateUi(self)
        self._update()
