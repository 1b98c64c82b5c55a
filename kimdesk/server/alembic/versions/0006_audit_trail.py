"""audit_trail: the server's hash-chained, append-only audit trail

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Who on the server side did what with whose data (docs/planned.md, section 3; written by
kimdesk/server/audit_trail.py): ids and counts only. Triggers refuse every UPDATE and DELETE of
a row (and on PostgreSQL a TRUNCATE), so that even a server that runs as the table's owner
cannot rewrite the trail through its own connection; on PostgreSQL the server's role should
moreover hold only INSERT and SELECT on it (docs/deployment.md, "The audit trail").
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_REFUSED = "audit_trail is append-only"


def upgrade() -> None:
    op.create_table(
        'audit_trail',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('actor_kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('team', sa.String(length=200), nullable=False),
        sa.Column('subjects', sa.Text(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.create_index('audit_trail_team', 'audit_trail', ['team'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION audit_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$")
        op.execute("CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON"
                   " audit_trail FOR EACH ROW EXECUTE FUNCTION audit_trail_refuse()")
        op.execute("CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail"
                   " FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_refuse()")
    else:
        for what in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_trail_no_{what.lower()} BEFORE {what} ON"
                       f" audit_trail BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")


def downgrade() -> None:
    op.drop_index('audit_trail_team', table_name='audit_trail')
    op.drop_table('audit_trail')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_trail_refuse()")
