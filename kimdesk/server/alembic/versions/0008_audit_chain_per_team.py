"""audit_trail: one chain per team instead of one for the whole server

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Before, every row of the trail was numbered and hashed in one chain, under one lock: every
server process's pushes and pull pages of every team waited for each other's commits
(docs/deployment.md, "The audit trail": a quarter of the saturated throughput). Now each team
has its own chain, numbered in the new column ``n`` (1, 2, 3 ... per team) under a lock per
team; ``seq`` only orders the rows (from a sequence on PostgreSQL, so gaps are possible). Rows
written before this revision keep ``n`` NULL and stay the one chain they were
(kimdesk/server/audit_trail.py). The server's own rows (team "") are a chain too, and the daily
run's seal row in it names every team chain's head, so the one head hash the run logs still
covers the whole trail.

Adding a column and an index changes no row, so the append-only triggers stay untouched.
A process of an earlier release still running numbers its rows in the old chain; on
PostgreSQL its ``seq`` may meet the sequence's and the push fails (HTTP 500, sent again by the
device): finish the rolling restart promptly (docs/deployment.md, "Upgrades").
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('audit_trail')}
    if 'n' not in columns:  # else kept by a downgrade: see there
        op.add_column('audit_trail', sa.Column('n', sa.BigInteger(), nullable=True))
    op.create_index('audit_trail_chain', 'audit_trail', ['team', 'n'], unique=True)
    op.drop_index('audit_trail_team', table_name='audit_trail')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE SEQUENCE audit_trail_seq OWNED BY audit_trail.seq")
        op.execute("SELECT setval('audit_trail_seq', coalesce(max(seq), 0) + 1, false)"
                   " FROM audit_trail")


def downgrade() -> None:
    # The column ``n`` stays (nullable: the earlier release writes its rows without it, which
    # verify reads as rows of the chain from before): a row's ``n`` is part of what its hash
    # covers, so dropping it made every team chain's row "changed after it was written" for
    # ever, once upgraded again (review of 2026-12-07; docs/deployment.md, "Going back to an
    # earlier release"). The upgrade keeps it as it finds it.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP SEQUENCE audit_trail_seq")
    op.create_index('audit_trail_team', 'audit_trail', ['team'], unique=False)
    op.drop_index('audit_trail_chain', table_name='audit_trail')
