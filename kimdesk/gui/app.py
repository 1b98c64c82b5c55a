"""Starting the desktop client: ``kimdesk`` (no subcommand) calls :func:`run_app`.

Start-up is kept light so the unlock screen paints quickly: only QtWidgets, QtUiTools and the
unlock screen's modules are imported before the first paint; the workspace (case list, case view)
is built on first unlock, and nothing imports reportlab, the server or Babel's locale data on this
path (``benchmarks/gui_bench.py`` measures it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from kimdesk import config, i18n
from kimdesk.gui.lang import LanguageHub
from kimdesk.gui.mainwindow import MainWindow
from kimdesk.gui.settings import AppSettings
from kimdesk.gui.uiload import ui_dir

_STARTED = time.perf_counter()


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
        app.setApplicationName("KIMdesk")
        app.setOrganizationName("KIMdesk")
        app.setApplicationDisplayName("KIMdesk")
    from kimdesk.gui import collector, qtfix
    from kimdesk.gui.filedialogs import use_own_dialogs

    qtfix.install()
    use_own_dialogs()  # the desktop's file dialogs list the files chosen as "Recent"
    collector.install()  # the cyclic collector runs on this thread only (kimdesk/collector.py)
    return app


def load_style(app: QApplication) -> None:
    qss = ui_dir() / "kimdesk.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text("utf-8"))


def default_path(args: argparse.Namespace, settings: AppSettings) -> Path:
    """``--demo``: the demo vault (its own file, created by the CLI); else ``--vault``; else
    ``KIMDESK_VAULT``; else the vault opened last; else the data folder's."""
    configured = config.load()
    if getattr(args, "demo", False):
        return configured.demo_vault_path()
    if getattr(args, "vault", None):
        return Path(args.vault)
    if configured.vault is None and settings.last_vault:
        return Path(settings.last_vault)
    return configured.vault_path()


def build_window(args: argparse.Namespace, *, settings: AppSettings | None = None,
                 delay_base: float = 1.0) -> MainWindow:
    """The main window in its start state (unlock or create screen), language applied."""
    app = application()
    load_style(app)
    settings = settings or AppSettings()
    hub = LanguageHub()
    lang = getattr(args, "lang", None) or settings.language
    hub.apply(lang if lang in i18n.UI_LANGUAGES else i18n.DEFAULT_LANGUAGE)
    return MainWindow(settings, hub, default_path(args, settings).absolute(),
                      delay_base=delay_base)


class _FirstPaint(QObject):
    """Prints the seconds from process start to the first paint, then quits (benchmark mode)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"painted {time.time():.6f} {time.perf_counter() - _STARTED:.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def run_app(args: argparse.Namespace) -> int:
    app = application()
    window = build_window(args)
    probe: Any = None
    if config.load().exit_after_paint:
        probe = _FirstPaint()
        current = window.stack.currentWidget()
        if current is not None:
            current.installEventFilter(probe)
    window.show()
    code = int(app.exec())
    if window.isVisible():
        window.close()
    window.worker.stop()
    return code
