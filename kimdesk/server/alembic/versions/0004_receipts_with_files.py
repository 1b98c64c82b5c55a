"""batches.files: whether a stored push receipt carries an attachment's file; files of removed
attachments emptied

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A receipt carries a record's data where the server merged it, answered it with the stored
version, or found a conflict (with the conflict's three values). For an attachment that is its
file (``content``, base64). Removing the attachment scrubbed the file from the history but not
from these receipts nor from the ``conflicts`` table, and a removal racing a new file stored a
tombstone that kept the file (found by a review on 2026-12-06; the push now does all of it,
kimdesk/server/removed_files.py). The scrub must not read every receipt of the team (they are
kept for good, docs/privacy.md, "Server storage"), so each receipt says whether it carries a
file; the upgrade marks every earlier receipt that carries one, and empties what
attachments removed before it left: their tombstones, old versions, conflicts (the open ones
closed, numbered as changes of the team so devices learn it) and marked receipts. Written out
here rather than imported, so that the step stays what it was when the code moves on.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('files', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # Receipts are compact JSON written by the server (kimdesk/server/push.py, receipt_json): a
    # file is a "content" of an attachment's data, or a conflict's values on "content" (only
    # attachments have that field). A receipt that merely names an attachment is not marked:
    # the first removal in its team would read it under the team lock. LIKE cannot tell an
    # empty content from a file (its "_" matches the closing quote), so a receipt with a
    # tombstone is marked too; the first removal in its team reads it once and clears the mark.
    op.execute("UPDATE batches SET files = true WHERE receipt LIKE '%\"kind\":\"attachments\"%'"
               " AND (receipt LIKE '%\"content\":\"_%' OR receipt LIKE '%\"field\":\"content\"%')")
    op.create_index('conflicts_record', 'conflicts', ['record_id'], unique=False)
    # No default from now on: a process of an earlier release still running beside this one (a
    # rolling restart) would store receipts unmarked, and apply removals by its old rules; its
    # pushes fail instead (the device sends the batch again), as with revision 0003.
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.alter_column('files', existing_type=sa.Boolean(), existing_nullable=False,
                              server_default=None)
    _empty_removed_files(op.get_bind())


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _empty_removed_files(conn: Any) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    removed: dict[str, set[str]] = {}  # team -> ids of removed attachments
    for rid, team, data in conn.execute(sa.text(
            "SELECT id, team, data FROM records WHERE kind = 'attachments' AND deleted")).all():
        removed.setdefault(team, set()).add(rid)
        record = json.loads(data)
        if record.get("content"):
            conn.execute(sa.text("UPDATE records SET data = :d WHERE kind = 'attachments'"
                                 " AND id = :i"), {"d": _dumps(record | {"content": ""}),
                                                   "i": rid})
    for team, ids in sorted(removed.items()):
        for rid in sorted(ids):
            for hid, data in conn.execute(sa.text(
                    "SELECT hid, data FROM record_history WHERE kind = 'attachments'"
                    " AND id = :i"), {"i": rid}).all():
                record = json.loads(data)
                if record.get("content"):
                    conn.execute(sa.text("UPDATE record_history SET data = :d WHERE hid = :h"),
                                 {"d": _dumps(record | {"content": ""}), "h": hid})
            emptied = ", ".join(f"{v} = CASE WHEN {v} = 'null' THEN {v} ELSE '\"\"' END"
                                for v in ("base", "theirs", "mine"))
            conn.execute(sa.text(f"UPDATE conflicts SET {emptied} WHERE team = :t"
                                 " AND kind = 'attachments' AND field = 'content'"
                                 " AND record_id = :i"), {"t": team, "i": rid})
            # every open conflict of a removed attachment is closed: removal wins
            for (cid,) in conn.execute(sa.text(
                    "SELECT id FROM conflicts WHERE team = :t AND kind = 'attachments'"
                    " AND record_id = :i AND status = 'open' ORDER BY id"),
                    {"t": team, "i": rid}).all():
                seq = int(conn.execute(sa.text(
                    "SELECT change_seq FROM teams WHERE name = :t"), {"t": team}).scalar() or 0)
                conn.execute(sa.text("UPDATE teams SET change_seq = :s WHERE name = :t"),
                             {"s": seq + 1, "t": team})
                conn.execute(sa.text("UPDATE conflicts SET status = 'resolved', seq = :s,"
                                     " resolved_at = :at WHERE id = :c"),
                             {"s": seq + 1, "at": now, "c": cid})
        marked = conn.execute(sa.text(
            "SELECT b.device_id, b.batch_id FROM batches b JOIN devices d ON d.id = b.device_id"
            " WHERE d.team = :t AND b.files"), {"t": team}).all()
        for device_id, batch_id in marked:  # one at a time: a receipt can be large
            receipt = conn.execute(sa.text(
                "SELECT receipt FROM batches WHERE device_id = :d AND batch_id = :b"),
                {"d": device_id, "b": batch_id}).scalar_one()
            body = json.loads(receipt)
            changed = False
            for r in body.get("results", []):
                rec = r.get("data")
                if (r.get("kind") == "attachments" and r.get("id") in ids and rec
                        and (rec.get("content") or not rec.get("deleted"))):
                    r["data"] = rec | {"content": "", "deleted": True}
                    r["deleted"] = changed = True
            for c in body.get("conflicts", []):
                if (c.get("kind") == "attachments" and c.get("record_id") in ids
                        and c.get("field") == "content"):
                    c.update({k: None if c.get(k) is None else ""
                              for k in ("base", "theirs", "mine")})
                    changed = True
            if changed:
                conn.execute(sa.text("UPDATE batches SET receipt = :r WHERE device_id = :d"
                                     " AND batch_id = :b"),
                             {"r": _dumps(body), "d": device_id, "b": batch_id})


def downgrade() -> None:
    op.drop_index('conflicts_record', table_name='conflicts')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('files')
