"""Revision 0003 (the history keeps superseded versions only) as an administrator deploys it:
behind PgBouncer and as a rolling restart (docs/deployment.md, "Upgrades"), with an instance of
the release before it still serving. Found by a review; PostgreSQL only: both are about the
per-session temporary table of updated records, whose columns are fixed when a session first
creates it, and which outlives the release that created it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from kimdesk.server.db import make_engine
from kimdesk.server.service import SyncService
from tests.sync.helpers import migrate_to
from tests.sync.helpers import person_change as _person
from tests.sync.helpers import service_push as _push

REPO = Path(__file__).resolve().parents[2]
PARENT = "f307193"  # the last commit before revision 0003




def _pg_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's temporary table records_in")


def test_a_pooled_session_that_served_the_old_release_still_updates_records(db_url: str
                                                                            ) -> None:
    """PgBouncer in transaction mode (docs: "fine") hands server sessions from one client to
    the next and does not reset them (no DISCARD ALL in transaction mode): a session in which
    the previous release updated records keeps its ``records_in`` with the 9 old columns. The
    table is now named after the layout (``store.INCOMING``): a new name is a new table."""
    _pg_only(db_url)
    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # one server session, as a pooler
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0002")
            # what the previous release's update_records left in this session
            conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS records_in (LIKE records)"
                                 " ON COMMIT DELETE ROWS")
            conn.commit()
            migrate_to(conn, "head")
        service = SyncService(engine)
        device = service.authenticate(
            service.enroll(service.create_enroll_code("Team Nord")).token)
        rid = str(uuid.uuid4())
        _push(service, device, 1, [_person(rid, 0, "1")])  # new record: COPY into records, fine
        receipt = _push(service, device, 2, [_person(rid, 1, "2")])  # an edit: records_in
        assert [r.status for r in receipt.results] == ["applied"]
    finally:
        engine.dispose()


_OLD_INSTANCE = textwrap.dedent("""
    import hashlib, sys, uuid
    import kimdesk
    assert kimdesk.__file__.startswith(sys.argv[2]), kimdesk.__file__
    from kimdesk.server.db import make_engine
    from kimdesk.server.service import SyncService
    from kimdesk.sync.protocol import Change, PushRequest

    engine = make_engine(sys.argv[1])  # an instance that was started before the upgrade
    service = SyncService(engine)
    device = service.authenticate(sys.argv[3])
    rid, seq = sys.argv[4], int(sys.argv[5])
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=[Change(
        kind="persons", id=rid, base_rev=int(sys.argv[6]),
        changed={"given_name": "Ayse", "family_name": "Demir", "phone": sys.argv[7]})])
    try:
        receipt = service.push(device, request,
                               hashlib.sha256(request.batch_id.encode()).hexdigest())
        print("OK", [(r.status, r.rev) for r in receipt.results])
    except Exception as exc:
        print("FAILED", type(exc).__name__, str(exc).splitlines()[0][:200])
""")


def _old_release(tmp_path: Path) -> Path:
    tree = tmp_path / "old"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", PARENT, "kimdesk"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def _old_push(tree: Path, db_url: str, token: str, rid: str, seq: int, base_rev: int,
              phone: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", _OLD_INSTANCE, db_url, str(tree), token, rid,
                          str(seq), str(base_rev), phone], env=env, cwd=str(tree),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_an_old_instance_beside_the_upgraded_one_fails_its_pushes_and_stores_nothing(
        db_url: str, tmp_path: Path) -> None:
    """Two instances; the first is restarted with this release and migrates to 0003 while the
    second (the release before) still serves devices. By the old rules it would write the
    current version into the history too (stored twice once this release supersedes it), and
    its temporary table, created LIKE the new ``records``, misses values for the new columns.
    Its pushes fail instead (500: the device keeps the batch and sends it again, to whichever
    instance answers), and nothing it began is stored; the same edits through this release
    then store every version once."""
    _pg_only(db_url)
    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{PARENT}^{{commit}}"],
                      capture_output=True).returncode:
        pytest.skip(f"{PARENT} is not in this clone's history")
    tree = _old_release(tmp_path)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "head")  # the restarted instance migrated the database
        service = SyncService(engine)
        token = service.enroll(service.create_enroll_code("Team Nord")).token
        device = service.authenticate(token)
        rid, other = str(uuid.uuid4()), str(uuid.uuid4())
        _push(service, device, 1, [_person(rid, 0, "1")])  # through the new instance

        # the old instance: an edit of a stored record, and a new record
        assert _old_push(tree, db_url, token, rid, 2, 1, "2").startswith("FAILED")
        assert _old_push(tree, db_url, token, other, 2, 0, "3").startswith("FAILED")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM records WHERE id = :i"),
                                {"i": other}).scalar() == 0
        # the device sends them again; this release answers
        receipt = _push(service, device, 2, [_person(rid, 1, "2"), _person(other, 0, "3")])
        assert [(r.status, r.rev) for r in receipt.results] == [("applied", 2), ("applied", 1)]
        _push(service, device, 3, [_person(other, 1, "4")])
        with engine.connect() as conn:
            versions = sorted(tuple(v) for v in conn.execute(text(
                "SELECT id, rev FROM record_history UNION ALL SELECT id, rev FROM records")))
        assert versions == sorted([(rid, 1), (rid, 2), (other, 1), (other, 2)])
    finally:
        engine.dispose()
