"""stats_remains_cases, stats_remains_events: the statistical remains of cases purged on the
server

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

The server's purge leaves what the device's purge leaves (kimdesk/server/remains.py,
kimdesk/vault/statsremains.py), so that the Löschfrist does not change past periods' figures of
``kimdesk server stats`` either. New tables only: a process of an earlier release beside this
one (a rolling restart) purges without writing remains, as before. Written out here rather than
imported, so that the step stays what it was when the code moves on.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stats_remains_cases',
        sa.Column('rid', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('team', sa.String(length=200), nullable=False),
        sa.Column('municipality', sa.Text(), nullable=False),
        sa.Column('person', sa.BigInteger(), nullable=False),
        sa.Column('opened', sa.String(length=7), nullable=False),
        sa.Column('closed', sa.String(length=7), nullable=True),
        sa.Column('closure_reason', sa.String(length=64), nullable=True),
        sa.Column('duration', sa.String(length=16), nullable=True),
        sa.Column('birth_month', sa.String(length=7), nullable=True),
        sa.Column('birth_year', sa.Integer(), nullable=True),
        sa.Column('gender', sa.String(length=32), nullable=True),
        sa.Column('region', sa.String(length=64), nullable=False),
        sa.Column('residence_status', sa.String(length=64), nullable=True),
        sa.Column('rechtskreise', sa.Text(), nullable=False),
        sa.Column('handlungsfelder', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('rid'),
    )
    op.create_index('stats_remains_cases_person', 'stats_remains_cases', ['team', 'person'],
                    unique=False)
    op.create_table(
        'stats_remains_events',
        sa.Column('rid', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('team', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('municipality', sa.Text(), nullable=False),
        sa.Column('person', sa.BigInteger(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('outreach', sa.Integer(), nullable=False),
        sa.Column('interpreter', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('rid'),
    )
    op.create_index('stats_remains_events_person', 'stats_remains_events', ['team', 'person'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('stats_remains_events_person', table_name='stats_remains_events')
    op.drop_table('stats_remains_events')
    op.drop_index('stats_remains_cases_person', table_name='stats_remains_cases')
    op.drop_table('stats_remains_cases')
