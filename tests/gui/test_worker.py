"""The database worker: jobs run off the GUI thread, in the language the GUI had when they were
submitted, and come back on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui


@pytest.fixture
def worker(qtbot: Any) -> Iterator[Any]:
    from kimdesk.gui.worker import DbWorker

    w = DbWorker()
    yield w
    w.stop()


@pytest.fixture
def arabic_ui() -> Iterator[None]:
    """The GUI thread switched to Arabic, as LanguageHub.apply does (set_language)."""
    from kimdesk.i18n import set_language

    set_language("ar")
    yield
    set_language("en")


def test_a_job_translates_in_the_language_of_the_gui(qtbot: Any, worker: Any,
                                                     arabic_ui: None) -> None:
    """The UI language lives in a ContextVar, which a new thread does not inherit: without
    carrying it, a job translated into the default language (German, or KIMDESK_LANG) under an
    Arabic UI."""
    from kimdesk.i18n import current_language, gettext

    got: list[tuple[str, str, int]] = []
    worker.submit(lambda _w: (current_language(), gettext("Close"), threading.get_ident()),
                  got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    lang, text, thread = got[0]
    assert thread != threading.get_ident()
    assert (lang, text) == ("ar", "إغلاق")


def test_a_job_keeps_the_language_it_was_submitted_under(qtbot: Any, worker: Any,
                                                          arabic_ui: None) -> None:
    """Switching the UI language while a job waits in the queue does not change that job's
    language: it was asked for in Arabic, it answers in Arabic."""
    from kimdesk.i18n import current_language, set_language

    gate = threading.Event()
    got: list[str] = []
    worker.submit(lambda _w: gate.wait(5))  # holds the thread
    worker.submit(lambda _w: current_language(), got.append)
    set_language("fa")
    gate.set()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == ["ar"]


def test_file_work_runs_on_its_own_lane_and_may_not_use_the_vault(qtbot: Any,
                                                                  worker: Any) -> None:
    from kimdesk.gui.jobs import BackgroundJob

    threads: list[int] = []
    errors: list[Exception] = []
    worker.submit(lambda _w: threading.get_ident(), threads.append)
    BackgroundJob(None, worker, lambda _w: threading.get_ident(), uses_vault=False) \
        .success(threads.append).run_in_background()
    BackgroundJob(None, worker, lambda w: w.require_vault(), uses_vault=False) \
        .failure(errors.append).run_in_background()
    qtbot.waitUntil(lambda: len(threads) == 2 and bool(errors), timeout=5000)
    assert len(set(threads)) == 2 and threading.get_ident() not in threads
    assert isinstance(errors[0], RuntimeError)
    assert not worker.busy  # file work does not light the main window's busy bar


def test_file_work_runs_in_the_language_of_the_gui(qtbot: Any, worker: Any,
                                                   arabic_ui: None) -> None:
    from kimdesk.gui.jobs import BackgroundJob
    from kimdesk.i18n import gettext

    got: list[str] = []
    BackgroundJob(None, worker, lambda _w: gettext("Close"), uses_vault=False) \
        .success(got.append).run_in_background()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == ["إغلاق"]


def test_progress_arrives_on_the_gui_thread_in_order(qtbot: Any, worker: Any) -> None:
    from kimdesk.gui.jobs import BackgroundJob

    seen: list[tuple[int, int, int]] = []
    done: list[str] = []

    def work(w: Any) -> str:
        for i in range(5):
            w.progress(i + 1, 5)
        return "ok"

    BackgroundJob(None, worker, work, uses_vault=False) \
        .with_progress(lambda d, t: seen.append((d, t, threading.get_ident()))) \
        .success(done.append).run_in_background()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert [(d, t) for d, t, _ in seen] == [(i, 5) for i in range(1, 6)]
    assert {thread for *_, thread in seen} == {threading.get_ident()}


def test_cancel_stops_a_running_job_and_drops_a_queued_one(qtbot: Any, worker: Any) -> None:
    from kimdesk.gui.jobs import BackgroundJob

    started = threading.Event()
    ran: list[str] = []
    outcome: list[str] = []

    def long_work(w: Any) -> None:
        started.set()
        for i in range(500):
            w.progress(i, 500)
            threading.Event().wait(0.01)
        ran.append("long finished")

    running = BackgroundJob(None, worker, long_work, uses_vault=False) \
        .success(lambda _r: outcome.append("long done")) \
        .cancelled(lambda: outcome.append("long cancelled")).run_in_background()
    queued = BackgroundJob(None, worker, lambda _w: ran.append("queued ran"), uses_vault=False) \
        .cancelled(lambda: outcome.append("queued cancelled")).run_in_background()
    assert started.wait(5)
    assert running.is_running()
    running.cancel()
    queued.cancel()
    assert running.wait(5000) and not running.is_running()
    qtbot.waitUntil(lambda: len(outcome) == 2, timeout=5000)
    assert sorted(outcome) == ["long cancelled", "queued cancelled"]
    assert ran == []


def test_failures_are_shown_translated_and_logged_by_type_only(
        qtbot: Any, worker: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Without a failure handler a message box says what went wrong in the user's language; an
    exception's own text (here a client's name) reaches neither the screen nor the log."""
    import logging

    from PySide6.QtWidgets import QMessageBox, QWidget

    from kimdesk.gui.jobs import BackgroundJob
    from kimdesk.i18n import language

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, title, text, *a: shown.append((title, text)))
    window = QWidget()
    qtbot.addWidget(window)

    def leaky(_w: Any) -> None:
        raise ValueError("Ayşe Yılmaz, born 1990-01-02")

    with caplog.at_level(logging.DEBUG), language("de"):
        BackgroundJob(window, worker, leaky).run_in_background()
        BackgroundJob(window, worker, lambda _w: Path("/nonexistent/dir/x.pdf").write_bytes(b""),
                      uses_vault=False).run_in_background()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    texts = sorted(text for _title, text in shown)
    assert texts == ["Die Datei /nonexistent/dir/x.pdf konnte nicht gelesen oder geschrieben "
                     "werden.",
                     "Etwas ist schiefgegangen (ValueError); Einzelheiten stehen im Protokoll."]
    assert "Ayşe" not in caplog.text and "ValueError at test_worker.py:" in caplog.text


def test_a_deleted_window_does_not_break_the_worker(qtbot: Any, worker: Any) -> None:
    """A dialog closed (and deleted) while its job ran: the answer is dropped quietly."""
    from PySide6.QtWidgets import QLabel

    from kimdesk.gui.jobs import BackgroundJob

    label = QLabel()
    gate = threading.Event()
    BackgroundJob(label, worker, lambda _w: "late" if gate.wait(5) else "").success(label.setText) \
        .run_in_background()
    label.deleteLater()
    qtbot.waitUntil(lambda: _deleted(label), timeout=5000)
    gate.set()
    after: list[int] = []
    worker.submit(lambda _w: 1, after.append)
    qtbot.waitUntil(lambda: bool(after), timeout=5000)


def _deleted(obj: Any) -> bool:
    from shiboken6 import isValid

    return not isValid(obj)


def test_the_gui_has_one_background_mechanism() -> None:
    """Threads are made in one place, kimdesk/gui/worker.py; everything else runs through it."""
    import re

    import kimdesk.gui

    root = Path(kimdesk.gui.__file__).parent
    pattern = re.compile(r"QThreadPool|QRunnable|concurrent\.futures|threading\.Thread\b"
                         r"|\(QThread\)|QThread\(")
    found = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
             if path.name != "worker.py"
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []


def test_the_exit_safety_net_passes_over_threads_qt_already_deleted(qtbot: Any) -> None:
    """At interpreter exit the safety net for a worker never stopped runs after Qt may have
    deleted its threads (a sync test before a GUI test in one run printed three tracebacks
    "Internal C++ object (PySide6.QtCore.QThread) already deleted" after every test passed)."""
    import shiboken6
    from PySide6.QtCore import QThread

    from kimdesk.gui.worker import _end_threads

    gone, running = QThread(), QThread()
    running.start()
    shiboken6.delete(gone)
    _end_threads([gone, running])  # before: RuntimeError at the first one
    assert running.isFinished()
