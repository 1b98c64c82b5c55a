"""Revision 0004 on a database written before it: stored receipts that name an attachment are
marked as carrying files (``batches.files``), so that removing the attachment later scrubs
them (:mod:`kimdesk.server.removed_files` reads only marked receipts); the others are not. The
downgrade drops the mark. On both backends."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import inspect, text

from kimdesk.server.db import make_engine
from kimdesk.server.migrate import alembic_config

_WITH_FILE = ('{"batch_id":"b1","batch_seq":1,"results":[{"kind":"attachments","id":"a1",'
              '"status":"merged","rev":2,"seq":2,"deleted":false,"data":{"content":"QUJD"},'
              '"same":false,"reason":""}],"conflicts":[],"server_seq":2}')
_WITHOUT = ('{"batch_id":"b2","batch_seq":2,"results":[{"kind":"persons","id":"p1",'
            '"status":"applied","rev":1,"seq":3,"deleted":false,"data":null,"same":true,'
            '"reason":""}],"conflicts":[],"server_seq":3}')


def _to(conn: Any, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)
    conn.commit()


def test_earlier_receipts_naming_an_attachment_are_marked(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            _to(conn, "0003")
            conn.execute(text(
                "INSERT INTO batches (device_id, batch_id, batch_seq, payload_hash, receipt,"
                " created_at) VALUES ('d1', 'b1', 1, 'h1', :one, 't1'),"
                " ('d1', 'b2', 2, 'h2', :two, 't2')"), {"one": _WITH_FILE, "two": _WITHOUT})
            conn.commit()
            _to(conn, "head")
            marks = sorted(conn.execute(text("SELECT batch_id, files FROM batches")).all())
            assert [(b, bool(f)) for b, f in marks] == [("b1", True), ("b2", False)]
            # a receipt stored without the column (an instance of an earlier release): unmarked
            conn.execute(text(
                "INSERT INTO batches (device_id, batch_id, batch_seq, payload_hash, receipt,"
                " created_at) VALUES ('d1', 'b3', 3, 'h3', '{}', 't3')"))
            assert not conn.execute(text(
                "SELECT files FROM batches WHERE batch_id = 'b3'")).scalar_one()
            conn.commit()
            _to(conn, "0003", down=True)
            assert "files" not in {c["name"] for c in inspect(conn).get_columns("batches")}
            assert conn.execute(text("SELECT count(*) FROM batches")).scalar_one() == 3
    finally:
        engine.dispose()
