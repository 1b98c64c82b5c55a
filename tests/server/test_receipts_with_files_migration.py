"""Revision 0004 on a database written before it: stored receipts that name an attachment are
marked as carrying files (``batches.files``), so that removing the attachment later scrubs
them (:mod:`kimdesk.server.removed_files` reads only marked receipts); the others are not. A
receipt stored without the mark (a process of an earlier release) is refused. The downgrade drops
the mark. On both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from kimdesk.server.db import make_engine
from tests.sync.helpers import migrate_to

_WITH_FILE = ('{"batch_id":"b1","batch_seq":1,"results":[{"kind":"attachments","id":"a1",'
              '"status":"merged","rev":2,"seq":2,"deleted":false,"data":{"content":"QUJD"},'
              '"same":false,"reason":""}],"conflicts":[],"server_seq":2}')
_WITHOUT = ('{"batch_id":"b2","batch_seq":2,"results":[{"kind":"persons","id":"p1",'
            '"status":"applied","rev":1,"seq":3,"deleted":false,"data":null,"same":true,'
            '"reason":""}],"conflicts":[],"server_seq":3}')




def _store_receipt(conn: Any, n: int, receipt: str) -> None:
    """Device d1's batch ``b<n>`` and its receipt, as a release before 0004 stored them."""
    conn.execute(text(
        "INSERT INTO batches (device_id, batch_id, batch_seq, payload_hash, receipt, created_at)"
        " VALUES ('d1', :b, :n, :h, :r, 't')"), {"b": f"b{n}", "n": n, "h": f"h{n}", "r": receipt})


def test_earlier_receipts_naming_an_attachment_are_marked(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0003")
            _store_receipt(conn, 1, _WITH_FILE)
            _store_receipt(conn, 2, _WITHOUT)
            conn.commit()
            migrate_to(conn, "head")
            marks = sorted(conn.execute(text("SELECT batch_id, files FROM batches")).all())
            assert [(b, bool(f)) for b, f in marks] == [("b1", True), ("b2", False)]
            # a process of an earlier release beside this one (a rolling restart) would store
            # receipts unmarked: its pushes fail instead (the device sends the batch again)
            with pytest.raises(IntegrityError):
                _store_receipt(conn, 3, "{}")
            conn.rollback()
            migrate_to(conn, "0003", down=True)
            assert "files" not in {c["name"] for c in inspect(conn).get_columns("batches")}
            assert conn.execute(text("SELECT count(*) FROM batches")).scalar_one() == 2
    finally:
        engine.dispose()


def test_the_upgrade_empties_what_attachments_removed_before_it_left(db_url: str) -> None:
    """An attachment removed on a server of an earlier release left its file in ``conflicts``
    and in stored receipts, and a removal that raced a new file left a tombstone with a file
    (found by a review): the scrub runs in the push that removes, so nothing would ever empty
    these. The upgrade does, closes the open conflict on the file with a change number of the
    team, and turns the receipt's result into the tombstone (a resend must stay applicable)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0003")
            conn.execute(text(
                "INSERT INTO teams (name, change_seq, ref_seq, created_at)"
                " VALUES ('T', 5, 0, 't')"))
            conn.execute(text(
                "INSERT INTO devices (id, team, name, vault_id, token_hash, created_at,"
                " last_batch_seq)"
                " VALUES ('d1', 'T', 'n', '', 'h', 't', 1)"))
            conn.execute(text(
                "INSERT INTO records (kind, id, team, rev, seq, deleted, data, updated_at,"
                " updated_by, batch_id, written_at) VALUES ('attachments', 'a1', 'T', 3, 5,"
                " true, :data, 't', 'd1', 'b9', 't')"),
                {"data": '{"id":"a1","deleted":true,"content":"QUJD"}'})
            conn.execute(text(
                "INSERT INTO conflicts (id, team, kind, record_id, field, base, theirs, mine,"
                " device_id, batch_id, status, seq, created_at) VALUES ('c1', 'T',"
                " 'attachments', 'a1', 'content', 'null', '\"QUJD\"', '\"QUJD\"', 'd1',"
                " 'b1', 'open', 3, 't')"))
            _store_receipt(conn, 1, _WITH_FILE)
            conn.commit()
            migrate_to(conn, "head")
            left = [str(r[0]) for r in conn.execute(text(
                "SELECT receipt FROM batches UNION ALL SELECT base || theirs || mine"
                " FROM conflicts UNION ALL SELECT data FROM records"))]
            assert not any("QUJD" in t for t in left)
            assert conn.execute(text("SELECT base, status, seq FROM conflicts")).one() == (
                "null", "resolved", 6)
            assert conn.execute(text("SELECT change_seq FROM teams")).scalar_one() == 6
            result = json.loads(conn.execute(text("SELECT receipt FROM batches")).scalar_one()
                                )["results"][0]
            assert result["deleted"] and result["data"] == {"content": "", "deleted": True}
    finally:
        engine.dispose()


def test_the_upgrade_marks_only_receipts_that_carry_a_file(db_url: str) -> None:
    """A receipt that names an attachment without carrying its file (a result stored as sent,
    ``data`` null) is not marked: the first removal in its team would read every such receipt
    under the team's lock (found by a review)."""
    as_sent = ('{"batch_id":"b1","batch_seq":1,"results":[{"kind":"attachments","id":"a1",'
               '"status":"applied","rev":1,"seq":1,"deleted":false,"data":null,"same":true,'
               '"reason":""}],"conflicts":[],"server_seq":1}')
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            migrate_to(conn, "0003")
            _store_receipt(conn, 1, as_sent)
            conn.commit()
            migrate_to(conn, "head")
            assert not conn.execute(text("SELECT files FROM batches")).scalar_one()
    finally:
        engine.dispose()
