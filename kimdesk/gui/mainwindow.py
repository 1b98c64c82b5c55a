"""The one top-level window: unlock / create screens and the workspace, switched in a stack.

Keeping a single window makes locking simple and complete: the workspace's models and views are
cleared, the vault is closed on the worker thread and the stack shows the unlock screen; there is
no other window that could still show a name.

Hook points for the other GUI packages (documented in docs/gui.md) are the actions "Sync now",
"Handout…", "Statistics…" and the forms tab in the case view. Each looks for its package lazily
(``importlib.util.find_spec``) and is disabled when the package is absent.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from kimdesk.gui.fields import field_errors
from kimdesk.gui.idle import IdleWatcher
from kimdesk.gui.lang import LanguageHub, format_int
from kimdesk.gui.settings import AppSettings, SettingsDialog
from kimdesk.gui.unlock import CreateScreen, UnlockScreen
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext, ngettext

if TYPE_CHECKING:
    from kimdesk.gui.newcase import NewCaseDialog
    from kimdesk.gui.workspace import Workspace

_ = gettext
log = logging.getLogger(__name__)

#: (package, attribute) the hooks call; see docs/gui.md.
HOOKS = {
    "sync": ("kimdesk.gui.sync", "SyncController"),
    "sync_status": ("kimdesk.gui.sync", "SyncStatusWidget"),
    "handout": ("kimdesk.gui.handouts", "open_handout_dialog"),
    "stats": ("kimdesk.gui.stats", "open_statistics"),
}


def hook_available(name: str) -> bool:
    module, _attr = HOOKS[name]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def load_hook(name: str) -> Callable[..., Any] | None:
    module, attr = HOOKS[name]
    if not hook_available(name):
        return None
    try:
        found: Callable[..., Any] | None = getattr(importlib.import_module(module), attr, None)
        return found
    except Exception:
        log.exception("hook %s failed to load", name)
        return None


class MainWindow(QMainWindow):
    """Holds the worker, the settings and the three screens."""

    def __init__(self, settings: AppSettings, hub: LanguageHub, vault_path: Path,
                 *, delay_base: float = 1.0, worker: DbWorker | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings
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
        self.stack.addWidget(self.unlock_screen)
        self.stack.addWidget(self.create_screen)
        self.unlock_screen.unlocked.connect(self._unlocked)
        self.unlock_screen.failed.connect(self._unlock_failed)
        self.unlock_screen.create_requested.connect(self.show_create)
        self.unlock_screen.language_requested.connect(self.switch_language)
        self.unlock_screen.path_changed.connect(self._remember_path)
        self.create_screen.created.connect(self._created)
        self.create_screen.back_requested.connect(self.show_unlock)
        self.idle = IdleWatcher(settings.idle_minutes * 60_000, self)
        self.idle.idle.connect(self.auto_lock)
        self.actions_: dict[str, QAction] = {}
        self._build_actions()
        self._build_status_bar()
        hub.changed.connect(self.retranslate)
        self.resize(1280, 800)
        geometry = settings.store.value("ui/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.set_vault_path(vault_path)
        self.retranslate()
        self._set_unlocked(False)
        self._retire_local_server()

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
        self.create_screen.set_defaults(path)
        if not path.exists():
            self.show_create()
        else:
            self.show_unlock()

    def _unlock_failed(self, failures: int) -> None:
        self.settings.failed_unlocks = failures  # survives a restart: no reset by quitting

    def _remember_path(self, name: str) -> None:
        self.vault_path = Path(name)
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
        self.settings.failed_unlocks = 0
        ws = self.workspace
        ws.me = meta.counselor
        ws.team = meta.team
        self.user_label.setText(" · ".join(p for p in (meta.counselor, meta.team,
                                                       meta.municipality) if p))
        self.stack.setCurrentWidget(ws)
        splitter_state = self.settings.store.value("ui/splitter")
        if splitter_state is None or not ws.ui.splitter.restoreState(splitter_state):
            width = max(self.width(), 800)
            ws.ui.splitter.setSizes([int(width * 0.42), int(width * 0.58)])
        self._set_unlocked(True)
        self.idle.set_timeout(self.settings.idle_minutes * 60_000)
        self.idle.start()
        ws.run_query()
        ws.search.setFocus()
        self._start_sync()

    @property
    def unlocked(self) -> bool:
        return self.meta is not None

    # -- locking -------------------------------------------------------------------------------
    def lock(self) -> bool:
        """Explicit lock (Ctrl+L): asks about unsaved changes first."""
        if self._workspace is not None and not self._workspace.case_view.confirm_discard():
            return False
        self._do_lock()
        return True

    def auto_lock(self) -> None:
        """Idle timeout: unsaved edits are discarded; nothing may stay on screen."""
        if not self.unlocked:
            return
        self._do_lock()
        self.unlock_screen.error.setText(
            _("Locked after {minutes} minutes without input.").format(
                minutes=self.settings.idle_minutes))

    def _do_lock(self) -> None:
        self.idle.stop()
        if self.sync_controller is not None:
            self.sync_controller.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
                widget.reject()
        if self._workspace is not None:
            self._workspace.case_view.person_form.mark_clean()
            self._workspace.case_view.case_form.mark_clean()
            self._workspace.clear()
        self.meta = None
        self.worker.submit(lambda w: w.close_vault())
        self._set_unlocked(False)
        self.count_label.setText("")
        self.user_label.setText("")
        self.show_unlock()

    def _set_unlocked(self, unlocked: bool) -> None:
        for name, action in self.actions_.items():
            if name in ("quit", "settings", "shortcuts", "about"):
                continue
            action.setEnabled(unlocked and self._hook_ok(name))
        self.menuBar().setVisible(True)

    def _hook_ok(self, name: str) -> bool:
        hook = {"sync": "sync", "handout": "handout", "stats": "stats"}.get(name)
        return hook is None or hook_available(hook)

    # -- actions -------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        spec: list[tuple[str, str, str, str, Callable[[], Any]]] = [
            # name, menu, text (msgid), shortcut, slot
            ("new_case", "case", N_("&New case…"), "Ctrl+N", self.new_case),
            ("save", "case", N_("&Save"), "Ctrl+S", self.save_case),
            ("consultation", "case", N_("Add &consultation…"), "Ctrl+T",
             lambda: self._add_record("consultations")),
            ("note", "case", N_("Add n&ote…"), "Ctrl+Shift+N", lambda: self._add_record("notes")),
            ("handout", "case", N_("&Handout…"), "Ctrl+P", self.open_handout),
            ("close_case", "case", N_("C&lose case view"), "Ctrl+W", self.close_case),
            ("search", "view", N_("&Search"), "Ctrl+F", self.focus_search),
            ("refresh", "view", N_("&Refresh"), "F5", self.refresh),
            ("sync", "tools", N_("S&ync now"), "F9", self.sync_now),
            ("stats", "tools", N_("S&tatistics…"), "Ctrl+Shift+S", self.open_statistics),
            ("settings", "file", N_("S&ettings…"), "Ctrl+,", self.open_settings),
            ("lock", "file", N_("&Lock"), "Ctrl+L", self.lock),
            ("quit", "file", N_("&Quit"), "Ctrl+Q", self.close),
            ("shortcuts", "help", N_("&Keyboard shortcuts"), "F1", self.show_shortcuts),
        ]
        self._action_texts: dict[str, str] = {}
        self._menus = {}
        menu_titles = {"file": N_("&File"), "case": N_("&Case"), "view": N_("&View"),
                       "tools": N_("&Tools"), "help": N_("&Help")}
        self._menu_titles = menu_titles
        for key in menu_titles:
            self._menus[key] = self.menuBar().addMenu("")
            self._menus[key].setObjectName(f"menu_{key}")
        for name, menu, text, shortcut, slot in spec:
            action = QAction(self)
            action.setObjectName(f"action_{name}")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _c=False, s=slot: s())
            self._menus[menu].addAction(action)
            self.actions_[name] = action
            self._action_texts[name] = text
            if name in ("note", "close_case", "refresh", "stats", "lock"):
                self._menus[menu].addSeparator()
        # Alt+1 ... Alt+9: the case view's tabs (Ctrl+digits are taken by some desktops).
        self._tab_shortcuts: list[QShortcut] = []
        for number in range(1, 10):
            tab_key = QShortcut(QKeySequence(f"Alt+{number}"), self)
            tab_key.activated.connect(lambda n=number: self.show_case_tab(n - 1))
            self._tab_shortcuts.append(tab_key)

    def show_case_tab(self, index: int) -> None:
        if self.unlocked and self.workspace.case_view.bundle is not None:
            tabs = self.workspace.case_view.tabs
            if 0 <= index < tabs.count():
                tabs.setCurrentIndex(index)
                tabs.currentWidget().setFocus()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        bar.addWidget(self.user_label)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setVisible(False)
        bar.addPermanentWidget(self.busy_bar)
        bar.addPermanentWidget(self.count_label)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(500)  # progress for anything longer than half a second
        self._busy_timer.timeout.connect(lambda: self.busy_bar.setVisible(self.worker.busy))
        self.worker.busy_changed.connect(self._busy_changed)
        self.sync_status: QWidget | None = None
        self.sync_controller: Any = None

    def _start_sync(self) -> None:
        """Hook: ``SyncController(worker)`` + ``SyncStatusWidget(controller)`` from
        :mod:`kimdesk.gui.sync`, built on first unlock (keeps their imports off the start-up
        path), started after every unlock and stopped before every lock."""
        if self.sync_controller is None:
            controller_cls = load_hook("sync")
            widget_cls = load_hook("sync_status")
            if controller_cls is None or widget_cls is None:
                return
            try:
                self.sync_controller = controller_cls(self.worker, parent=self)
                self.sync_status = widget_cls(self.sync_controller, self)
                self.sync_status.setObjectName("syncStatus")
                self.statusBar().addPermanentWidget(self.sync_status)
                wiped = getattr(self.sync_controller, "wiped", None)
                if wiped is not None:
                    wiped.connect(self.vault_wiped)
            except Exception:
                log.exception("sync status unavailable")
                self.sync_controller = None
                return
        self._forget_retired_server()
        self.sync_controller.start()  # queued after that job on the same worker

    def _retire_local_server(self) -> None:
        """Shred the plaintext server file an earlier version kept beside the vault
        (:mod:`kimdesk.sync.localcopy`); its server id is remembered so that the vault enrolled
        with it is un-enrolled at unlock."""
        from kimdesk.sync.localcopy import retire_local_server

        try:
            server_id = retire_local_server(self.vault_path.parent)
        except OSError as exc:
            log.warning("old local server file not removed: %s", type(exc).__name__)
            return
        if server_id:
            self.settings.retired_servers = self.settings.retired_servers | {server_id}

    def _forget_retired_server(self) -> None:
        retired = self.settings.retired_servers
        if not retired:
            return

        def job(w: Any) -> bool:
            from kimdesk.sync.localcopy import forget_retired_server

            return forget_retired_server(w.require_vault(), retired)

        self.worker.submit(job, None, self.show_error)

    def vault_wiped(self) -> None:
        """The server revoked this device and sync wiped the vault file: back to the start."""
        self._do_lock()
        self.set_vault_path(self.vault_path)
        self.show_message(_("This device was removed from the server; its vault was deleted."))

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_bar.setVisible(False)

    def update_counts(self) -> None:
        if self._workspace is None or not self.unlocked:
            self.count_label.setText("")
            return
        shown = self._workspace.model.rowCount()
        total = self._workspace.total
        self.count_label.setText(ngettext(
            "{shown} of {total} case", "{shown} of {total} cases", total).format(
            shown=format_int(shown), total=format_int(total)))

    def show_message(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 5000)

    def show_error(self, exc: Exception) -> None:
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
        self.show_message(_("Case created."))
        ws = self.workspace
        ws.reset_filters()
        ws.case_view.person_form.mark_clean()
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
        dialog = SettingsDialog(self.settings, self.worker, self)
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
        """Hook: ``SyncController.sync_now()`` of :mod:`kimdesk.gui.sync`."""
        if self.sync_controller is None:
            self.show_message(_("This function is not installed."))
            return
        try:
            self.sync_controller.sync_now()
        except Exception as exc:
            log.exception("sync failed to start")
            self.show_error(exc)

    def open_handout(self) -> None:
        """Hook: ``kimdesk.gui.handouts.open_handout_dialog(parent, worker, case_id)``."""
        if self.unlocked and self.workspace.case_view.case_id:
            self._call_hook("handout", self, self.worker, self.workspace.case_view.case_id)

    def open_statistics(self) -> None:
        """Hook: ``kimdesk.gui.stats.open_statistics(parent, worker)``."""
        self._call_hook("stats", self, self.worker)

    def _call_hook(self, name: str, *args: Any) -> None:
        func = load_hook(name)
        if func is None:
            self.show_message(_("This function is not installed."))
            return
        try:
            func(*args)
        except Exception as exc:
            log.exception("hook %s failed", name)
            self.show_error(exc)

    def show_shortcuts(self) -> None:
        lines = [
            f"{action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}\t"
            f"{action.text().replace('&', '').rstrip('…')}"
            for action in self.actions_.values() if not action.shortcut().isEmpty()
        ]
        box = QMessageBox(QMessageBox.Icon.Information, _("Keyboard shortcuts"),
                          "\n".join(lines), QMessageBox.StandardButton.Close, self)
        box.setObjectName("shortcutsBox")
        box.open()

    # -- language ------------------------------------------------------------------------------
    def retranslate(self, _lang: str | None = None) -> None:
        self.setWindowTitle(_("KIMdesk"))
        for key, menu in self._menus.items():
            menu.setTitle(_(self._menu_titles[key]))
        for name, action in self.actions_.items():
            action.setText(_(self._action_texts[name]))
            if not self._hook_ok(name):
                action.setToolTip(_("This function is not installed."))
        self.unlock_screen.retranslate()
        self.create_screen.retranslate()
        if self._workspace is not None:
            self._workspace.retranslate()
        if self.sync_status is not None and hasattr(self.sync_status, "retranslate"):
            self.sync_status.retranslate()
        self.update_counts()

    # -- closing -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._workspace is not None and not self._workspace.case_view.confirm_discard():
            event.ignore()
            return
        self.idle.stop()
        self.settings.store.setValue("ui/geometry", self.saveGeometry())
        if self._workspace is not None:
            self.settings.store.setValue("ui/splitter",
                                         self._workspace.ui.splitter.saveState())
        if self.sync_controller is not None:
            self.sync_controller.stop()
        if self._workspace is not None:
            self._workspace.clear()
        self.worker.stop()
        event.accept()
