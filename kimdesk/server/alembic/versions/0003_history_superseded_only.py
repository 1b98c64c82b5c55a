"""record_history keeps superseded versions only; records keeps its version's batch and time

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Before, every version of a record was written twice: into ``records`` and into
``record_history``. Now ``records`` holds the current version with what the history kept of it
(``updated_by``, and the new ``batch_id`` and ``written_at``), and a push copies the stored row
into the history, in the database, when it overwrites it. The upgrade moves those two facts of
each current version from the history into ``records`` and deletes the history's copy of the
current version; the downgrade puts it back.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

#: the history row of each record's current version (several only after a race a unique key
#: never allowed; the last one wins)
_CURRENT = ("FROM record_history h WHERE h.kind = records.kind AND h.id = records.id"
            " AND h.rev = records.rev")


def upgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('written_at', sa.String(length=40), server_default='',
                                      nullable=False))
    op.execute(
        f"UPDATE records SET batch_id = COALESCE((SELECT h.batch_id {_CURRENT}"
        " ORDER BY h.hid DESC LIMIT 1), ''),"
        f" written_at = COALESCE((SELECT h.at {_CURRENT} ORDER BY h.hid DESC LIMIT 1), '')"
    )
    op.execute(
        "DELETE FROM record_history WHERE EXISTS (SELECT 1 FROM records r WHERE"
        " r.kind = record_history.kind AND r.id = record_history.id"
        " AND r.rev = record_history.rev)"
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO record_history (kind, id, team, rev, data, device_id, batch_id, at)"
        " SELECT kind, id, team, rev, data, updated_by, batch_id, written_at FROM records"
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('written_at')
        batch_op.drop_column('batch_id')
