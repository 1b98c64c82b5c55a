"""The one top-level window: unlock / create screens and the workspace, switched in a stack.

Keeping a single window makes locking simple and complete: the workspace's models and views are
cleared, the vault is closed on the worker thread and the stack shows the unlock screen; there is
no other window that could still show a name.

The other GUI packages are reached by plain imports inside the methods that need them
(docs/gui.md, "Hook points"): sync (:mod:`kimdesk.gui.windowsync`), "Handout…", "Statistics…"
and the case view's forms tab are imported on first use, so the unlock screen paints without them.
The menus are built by :mod:`kimdesk.gui.menus`, the status bar by :mod:`kimdesk.gui.statusbar`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from kimdesk.gui import dialogs
from kimdesk.gui.appointments import AppointmentsHook
from kimdesk.gui.closing import WindowCloser
from kimdesk.gui.fields import field_errors
from kimdesk.gui.filedialogs import forget_dialog_history
from kimdesk.gui.help import help_specs
from kimdesk.gui.idle import IdleWatcher
from kimdesk.gui.lang import LanguageHub
from kimdesk.gui.menus import ActionSpec, WindowMenus
from kimdesk.gui.settings import AppSettings, SettingsDialog
from kimdesk.gui.statusbar import StatusArea, message_bar
from kimdesk.gui.unlock import CreateScreen, UnlockScreen
from kimdesk.gui.windowsync import WindowSync
from kimdesk.gui.worker import DbWorker, where
from kimdesk.i18n import N_, gettext, ngettext

if TYPE_CHECKING:
    from kimdesk.gui.lockdraft import LockDrafts
    from kimdesk.gui.newcase import NewCaseDialog
    from kimdesk.gui.sync import SyncController
    from kimdesk.gui.workspace import Workspace

_ = gettext
log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Holds the worker, the settings and the three screens."""

    def __init__(self, settings: AppSettings, hub: LanguageHub, vault_path: Path,
                 *, delay_base: float = 1.0, worker: DbWorker | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings
        forget_dialog_history()  # what a session that crashed left, before anything is shown
        self.hub = hub
        self.worker = worker or DbWorker(self)
        self.meta: Any = None
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.unlock_screen = UnlockScreen(self.worker, settings.failed_unlocks, delay_base)
        self.unlock_screen.setObjectName("unlockScreen")
        self.create_screen = CreateScreen(self.worker)
        self.create_screen.setObjectName("createScreen")
        self._workspace: Workspace | None = None
        self._drafts: LockDrafts | None = None
        self.stack.addWidget(self.unlock_screen)
        self.stack.addWidget(self.create_screen)
        self.unlock_screen.unlocked.connect(self._unlocked)
        # The workspace is built while the key derivation runs on the worker (it releases the
        # interpreter lock): 0.2-0.6 s of widgets that the unlock otherwise waited for.
        self.unlock_screen.unlock_started.connect(
            lambda: QTimer.singleShot(0, self, lambda: self.workspace))
        self.unlock_screen.failed.connect(self._unlock_failed)
        self.unlock_screen.create_requested.connect(self.show_create)
        self.unlock_screen.language_requested.connect(self.switch_language)
        self.unlock_screen.path_changed.connect(self._remember_path)
        self.create_screen.created.connect(self._created)
        self.create_screen.back_requested.connect(self.show_unlock)
        dialogs.install()  # the keyboard comes back here when a dialog closes
        self.idle = IdleWatcher(settings.idle_minutes * 60_000, self)
        self.idle.idle.connect(self.auto_lock)
        self.menus = WindowMenus(self, self._action_specs(), self.show_case_tab)
        self.actions_: dict[str, QAction] = self.menus.actions
        self._menus = self.menus.menus
        self.status = StatusArea(message_bar(self), self.worker)
        self.count_label = self.status.count_label
        self.user_label = self.status.user_label
        self.busy_bar = self.status.busy_bar
        self.sync = WindowSync(self, self.worker, settings, self.status,
                               on_wiped=self.vault_wiped, on_error=self.show_error)
        self.closer = WindowCloser(self)
        hub.changed.connect(self.retranslate)
        self.appointments = AppointmentsHook(self)  # View → Appointments…, the reminder
        self.resize(1280, 800)
        geometry = settings.store.value("ui/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.set_vault_path(vault_path)
        self.retranslate()
        self._set_unlocked(False)
        self.sync.retire_local_server(self.vault_path.parent)

    # -- screens -------------------------------------------------------------------------------
    @property
    def workspace(self) -> Workspace:
        """Built on first unlock, so the unlock screen paints without the workspace's cost."""
        if self._workspace is None:
            from kimdesk.gui.workspace import Workspace  # not on the start-up path

            self._workspace = Workspace(self)
            self._workspace.setObjectName("workspace")
            self.stack.addWidget(self._workspace)
        return self._workspace

    def set_vault_path(self, path: Path) -> None:
        self.vault_path = path
        self.unlock_screen.set_path(path)
        self._restore_failures()
        self.create_screen.set_defaults(path)
        if not path.exists():
            self.show_create()
        else:
            self.show_unlock()

    def _restore_failures(self) -> None:
        """The stored failed-unlock count is the real vault's; the demo vault (public passphrase)
        counts in memory only, so trying it never touches the real one's count."""
        demo = self.unlock_screen.demo_hint
        self.unlock_screen.set_failures(0 if demo else self.settings.failed_unlocks)

    def _unlock_failed(self, failures: int) -> None:
        if not self.unlock_screen.demo_hint:
            self.settings.failed_unlocks = failures  # survives a restart: no reset by quitting

    def _remember_path(self, name: str) -> None:
        self.vault_path = Path(name)
        self._restore_failures()
        if not self.unlock_screen.demo_hint:  # the demo vault never becomes "the last vault"
            self.settings.last_vault = name

    def show_unlock(self) -> None:
        self.stack.setCurrentWidget(self.unlock_screen)
        self.unlock_screen.reset()

    def show_create(self) -> None:
        self.create_screen.set_defaults(self.create_screen.path() if
                                        self.create_screen.path().name else self.vault_path)
        self.stack.setCurrentWidget(self.create_screen)

    def _created(self, meta: Any) -> None:
        self.vault_path = self.create_screen.path()
        self.unlock_screen.set_path(self.vault_path)
        self.settings.last_vault = str(self.vault_path)
        self._unlocked(meta)

    def _unlocked(self, meta: Any) -> None:
        self.meta = meta
        if not self.unlock_screen.demo_hint:
            self.settings.failed_unlocks = 0
        ws = self.workspace
        ws.me = meta.counselor
        ws.team = meta.team
        self.status.show_user(meta.counselor, meta.team, meta.municipality)
        self.status.mark_public()
        self.stack.setCurrentWidget(ws)
        splitter_state = self.settings.store.value("ui/splitter")
        if splitter_state is None or not ws.ui.splitter.restoreState(splitter_state):
            width = max(self.width(), 800)
            ws.ui.splitter.setSizes([int(width * 0.42), int(width * 0.58)])
        self._set_unlocked(True)
        self.idle.set_timeout(self.settings.idle_minutes * 60_000)
        self.idle.start()
        self._apply_retention()  # queued first: the list never shows a case that is due
        ws.run_query()
        ws.search.setFocus()
        self.drafts.resume()  # the case open at the lock, with its unsaved edits
        self.sync.start()

    def _apply_retention(self) -> None:
        """Löschfristen after every unlock (docs/privacy.md): due cases are deleted before
        anything is shown; the status bar says how many."""
        from datetime import date

        from kimdesk.gui.retention import deleted_text

        def work(w: DbWorker) -> Any:
            from kimdesk.vault.retention import apply_retention

            vault = w.require_vault()
            return apply_retention(vault, date.today(), ordered_by=vault.meta.counselor)

        def done(result: Any) -> None:
            if result.deleted_cases or result.deleted_persons:
                self.show_message(deleted_text(result))

        self.worker.submit(work, done, self.show_error)

    @property
    def unlocked(self) -> bool:
        return self.meta is not None

    @property
    def sync_controller(self) -> SyncController | None:
        """Built on the first unlock (:class:`kimdesk.gui.windowsync.WindowSync`)."""
        return self.sync.controller

    @property
    def sync_status(self) -> QWidget | None:
        """The sync indicator in the status bar, once sync is built."""
        return self.sync.widget

    # -- locking -------------------------------------------------------------------------------
    @property
    def drafts(self) -> LockDrafts:
        """Drafts kept at the lock and brought back after unlock (built on first use)."""
        if self._drafts is None:
            from kimdesk.gui.lockdraft import LockDrafts

            self._drafts = LockDrafts(self)
        return self._drafts

    def lock(self) -> bool:
        """Explicit lock (Ctrl+L): like the idle lock, unsaved edits become an encrypted draft
        that comes back after unlock, so locking never asks and never loses anything."""
        if not self.unlocked:
            return False
        self._do_lock()
        self.drafts.say_locked("")
        return True

    def auto_lock(self) -> None:
        """Idle timeout: unsaved edits become a draft; nothing may stay on screen."""
        if self.unlocked:
            n = self.settings.idle_minutes  # "Nach 1 Minuten" was wrong (issue 18)
            self._do_lock()
            self.drafts.say_locked(ngettext(
                "Locked after {minutes} minute without input.",
                "Locked after {minutes} minutes without input.", n).format(minutes=n))

    def _do_lock(self, *, keep_drafts: bool = True) -> None:
        """Lock; unsaved edits are kept as a draft unless ``keep_drafts`` is False."""
        if keep_drafts and self._workspace is not None and self.unlocked:
            self.drafts.keep(self._workspace.case_view)  # queued before the vault closes
        self.idle.stop()
        self.sync.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
                widget.reject()
        forget_dialog_history()
        if self._workspace is not None:
            self._workspace.case_view.person_form.mark_clean()
            self._workspace.case_view.case_form.mark_clean()
            self._workspace.clear()
        self.meta = None
        self.worker.submit(lambda w: w.close_vault())
        self._set_unlocked(False)
        self.status.clear()
        self.show_unlock()

    def _set_unlocked(self, unlocked: bool) -> None:
        self.menus.set_unlocked(unlocked)
        self.menuBar().setVisible(True)

    # -- actions -------------------------------------------------------------------------------
    def _action_specs(self) -> list[ActionSpec]:
        return [
            ActionSpec("new_case", "case", N_("&New case…"), "Ctrl+N", self.new_case),
            ActionSpec("save", "case", N_("&Save"), "Ctrl+S", self.save_case),
            ActionSpec("consultation", "case", N_("Add &consultation…"), "Ctrl+T",
                       lambda: self._add_record("consultations")),
            ActionSpec("note", "case", N_("Add n&ote…"), "Ctrl+Shift+N",
                       lambda: self._add_record("notes")),
            ActionSpec("handout", "case", N_("&Handout…"), "Ctrl+P", self.open_handout),
            ActionSpec("auskunft", "case", N_("A&uskunft (Art. 15)…"), "Ctrl+Shift+A",
                       self.export_subject),
            ActionSpec("close_case", "case", N_("C&lose case view"), "Ctrl+W", self.close_case),
            ActionSpec("search", "view", N_("&Search"), "Ctrl+F", self.focus_search),
            ActionSpec("refresh", "view", N_("&Refresh"), "F5", self.refresh),
            ActionSpec("sync", "tools", N_("S&ync now"), "F9", self.sync_now),
            ActionSpec("connect", "tools", N_("&Connect to server…"), "Shift+F9",
                       lambda: self.unlocked and self.sync.open_connect()),
            ActionSpec("stats", "tools", N_("S&tatistics…"), "Ctrl+Shift+S",
                       self.open_statistics),
            ActionSpec("settings", "file", N_("S&ettings…"), "Ctrl+,", self.open_settings),
            ActionSpec("lock", "file", N_("&Lock"), "Ctrl+L", self.lock),
            ActionSpec("quit", "file", N_("&Quit"), "Ctrl+Q", self.close),
            *help_specs(self),  # F1 help, manual, shortcuts, About (kimdesk.gui.help)
        ]

    def show_case_tab(self, index: int) -> None:
        if self.unlocked and self.workspace.case_view.bundle is not None:
            tabs = self.workspace.case_view.tabs
            if 0 <= index < tabs.count():
                tabs.setCurrentIndex(index)
                tabs.currentWidget().setFocus()

    # -- status --------------------------------------------------------------------------------
    def vault_wiped(self) -> None:
        """The server revoked this device and sync wiped the vault file: back to the start."""
        from kimdesk.vault.errors import WIPED
        from kimdesk.vault.wipe import finish_interrupted_wipe

        self._do_lock(keep_drafts=False)
        # every connection is closed now: what the sync lane could not remove is tried again
        left = finish_interrupted_wipe(Path(self.vault_path))
        self.set_vault_path(self.vault_path)
        if not self.sync.tell_wiped(left or []):  # files left, lost deletions: a box stays
            self.show_message(_(WIPED))

    def update_counts(self) -> None:
        if self._workspace is None or not self.unlocked:
            self.count_label.setText("")
            return
        self.status.show_counts(self._workspace.model.rowCount(), self._workspace.total)

    def show_message(self, text: str) -> None:
        self.status.show_message(text)

    def show_error(self, exc: Exception) -> None:
        """A translated message box; never the exception's own text (:func:`field_errors`)."""
        from kimdesk.vault.errors import VaultLocked

        if isinstance(exc, VaultLocked) and (not self.unlocked or self.closer.closing):
            return  # an answer after locking (or the quit): the lock screen says it all
        _fields, general = field_errors(exc)
        self.show_message(general)
        QMessageBox.warning(self, _("KIMdesk"), general)

    # -- commands ------------------------------------------------------------------------------
    def new_case(self) -> NewCaseDialog | None:
        if not self.unlocked or not self.workspace.case_view.confirm_discard():
            return None
        from kimdesk.gui.newcase import NewCaseDialog, create_case, similar_cases

        dialog = NewCaseDialog(self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def accepted() -> None:
            person, fields = dialog.person, dialog.case_fields
            assert person is not None

            def create() -> None:
                self.worker.submit(lambda w: create_case(w, person, fields), self._case_created,
                                   self.show_error)

            def checked(similar: list[tuple[str, str, str]]) -> None:
                if not similar or self.ask_duplicate(similar):
                    create()

            self.worker.submit(lambda w: similar_cases(w, person), checked, self.show_error)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    #: Tests set this to answer the duplicate question without a dialog (None: ask).
    duplicate_answer: bool | None = None

    def ask_duplicate(self, similar: list[tuple[str, str, str]]) -> bool:
        """A person with this name already has cases: create another one anyway? On "No" the
        first existing case opens instead."""
        listing = "\n".join(f"{number}  {name}" for _id, number, name in similar[:5])
        if self.duplicate_answer is None:
            answer = QMessageBox.question(
                self, _("Possible duplicate"),
                _("This person may already have a case:\n{cases}\n\nCreate a new case anyway?"
                  ).format(cases=listing),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes
        else:
            answer = self.duplicate_answer
        if not answer and self.unlocked:
            self.workspace.reset_filters()
            self.workspace.select_case(similar[0][0])
            self.workspace.run_query()
        return answer

    def _case_created(self, case_id: str) -> None:
        """Open the new case, the unsaved guard first (docs/gui.md, "Changed by sync")."""
        self.show_message(_("Case created."))
        ws = self.workspace
        ws.reset_filters()
        ws._pending_select = case_id
        ws._total_stale = True
        ws.open_case(case_id)
        ws.run_query()

    def save_case(self) -> None:
        if self.unlocked:
            self.workspace.case_view.save()

    def _add_record(self, key: str) -> None:
        if self.unlocked and self.workspace.case_view.bundle is not None:
            view = self.workspace.case_view
            view.tabs.setCurrentWidget(view.tab_widgets[key])
            view.add_record(key)

    def close_case(self) -> None:
        if self.unlocked:
            self.workspace.close_case()

    def focus_search(self) -> None:
        if self.unlocked:
            self.workspace.search.setFocus()
            self.workspace.search.selectAll()

    def refresh(self) -> None:
        if self.unlocked:
            self.workspace._total_stale = True
            self.workspace.run_query()
            self.workspace.case_view.reload()

    def open_settings(self) -> SettingsDialog:
        """Usable while locked (language, idle time); the Retention page needs the open vault and
        is disabled then, and the Server page names the sync server only while unlocked."""
        dialog = SettingsDialog(self.settings, self.worker, self, unlocked=self.unlocked,
                                sync_server=self.sync.server if self.unlocked else None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def accepted() -> None:
            self.idle.set_timeout(self.settings.idle_minutes * 60_000)
            if self.settings.language != self.hub.lang:
                self.switch_language(self.settings.language)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def switch_language(self, lang: str) -> None:
        self.settings.language = lang
        self.hub.apply(lang)

    def sync_now(self) -> None:
        if not self.unlocked:
            return  # the action is disabled while locked; this guards a stale shortcut
        self.sync.sync_now()

    def open_handout(self) -> None:
        """Case → "Handout…": :func:`kimdesk.gui.handouts.open_handout_dialog`."""
        if self.unlocked and self.workspace.case_view.case_id:
            from kimdesk.gui.handouts import open_handout_dialog  # not on the start-up path

            self._open_dialog(open_handout_dialog, self, self.worker,
                              self.workspace.case_view.case_id)

    def export_subject(self, folder: Path | None = None) -> Any:
        """Case → "Auskunft (Art. 15)…": :func:`kimdesk.gui.auskunft.export_subject`."""
        if not (self.unlocked and self.workspace.case_view.case_id):
            return None
        from kimdesk.gui.auskunft import export_subject  # not on the start-up path

        return export_subject(self, self.worker, self.workspace.case_view.case_id, folder)

    def open_statistics(self) -> None:
        """Tools → "Statistics…": :func:`kimdesk.gui.stats.open_statistics`."""
        if not self.unlocked:
            return
        from kimdesk.gui.stats import open_statistics  # not on the start-up path

        self._open_dialog(open_statistics, self, self.worker)

    def _open_dialog(self, opener: Callable[..., Any], *args: Any) -> None:
        """A failing dialog shows its error and the log; it never takes the window down."""
        try:
            opener(*args)
        except Exception as exc:  # the type and line go to the log, never the message
            log.error("%s failed: %s", getattr(opener, "__name__", "dialog"), where(exc))
            self.show_error(exc)

    # -- language ------------------------------------------------------------------------------
    def retranslate(self, _lang: str | None = None) -> None:
        self.setWindowTitle(_("KIMdesk"))
        self.menus.retranslate()
        self.status.retranslate()
        self.sync.retranslate()
        self.unlock_screen.retranslate()
        self.create_screen.retranslate()
        if self._workspace is not None:
            self._workspace.retranslate()
        self.update_counts()

    # -- closing -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing waits for queued vault work without freezing (:mod:`kimdesk.gui.closing`)."""
        self.closer.close_event(event)
