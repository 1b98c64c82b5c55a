"""A vault is created whole or not at all (review, 2026-12): it is built under a scratch name and
renamed when complete; a file whose creation never finished is reported as no vault instead of
failing with a ``KeyError``. tests/vault/test_review_crash_siblings.py kills a real creation."""

from __future__ import annotations

import secrets
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kimdesk.vault import Vault, kdf
from kimdesk.vault.connection import Connection, connect
from kimdesk.vault.creation import create_vault_file, scratch_path
from kimdesk.vault.errors import NotAVault, VaultExists, VaultInUse
from kimdesk.vault.files import create_private_file
from kimdesk.vault.lock import ProcessLock
from kimdesk.vault.migrations import migrate
from tests.conftest import PASSPHRASE

KILLED_IN_THE_SCHEMA = """
import sys
import kimdesk.vault.vault as vault_mod
from kimdesk.vault import Vault

real = vault_mod.migrate
def migrate_then_wait(conn, *a, **k):
    conn.execute("CREATE TABLE half (x)")  # a write in the log, not yet in the file
    print("inside", flush=True)
    sys.stdin.readline()

vault_mod.migrate = migrate_then_wait
Vault.create(sys.argv[1], sys.argv[2], counselor="crash")
"""


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_killed_creation_leaves_no_vault_and_the_next_one_clears_its_scratch(
        tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IN_THE_SCHEMA, str(path), PASSPHRASE],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"inside\n"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not path.exists()
    assert ".v.kdb.creating" in _names(tmp_path), "the kill left the scratch file"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        assert vault.meta.counselor == "anna"
    assert _names(tmp_path) == ["v.kdb"], "scratch file, log and index all gone"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_vault_leaves_no_scratch_file_and_no_log(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    create_vault_file(path, *_key(), {"vault_id": "a" * 32, "device_tag": "AAAA"}, migrate)
    assert _names(tmp_path) == ["v.kdb"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.meta.vault_id == "a" * 32 and vault.integrity_check() == []


def test_a_vault_created_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    """Another creation finished under the name while this one built its file."""
    path = tmp_path / "v.kdb"

    def schema_while_another_finishes(conn: Connection) -> None:
        migrate(conn)
        path.write_bytes(b"the other vault")

    with pytest.raises(VaultExists):
        create_vault_file(path, *_key(), {"vault_id": "b" * 32, "device_tag": "BBBB"},
                          schema_while_another_finishes)
    assert path.read_bytes() == b"the other vault"
    assert _names(tmp_path) == ["v.kdb"]


def test_a_creation_under_way_is_not_disturbed(tmp_path: Path) -> None:
    """The scratch file of a creation in progress (its lock held) is left alone."""
    path = tmp_path / "v.kdb"
    create_private_file(scratch_path(path))
    running = ProcessLock(scratch_path(path))
    assert running.acquire()
    try:
        with pytest.raises(VaultInUse):
            Vault.create(path, PASSPHRASE, counselor="anna")
        assert scratch_path(path).exists() and not path.exists()
    finally:
        running.release()


def test_a_vault_whose_creation_never_finished_is_no_vault(tmp_path: Path) -> None:
    """What versions before this fix left after a kill between the schema and the metadata."""
    path = tmp_path / "v.kdb"
    key, salt = _key()
    create_private_file(path)
    conn = connect(path, key, salt)
    migrate(conn)
    conn.close()
    with pytest.raises(NotAVault) as caught:
        Vault.open(path, PASSPHRASE)
    assert "vault_id" in caught.value.reason


def _key() -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    return kdf.CURRENT.derive(PASSPHRASE, salt), salt


def test_a_second_name_left_by_a_creation_goes_at_unlock_and_with_a_wipe(tmp_path: Path) -> None:
    """Killed between linking the vault to its name and removing the scratch name, a creation
    leaves the vault with a hidden second name: deleting the visible one by hand kept the data
    (a review, 2026-12-06). An unlock drops the hidden name; so does a wipe."""
    import os

    from kimdesk.sync.wipe import wipe_vault

    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="anna").close()
    os.link(path, scratch_path(path))  # where the kill left it
    vault = Vault.open(path, PASSPHRASE)
    assert not scratch_path(path).exists()
    os.link(path, scratch_path(path))  # the same, made while the vault is open
    assert wipe_vault(vault) == []
    assert not list(tmp_path.iterdir())
