"""purged.case_key and purged.person_id: a purged case can still be named in an Auskunft

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

A data-protection officer asked about a deleted client has the case number or the person id.
After the purge the server kept only the deletion record (which names the case's or person's
id) and the ``purged`` ids, so ``kimdesk server subject-export`` by case number said "nothing
matches", and a purged case could not be told apart as the person's. A purge from now on notes,
for a case, a keyed hash of its number (HMAC-SHA256 under ``server_meta.case_number_key``, made
here: the number itself stays off the server, as the purge promised) and its person's id (a
pseudonym the person's deletion record keeps anyway; docs/privacy.md, "Auskunft about a deleted
person"). Cases purged before this revision keep neither: their data is gone, nothing can fill
them in. Both columns may be empty, so a process of an earlier release still running beside
this one (a rolling restart) purges as before, without them.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('purged', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.String(length=64), nullable=True))
        batch_op.create_index('purged_case_key', ['case_key'], unique=False)
        batch_op.create_index('purged_person', ['person_id'], unique=False)
    op.execute(sa.text("INSERT INTO server_meta (key, value) VALUES ('case_number_key', :v)")
               .bindparams(v=secrets.token_hex(32)))


def downgrade() -> None:
    op.execute("DELETE FROM server_meta WHERE key = 'case_number_key'")
    with op.batch_alter_table('purged', schema=None) as batch_op:
        batch_op.drop_index('purged_person')
        batch_op.drop_index('purged_case_key')
        batch_op.drop_column('person_id')
        batch_op.drop_column('case_key')
