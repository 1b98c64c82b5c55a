"""Schema step 11: consultations get a title and a duration that may be unknown (issue 18, item
6). The table is rebuilt (SQLite cannot drop a NOT NULL), so the upgrade of a schema-10 vault
with synced, edited and deleted consultations must keep every value, the sync metadata, the
indexes and the merge-base trigger."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from kimdesk.domain.models import Consultation
from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault
from kimdesk.vault.migrations import LATEST, schema_version

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIRST = "4f47a0f7-b4c1-4b24-88f7-4b4dd9ff80bb"  # from schema 1, synced at rev 1
CLEAN = "606a9595-7613-4719-b0e3-001f1322d89f"  # synced at rev 2, not edited since
EDITED = "b120fa4e-8d1b-4ba8-8d0e-360c79090bb4"  # synced at rev 1, then edited (pending)
GONE = "e3805779-6f15-49fc-b3e6-73095f27de23"  # synced at rev 1, then deleted (pending)
#: (id, revision, pending, deleted, duration, summary, place, place_detail, interpreter
#: language) as the fixture holds them at schema 10.
ROWS = [
    (FIRST, 1, 0, 0, 60, "Erstgespräch", "office", "", None),
    (CLEAN, 2, 0, 0, 45, "Fixture clean consultation", "remote", "Rev 2", "uk"),
    (EDITED, 2, 1, 0, 90, "Fixture edited after sync", "office", "", None),
    (GONE, 2, 1, 1, 30, "Fixture to delete", "office", "", None),
]


def _rows(v: Vault) -> list[tuple[object, ...]]:
    return v.conn.execute(
        "SELECT id, revision, pending, deleted, duration_minutes, summary, place, place_detail,"
        " interpreter_language FROM consultations ORDER BY seq").fetchall()


def test_schema_10_vault_upgrades_keeping_values_sync_state_and_trigger(tmp_path: Path) -> None:
    copy = tmp_path / "v10.kdb"
    shutil.copy(FIXTURES / "vault_v10.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST >= 11
        assert _rows(v) == ROWS
        assert [r[0] for r in v.conn.execute("SELECT title FROM consultations")] == [""] * 4
        bases = {r[0]: (r[1], r[2]) for r in v.conn.execute(
            "SELECT id, rev, data FROM sync_base WHERE kind = 'consultations'")}
        assert {k: (rev, data is None) for k, (rev, data) in bases.items()} == {
            FIRST: (1, True), CLEAN: (2, True), EDITED: (1, False), GONE: (1, False)}
        assert json.loads(bases[EDITED][1])["summary"] == "Fixture before edit"
        store = SyncStore(v)
        assert store.enrolled and {r.id for r in v.consultations.pending()} >= {EDITED, GONE}
        assert CLEAN not in {r.id for r in v.consultations.pending()}
        indexes = {r[0] for r in v.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'consultations'"
            " AND sql IS NOT NULL")}
        assert indexes == {"consultations_case", "consultations_date", "consultations_pending",
                           "consultations_stats",
                           "consultations_contact"}  # step 13 (migration_unlock.py) adds it
        assert "consultations_pending" in " ".join(r[3] for r in v.conn.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM consultations WHERE pending = 1"))
        # the trigger works after the rebuild: the first local edit keeps the old row as base
        clean = v.consultations.get(CLEAN)
        assert clean.title == "" and clean.duration_minutes == 45
        v.consultations.update(clean.model_copy(update={"title": "Folgetermin",
                                                        "duration_minutes": None}))
        [(data,)] = v.conn.execute(
            "SELECT data FROM sync_base WHERE kind = 'consultations' AND id = ?", (CLEAN,))
        kept = json.loads(data)
        assert (kept["title"], kept["duration_minutes"], kept["place_detail"]) == ("", 45, "Rev 2")
        stored = v.consultations.get(CLEAN)
        assert (stored.title, stored.duration_minutes, stored.pending) == (
            "Folgetermin", None, True)
        assert v.integrity_check() == []
        assert v.audit.verify() is None
    with Vault.open(copy, "fixture-v1") as v:  # and opens again after the upgrade
        assert v.conn.execute("SELECT duration_minutes FROM consultations WHERE id = ?",
                              (CLEAN,)).fetchone() == (None,)


def test_title_is_one_line_of_at_most_200_characters() -> None:
    base = {"case_id": "c", "date": date(2026, 1, 5)}
    assert Consultation(**base).duration_minutes is None  # no assumed hour any more
    assert Consultation(**base, title="  Termin\n Jobcenter   vorbereitet ").title == (
        "Termin Jobcenter vorbereitet")
    assert len(Consultation(**base, title="x" * 200).title) == 200
    assert len(Consultation(**base, title=" ".join(["x" * 99, "\n\n", "y" * 100])).title) == 200
    with pytest.raises(ValidationError):
        Consultation(**base, title="x" * 201)
    with pytest.raises(ValidationError):
        Consultation(**base, duration_minutes=0)


def test_step_11_keeps_indexes_another_step_added_before_it(tmp_path: Path) -> None:
    """Steps of other changes are merged around this one (a step adding an index on
    consultations, say, numbered before it): the rebuild recreates the table's indexes and
    triggers as it finds them, not only the ones it knew of."""
    import secrets

    from kimdesk.vault import kdf
    from kimdesk.vault.connection import connect
    from kimdesk.vault.migrations import migrate

    salt = secrets.token_bytes(kdf.SALT_BYTES)
    conn = connect(tmp_path / "v.kdb", kdf.CURRENT.derive("fixture", salt), salt, create=True)
    try:
        migrate(conn, target=10)
        conn.execute("CREATE INDEX consultations_contact ON consultations(case_id, date)"
                     " WHERE deleted = 0")
        conn.execute("CREATE TRIGGER consultations_other AFTER DELETE ON consultations"
                     " BEGIN SELECT 1; END")
        before = set(conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'consultations'"
            " AND name != 'consultations_keep_base'"))
        assert migrate(conn, target=11) == [11]
        after = set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE"
                                 " tbl_name = 'consultations' AND type != 'table'"
                                 " AND name != 'consultations_keep_base'"))
        assert after == {r for r in before if r[0] != "table"}
        assert ("index", "consultations_contact") in {(r[0], r[1]) for r in after}
    finally:
        conn.close()
