"""The sync status widget and conflict view, driven by a real database worker, a real vault and
a real server on 127.0.0.1 (offscreen)."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest

pytest.importorskip("pytestqt")

from kimdesk.domain.models import Person
from tests.sync.helpers import enrolled_then_offline

pytestmark = pytest.mark.gui


@pytest.fixture
def worker(qtbot):
    from kimdesk.gui.worker import DbWorker

    w = DbWorker()
    yield w
    w.vault = None
    w.stop()


def test_status_sync_now_and_conflict_resolution(qtbot, sqlite_server, make_device, worker):
    from kimdesk.gui.sync import ConflictDialog, SyncController, SyncStatusWidget

    a = make_device(sqlite_server, "alice")
    b = make_device(sqlite_server, "bob")
    p = a.vault.people.add(Person(given_name="Ayse", family_name="Demir"))
    a.vault.cases.open_case(p.id, opened_on=date(2025, 3, 1))
    worker.vault = a.vault
    controller = SyncController(worker)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    widget.show()
    states: list[str] = []
    controller.state_changed.connect(lambda s, *_: states.append(s))
    controller.start()
    qtbot.waitUntil(lambda: controller.last_sync != "" and not controller.running, timeout=10000)
    assert "pushing" in states and controller.state == "idle"
    assert widget.label.text() == "Synced"
    # the locale's date (en: dd/MM/yyyy), not "never"
    assert re.fullmatch(r"Last sync: \d\d/\d\d/\d{4} \d\d:\d\d", widget.last.text())
    assert not widget.conflict_button.isVisible()

    # the same field edited on both devices -> a conflict shown in the widget
    b.sync()
    pb = b.vault.people.get(p.id)
    b.vault.people.update(pb.model_copy(update={"phone": "0201 222"}))
    b.sync()

    def edit(w):
        person = w.vault.people.get(p.id)
        w.vault.people.update(person.model_copy(update={"phone": "0201 111"}))

    worker.submit(edit)
    qtbot.wait(50)
    qtbot.mouseClick(widget.sync_button, qtbot_button())
    qtbot.waitUntil(lambda: controller.conflicts == 1 and not controller.running, timeout=10000)
    assert widget.conflict_button.isVisible() and widget.conflict_button.text() == "Conflicts: 1"
    assert controller.state == "conflict"

    widget.open_conflicts()
    qtbot.waitUntil(lambda: widget.dialog is not None and widget.dialog.isVisible())
    dialog = widget.dialog
    assert isinstance(dialog, ConflictDialog)
    [conflict] = dialog.conflicts
    assert (conflict.mine, conflict.theirs) == ("0201 111", "0201 222")
    widget.grab().save(str(qtbot_tmp(widget) / "status.png"))
    dialog.choose(conflict.id, "merged", "0201 111 / 0201 222")
    dialog.accept()
    qtbot.waitUntil(lambda: controller.conflicts == 0 and not controller.running
                    and controller.state == "idle", timeout=10000)
    b.sync()
    assert b.vault.people.get(p.id).phone == "0201 111 / 0201 222"
    assert b.store.conflicts() == []


def test_offline_then_reachable(qtbot, tmp_path, make_vault, worker):
    from kimdesk.gui.sync import SyncController, SyncStatusWidget
    from kimdesk.server.embedded import EmbeddedServer

    vault, port = enrolled_then_offline(make_vault, tmp_path)
    worker.vault = vault
    controller = SyncController(worker, probe_ms=100)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    submitted: list[str] = []
    submit = worker.submit

    def recording_submit(job, *args, **kw):
        submitted.append(getattr(job, "__qualname__", ""))
        return submit(job, *args, **kw)

    worker.submit = recording_submit
    controller.start()
    qtbot.waitUntil(lambda: controller.state == "offline", timeout=10000)
    assert widget.label.text() == "Offline"
    # while offline the schedule probes, as jobs on the database worker (no thread of its own)
    qtbot.waitUntil(lambda: sum("lambda" in name for name in submitted) >= 2, timeout=10000)
    assert not any(t.name == "kimdesk-sync-probe" for t in threading.enumerate())
    server = EmbeddedServer(tmp_path / "srv.db", port=port).start()
    try:
        qtbot.waitUntil(lambda: controller.state == "idle", timeout=10000)
    finally:
        controller.stop()
        server.stop()


def test_not_enrolled_is_disabled(qtbot, make_vault, worker):
    from kimdesk.gui.sync import SyncController, SyncStatusWidget

    worker.vault = make_vault("n.kdb")
    controller = SyncController(worker)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    controller.start()
    qtbot.waitUntil(lambda: widget.label.text() == "Not enrolled for sync", timeout=5000)
    assert not widget.sync_button.isEnabled()


def test_stop_while_offline_stops_probing(qtbot, tmp_path, make_vault, worker):
    from kimdesk.gui.sync import SyncController, SyncStatusWidget
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import enroll

    server = EmbeddedServer(tmp_path / "srv.db").start()
    vault = make_vault("s.kdb")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    server.stop()
    worker.vault = vault
    controller = SyncController(worker, probe_ms=50)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    controller.start()
    qtbot.waitUntil(lambda: controller.state == "offline", timeout=10000)
    controller.stop()  # the app locks
    assert controller.state == "stopped" and not controller._timer.isActive()
    assert widget.label.text() == "The vault is locked." and not widget.sync_button.isEnabled()
    controller.sync_now()  # F9 while locked: nothing
    qtbot.wait(200)  # a probe already queued answers into the stopped state: ignored
    assert controller.state == "stopped" and not controller._timer.isActive()


def test_revoked_device_is_wiped(qtbot, sqlite_server, make_device, worker):
    from kimdesk.gui.sync import SyncController, SyncStatusWidget

    a = make_device(sqlite_server, "alice")
    a.vault.people.add(Person(given_name="Ayse", family_name="Demir"))
    path = a.vault.path
    assert sqlite_server.service.revoke(a.store.get("device_id"))
    worker.vault = a.vault
    controller = SyncController(worker)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(controller.wiped, timeout=10000):
        controller.start()
    assert controller.state == "revoked" and worker.vault is None
    assert not path.exists()
    assert widget.label.text() == ("This device was removed from the server; its vault was"
                                   " deleted, with every change that had not been synced yet.")
    assert not widget.sync_button.isEnabled()
    controller.sync_now()
    controller.stop()  # the window locks after the wipe: the state stays
    assert controller.state == "revoked" and not controller._timer.isActive()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def qtbot_tmp(widget):
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp())


def _connections_to(port: int) -> int:
    """This process's open TCP connections to ``port`` (the server side's are not counted)."""
    import psutil

    return sum(1 for c in psutil.Process().net_connections("tcp")
               if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)


def test_lock_and_reenrol_close_the_connections_to_the_server(qtbot, sqlite_server, make_device,
                                                               worker):
    """A lock (stop) or a re-enrolment (restart) dropped the engine without closing it: its
    kept-alive connection to the server stayed open, one more after every unlock."""
    from kimdesk.gui.sync import SyncController

    port = int(sqlite_server.url.rsplit(":", 1)[1].strip("/"))
    worker.vault = make_device(sqlite_server, "alice").vault
    controller = SyncController(worker)
    for turn in range(3):
        controller.start() if turn != 1 else controller.restart()
        qtbot.waitUntil(lambda: controller.state == "idle", timeout=10000)
        assert _connections_to(port) >= 1  # the run's kept-alive connection
        controller.stop()  # the app locks
        qtbot.waitUntil(lambda: not worker.syncing, timeout=10000)
        assert _connections_to(port) == 0, turn
