"""The link columns of ``records`` (revision 0012): ``case_id`` and ``person_id`` are the JSON
fields of the same name, kept by the database at every write, also by a process of an earlier
release that knows nothing of them, and through a downgrade and upgrade; a lookup by link uses
their index (docs/deployment.md, "Upgrades"; design debt 6 of docs/planned.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, inspect, text

from kimdesk.server import db, purge
from kimdesk.server.db import make_engine
from kimdesk.server.push_plan import StoredRecord
from kimdesk.server.store import RECORD_COLUMNS, insert_rows, update_records
from tests.server.plans import rows_read, statements
from tests.sync.helpers import migrate_to

TEAM = "Team Nord"
REPO = Path(__file__).resolve().parents[2]


def _row(kind: str, data: dict[str, Any], seq: int, rev: int = 1) -> tuple[Any, ...]:
    return (kind, data["id"], TEAM, rev, seq, False, json.dumps(data), "2026-01-01T00:00:00Z",
            "device", "batch", "2026-01-01T00:00:00Z")


def _team(n: int = 1) -> dict[str, list[dict[str, Any]]]:
    """``n`` persons, each with a case, a note on it and a consent (on the case for the first),
    and a structural gap (no link)."""
    out: dict[str, list[dict[str, Any]]] = {"persons": [], "cases": [], "notes": [],
                                            "consents": [], "structural_gaps": []}
    for i in range(n):
        person, case = str(uuid.uuid4()), str(uuid.uuid4())
        out["persons"].append({"id": person, "given_name": f"P{i}"})
        out["cases"].append({"id": case, "person_id": person, "case_number": f"K-{i}"})
        out["notes"].append({"id": str(uuid.uuid4()), "case_id": case, "text": "x"})
        out["consents"].append({"id": str(uuid.uuid4()), "person_id": person,
                                "case_id": case if i == 0 else None})
        out["structural_gaps"].append({"id": str(uuid.uuid4()), "topic": "housing"})
    return out


def _insert(conn: Connection, records: dict[str, list[dict[str, Any]]], first_seq: int = 1
            ) -> None:
    rows = [_row(kind, data, first_seq + n) for n, (kind, data) in enumerate(
        (kind, data) for kind, items in records.items() for data in items)]
    insert_rows(conn, db.records, RECORD_COLUMNS, rows)


def _mismatches(conn: Connection) -> list[tuple[str, str]]:
    """(kind, id) of every record whose link columns differ from its JSON fields."""
    bad = []
    for kind, rid, data, case_id, person_id in conn.execute(text(
            "SELECT kind, id, data, case_id, person_id FROM records")):
        fields = json.loads(data)
        if (case_id, person_id) != (fields.get("case_id"), fields.get("person_id")):
            bad.append((kind, rid))
    return bad


def test_links_follow_every_write_also_an_earlier_releases(head_engine: Engine) -> None:
    records = _team(3)
    with head_engine.begin() as conn:
        _insert(conn, records)
        assert _mismatches(conn) == []
        got: dict[str, str] = dict(conn.execute(text(
            "SELECT id, case_id FROM records WHERE kind = 'notes'")).all())
        assert got == {n["id"]: n["case_id"] for n in records["notes"]}
        assert conn.execute(text("SELECT count(*) FROM records WHERE case_id IS NULL AND"
                                 " person_id IS NULL")).scalar_one() == 6  # persons and gaps
    # this release moves a note to another case (the push's update path)
    note, other = records["notes"][0], records["cases"][1]["id"]
    moved = note | {"case_id": other}
    with head_engine.begin() as conn:
        stored = {(r[0], r[1]): StoredRecord(*r) for r in conn.execute(text(
            "SELECT kind, id, team, rev, data, deleted, updated_at, updated_by, batch_id,"
            " written_at FROM records WHERE id = :i"), {"i": note["id"]})}
        update_records(conn, [_row("notes", moved, 100, rev=2)], stored)
    # a process of a release before 0012 writes records in its own SQL, naming no link column:
    # a consent moved off its case, a case given to another person
    person = records["persons"][2]["id"]
    case = records["cases"][0] | {"person_id": person}
    consent = records["consents"][0] | {"case_id": None}
    with head_engine.begin() as conn:
        for kind, data in (("cases", case), ("consents", consent)):
            # as every write of a record's data, under a new change number
            conn.execute(text("UPDATE records SET data = :d, rev = rev + 1, seq = seq + 1000"
                              " WHERE kind = :k AND id = :i"),
                         {"d": json.dumps(data), "k": kind, "i": data["id"]})
        conn.execute(text(
            "INSERT INTO records (kind, id, team, rev, seq, deleted, data, updated_at,"
            " updated_by, batch_id, written_at) VALUES ('notes', :i, :t, 1, 200, :f, :d, 'x',"
            " 'd', 'b', 'x')"), {"i": (nid := str(uuid.uuid4())), "t": TEAM, "f": False,
                                  "d": json.dumps({"id": nid, "case_id": other})})
    with head_engine.connect() as conn:
        assert _mismatches(conn) == []
        on_other = {r[0] for r in conn.execute(text(
            "SELECT id FROM records WHERE case_id = :c"), {"c": other})}
        assert on_other == {note["id"], nid, records["notes"][1]["id"]}
        assert conn.execute(text("SELECT person_id FROM records WHERE id = :i"),
                            {"i": case["id"]}).scalar_one() == person


def test_revision_0012_goes_down_and_up_again_with_every_record(head_engine: Engine) -> None:
    records = _team(2)
    with head_engine.begin() as conn:
        _insert(conn, records)
    with head_engine.connect() as conn:
        before = sorted(conn.execute(text("SELECT kind, id, rev, data FROM records")).all())
        migrate_to(conn, "0011", down=True)
        columns = {c["name"] for c in inspect(conn).get_columns("records")}
        assert not columns & {"case_id", "person_id"}
        assert not {i["name"] for i in inspect(conn).get_indexes("records")} & {
            "records_case_id", "records_person_id"}
        assert sorted(conn.execute(text("SELECT kind, id, rev, data FROM records")).all()) \
            == before
        # written at 0011 (by a release before this one), then found by its link after the
        # upgrade
        late = {"id": str(uuid.uuid4()), "case_id": records["cases"][1]["id"]}
        insert_rows(conn, db.records, RECORD_COLUMNS, [_row("notes", late, 50)])
        conn.commit()
        migrate_to(conn, "head")
        assert _mismatches(conn) == []
        indexes = {i["name"] for i in inspect(conn).get_indexes("records")}
        links = {"records_case_id", "records_person_id"}
        # indexed on PostgreSQL only (on SQLite an index parsed every written record's JSON)
        assert (indexes & links) == (links if conn.dialect.name == "postgresql" else set())
        found = purge._ids_where(conn, TEAM, ["notes"], "case_id", [records["cases"][1]["id"]])
        assert sorted(found) == sorted([("notes", late["id"]),
                                        ("notes", records["notes"][1]["id"])])


def test_a_lookup_by_link_reads_the_index_not_every_records_json(head_engine: Engine) -> None:
    """The purge's and the Auskunft's lookup of a case's records (:func:`purge._ids_where`,
    ``subject_access``'s ``records``) through ``records_case_id`` on PostgreSQL; on SQLite
    (no index there) it finds the same records."""
    records = _team(600)
    with head_engine.begin() as conn:
        _insert(conn, records)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE records")
    wanted = [c["id"] for c in records["cases"][:5]]
    with head_engine.connect() as conn:
        with statements(conn) as seen:
            found = purge._ids_where(conn, TEAM, ["notes", "consents"], "case_id", wanted)
        assert len(found) == 6  # 5 notes, 1 consent
        ((sql, params),) = [s for s in seen if "case_id" in s[0]]
        if conn.dialect.name == "postgresql":
            # before: every note and consent of the team read and its JSON parsed (1,200 rows)
            read = rows_read(conn, sql, params)
            assert read <= 12, read


def test_a_push_writes_the_links_itself(db_url: str) -> None:
    """Through the push (insert and update), the links come with the record: on PostgreSQL the
    trigger that fills them from the JSON is never called (it is made to fail here), on SQLite
    they are generated."""
    import hashlib

    from kimdesk.server.app import create_app
    from kimdesk.sync.protocol import Change, PushRequest

    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE OR REPLACE FUNCTION records_fill_links() RETURNS trigger LANGUAGE"
                    " plpgsql AS $$ BEGIN RAISE EXCEPTION 'links not written'; END $$")
        device = service.authenticate(service.enroll(service.create_enroll_code(TEAM)).token)
        person, case, other, note = (str(uuid.uuid4()) for _ in range(4))
        stamp = "2026-12-08T00:00:00+00:00"

        def push(seq: int, *changes: tuple[str, str, int, dict[str, Any]]) -> None:
            request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[
                Change(kind=k, id=i, base_rev=b, changed=c, created_at=stamp, updated_at=stamp)
                for k, i, b, c in changes])
            receipt = service.push(device, request, hashlib.sha256(str(seq).encode()).hexdigest())
            assert {r.status.value for r in receipt.results} == {"applied"}, receipt.results

        push(1, ("persons", person, 0, {"given_name": "Mira", "family_name": "Beispiel"}),
             *[("cases", c, 0, {"case_number": n, "person_id": person, "owner": "x",
                                "team": TEAM}) for c, n in ((case, "K-1"), (other, "K-2"))],
             ("notes", note, 0, {"case_id": case, "text": "Notiz"}))
        push(2, ("notes", note, 1, {"case_id": other}))  # the update path: moved
        with engine.connect() as conn:
            assert _mismatches(conn) == []
            assert conn.execute(text("SELECT case_id FROM records WHERE id = :i"),
                                {"i": note}).scalar_one() == other
    finally:
        engine.dispose()


#: The release before revision 0012 (its last commit), run beside this one.
BEFORE_0012 = "270c34b"

_OLD_INSTANCE = textwrap.dedent("""
    import hashlib, json, sys, uuid
    import kimdesk
    assert kimdesk.__file__.startswith(sys.argv[2]), kimdesk.__file__
    from kimdesk.server.db import make_engine
    from kimdesk.server.service import SyncService
    from kimdesk.sync.protocol import Change, PushRequest

    engine = make_engine(sys.argv[1])  # an instance started before the upgrade
    service = SyncService(engine)
    device = service.authenticate(sys.argv[3])
    stamp = "2026-12-08T00:00:00+00:00"
    for seq, changes in enumerate(json.loads(sys.argv[4]), start=int(sys.argv[5])):
        request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[
            Change(kind=k, id=i, base_rev=b, changed=c, created_at=stamp, updated_at=stamp)
            for k, i, b, c in changes])
        receipt = service.push(device, request,
                               hashlib.sha256(request.batch_id.encode()).hexdigest())
        print([r.status.value for r in receipt.results])
""")


def test_an_instance_of_the_release_before_writes_records_with_their_links(
        db_url: str, tmp_path: Path) -> None:
    """A rolling restart: one instance runs this release (the database is at 0012), the other
    still the release before, which knows no link columns. Its new records and its edit (a
    note moved to another case) get their links all the same, and its pushes succeed."""
    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{BEFORE_0012}^{{commit}}"],
                      capture_output=True).returncode:
        pytest.skip(f"{BEFORE_0012} is not in this clone's history")
    tree = tmp_path / "old"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE_0012, "kimdesk"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    from kimdesk.server.service import SyncService

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "head")
        service = SyncService(engine)
        token = service.enroll(service.create_enroll_code(TEAM)).token
        person, case, other, note = (str(uuid.uuid4()) for _ in range(4))
        batches = [
            [["persons", person, 0, {"given_name": "Mira", "family_name": "Beispiel"}],
             *[["cases", c, 0, {"case_number": n, "person_id": person, "owner": "x",
                                "team": TEAM}] for c, n in ((case, "K-1"), (other, "K-2"))],
             ["notes", note, 0, {"case_id": case, "text": "Notiz"}]],
            [["notes", note, 1, {"case_id": other}]],
        ]
        out = subprocess.run(
            [sys.executable, "-c", _OLD_INSTANCE, db_url, str(tree), token,
             json.dumps(batches), "1"], env=dict(os.environ, PYTHONPATH=str(tree)),
            cwd=str(tree), capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split("\n")[:2] == ["['applied', 'applied', 'applied', 'applied']",
                                              "['applied']"], out.stdout
        with engine.connect() as conn:
            assert _mismatches(conn) == []
            assert conn.execute(text("SELECT case_id FROM records WHERE id = :i"),
                                {"i": note}).scalar_one() == other
            assert purge._ids_where(conn, TEAM, ["notes"], "case_id", [other]) == [
                ("notes", note)]
    finally:
        engine.dispose()


def test_a_hand_edit_of_data_alone_moves_the_links_too(head_engine: Engine) -> None:
    """An administrator's statement that corrects a record's JSON in place (a note filed
    under the wrong case), change number left as it was: the links follow the JSON, so the
    purge of the case it names now and its Auskunft find it. Before, the trigger's condition
    (``links_seq`` not the row's ``seq``) was false for such a write: the note kept its old
    case in ``case_id``, and the purge of its new case left it behind (a review, 2026-12-08)."""
    records = _team(2)
    with head_engine.begin() as conn:
        _insert(conn, records)
    note, other = records["notes"][0], records["cases"][1]["id"]
    with head_engine.begin() as conn:
        conn.execute(text("UPDATE records SET data = :d WHERE kind = 'notes' AND id = :i"),
                     {"d": json.dumps(note | {"case_id": other}), "i": note["id"]})
        if conn.dialect.name == "postgresql":  # SQLite refuses to write a generated column
            # one by hand on a link column itself: the JSON stays what counts
            conn.execute(text("UPDATE records SET person_id = :p WHERE kind = 'cases'"
                              " AND id = :i"), {"p": records["persons"][0]["id"], "i": other})
    with head_engine.connect() as conn:
        assert _mismatches(conn) == []
        assert sorted(purge._ids_where(conn, TEAM, ["notes"], "case_id", [other])) == sorted(
            [("notes", note["id"]), ("notes", records["notes"][1]["id"])])


def test_a_record_written_without_its_links_gets_them_from_its_json(head_engine: Engine) -> None:
    """:func:`kimdesk.server.store.linked_rows` given a record but not its links (a writer
    that forgets ``PushPlan.links``): the record is not stored as linked to nothing, the
    trigger fills its links from the JSON (PostgreSQL; SQLite generates them anyway)."""
    from kimdesk.server.store import linked_rows

    records = _team(1)
    note = records["notes"][0]
    with head_engine.begin() as conn:
        _insert(conn, {k: v for k, v in records.items() if k != "notes"})
        columns, rows = linked_rows(conn, {("notes", note["id"]): _row("notes", note, 50)}, {})
        insert_rows(conn, db.records, columns, list(rows.values()))
    with head_engine.connect() as conn:
        assert _mismatches(conn) == []
        assert purge._ids_where(conn, TEAM, ["notes"], "case_id", [note["case_id"]]) == [
            ("notes", note["id"])]
