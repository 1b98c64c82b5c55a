"""The counselor saves and searches while a pulled page is being written (two connections on one
vault, WAL): the save waits for the page's transaction and is stored, the search sees the vault as
before the page or after it, never half of it, and no message box opens.

The overlap is made by hooks, not by timing: the page's transaction, once every record of it is
written, waits until the save's job has started its own transaction; a search is answered while
the page's transaction is still open.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.domain.models import Case, Person
from kimdesk.vault.sync.inbox import Inbox
from tests.gui.conftest import wait_idle
from tests.gui.test_edit_during_sync import (  # noqa: F401 (fixtures)
    Boxes,
    Colleague,
    boxes,
    open_only_case,
    open_window,
    press,
    stored,
    team,
    type_over,
)
from tests.gui.test_sync_lane import _search
from tests.sync.helpers import sqlite_server  # noqa: F401 (fixture of team)

pytestmark = pytest.mark.gui
PULLED = 1200


def colleague_adds_many(colleague: Colleague) -> None:
    """The colleague pushes PULLED people with a case each: her next sync pulls them in pages
    of more than 50 records."""
    people = [Person(given_name="Jana", family_name="Pullmann") for _ in range(PULLED)]
    with colleague.vault.transaction():
        colleague.vault.people.insert_many(people)
        colleague.vault.cases.insert_many(
            Case(case_number=f"2026-PULL-{i:04d}", person_id=p.id, owner="bert",
                 team="Team Nord", opened_on=date(2026, 1, 5)) for i, p in enumerate(people))
    colleague.engine.sync()


def hold_a_page(monkeypatch: pytest.MonkeyPatch, until: threading.Event
                ) -> tuple[threading.Event, list[int]]:
    """The first pulled page of more than 50 records, once all of them are written, waits inside
    its transaction (the vault's write lock held) until ``until`` is set. Returns the event set
    when it waits, and a list that holds one item once it has."""
    inside = threading.Event()
    held: list[int] = []
    original = Inbox._reindex

    def reindex(self: Inbox) -> None:  # the end of a page, inside its transaction
        if not held and len(self._touched) > 50:
            held.append(1)
            inside.set()
            assert until.wait(60)
        original(self)

    monkeypatch.setattr(Inbox, "_reindex", reindex)
    return inside, held


def test_a_save_and_a_search_while_a_page_is_written(
        qtbot: Any, make_window: Any, team: tuple[Path, Colleague, dict[str, str]],  # noqa: F811
        boxes: Boxes, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    path, colleague, ids = team
    window = open_window(qtbot, make_window, path)
    view = open_only_case(qtbot, window, ids["case"])
    colleague_adds_many(colleague)
    save_started = threading.Event()
    inside, held = hold_a_page(monkeypatch, save_started)
    vault = window.worker.vault
    plain = vault.transaction

    def transaction() -> contextlib.AbstractContextManager[None]:
        if threading.current_thread().name != "MainThread" and inside.is_set():
            save_started.set()
        return plain()

    monkeypatch.setattr(vault, "transaction", transaction)
    window.sync.sync_now()
    qtbot.waitUntil(inside.is_set, timeout=60000)
    # the page's transaction is open: a search answers, from the vault as before the page
    assert _search(qtbot, window, "Pullmann") == 0
    view.tabs.setCurrentIndex(0)
    type_over(qtbot, view.person_form.inputs["phone"], "0521 444")
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.sync.controller.running
                    and window.sync.controller.state == "idle", timeout=60000)
    wait_idle(qtbot, window)
    assert save_started.is_set() and held == [1]
    assert not view.dirty and boxes.texts == []
    assert _search(qtbot, window, "Pullmann") == PULLED
    window.worker.stop()
    assert stored(path, "people", ids["person"]).phone == "0521 444"
