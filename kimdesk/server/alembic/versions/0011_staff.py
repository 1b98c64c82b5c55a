"""staff: a person behind a device (docs/planned.md, "A person behind a device")

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The server knew devices and teams, not people. A table ``staff`` (a random UUID as ``id``,
``team``, ``display_name``, ``active``, ``created_at``), and ``devices.staff_id`` and
``enroll_codes.staff_id``: a code issued for one staff member (``kimdesk server enroll-code
--team T --staff ID``) gives its device that staff member. Both columns are nullable: devices
enrolled before, and codes made without ``--staff``, stay without. No row is rewritten.

A process of an earlier release beside it keeps working: it finds no staff member's code (they
are stored under a hash of their own, kimdesk.server.devices.code_hash), so it never enrolls a
device without its staff member, and it writes its pushes' and pulls' audit rows without the
staff id (docs/deployment.md, "Upgrades").
The downgrade drops the table and both columns: which device was whose is then lost (the audit
rows keep the staff ids they named).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('team', sa.String(length=200), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('staff_team', 'staff', ['team'], unique=False)
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.String(length=36), nullable=True))
        batch_op.create_index('devices_staff', ['staff_id'], unique=False)
    with op.batch_alter_table('enroll_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enroll_codes', schema=None) as batch_op:
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('devices_staff')
        batch_op.drop_column('staff_id')
    op.drop_index('staff_team', table_name='staff')
    op.drop_table('staff')
