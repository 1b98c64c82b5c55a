"""Revision 0003 on a database written before it: the history kept every version, the current
one too. The upgrade moves each current version's batch and time into ``records`` and deletes
the history's copy of it; superseded versions stay, dated by the next version, and a history
row without that date (what a release before 0003 writes) is refused. The downgrade puts the
copies back. On both
backends (the statements are plain SQL that each runs its own way)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kimdesk.server.db import make_engine
from tests.sync.helpers import migrate_to


def test_the_current_versions_leave_the_history_with_their_batch_and_time(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0002")
            # data is JSON, as a record's always is: the upgrade to 0012 reads links from it
            conn.execute(text(
                "INSERT INTO records (kind, id, team, rev, seq, deleted, data, updated_at,"
                " updated_by) VALUES ('persons', 'p1', 'Team Nord', 2, 2, false, '[2]',"
                " '2026-01-02', 'dev-b'), ('persons', 'p2', 'Team Nord', 1, 3, false,"
                " '[1]', '2026-01-03', 'dev-a')"))
            conn.execute(text(
                "INSERT INTO record_history (kind, id, team, rev, data, device_id, batch_id, at)"
                " VALUES ('persons', 'p1', 'Team Nord', 1, '[1]', 'dev-a', 'b1', 't1'),"
                " ('persons', 'p1', 'Team Nord', 2, '[2]', 'dev-b', 'b2', 't2'),"
                " ('persons', 'p2', 'Team Nord', 1, '[1]', 'dev-a', 'b3', 't3')"))
            conn.commit()
            migrate_to(conn, "head")
            records = sorted(conn.execute(text(
                "SELECT id, rev, batch_id, written_at FROM records")).all())
            history = sorted(conn.execute(text(
                "SELECT id, rev, data, device_id, batch_id, at, superseded_at"
                " FROM record_history")).all())
            assert [tuple(r) for r in records] == [("p1", 2, "b2", "t2"), ("p2", 1, "b3", "t3")]
            # each earlier version ends when the next one was stored
            assert [tuple(h) for h in history] == [("p1", 1, "[1]", "dev-a", "b1", "t1", "t2")]
            # a release before 0003 would still write every version here: it is refused
            with pytest.raises(IntegrityError):
                conn.execute(text(
                    "INSERT INTO record_history (kind, id, team, rev, data, device_id,"
                    " batch_id, at) VALUES ('persons', 'p2', 'Team Nord', 1, '[1]', 'dev-a',"
                    " 'b3', 't3')"))
            conn.rollback()

            migrate_to(conn, "0002", down=True)
            history = sorted(conn.execute(text(
                "SELECT id, rev, data, device_id, batch_id, at FROM record_history")).all())
            assert [tuple(h) for h in history] == [
                ("p1", 1, "[1]", "dev-a", "b1", "t1"), ("p1", 2, "[2]", "dev-b", "b2", "t2"),
                ("p2", 1, "[1]", "dev-a", "b3", "t3")]
    finally:
        engine.dispose()
