"""The vault file: encryption at rest, wrong passphrases, damaged and foreign files, locking."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kimdesk.domain.models import Note, Person
from kimdesk.vault import (
    NotAVault,
    Vault,
    VaultCorrupted,
    VaultExists,
    VaultInUse,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
    kdf,
)
from kimdesk.vault.migrations import TRIGGER_COLUMNS
from tests.conftest import PASSPHRASE


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def test_create_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Nord") as v:
        person = v.people.add(
            Person(given_name="Olena", family_name="Шевченко", family_name_latin="Shevchenko")
        )
        case = v.cases.open_case(person.id)
    with Vault.open(path, PASSPHRASE) as v:
        assert v.people.get(person.id).family_name == "Шевченко"
        assert v.cases.get(case.id).case_number == case.case_number
        assert v.meta.counselor == "anna" and v.meta.team == "Nord"
        assert v.meta.kdf_profile == kdf.CURRENT.profile_id


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    path.write_text("important")
    with pytest.raises(VaultExists):
        Vault.create(path, PASSPHRASE, counselor="x")
    assert path.read_text() == "important"


def test_nothing_readable_in_file_or_wal(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    secrets_ = ["Zyxwvutsrq", "Шевченкоїї", "القحطانيي", "Geheimnotiz über Abschiebung"]
    v = Vault.create(path, PASSPHRASE, counselor="anna")
    p = v.people.add(
        Person(given_name=secrets_[0], family_name=secrets_[1], family_name_latin="Latinname")
    )
    p2 = v.people.add(Person(given_name="x", family_name=secrets_[2], family_name_latin="Q"))
    case = v.cases.open_case(p.id)
    v.cases.open_case(p2.id)
    v.notes.add(Note(case_id=case.id, text=secrets_[3]))
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the test must see a live WAL"
    files = [path, wal]
    try:
        for f in files:
            raw = f.read_bytes()
            for s in [*secrets_, "Latinname"]:
                for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                    assert s.encode(encoding) not in raw, (f.name, s, encoding)
            assert b"SQLite format 3" not in raw
    finally:
        v.close()


def test_wrong_passphrase_is_specific_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna"):
        pass
    before = snapshot(tmp_path)
    with pytest.raises(WrongPassphrase):
        Vault.open(path, "not the passphrase")
    assert snapshot(tmp_path) == before
    with Vault.open(path, PASSPHRASE):  # the lock was released after the failure
        pass


def test_missing_vault_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(VaultMissing):
        Vault.open(tmp_path / "none.kdb", PASSPHRASE)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("kind", ["text", "empty", "sqlite", "pdf-like"])
def test_foreign_files_are_not_vaults(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.kdb"
    if kind == "text":
        path.write_text("Dies ist keine Datenbank.\n" * 500)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "pdf-like":
        path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 64)  # 16 KiB + 9: not page-aligned
    else:
        con = sqlite3.connect(path)
        con.execute("create table t(x)")
        con.commit()
        con.close()
    before = snapshot(tmp_path)
    with pytest.raises((NotAVault, WrongPassphrase)) as info:
        Vault.open(path, PASSPHRASE)
    if kind != "text":
        assert isinstance(info.value, NotAVault)
    assert snapshot(tmp_path) == before


def _demo_file(tmp_path: Path, cases: int = 40) -> Path:
    from kimdesk.demo.generator import fill

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as v:
        fill(v, cases, seed=1)
    return path


def test_truncated_vault_is_reported_and_untouched(tmp_path: Path) -> None:
    path = _demo_file(tmp_path)
    data = path.read_bytes()
    for cut in (len(data) // 2 // 4096 * 4096, len(data) - 4096, 4096 * 3 + 100):
        path.write_bytes(data[:cut])
        before = snapshot(tmp_path)
        with pytest.raises((VaultCorrupted, NotAVault)):
            Vault.open(path, PASSPHRASE)
        assert snapshot(tmp_path) == before


def test_corrupted_page_is_detected(tmp_path: Path) -> None:
    path = _demo_file(tmp_path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 4096 // 2 * 4096 + 1000
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    before = snapshot(tmp_path)
    try:
        v = Vault.open(path, PASSPHRASE)
    except VaultCorrupted:
        pass
    else:
        try:
            assert v.integrity_check(), "a flipped byte must be reported"
        finally:
            v.close()
    assert snapshot(tmp_path) == before


def test_first_page_damage_never_overwrites(tmp_path: Path) -> None:
    path = _demo_file(tmp_path)
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01
    path.write_bytes(bytes(data))
    before = snapshot(tmp_path)
    with pytest.raises((WrongPassphrase, VaultCorrupted)):
        Vault.open(path, PASSPHRASE)
    assert snapshot(tmp_path) == before


def test_vault_open_in_another_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna"):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from kimdesk.vault import Vault; "
            f"v=Vault.open({str(path)!r}, {PASSPHRASE!r}); print('open', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(VaultInUse):
            Vault.open(path, PASSPHRASE)
    finally:
        holder.communicate("", timeout=30)
    with Vault.open(path, PASSPHRASE):
        pass


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as v:
        v.conn.execute("PRAGMA user_version = 999")
    with pytest.raises(VaultTooNew):
        Vault.open(path, PASSPHRASE)


def test_reader_connection_skips_the_kdf(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader opens with the cached raw key: neither KIMdesk's KDF nor SQLCipher's own runs
    (counted, not timed: a loaded CI machine makes any timing ratio flaky)."""
    from kimdesk.vault import connection

    derived: list[str] = []
    pragmas: list[str] = []
    real_pragma = connection.raw_key_pragma

    def derive(self: kdf.KdfProfile, passphrase: str, salt: bytes) -> bytes:
        derived.append("kdf")
        return b""

    def pragma(key: bytes, salt: bytes) -> str:
        pragmas.append(real_pragma(key, salt))
        return pragmas[-1]

    monkeypatch.setattr(kdf.KdfProfile, "derive", derive)
    monkeypatch.setattr(connection, "raw_key_pragma", pragma)
    reader = vault.open_reader()
    assert reader.execute("SELECT count(*) FROM cases").fetchone() == (0,)
    assert derived == []
    # SQLCipher runs PBKDF2 for a passphrase key; the raw form x'<key><salt>' skips it
    assert len(pragmas) == 1 and re.fullmatch(r"""PRAGMA key = "x'[0-9a-f]{96}'\"""", pragmas[0])


def test_derived_key_equals_sqlciphers_own_kdf(tmp_path: Path) -> None:
    """Recovery path: the stock SQLCipher passphrase open works on a KIMdesk vault."""
    import sqlcipher3

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna"):
        pass
    con = sqlcipher3.connect(str(path))
    con.execute(f"PRAGMA key = '{PASSPHRASE}'")
    con.execute("PRAGMA cipher_page_size = 16384")  # vaults made since 2026-12 (docs/vault.md)
    assert con.execute("SELECT value FROM vault_meta WHERE key='counselor'").fetchone() == ("anna",)
    con.close()


def test_passphrase_change(tmp_path: Path) -> None:
    path = _demo_file(tmp_path, cases=20)
    with Vault.open(path, PASSPHRASE) as v:
        count = v.cases.count()
        v.change_passphrase("neu und lang genug")
        assert v.cases.count() == count
        assert v.search("") and len(v.search("")) == count
    with pytest.raises(WrongPassphrase):
        Vault.open(path, PASSPHRASE)
    with Vault.open(path, "neu und lang genug") as v:
        assert v.cases.count() == count
        assert v.integrity_check() == []
        assert v.audit.verify() is None
        # the re-keyed copy keeps the triggers that keep merge bases (schema step 3) and those
        # that empty a removed attachment's file in the sync conflicts (step 14)
        triggers = {r[0] for r in v.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert triggers == {f"{kind}_keep_base" for kind in TRIGGER_COLUMNS} | {
            "attachments_forget_file", "conflicts_forget_removed_file",
            "sync_base_forget_removed_file_insert", "sync_base_forget_removed_file_update"}
    assert not list(tmp_path.glob("*.rekey"))


def test_copy_of_vault_needs_the_passphrase(tmp_path: Path) -> None:
    path = _demo_file(tmp_path, cases=5)
    copy = tmp_path / "copy.kdb"
    shutil.copy(path, copy)
    with pytest.raises(WrongPassphrase):
        Vault.open(copy, "")


def test_the_old_passphrase_opens_nothing_the_change_left_on_disk(tmp_path: Path) -> None:
    """The passphrase change renamed its copy over the vault and freed the old file's blocks as
    they were: with the old passphrase (changed perhaps because it leaked) a second name for
    those blocks still opened the whole vault (a review, 2026-12-06: 41 persons). Now the old
    file's salt is overwritten after the rename, and no passphrase opens it."""
    import os

    path = _demo_file(tmp_path, cases=5)
    witness = tmp_path / "old-blocks.kdb"
    os.link(path, witness)  # what a raw read of the disk would find
    with Vault.open(path, PASSPHRASE) as v:
        v.change_passphrase("neu und lang genug")
    assert witness.stat().st_size > 0
    with pytest.raises(WrongPassphrase):
        Vault.open(witness, PASSPHRASE)
    with Vault.open(path, "neu und lang genug") as v:
        assert v.cases.count() >= 5
