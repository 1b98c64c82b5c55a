"""The revocation wipe cut short, failing, and the old server file (a review, 2026-12-06; each
test failed on daf425a): :mod:`kimdesk.vault.wipe`. ``test_held_*``: checks that held up then.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.vault import Vault
from kimdesk.vault.errors import VaultWiped
from kimdesk.vault.intake import open_case_for_new_person
from tests.conftest import PASSPHRASE

NAME = "Quistorpffel"


def _wal_pages(wal: bytes) -> dict[int, bytes]:
    """Page number -> the last frame's page image, from a WAL's raw bytes."""
    page_bytes = struct.unpack(">I", wal[8:12])[0]
    frames: dict[int, bytes] = {}
    off = 32
    while off + 24 + page_bytes <= len(wal):
        frames[struct.unpack(">I", wal[off:off + 4])[0]] = wal[off + 24:off + 24 + page_bytes]
        off += 24 + page_bytes
    return frames


def _decrypt(page: bytes, key: bytes, first: bool) -> bytes:
    """One SQLCipher 4 page (AES-256-CBC; IV in the 80-byte reserve; page 1 starts after the
    16-byte salt), without SQLite and without checking the HMAC."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    size = len(page)
    dec = Cipher(algorithms.AES(key), modes.CBC(page[size - 80:size - 64])).decryptor()
    return dec.update(page[16 if first else 0:size - 80]) + dec.finalize()


# -- Finding 1 (High): an interrupted wipe leaves a vault the passphrase opens ------------------

_KILLED_WIPE = textwrap.dedent("""
    import os, signal, sys
    from kimdesk.demo.generator import fill
    from kimdesk.domain.models import Consultation, Person
    from kimdesk.vault import Vault
    from kimdesk.vault.intake import open_case_for_new_person
    import datetime as dt
    import kimdesk.sync.wipe as wipe

    path, pw = sys.argv[1], sys.argv[2]
    v = Vault.create(path, pw, counselor="c")
    fill(v, 30, seed=3)
    case = open_case_for_new_person(v, Person(given_name="Zebulonia", family_name="{name}"), {{}})
    cons = v.consultations.add(Consultation(case_id=case.id, date=dt.date.today()))
    info = v.attachments.store(case_id=case.id, consultation_id=cons.id, question="q",
                               file_name="scan.bin", media_type="application/octet-stream",
                               content=os.urandom(1 << 20))
    v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # An ordinary day's work after the last checkpoint: a removed file frees pages, so page 1
    # (the freelist head, and the salt in its first 16 bytes) is in the WAL.
    v.attachments.remove(info.id)
    open_case_for_new_person(v, Person(given_name="Walburga", family_name="{name}"), {{}})
    import kimdesk.vault.files as files
    files._CHUNK = 64 * 1024
    real_write, writes = os.write, []

    def write_then_die(fd, data):
        writes.append(len(data))
        if len(writes) == int(sys.argv[3]):  # the first os.write is the marker's
            os.kill(os.getpid(), signal.SIGKILL)  # power cut, lid closed, kill -9
        return real_write(fd, data)

    os.write = write_then_die
    wipe.wipe_vault(v)
""").format(name=NAME)


@pytest.mark.parametrize("killed_at", [1, 2, 3, 12])
def test_interrupted_wipe_leaves_nothing_the_passphrase_opens(tmp_path: Path,
                                                              killed_at: int) -> None:
    """The wipe overwrites the vault file first and its WAL after it, and keeps no note that a
    wipe is under way. Killed in between (a power cut during the few seconds a large vault
    takes), the WAL is whole and holds page 1 with the salt. At the next start the first unlock
    says "Wrong passphrase" and, closing, SQLite copies that WAL into the file: the salt is back
    and the second unlock opens the half-wiped vault (measured on a 172 MB vault killed after
    1.5 s: 41,828 of 41,956 blocks as before; 1,152 of 1,162 names, phones, e-mails and case
    numbers readable with the passphrase; the GUI unlocks it and sync never runs to finish the
    wipe). Even before any reopen, the WAL's salt plus the passphrase decrypt the old pages."""
    path = tmp_path / "v.kdb"
    script = tmp_path / "killed_wipe.py"
    script.write_text(_KILLED_WIPE)
    proc = subprocess.run([sys.executable, str(script), str(path), PASSPHRASE, str(killed_at)],
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    # What a thief with the passphrase (a revoked counselor knows it) reads without the app:
    leftovers = {p.name: p.read_bytes() for p in tmp_path.glob("v.kdb*")}
    from kimdesk.vault import kdf

    readable = []
    wal = leftovers.get("v.kdb-wal", b"")
    if len(wal) > 32:
        frames = _wal_pages(wal)
        if 1 in frames:
            key = kdf.CURRENT.derive(PASSPHRASE, frames[1][:16])
            main = leftovers.get("v.kdb", b"")
            size = len(frames[1])
            pages = [_decrypt(main[i:i + size], key, i == 0) for i in range(0, len(main), size)]
            pages += [_decrypt(p, key, n == 1) for n, p in frames.items()]
            readable = [i for i, p in enumerate(pages) if NAME.encode() in p]
    if killed_at > 1:  # at the marker's write nothing was overwritten yet: the app's part below
        assert readable == [], f"{len(readable)} pages name the client, decrypted with a salt"

    # What the app does at the next start: it must not open the half-wiped vault.
    opened = 0
    for _attempt in range(2):
        if not path.exists():
            break
        try:
            with Vault.open(path, PASSPHRASE):
                opened += 1
        except Exception:  # WrongPassphrase, VaultCorrupted, ...
            pass
    assert opened == 0, "the passphrase opened the vault an interrupted wipe left"
    assert not list(tmp_path.glob("v.kdb*")), "the next unlock finished the wipe"


# -- Finding 2 (Medium): a wipe that fails is reported as done --------------------------------

def test_wipe_that_cannot_touch_the_vault_file_does_not_pass_for_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A vault file that cannot be written or removed (Windows' read-only attribute, a backup or
    sync client holding it, chattr +i) is named, and the vault does not open until it is gone.
    Before, every step suppressed the error: with chattr +i on a real revoked vault the file
    stayed unchanged and opened again with the passphrase (41 persons), while the engine, the
    CLI and the GUI ("its vault was deleted") reported a wipe."""
    import kimdesk.vault.files as files
    from kimdesk.sync.wipe import wipe_vault

    path = tmp_path / "v.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="c")
    vault.people.add(Person(given_name="Zebulonia", family_name=NAME))
    before = path.read_bytes()
    real_open, real_unlink = os.open, Path.unlink

    def guarded_open(p: Any, flags: int, *a: Any) -> int:
        if Path(p) == path and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "read-only", str(p))
        return real_open(p, flags, *a)

    def guarded_unlink(self: Path, missing_ok: bool = False) -> None:
        if self == path:
            raise PermissionError(13, "read-only", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(files.os, "open", guarded_open)
    monkeypatch.setattr(Path, "unlink", guarded_unlink)
    left = wipe_vault(vault)
    monkeypatch.undo()
    assert left == [str(path)]
    assert path.read_bytes() == before  # could not be touched: said, and the marker stays
    with pytest.raises(VaultWiped) as refused:
        Vault.open(path, PASSPHRASE)  # the program that held it let go: the wipe is finished
    assert refused.value.left == []
    assert not list(tmp_path.glob("v.kdb*"))


def test_a_wipe_that_still_fails_at_the_next_start_names_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimdesk.vault.files as files
    from kimdesk.vault.wipe import marker

    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="c").close()
    marker(path).write_bytes(b"")  # a wipe that began
    real_open = os.open

    def guarded_open(p: Any, flags: int, *a: Any) -> int:
        if Path(p) == path and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "read-only", str(p))
        return real_open(p, flags, *a)

    monkeypatch.setattr(files.os, "open", guarded_open)
    with pytest.raises(VaultWiped) as refused:
        Vault.open(path, PASSPHRASE)
    assert refused.value.left == [str(path)]
    assert "could not be deleted completely" in str(refused.value)
    with pytest.raises(VaultWiped):  # nor is a new vault made over what must go
        Vault.create(path, PASSPHRASE, counselor="c")


# -- Finding 3 (Medium): the plaintext local-server file's WAL is unlinked, not overwritten -----

_LEGACY = textwrap.dedent("""
    import os, signal, sqlite3, sys
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT)")
    c.execute("INSERT INTO server_meta VALUES ('server_id', 'abc123')")
    c.execute("CREATE TABLE records (data TEXT)")
    c.execute("INSERT INTO records VALUES ('{{\\"family_name\\": \\"{name}\\"}}')")
    os.kill(os.getpid(), signal.SIGKILL)  # the old app died with its server running
""").format(name=NAME)


def test_local_server_wal_is_overwritten_not_just_unlinked(tmp_path: Path) -> None:
    """retire_local_server (run at start and by the wipe) reads the server id with a read-write
    sqlite3 connection; closing it checkpoints the plaintext WAL into the file and unlinks the
    WAL, so shred_database finds no WAL to overwrite and its blocks are freed with the plaintext
    in them. Fix: open ``file:...?mode=ro`` (the WAL is read and stays for the shred)."""
    from kimdesk.vault.legacy_server import LEGACY_FILE, retire_local_server

    db = tmp_path / LEGACY_FILE
    script = tmp_path / "legacy.py"
    script.write_text(_LEGACY)
    subprocess.run([sys.executable, str(script), str(db)], timeout=60)
    wal = db.with_name(db.name + "-wal")
    assert NAME.encode() in wal.read_bytes()
    witness = tmp_path / "witness"
    os.link(wal, witness)  # a second name for the WAL's blocks, to look at them afterwards
    assert retire_local_server(tmp_path) == "abc123"
    assert not list(tmp_path.glob(LEGACY_FILE + "*"))
    assert NAME.encode() not in witness.read_bytes(), "the plaintext log's blocks were freed"


# -- Finding 4 (Low): the command line does not say the vault was deleted ----------------------

def test_cli_says_the_vault_was_deleted_and_unsynced_changes_are_lost(tmp_path: Path) -> None:
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import enroll

    path = tmp_path / "v.kdb"
    with EmbeddedServer(tmp_path / "srv.db") as server:
        with Vault.create(path, PASSPHRASE, counselor="c", team="T") as v:
            answer = enroll(v, server.url, server.service.create_enroll_code("T"))
            open_case_for_new_person(v, Person(given_name="Zebulonia", family_name=NAME), {})
        server.service.revoke(answer.device_id)
        out = subprocess.run([sys.executable, "-m", "kimdesk.cli", "sync", "--vault", str(path)],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "KIMDESK_LANG": "en",
                                  "KIMDESK_PASSPHRASE": PASSPHRASE})
    assert out.returncode != 0 and not path.exists()
    said = (out.stdout + out.stderr).lower()
    assert "deleted" in said and "not been synced" in said, said


def test_deletions_that_never_reached_the_server_are_named_in_the_wipe(tmp_path: Path) -> None:
    """An erasure carried out on the device and not yet synced is lost with the wipe: the server
    keeps the person. The counselor is told how many, to carry them out again elsewhere (a
    review, 2026-12-06: the wipe said nothing, while the device's audit log said "purged")."""
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import SyncEngine, enroll
    from kimdesk.sync.errors import DeviceRevoked
    from kimdesk.vault.purge import PurgeOrder, purge_person

    path = tmp_path / "v.kdb"
    with (EmbeddedServer(tmp_path / "srv.db") as server,
          Vault.create(path, PASSPHRASE, counselor="c", team="T") as v):
        answer = enroll(v, server.url, server.service.create_enroll_code("T"))
        case = open_case_for_new_person(v, Person(given_name="Zebulonia", family_name=NAME), {})
        engine = SyncEngine(v)
        engine.sync()
        purge_person(v, case.person_id, PurgeOrder(legal_basis="Art. 17 DSGVO",
                                                   ordered_by="c", reason="subject_request"))
        server.service.revoke(answer.device_id)
        with pytest.raises(DeviceRevoked) as revoked:
            engine.sync()
    said = revoked.value.translated()
    assert "deletions that had not reached the server (number: 2)" in said, said
    assert not path.exists()


# -- Checks that held up ------------------------------------------------------------------------

def test_held_wipe_overwrites_journal_and_rekey_copy_too(tmp_path: Path) -> None:
    """-journal and .rekey beside an open vault (a crashed passphrase change writes .rekey after
    the unlock's clean-up): both overwritten before the unlink."""
    from kimdesk.sync.wipe import wipe_vault

    path = tmp_path / "v.kdb"
    vault = Vault.create(path, PASSPHRASE, counselor="c")
    vault.people.add(Person(given_name="Zebulonia", family_name=NAME))
    witnesses = {}
    for suffix in ("-journal", ".rekey", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if not side.exists():
            side.write_bytes(NAME.encode() * 10000)
        witnesses[suffix] = tmp_path / f"witness{suffix}"
        os.link(side, witnesses[suffix])
    before = {s: w.read_bytes() for s, w in witnesses.items()}
    wipe_vault(vault)
    assert not list(tmp_path.glob("v.kdb*"))
    for suffix, witness in witnesses.items():
        after = witness.read_bytes()
        assert len(after) == len(before[suffix])
        assert NAME.encode() not in after
        assert after != before[suffix]


def test_a_vault_opened_through_a_link_is_wiped_where_it_lies(tmp_path: Path) -> None:
    """SQLite follows a symbolic link: the log lies beside the file it points to. The wipe built
    every name from the link, so the real log was never overwritten (its salt and pages
    readable with the passphrase), the real file stayed, and the wipe said everything went (a
    review, 2026-12-06)."""
    from kimdesk.sync.wipe import wipe_vault

    data = tmp_path / "data"
    data.mkdir()
    real, link = data / "real.kdb", tmp_path / "link.kdb"
    Vault.create(real, PASSPHRASE, counselor="c").close()
    link.symlink_to(real)
    vault = Vault.open(link, PASSPHRASE)
    for i in range(30):
        vault.people.add(Person(given_name="Zebulonia", family_name=NAME, phone=str(i)))
    salt = real.read_bytes()[:16]
    wal = data / "real.kdb-wal"
    assert wal.stat().st_size > 0
    witness = tmp_path / "witness"
    os.link(wal, witness)  # a second name for the log's blocks
    assert wipe_vault(vault) == []
    assert not list(data.glob("real.kdb*"))
    assert not link.is_symlink()
    assert salt not in witness.read_bytes(), "the real log kept the salt"


def test_a_vault_that_cannot_count_its_pending_deletions_is_wiped_all_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count for the message is read before the wipe; a vault that fails to answer it (a
    damaged page) must still be wiped, not kept because a message could not be written."""
    from kimdesk.server.embedded import EmbeddedServer
    from kimdesk.sync.engine import SyncEngine, enroll
    from kimdesk.sync.errors import DeviceRevoked
    from kimdesk.sync.store import SyncStore
    from kimdesk.vault.errors import VaultCorrupted

    real = SyncStore.pending_count

    def broken(self: Any, kind: str | None = None) -> int:
        if kind == "deletions":  # the count the wipe's message asks for
            raise VaultCorrupted("v.kdb")
        return real(self, kind)

    path = tmp_path / "v.kdb"
    with (EmbeddedServer(tmp_path / "srv.db") as server,
          Vault.create(path, PASSPHRASE, counselor="c", team="T") as v):
        answer = enroll(v, server.url, server.service.create_enroll_code("T"))
        engine = SyncEngine(v)
        server.service.revoke(answer.device_id)
        monkeypatch.setattr(SyncStore, "pending_count", broken)
        with pytest.raises(DeviceRevoked):
            engine.sync()
    assert not list(tmp_path.glob("v.kdb*"))
