"""A passphrase change killed while ``sqlcipher_export`` wrote the re-keyed copy leaves the copy
and its rollback journal (``v.kdb.rekey-journal``, encrypted under the passphrase that was never
adopted). Review, 2026-12: the unlock removed the copy but not the journal, and the revoked
device's wipe did not name it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from kimdesk.demo.generator import fill
from kimdesk.vault import Vault
from kimdesk.vault.files import DATABASE_SUFFIXES, remove_stale_rekey
from tests.conftest import PASSPHRASE

CHANGE = """
import sys
from kimdesk.vault import Vault

vault = Vault.open(sys.argv[1], sys.argv[2])
print("open", flush=True)
vault.change_passphrase("a passphrase never adopted")
"""


def _killed_while_copying(path: Path) -> None:
    """Kill a passphrase change as soon as the copy's journal exists (the export runs then)."""
    journal = path.with_name(path.name + ".rekey-journal")
    proc = subprocess.Popen([sys.executable, "-c", CHANGE, str(path), PASSPHRASE],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"open\n"
    while proc.poll() is None and not journal.exists():
        time.sleep(0.0002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert journal.exists(), "the kill must land while the copy is written"


def test_a_killed_passphrase_change_leaves_nothing_after_the_cleanup(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        fill(vault, 100, seed=5)
    _killed_while_copying(path)
    assert remove_stale_rekey(path) is True  # what the unlock runs
    with Vault.open(path, PASSPHRASE) as vault:  # the old passphrase: the rename never came
        assert vault.cases.count() == 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.kdb"]
    assert remove_stale_rekey(path) is False


def test_the_next_passphrase_change_clears_a_stale_journal(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        fill(vault, 100, seed=6)
    _killed_while_copying(path)
    with Vault.open(path, PASSPHRASE) as vault:
        vault.change_passphrase("the adopted one")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.kdb"]
    with Vault.open(path, "the adopted one") as vault:
        assert vault.cases.count() == 100 and vault.integrity_check() == []


def test_the_revoked_device_wipe_takes_the_copy_and_its_journal(tmp_path: Path) -> None:
    from kimdesk.sync.engine import wipe_vault

    assert ".rekey-journal" in DATABASE_SUFFIXES
    path = tmp_path / "v.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="anna")
    for suffix in (".rekey", ".rekey-journal"):  # as a killed change leaves them
        path.with_name(path.name + suffix).write_bytes(b"\x17" * 8192)
    wipe_vault(vault)
    assert list(tmp_path.iterdir()) == []
