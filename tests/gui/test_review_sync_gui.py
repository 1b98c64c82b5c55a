"""A counselor's walk through the sync GUI (review 2026-12, rev-C): what the status bar, the
conflict view and the window say in the states a counselor meets.

Each test names the stumble it guards against; real servers on 127.0.0.1 where the state needs
one, the widgets alone where the signals say it all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QRadioButton

from kimdesk.domain.models import Person
from kimdesk.i18n import language
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.protocol import ConflictInfo
from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock
from tests.sync.helpers import (  # noqa: F401 (fixtures)
    enrolled_then_offline,
    make_device,
    sqlite_server,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def worker(qtbot: Any) -> Iterator[Any]:
    from kimdesk.gui.worker import DbWorker

    w = DbWorker()
    yield w
    w.vault = None
    w.stop()


def _conflicts() -> list[ConflictInfo]:
    """Two people with two conflicting fields each (the values a counselor typed)."""
    return [ConflictInfo(id=f"c{i}", kind="persons", record_id=f"{'ab'[i // 2]}" * 32,
                         field=field, mine="0201 111" if field == "phone" else "Demir-Mine",
                         theirs="0201 222" if field == "phone" else "Demir-Theirs")
            for i, field in enumerate(("phone", "family_name", "phone", "family_name"))]


def _visible_texts(window: Any) -> str:
    texts = [window.statusBar().currentMessage()]
    texts += [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    texts += [box.text() for box in QApplication.topLevelWidgets()
              if isinstance(box, QMessageBox) and box.isVisible()]
    return "\n".join(texts)


def revoked_with_a_lost_deletion(tmp_path: Path, server: EmbeddedServer) -> Path:
    """A vault at ``tmp_path / "v.kdb"`` whose Art. 17 deletion (of a case and its person: two)
    never reached ``server``, on a device the server has revoked since."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="c", team="T") as v:
        answer = enroll(v, server.url, server.service.create_enroll_code("T"))
        person = v.people.add(Person(given_name="Zebulonia", family_name="Quistorpffel"))
        case = v.cases.open_case(person.id, opened_on=date(2026, 3, 1))
        engine = SyncEngine(v)
        engine.sync()
        engine.close()
        purge_cases(v, [case.id], PurgeOrder("Art. 17 DSGVO", "c", "subject_request"))
    server.service.revoke(answer.device_id)
    return path


def unanswered_probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The controller's reachability probes, each unanswered: the list of servers probed,
    counted, not timed (a loaded machine probes less often)."""
    from kimdesk.gui.sync import controller as module

    probes: list[str] = []

    def probe(server: str, timeout: float = 3.0) -> bool:
        probes.append(server)
        return False

    monkeypatch.setattr(module, "probe_server", probe)
    return probes


def test_deletions_lost_with_a_wipe_are_said_where_the_counselor_reads_them(
        make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """A revoked device whose Art. 17 deletion had not reached the server: the counselor must
    carry it out again elsewhere. Before, only the status label's tooltip said so (hover only,
    not by keyboard); the label and the 5-second status message said "deleted" alone."""
    with EmbeddedServer(tmp_path / "srv.db") as server:
        path = revoked_with_a_lost_deletion(tmp_path, server)
        window = make_window(path)
        unlock(qtbot, window)
        qtbot.waitUntil(lambda: not path.exists(), timeout=20000)
        qtbot.waitUntil(lambda: not window.unlocked, timeout=5000)
        qtbot.wait(200)
    said = _visible_texts(window)
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox) and box.isVisible():
            box.close()
    assert "carry them out again on another device" in said, said


def test_a_wiped_vault_offers_no_conflicts_to_resolve(qtbot: Any, worker: Any) -> None:
    """After the wipe the "Conflicts: n" button stayed, enabled; a click only put "The vault is
    locked." into a tooltip: the conflicts went with the vault."""
    from kimdesk.gui.sync import SyncController, SyncStatusWidget
    from kimdesk.vault.errors import WIPED

    controller = SyncController(worker)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    widget.show()
    controller.finished.emit("2026-12-06T09:00:00Z", 3)
    assert widget.conflict_button.isVisible()
    controller.state_changed.emit("revoked", 0, 0, WIPED)
    assert not widget.conflict_button.isVisible()


def test_the_last_sync_is_shown_from_the_unlock_on(qtbot: Any, worker: Any,
                                                   sqlite_server: EmbeddedServer,  # noqa: F811
                                                   make_device: Any) -> None:  # noqa: F811
    """A vault synced yesterday read "Last sync: never" from the unlock until the first run
    ended: minutes for a long first sync, for ever after a wipe."""
    from kimdesk.gui.sync import SyncController, SyncStatusWidget

    device = make_device(sqlite_server, "alice")
    device.sync()
    worker.vault = device.vault
    controller = SyncController(worker)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    seen: list[str] = []
    controller.server_changed.connect(lambda _url: seen.append(widget.last.text()))
    controller.start()
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    qtbot.waitUntil(lambda: not controller.running, timeout=10000)
    controller.stop()
    assert seen[0] != "Last sync: never", seen


def test_conflicts_name_fields_and_records_in_the_counselors_language(qtbot: Any) -> None:
    """The list said "persons abababab (2)" and the rows "phone", "family_name": the model's
    names and an id, in every language."""
    from kimdesk.gui.sync import ConflictDialog

    with language("de"):
        dialog = ConflictDialog(_conflicts(), titles={"a" * 32: "Demir, Ayse"})
        qtbot.addWidget(dialog)
        shown = [dialog.records.item(i).text() for i in range(dialog.records.count())]
        fields = [label.text() for label in dialog.detail.findChildren(QLabel)]
    assert "Demir, Ayse" in shown[0] and "persons" not in " ".join(shown), shown
    assert "aaaaaaaa" not in shown[0]
    assert "Telefon" in fields and "phone" not in fields, fields


def test_conflict_values_keep_their_own_direction_in_arabic(qtbot: Any) -> None:
    """In Arabic "0201 111" read "111 0201": a phone number laid out right to left."""
    from kimdesk.gui.sync import ConflictDialog

    with language("ar"):
        dialog = ConflictDialog(_conflicts())
        qtbot.addWidget(dialog)
    texts = [b.text() for b in dialog.detail.findChildren(QRadioButton) if b.text()]
    phone = next(t for t in texts if "0201 111" in t)
    assert phone == "\u20680201 111\u2069", repr(phone)


def test_tab_from_the_record_list_reaches_the_choices_before_apply(qtbot: Any) -> None:
    """Tab from the list went to "Apply" and "Cancel" first, the choices came after them."""
    from kimdesk.gui.sync import ConflictDialog

    dialog = ConflictDialog(_conflicts())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    dialog.records.setFocus()
    qtbot.keyClick(dialog.records, Qt.Key.Key_Tab)
    assert isinstance(QApplication.focusWidget(), QRadioButton), QApplication.focusWidget()


def test_apply_leaves_the_records_not_looked_at_open(qtbot: Any) -> None:
    """"Apply" after the first record resolved the second one too, as "theirs", unseen."""
    from kimdesk.gui.sync import ConflictDialog

    dialog = ConflictDialog(_conflicts())
    qtbot.addWidget(dialog)
    dialog.choose("c0", "mine")
    assert set(dialog.choices()) == {"c0", "c1"}
    dialog.records.setCurrentRow(1)
    assert set(dialog.choices()) == {"c0", "c1", "c2", "c3"}


def test_offline_reason_is_plain_words(qtbot: Any, worker: Any, make_vault: Any,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, the tooltip quoted the network library: "... cannot be reached: [Errno 111]
    Connection refused", in English inside every translation; and the first probe (15 s later)
    emptied it."""
    from kimdesk.gui.sync import SyncController, SyncStatusWidget
    probes = unanswered_probes(monkeypatch)
    vault, port = enrolled_then_offline(make_vault, tmp_path)
    worker.vault = vault
    controller = SyncController(worker, probe_ms=100)
    widget = SyncStatusWidget(controller)
    qtbot.addWidget(widget)
    said: list[str] = []  # every message drawn with the offline state
    controller.state_changed.connect(
        lambda state, _d, _t, message: said.append(message) if state == "offline" else None)
    controller.start()
    qtbot.waitUntil(lambda: controller.state == "offline", timeout=10000)
    qtbot.waitUntil(lambda: len(probes) >= 3, timeout=20000)  # a few probes, each unanswered
    # never blank in between: the probe timer's own moves emptied it until the probe answered
    assert said and all(said), said
    tip = widget.label.toolTip()
    controller.stop()
    assert "Errno" not in tip and "refused" not in tip.lower(), tip
    assert f"127.0.0.1:{port}" in tip, tip
