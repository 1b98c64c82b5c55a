"""The database worker: jobs run off the GUI thread, in the language the GUI had when they were
submitted, and come back on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
