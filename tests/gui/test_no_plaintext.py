"""Issue 13, point 1: no personal data outside the vault, and the app's files private to the user.

A scripted GUI session (unlock a demo vault at the default place, let the app's own sync start,
open a case, lock, close) with the data, config, cache and temp folders redirected into the test's
folder; afterwards a raw byte scan of every file there finds none of the demo names."""

from __future__ import annotations

import argparse
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from kimdesk.vault import Vault
from tests.gui.conftest import PASSPHRASE, unlock, wait_idle


@pytest.fixture
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """The platform folders redirected into ``tmp_path``, under the usual desktop umask 022."""
    folders = {name: tmp_path / name for name in ("data", "config", "cache", "tmp")}
    for folder in folders.values():
        folder.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(folders["data"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folders["config"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(folders["cache"]))
    monkeypatch.setenv("TMPDIR", str(folders["tmp"]))
    for name in ("KIMDESK_VAULT", "KIMDESK_SETTINGS", "KIMDESK_FORMS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)
    previous = os.umask(0o022)
    try:
        yield folders
    finally:
        os.umask(previous)


def demo_names(vault: Vault) -> set[str]:
    """Names long enough (6+ bytes) that a random match in ciphertext is out of the question."""
    names: set[str] = set()
    for person in vault.people.where():
        for part in (person.given_name, person.family_name):
            if len(part.encode()) >= 6:
                names.add(part)
    return names


def scan(folders: list[Path], names: set[str]) -> list[str]:
    """Every (file, name) where a name's UTF-8 or UTF-16 bytes occur in the raw file; a file
    among ``folders`` is scanned itself (until 2026-12-06 only folders were searched, and two
    tests that passed a vault's files scanned nothing: a review of those tests)."""
    needles = {
        (name, enc): name.encode(enc)
        for name in names for enc in ("utf-8", "utf-16-le", "utf-16-be")
    }
    found = []
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else [folder]:
            if path.is_file():
                raw = path.read_bytes()
                found += [f"{path}: {n} ({e})" for (n, e), b in needles.items() if b in raw]
    return found


def modes(folders: list[Path]) -> list[str]:
    wrong = []
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            if path == folder:
                continue  # the XDG base folder itself is the desktop's, not ours
            if mode & 0o077:
                wrong.append(f"{path}: {oct(mode)}")
    return wrong


def test_gui_session_leaves_no_personal_data_outside_the_vault(
        qtbot: Any, user_folders: dict[str, Path]) -> None:
    from kimdesk.config import default_vault_path
    from kimdesk.demo.generator import fill
    from kimdesk.gui.app import build_window

    path = default_vault_path()
    assert path.is_relative_to(user_folders["data"])
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Team Nord") as vault:
        fill(vault, 40, seed=7)
        names = demo_names(vault)
    assert len(names) > 20

    window = build_window(argparse.Namespace(vault=None, lang="en"), delay_base=0.05)
    qtbot.addWidget(window)
    window.show()
    try:
        unlock(qtbot, window)
        controller = window.sync_controller
        assert controller is not None
        wait_idle(qtbot, window)
        assert controller.state == "disabled"  # not enrolled: no sync, no server of its own
        ws = window.workspace
        ws.open_case(ws.model.data(ws.model.index(0, 0), Qt.ItemDataRole.UserRole))
        qtbot.waitUntil(lambda: ws.case_view.bundle is not None, timeout=10000)
        assert window.lock()
        wait_idle(qtbot, window)
    finally:
        window.close()
        window.worker.stop()

    folders = list(user_folders.values())
    assert scan(folders, names) == []
    assert not list(user_folders["data"].rglob("kimdesk-local-server.db*"))
    # the vault (with WAL and SHM while it was open), settings and their folders: 0600 / 0700
    assert modes([user_folders["data"], user_folders["config"]]) == []
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert window.settings.path.is_relative_to(user_folders["config"])
    assert (window.settings.path.stat().st_mode & 0o777) == 0o600


def test_old_plaintext_server_file_is_shredded_and_the_vault_unenrolled(
        make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """A vault enrolled with the local server of an earlier version: at start the file goes
    (with its WAL), at unlock the vault leaves that server and every record is pending again."""
    from kimdesk.demo.generator import fill
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import SyncEngine, enroll
    from kimdesk.sync.localcopy import LEGACY_FILE
    from kimdesk.sync.store import SyncStore

    path = tmp_path / "v.kdb"
    legacy = tmp_path / LEGACY_FILE
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Team Nord") as vault:
        fill(vault, 10, seed=3)
        names = demo_names(vault)
        with EmbeddedServer(legacy) as server:
            enroll(vault, server.url, server.service.create_enroll_code("local"))
            assert SyncEngine(vault).sync().pushed > 0
            server.service.server_id()
        assert SyncStore(vault).pending_count() == 0
    assert scan([tmp_path], names)  # the plaintext copy as earlier versions left it

    window = make_window(path)
    assert not legacy.exists()
    assert not list(tmp_path.glob(LEGACY_FILE + "*"))
    unlock(qtbot, window)
    wait_idle(qtbot, window)
    assert window.sync_controller.state == "disabled"
    assert scan([tmp_path], names) == []

    def enrolled_and_pending(w: Any) -> tuple[bool, int]:
        store = SyncStore(w.vault)
        return store.enrolled, store.pending_count()

    result: list[tuple[bool, int]] = []
    window.worker.submit(enrolled_and_pending, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=5000)
    assert result[0][0] is False
    assert result[0][1] > 0


def test_scan_reads_a_file_it_is_given(tmp_path: Path) -> None:
    """The lock-draft tests pass a vault's files, not folders: those files are scanned."""
    vault = tmp_path / "v.kdb"
    vault.write_text("x Quellbach y", "utf-16-le")
    assert f"{vault}: Quellbach (utf-16-le)" in scan([vault], {"Quellbach"})
