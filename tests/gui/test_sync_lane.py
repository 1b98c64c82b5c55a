"""Issue #18, speed: sync never blocks the counselor's reads or edits.

A first sync of a large vault held the database worker: a search typed after unlock waited more
than 120 s behind it. Sync now runs on the worker's own ``sync`` lane with a connection of its
own. Here a real server on 127.0.0.1 holds 1,500 cases of another device; the window's first sync
pulls them, and the server is made to stop answering in the middle of the pull (its second page
waits on an event: no timing involved). While it waits, with the sync visibly under way, searches
typed into the case list come back, and an edit is written on the vault lane; once the server
answers, the sync ends and the pulled cases are found too. Before the change, unlock itself did not
finish: its first list query waited behind the sync.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.domain.models import Case, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock

pytestmark = pytest.mark.gui
PULLED = 1500


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(tmp_path / "server.db").start()
    yield srv
    srv.stop()


def _other_device(srv: EmbeddedServer, tmp_path: Path) -> None:
    """Another counselor of the team pushes PULLED cases (persons "Pullmann")."""
    with Vault.create(tmp_path / "other.kdb", PASSPHRASE, counselor="other") as other:
        enroll(other, srv.url, srv.service.create_enroll_code("Team Nord"))
        persons = [Person(given_name="Jana", family_name="Pullmann")
               for _ in range(PULLED)]
        with other.transaction():
            other.people.insert_many(persons)
            other.cases.insert_many(
                Case(case_number=f"2026-PULL-{i:04d}", person_id=p.id, owner="other",
                     team="Team Nord", opened_on=date(2026, 1, 5))
                for i, p in enumerate(persons))
        engine = SyncEngine(other)
        engine.sync()
        engine.close()


def _search(qtbot: Any, window: Any, text: str) -> int:
    """Type ``text`` into the search field by keys; the number of cases listed."""
    ws = window.workspace
    ws.search.setFocus()
    qtbot.keyClick(ws.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ws.search, Qt.Key.Key_Delete)
    done = ws.queries_done
    qtbot.keyClicks(ws.search, text)
    qtbot.waitUntil(lambda: ws.queries_done > done and not ws._debounce.isActive()
                    and ws._queries_answered == ws._queries_asked, timeout=10000)
    assert ws.search.text() == text
    return int(ws.model.rowCount())


def test_searches_answer_while_a_first_sync_waits(qtbot: Any, make_window: Any,
                                                 demo_vault_file: Path, server: EmbeddedServer,
                                                 tmp_path: Path) -> None:
    _other_device(server, tmp_path)
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    with Vault.open(copy, PASSPHRASE) as vault:
        enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))

    service = server.service
    original = service.pull_json
    asked: list[int] = []
    waiting, release = threading.Event(), threading.Event()

    def pull_json(*args: Any, **kwargs: Any) -> Any:
        asked.append(1)
        if len(asked) == 2:  # the second page: the first one is applied by now
            waiting.set()
            release.wait(60)
        return original(*args, **kwargs)

    service.pull_json = pull_json
    window = make_window(copy)
    try:
        unlock(qtbot, window)
        qtbot.waitUntil(waiting.is_set, timeout=60000)
        assert window.sync.controller.state == "pulling"
        # The sync is under way and waiting for the server: the vault lane answers anyway.
        assert _search(qtbot, window, "melnyk") > 0
        assert _search(qtbot, window, "zzzz-nobody") == 0
        listed = _search(qtbot, window, "Pullmann")  # the first page (persons) is in; cases not
        written: list[int] = []

        def edit(w: Any) -> int:
            vault = w.require_vault()
            case = vault.cases.where()[0]
            vault.cases.update(case.model_copy(update={"referral_source": "Sprechstunde"}))
            return int(vault.cases.get(case.id).revision)

        window.worker.submit(edit, written.append)
        qtbot.waitUntil(lambda: bool(written), timeout=10000)
        assert not release.is_set() and window.sync.controller.state == "pulling"
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.sync.controller.state == "idle", timeout=60000)
    assert listed == 0
    assert _search(qtbot, window, "Pullmann") == PULLED
