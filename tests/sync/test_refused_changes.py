"""A change the server refuses is not silently lost to the counselor (2026-12-07).

The server refuses a change with a reason in the receipt (a note over 64 KiB, a consultation's
day outside 1900-2100: ``kimdesk/server/plausibility.py``). The device kept it pending and sent
it again with every run, but dropped the reason, and ``kimdesk sync`` counted it as "sent": the
counselor believed her work was on the server. Now the device keeps per record the latest
refusal in the vault (``kimdesk/vault/sync/refusals.py``, in ``sync_state``), until the record is
accepted, purged or deleted, or a run ends with it clean; ``kimdesk sync`` counts only accepted
changes as sent and lists the refused ones by kind and case number, never with the record's
text. Real servers on 127.0.0.1 (SQLite and PostgreSQL), real vaults, the CLI in a process of
its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.domain.models import Consultation, Note, Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault
from kimdesk.vault.purge import PurgeOrder, purge_cases
from tests.conftest import PASSPHRASE
from tests.gui.test_no_plaintext import scan
from tests.sync.helpers import Device
from tests.vault.pages import plaintext

#: A name typed into the refused records: found in any file's raw bytes, it leaked.
MARKER = "Zebulonia-Quistorpffel"
#: Over the server's 64 KiB a record (``plausibility.MAX_RECORD_BYTES``).
LONG = f"{MARKER} " + "Gesprächsnotiz " * 5000
ORDER = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna", reason="subject_request")


def _case_with_refused(vault: Any) -> tuple[str, Note, Consultation]:
    """A person, her case, a note too large for the server and a consultation dated 1899
    (the server refuses both; the vault takes them; the name typed into them: ``MARKER``):
    (case number, note, consultation)."""
    person = vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    note = vault.notes.add(Note(case_id=case.id, text=LONG))
    visit = vault.consultations.add(Consultation(
        case_id=case.id, date=date(1899, 12, 31), duration_minutes=30,
        summary=f"{MARKER} kam mit ihrer Tochter"))
    return case.case_number, note, visit


def _kimdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kimdesk.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "KIMDESK_LANG": "en", **env},
                          timeout=120)


def test_a_refused_change_is_kept_with_its_reason_until_accepted(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    number, note, visit = _case_with_refused(alice.vault)

    report = alice.sync()
    # person, case, its first phase change: accepted; the note and the consultation refused
    assert report.pushed == 5 and report.accepted == 3, report
    refused = {(r.kind, r.record_id): r for r in report.refused}
    assert set(refused) == {("notes", note.id), ("consultations", visit.id)}
    assert refused[("notes", note.id)].case_number == number
    assert refused[("notes", note.id)].reason.startswith("record too large (")
    assert refused[("consultations", visit.id)].reason == (
        "date 1899-12-31 lies outside 1900-01-01 .. 2100-12-31")
    assert all(r.revision == 1 and r.at and not r.changed_since for r in refused.values())

    # kept in the vault: a new engine (a restart) reads them; sent again, still one each
    again = SyncEngine(alice.vault)
    try:
        assert {(r.kind, r.record_id) for r in again.store.refusals()} == set(refused)
        second = again.sync()
    finally:
        again.close()
    assert second.accepted == 0 and len(second.refused) == 2

    # fixed (the note shortened): accepted, its refusal gone; the consultation's stays,
    # marked as changed since when she edits it, gone when the server takes it
    alice.vault.notes.update(alice.vault.notes.get(note.id).model_copy(
        update={"text": "Termin beim Jobcenter vereinbart"}))
    fixed = alice.sync()
    assert fixed.accepted == 1
    assert [(r.kind, r.record_id) for r in fixed.refused] == [("consultations", visit.id)]
    alice.vault.consultations.update(alice.vault.consultations.get(visit.id).model_copy(
        update={"date": date(2026, 2, 3)}))
    assert alice.store.refusals()[0].changed_since
    assert alice.sync().refused == []
    assert alice.store.refusals() == [] and not alice.store.tables.refusals.stored()


def test_purge_and_delete_take_the_refusal_with_them(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    alice = make_device(server, "alice")
    _number, note, visit = _case_with_refused(alice.vault)
    alice.sync()
    stored = alice.store.tables.refusals.stored
    assert {r.record_id for r in stored()} == {note.id, visit.id}

    alice.vault.notes.delete(note.id)  # a tombstone is a new change: the old refusal goes
    assert {r.record_id for r in stored()} == {visit.id}
    purge_cases(alice.vault, [note.case_id], ORDER)
    assert stored() == []
    assert alice.sync().refused == []


def test_a_record_made_clean_without_a_receipt_loses_its_refusal(
        server: EmbeddedServer, make_device: Callable[..., Device]) -> None:
    """The counselor sets the refused value back to the server's: the record is clean again
    without being sent (nothing differs from the server's version), so no receipt accepts it;
    the run's end drops the refusal, as after a full resync that made the record clean."""
    alice = make_device(server, "alice")
    person = alice.vault.people.add(Person(given_name="Olena", family_name="Kranich"))
    case = alice.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    alice.sync()
    alice.vault.cases.update(alice.vault.cases.get(case.id).model_copy(
        update={"review_on": date(2150, 1, 1)}))
    assert [r.reason for r in alice.sync().refused] == [
        "review_on 2150-01-01 lies outside 1900-01-01 .. 2100-12-31"]
    alice.vault.cases.update(alice.vault.cases.get(case.id).model_copy(
        update={"review_on": None}))
    assert alice.sync().refused == []
    assert alice.store.tables.refusals.stored() == []


def test_kimdesk_sync_counts_only_accepted_changes_and_names_the_refused_ones(
        tmp_path: Path, sqlite_server: EmbeddedServer) -> None:
    """Through the command line, as IT runs it; afterwards no file the test wrote (the vault
    with its WAL and SHM, the server's database, temp files) holds the name typed into the
    refused records, and the refusal lies in the vault, encrypted."""
    path = tmp_path / "cli.kdb"
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"KIMDESK_PASSPHRASE": PASSPHRASE, "TMPDIR": str(temp)}
    with Vault.create(path, PASSPHRASE, counselor="anna", team="Team Nord") as vault:
        enroll(vault, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"))
        number, note, _visit = _case_with_refused(vault)

    out = _kimdesk("sync", "--vault", str(path), env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Synced: 3 sent, 0 received, 0 open conflicts"), lines
    assert lines[1] == ("Refused by the server: 2 changes. They stay on this device and are "
                        "sent again with every sync."), lines
    assert sorted(lines[2:]) == [
        f"  consultation, case {number}: date … lies outside 1900-01-01 .. 2100-12-31",
        f"  note, case {number}: record too large ("
        f"{lines[3].split('record too large (')[1]}"], lines
    assert "bytes; at most 65536)" in out.stdout
    assert MARKER not in out.stdout + out.stderr
    # `kimdesk check` names them too, offline (an administrator checking the device)
    checked = _kimdesk("check", "--vault", str(path), env=env)
    assert checked.returncode == 0, checked.stderr
    assert sorted(lines[1:]) == sorted(checked.stdout.splitlines()[:-1]), checked.stdout
    assert checked.stdout.splitlines()[-1] == "Vault is healthy."
    assert MARKER not in checked.stdout + checked.stderr

    with Vault.open(path, PASSPHRASE) as vault:
        store = SyncStore(vault)
        assert {r.kind for r in store.refusals()} == {"notes", "consultations"}
        vault.notes.update(vault.notes.get(note.id).model_copy(update={"text": "kurz"}))
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        decrypted = plaintext(path, vault._key)
    assert b"lies outside 1900-01-01" in decrypted  # the reason is in the vault ...
    files = [tmp_path]
    assert scan(files, {MARKER}) == []  # the refused records' text: not on the server either
    # the reason lies in the vault only (the server keeps its receipts, which hold it)
    assert scan([*tmp_path.glob("cli.kdb*"), temp], {"lies outside 1900-01-01"}) == []

    out = _kimdesk("sync", "--vault", str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Synced: 1 sent,"), out.stdout
    assert "Refused by the server: 1 change. It stays" in out.stdout
    assert f"consultation, case {number}" in out.stdout and "note," not in out.stdout
    # in German, a record is named in German (it was "consultations", as the protocol names it)
    out = _kimdesk("sync", "--vault", str(path), env={**env, "KIMDESK_LANG": "de"})
    assert f"  Beratungsgespräch, Fall {number}: " in out.stdout, out.stdout
    assert scan(files, {MARKER}) == []
