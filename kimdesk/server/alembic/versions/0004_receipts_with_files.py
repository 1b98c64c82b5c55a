"""batches.files: whether a stored push receipt carries an attachment's file

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A receipt carries a record's data where the server merged it, answered it with the stored
version, or found a conflict (with the conflict's three values). For an attachment that is its
file (``content``, base64). Removing the attachment scrubbed the file from the history but not
from these receipts (nor from the ``conflicts`` table), where it stayed for good (found by a
review, issue 14's session of 2026-12-06). The scrub must not read every receipt of the team
(they are kept for good, docs/privacy.md, "Server storage"), so each receipt says whether it
carries a file; the upgrade marks every earlier receipt that names an attachment.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('files', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # receipts are compact JSON written by the server (kimdesk/server/push.py, receipt_json)
    op.execute("UPDATE batches SET files = true WHERE receipt LIKE '%\"kind\":\"attachments\"%'")


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('files')
