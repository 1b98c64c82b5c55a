"""GUI fixtures: a real main window offscreen, a real vault, settings in a temp file."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
import shiboken6

from kimdesk.i18n import set_language

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def make_window(qtbot: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``make_window(vault_path)``: the main window at its start screen (English)."""
    from kimdesk.gui.app import build_window
    from kimdesk.gui.settings import AppSettings

    windows: list[Any] = []

    def factory(vault_path: Path, lang: str = "en", idle_minutes: int | None = None) -> Any:
        settings = AppSettings(tmp_path / f"settings{len(windows)}.ini")
        if idle_minutes is not None:
            settings.idle_minutes = idle_minutes
        args = argparse.Namespace(vault=str(vault_path), lang=lang)
        window = build_window(args, settings=settings, delay_base=0.05)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        if not shiboken6.isValid(window):  # closed by the test (Ctrl+Q) and deleted since
            continue
        if window._workspace is not None:
            window._workspace.case_view.person_form.mark_clean()
            window._workspace.case_view.case_form.mark_clean()
        window.close()
        window.worker.stop()
    set_language("en")


def wait_idle(qtbot: Any, window: Any, timeout: int = 10000) -> None:
    """Until the database worker has answered everything queued."""
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=timeout)


def unlock(qtbot: Any, window: Any, passphrase: str = PASSPHRASE) -> None:
    screen = window.unlock_screen
    screen.passphrase.setText(passphrase)
    screen.button.click()
    qtbot.waitUntil(lambda: window.unlocked, timeout=15000)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.workspace.queries_done > 0, timeout=10000)


def window_on_copy(qtbot: Any, make_window: Any, vault_file: Path, tmp_path: Path,
                   passphrase: str = PASSPHRASE, **options: Any) -> Any:
    """A main window on a copy of ``vault_file`` (a shared vault stays as it is), unlocked;
    ``options`` go to ``make_window`` (``lang=``)."""
    import shutil

    copy = tmp_path / "demo.kdb"
    shutil.copy(vault_file, copy)
    window = make_window(copy, **options)
    unlock(qtbot, window, passphrase)
    return window


@pytest.fixture
def demo_window(make_window: Any, demo_vault_file: Path, tmp_path: Path, qtbot: Any) -> Any:
    """A main window on a copy of the shared demo vault, unlocked."""
    return window_on_copy(qtbot, make_window, demo_vault_file, tmp_path)


def open_case(qtbot: Any, window: Any, case_id: str) -> Any:
    """Open a case in the workspace and wait until its view shows it and the worker is idle;
    returns the case view."""
    view = window.workspace.case_view
    window.workspace.open_case(case_id)
    qtbot.waitUntil(lambda: view.bundle is not None and view.case_id == case_id, timeout=10000)
    wait_idle(qtbot, window)
    return view
