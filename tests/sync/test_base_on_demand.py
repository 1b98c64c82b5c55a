"""The merge base is stored only where it differs from the local row (schema step 3).

A clean record's ``sync_base`` row has ``data IS NULL`` ("the local row is the base"); the first
local edit copies the old row into it through the ``*_keep_base`` triggers, whatever path made the
edit; the three-way merge still works from that copy.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kimdesk.demo.generator import fill
from kimdesk.domain.models import Deletion, Person, new_id
from kimdesk.sync.protocol import SYNC_KINDS
from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault, kdf
from kimdesk.vault.connection import Connection, connect
from kimdesk.vault.migrations import LATEST, TRIGGER_COLUMNS, migrate, schema_version


def _row_json(store: SyncStore, kind: str, rid: str) -> dict[str, Any]:
    repo = store.repos[kind]
    row = store.vault.conn.execute(f"{repo.select_sql} WHERE id = ?", (rid,)).fetchone()
    return repo.from_row(row).model_dump(mode="json", exclude={"revision", "pending"})


def _base(store: SyncStore, kind: str, rid: str) -> tuple[int, Any]:
    rev, data = store.vault.conn.execute(
        "SELECT rev, data FROM sync_base WHERE kind = ? AND id = ?", (kind, rid)
    ).fetchone()
    return rev, (json.loads(data) if data is not None else None)


def test_trigger_columns_match_the_models() -> None:
    """A later schema step that adds a column must recreate the trigger (this fails first)."""
    from kimdesk.domain.models import RECORD_BY_KIND

    assert set(TRIGGER_COLUMNS) == set(SYNC_KINDS)
    for kind, columns in TRIGGER_COLUMNS.items():
        model_columns = [c for c in RECORD_BY_KIND[kind].model_fields
                         if c not in ("revision", "pending")]
        assert list(columns) == model_columns, kind


def test_first_local_edit_keeps_the_old_row_as_base(make_vault) -> None:
    """Every synced kind: a clean row with a NULL base, edited through the repository, leaves
    exactly the old row (as JSON, types kept: lists, booleans, nulls) in ``sync_base``."""
    vault = make_vault()
    fill(vault, 30, seed=3)
    vault.deletions.add(Deletion(target_kind="cases", target_id=new_id(),
                                 deleted_on=date(2026, 1, 2), legal_basis="Art. 17 DSGVO",
                                 ordered_by="tester", reason="counselor"))
    case_id = vault.conn.execute("SELECT id FROM cases LIMIT 1").fetchone()[0]
    vault.attachments.store(case_id=case_id, consultation_id=new_id(), question="pic",
                            file_name="a.png", media_type="image/png", content=b"\x89PNG\x00\xff")
    store = SyncStore(vault)
    for kind in SYNC_KINDS:
        repo = store.repos[kind]
        (rid,) = vault.conn.execute(f"SELECT id FROM {kind} ORDER BY seq LIMIT 1").fetchone()
        with vault.transaction():
            vault.conn.execute(f"UPDATE {kind} SET pending = 0 WHERE id = ?", (rid,))
            store.tables.bases.put([(kind, rid, 4, None)])
        before = _row_json(store, kind, rid)
        record = repo.from_row(
            vault.conn.execute(f"{repo.select_sql} WHERE id = ?", (rid,)).fetchone())
        # (an attachment marked deleted drops its file: its first edit here is another field)
        edit = {"question": "q2"} if kind == "attachments" else {"deleted": True}
        repo.update(record.model_copy(update=edit))
        rev, data = _base(store, kind, rid)
        assert rev == 4
        assert data == before, kind
        assert all(_row_json(store, kind, rid)[k] == v for k, v in edit.items())
        # A second edit keeps the first base (the server's version), not the first edit.
        again = repo.from_row(
            vault.conn.execute(f"{repo.select_sql} WHERE id = ?", (rid,)).fetchone())
        repo.update(again.model_copy(update={k: not v if v is True else "q3"
                                             for k, v in edit.items()}))
        assert _base(store, kind, rid)[1] == before


def test_synced_records_store_no_copy_and_still_merge(sqlite_server, make_device) -> None:
    """After push and pull the bases hold no data; edits on two devices to different fields of
    one case still merge field by field (the base comes from the trigger's copy)."""
    a, b = make_device(sqlite_server, "a"), make_device(sqlite_server, "b")
    person = a.vault.people.add(Person(given_name="Amina", family_name="Haddad"))
    case = a.vault.cases.open_case(person.id, owner="a", referral_source="Jobcenter")
    a.sync()
    b.sync()
    for dev in (a, b):
        counts = dev.vault.conn.execute(
            "SELECT count(*), count(data) FROM sync_base").fetchone()
        assert counts[0] >= 2 and counts[1] == 0, counts
    ca = a.vault.cases.get(case.id)
    a.vault.cases.update(ca.model_copy(update={"referral_source": "Sozialamt"}))
    cb = b.vault.cases.get(case.id)
    b.vault.cases.update(cb.model_copy(update={"municipality": "Wesel"}))
    assert _base(b.store, "cases", case.id)[1]["referral_source"] == "Jobcenter"
    a.sync()
    b.sync()
    a.sync()
    for dev in (a, b):
        got = dev.vault.cases.get(case.id)
        assert (got.referral_source, got.municipality) == ("Sozialamt", "Wesel")
        assert not dev.store.conflicts()
        assert _base(dev.store, "cases", case.id)[1] is None


@contextmanager
def _vault_at(tmp_path: Path, version: int) -> Iterator[Connection]:
    """A new vault file migrated only up to schema ``version`` (a raw connection)."""
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    conn = connect(tmp_path / f"v{version}.kdb", kdf.CURRENT.derive("fixture", salt), salt,
                   create=True)
    try:
        migrate(conn, target=version)
        yield conn
    finally:
        conn.close()


def test_step_3_keeps_the_bases_of_a_version_2_vault(tmp_path: Path) -> None:
    with _vault_at(tmp_path, 2) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO sync_base (kind, id, rev, data) VALUES"
                     " ('cases', 'x', 3, '{\"referral_source\":\"Jobcenter\"}')")
        conn.execute("COMMIT")
        assert migrate(conn, target=3) == [3]
        assert schema_version(conn) == 3
        assert conn.execute("SELECT kind, id, rev, data FROM sync_base").fetchall() == [
            ("cases", "x", 3, '{"referral_source":"Jobcenter"}')]
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert triggers == {f"{k}_keep_base" for k in SYNC_KINDS
                            if k not in ("deletions", "attachments")}  # steps 6, 12


def test_step_5_rebuilds_the_bases_as_a_rowid_table_in_record_order(tmp_path: Path) -> None:
    """Step 5 keeps every base (explicit copy or NULL), drops ``WITHOUT ROWID`` (where a 1 KB
    base spilled into an overflow page), stores bases in the records' order and keeps the
    triggers working."""
    with _vault_at(tmp_path, 4) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")  # cases of a person this test leaves out
        conn.execute("BEGIN IMMEDIATE")
        ids = ["f", "a", "d", "c", "e", "b"]  # inserted in this order: seq 1..6
        for rid in ids:
            conn.execute(
                "INSERT INTO cases (id, created_at, updated_at, case_number, person_id, owner,"
                " team, municipality, phase, opened_on, rechtskreise, handlungsfelder,"
                " referral_source, pending) VALUES (?, 't', 't', ?, 'p', 'o', 'T', 'M',"
                " 'intake', '2025-01-01', '[]', '[]', ?, 0)",
                (rid, f"K-{rid}", "x" * 1200),
            )
        big = json.dumps({"referral_source": "y" * 1200})
        conn.executemany(
            "INSERT INTO sync_base (kind, id, rev, data) VALUES ('cases', ?, ?, ?)",
            [(rid, n, big if rid in ("a", "e") else None) for n, rid in enumerate(sorted(ids))],
        )
        conn.execute("INSERT INTO sync_base (kind, id, rev, data) VALUES ('persons', 'p', 9,"
                     " NULL)")
        conn.execute("INSERT INTO sync_base (kind, id, rev, data) VALUES ('retired_kind', 'z',"
                     " 1, '{}')")
        conn.execute("COMMIT")
        before = set(conn.execute("SELECT kind, id, rev, data FROM sync_base"))

        assert migrate(conn, target=5) == [5]
        assert set(conn.execute("SELECT kind, id, rev, data FROM sync_base")) == before
        (sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'sync_base'").fetchone()
        assert "WITHOUT ROWID" not in sql.upper()
        in_rowid_order = [r[0] for r in conn.execute(
            "SELECT id FROM sync_base WHERE kind = 'cases' ORDER BY rowid")]
        assert in_rowid_order == ids
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert triggers == {f"{k}_keep_base" for k in SYNC_KINDS
                            if k not in ("deletions", "attachments")}  # steps 6, 12
        conn.execute("UPDATE cases SET referral_source = 'neu', pending = 1 WHERE id = 'c'")
        (data,) = conn.execute(
            "SELECT data FROM sync_base WHERE kind = 'cases' AND id = 'c'").fetchone()
        assert json.loads(data)["referral_source"] == "x" * 1200


@pytest.mark.parametrize("version", [3, 4, 5])
def test_fixture_opens_and_keeps_its_pending_records(tmp_path: Path, version: int) -> None:
    """Vaults written at schema 3, 4 and 5 upgrade to the latest and keep their unsynced
    records (the fixtures were never enrolled: everything is still pending)."""
    import shutil

    copy = tmp_path / f"v{version}.kdb"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / f"vault_v{version}.kdb",
                copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST >= 5
        assert v.people.count() == 1
        assert SyncStore(v).pending_count() >= 4
        assert v.integrity_check() == []
