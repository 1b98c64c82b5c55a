"""record_history keeps superseded versions only; records keeps its version's batch and time

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Before, every version of a record was written twice: into ``records`` and into
``record_history``. Now ``records`` holds the current version with what the history kept of it
(``updated_by``, and the new ``batch_id`` and ``written_at``), and a push copies the stored row
into the history, in the database, when it overwrites it, with the moment it was superseded
(the new ``superseded_at``). The upgrade moves those two facts of each current version from the
history into ``records``, dates each earlier version's end by the next version's time, and
deletes the history's copy of the current version; the downgrade puts it back.

``superseded_at`` has no default: an instance of an earlier release still running beside an
upgraded one (a rolling restart) would go on writing by the old rules, the current version into
the history; its push fails instead (500, the device keeps the batch and sends it again), so no
version is stored twice (found by a review; docs/deployment.md, "Upgrades").
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
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', sa.String(length=40), server_default='',
                                      nullable=False))
    # each earlier version ended when the next one was stored (the current one is still here)
    op.execute(
        "UPDATE record_history SET superseded_at = COALESCE((SELECT min(n.at) FROM"
        " record_history n WHERE n.kind = record_history.kind AND n.id = record_history.id"
        " AND n.rev = record_history.rev + 1), '')"
    )
    op.execute(
        "DELETE FROM record_history WHERE EXISTS (SELECT 1 FROM records r WHERE"
        " r.kind = record_history.kind AND r.id = record_history.id"
        " AND r.rev = record_history.rev)"
    )
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.alter_column('superseded_at', existing_type=sa.String(length=40),
                              existing_nullable=False, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.drop_column('superseded_at')
    op.execute(
        "INSERT INTO record_history (kind, id, team, rev, data, device_id, batch_id, at)"
        " SELECT kind, id, team, rev, data, updated_by, batch_id, written_at FROM records"
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('written_at')
        batch_op.drop_column('batch_id')
