"""console accounts and sessions: the browser console's first slice (docs/planned.md, section 6)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

Two new tables, no row of another table touched:

- ``console_accounts``: a local account of the browser console (``name``, ``roles``
  comma-separated, an Argon2id ``password_hash``, the base32 ``totp_secret`` and the last TOTP
  time step used, so that a code is accepted once, ``created_at``, ``disabled_at``).
- ``console_sessions``: a signed-in browser, stored as the SHA-256 of its random 256-bit
  session id (a copy of the database lets no one take over a session), the account,
  ``created_at`` and ``last_seen_at`` (30 minutes idle, 8 hours at most:
  :mod:`kimdesk.server.console.sessions`).

A process of an earlier release beside it never reads them. The downgrade drops both: every
account has to be created again (the audit rows keep the names they named).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_accounts',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('roles', sa.String(length=200), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('totp_secret', sa.String(length=64), nullable=False),
        sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('disabled_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'console_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('last_seen_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('console_sessions_account', 'console_sessions', ['account'], unique=False)


def downgrade() -> None:
    op.drop_index('console_sessions_account', table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_table('console_accounts')
