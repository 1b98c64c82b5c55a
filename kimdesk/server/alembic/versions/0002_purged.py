"""purged record ids (Löschfristen, issue 13)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 08:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purged',
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('deletion_id', sa.String(length=64), nullable=False),
    sa.Column('purged_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'id')
    )
    op.create_index('purged_team', 'purged', ['team'], unique=False)


def downgrade() -> None:
    op.drop_index('purged_team', table_name='purged')
    op.drop_table('purged')
