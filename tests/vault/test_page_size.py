"""New vaults have 16 KiB pages; vaults made before keep their 4 KiB pages and work as before,
until a passphrase change rewrites them (kimdesk/vault/connection.py, ``PAGE_BYTES``).

SQLCipher keeps the page size inside the encrypted header, so an unlock has to find it: a wrong
size must fail like a wrong key, before anything is written, and a vault with a write-ahead log
left by a crash is opened only with the size its log names.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import sqlcipher3

from kimdesk.demo.generator import fill
from kimdesk.vault import Vault, VaultInUse, WrongPassphrase
from kimdesk.vault.connection import LEGACY_PAGE_BYTES, PAGE_BYTES, page_sizes
from kimdesk.vault.migrations import schema_version
from tests.conftest import PASSPHRASE
from tests.vault.pages import page_size, plaintext


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def _legacy_vault(tmp_path: Path, cases: int = 30) -> Path:
    """A vault as made before: the same content and key, 4 KiB pages (SQLCipher's default)."""
    made = tmp_path / "made.kdb"
    path = tmp_path / "v.kdb"
    with Vault.create(made, PASSPHRASE, counselor="anna") as vault:
        fill(vault, cases, seed=3)
        key, salt = vault._key, vault._salt
        version = schema_version(vault.conn)
        vault.conn.execute(
            f"ATTACH DATABASE ? AS old KEY \"x'{key.hex()}{salt.hex()}'\"", (str(path),))
        vault.conn.execute(f"PRAGMA old.cipher_page_size = {LEGACY_PAGE_BYTES}")
        vault.conn.execute("SELECT sqlcipher_export('old')")
        vault.conn.execute(f"PRAGMA old.user_version = {version}")
        vault.conn.execute("DETACH DATABASE old")
    for suffix in ("", "-wal", "-shm"):
        made.with_name(made.name + suffix).unlink(missing_ok=True)
    return path


def test_a_new_vault_has_16_kib_pages(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        fill(vault, 10, seed=1)
        assert vault.page_bytes == PAGE_BYTES == 16384
        reader = vault.open_reader()
        assert reader.execute("SELECT count(*) FROM cases").fetchone() == (10,)
        sibling = vault.open_sibling()
        assert sibling.page_bytes == 16384 and sibling.cases.count() == 10
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert page_size(path.read_bytes(), vault._key) == 16384


def test_a_vault_with_4_kib_pages_opens_reads_and_writes(tmp_path: Path) -> None:
    path = _legacy_vault(tmp_path)
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.page_bytes == 4096
        assert vault.cases.count() == 30
        assert len(vault.search("")) == 30
        reader = vault.open_reader()
        assert reader.execute("SELECT count(*) FROM persons").fetchone()[0] >= 30
        fill(vault, 5, seed=4)
        assert vault.integrity_check() == []
        key = vault._key
    assert page_size(path.read_bytes(), key) == 4096  # the file was not converted
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.page_bytes == 4096 and vault.cases.count() == 35


def test_a_wrong_passphrase_leaves_a_legacy_vault_untouched(tmp_path: Path) -> None:
    path = _legacy_vault(tmp_path, cases=5)
    before = _files(tmp_path)
    with pytest.raises(WrongPassphrase):
        Vault.open(path, "not the passphrase")
    assert _files(tmp_path) == before


def test_a_crashed_legacy_vault_opens_with_the_size_its_log_names(tmp_path: Path) -> None:
    """Copied while open after a commit: the log holds frames not yet in the file (a crash).
    The unlock tries only 4 KiB, and the frames' content is there."""
    path = _legacy_vault(tmp_path, cases=5)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    with Vault.open(path, PASSPHRASE) as vault:
        vault.conn.execute("PRAGMA wal_autocheckpoint = 0")
        fill(vault, 7, seed=5)
        for suffix in ("", "-wal"):
            shutil.copy(path.with_name(path.name + suffix), crashed / f"v.kdb{suffix}")
    copy = crashed / "v.kdb"
    assert copy.with_name("v.kdb-wal").stat().st_size > 0
    assert page_sizes(copy) == (4096, 16384)
    with Vault.open(copy, PASSPHRASE) as vault:
        assert vault.page_bytes == 4096 and vault.cases.count() == 12
        assert vault.integrity_check() == []


def test_a_new_vault_is_tried_with_16_kib_first(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        fill(vault, 3, seed=1)
        assert page_sizes(path) == (16384, 4096)
    assert page_sizes(tmp_path / "missing.kdb") == (16384, 4096)


def test_a_passphrase_change_converts_a_legacy_vault(tmp_path: Path) -> None:
    path = _legacy_vault(tmp_path, cases=8)
    with Vault.open(path, PASSPHRASE) as vault:
        vault.change_passphrase("ein neuer langer Satz")
        assert vault.page_bytes == 16384 and vault.cases.count() == 8
        key = vault._key
    assert page_size(path.read_bytes(), key) == 16384
    with Vault.open(path, "ein neuer langer Satz") as vault:
        assert vault.page_bytes == 16384 and vault.integrity_check() == []
        assert b"vault_meta" in plaintext(path, key)



def test_the_log_is_copied_after_as_many_bytes_as_before(tmp_path: Path) -> None:
    """SQLite's automatic checkpoint counts pages: 1,000 of 16 KiB would let the log grow to
    16 MiB; the vault keeps the 4 MiB of 1,000 pages of 4 KiB, whatever its page size."""
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as vault:
        assert vault.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (250,)
        assert vault.open_reader().execute("PRAGMA wal_autocheckpoint").fetchone() == (250,)
    (tmp_path / "old").mkdir()
    legacy = _legacy_vault(tmp_path / "old", cases=2)
    with Vault.open(legacy, PASSPHRASE) as vault:
        assert vault.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)


def test_a_passphrase_change_waits_for_a_reader_that_holds_the_log_back(tmp_path: Path) -> None:
    """A reader's snapshot keeps frames in the log; the copy would then leave the old log
    beside the new file, which the next unlock would copy into it (the review's finding).
    The change is refused and the vault stays as it was."""
    path = _legacy_vault(tmp_path, cases=4)
    with Vault.open(path, PASSPHRASE) as vault:
        reader = vault.open_reader()
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM cases").fetchone()
        fill(vault, 2, seed=6)  # committed after the reader's snapshot
        with pytest.raises(VaultInUse):
            vault.change_passphrase("ein neuer langer Satz")
        reader.execute("ROLLBACK")
        assert not path.with_name("v.kdb.rekey").exists()
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.cases.count() == 6 and vault.integrity_check() == []


def test_no_old_log_stays_beside_the_re_keyed_vault(tmp_path: Path) -> None:
    """Another program with the file open keeps SQLite from deleting the log at close; the
    (emptied) old log and its index are removed before the copy takes the vault's place."""
    path = _legacy_vault(tmp_path, cases=4)
    with Vault.open(path, PASSPHRASE) as vault:
        other = sqlcipher3.connect(str(path))  # an admin's shell, a backup tool
        other.execute(f"PRAGMA key = \"x'{vault._key.hex()}{vault._salt.hex()}'\"")
        other.execute("PRAGMA cipher_page_size = 4096")
        other.execute("SELECT count(*) FROM sqlite_master").fetchone()
        vault.change_passphrase("ein neuer langer Satz")
        fill(vault, 1, seed=7)
        key = vault._key
    other.close()
    assert page_size(path.read_bytes()[:16384], key) == 16384
    with Vault.open(path, "ein neuer langer Satz") as vault:
        assert vault.cases.count() == 5 and vault.integrity_check() == []
