"""stats_exports: what each published statistics export of the server published

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

The device keeps a record of every export it publishes (the vault's ``stats_exports``,
kimdesk/stats/published.py) and protects the next period, and a second export of the same
period, against what was published. The server's ``kimdesk server stats`` kept none
(docs/statistics.md, "Statistics from the server"): a re-export after an edit went out with no
warning and without keeping the earlier pattern, and the period after was protected only by its
base pattern. Same columns as the vault's table; written by kimdesk/server/published.py. A new
table only: a process of an earlier release beside it exports without recording, as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stats_exports',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('period_from', sa.String(length=10), nullable=False),
        sa.Column('period_to', sa.String(length=10), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('min_cell', sa.Integer(), nullable=False),
        sa.Column('exported_at', sa.String(length=40), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('record', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.create_index('stats_exports_period', 'stats_exports', ['period_from', 'period_to'])


def downgrade() -> None:
    op.drop_index('stats_exports_period', table_name='stats_exports')
    op.drop_table('stats_exports')
