"""audit_trail: every new row numbered in its team's chain

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A process of a release before revision 0008 still running beside a newer one (a rolling
restart) wrote its rows as the one chain of before: ``n`` NULL, numbered ``max(seq) + 1`` and
linked to the newest row of the whole trail, which since 0008 is a row of some team's chain.
``verify`` then reads that row as a link in the chain from before 0008 whose predecessor is
gone, and reports rows deleted, for ever: the trail is append-only, so an intact trail could
never verify again (review of 2026-12-07, measured with the code of d3a4e32 on SQLite and
PostgreSQL: one push of the old process was enough). On PostgreSQL its ``seq`` also met the
sequence's, so the newer process's next row failed.

A trigger now refuses a new row without ``n``: the old process's push or pull page fails
(HTTP 500) and the device sends it again to whichever process answers, as for the earlier
revisions that change what a push must write (docs/deployment.md, "Upgrades"). The rows from
before 0008 are kept as they are; a trigger, not a CHECK constraint, because SQLite cannot add
one to an existing table and those rows have ``n`` NULL.
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_REFUSED = ("audit_trail: a row without its chain number n (a server process of a release"
            " before revision 0008?)")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION audit_trail_refuse_unnumbered() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$")
        op.execute("CREATE TRIGGER audit_trail_numbered BEFORE INSERT ON audit_trail FOR EACH"
                   " ROW WHEN (NEW.n IS NULL) EXECUTE FUNCTION audit_trail_refuse_unnumbered()")
    else:
        op.execute("CREATE TRIGGER audit_trail_numbered BEFORE INSERT ON audit_trail WHEN"
                   f" NEW.n IS NULL BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_trail_numbered" + (
        " ON audit_trail" if op.get_bind().dialect.name == 'postgresql' else ""))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_trail_refuse_unnumbered()")
