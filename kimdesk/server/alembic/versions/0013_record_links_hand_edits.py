"""records: the links also follow an UPDATE that changes ``data`` and leaves ``seq`` (PostgreSQL)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

Revision 0012's trigger filled ``case_id`` and ``person_id`` from the JSON only for a write
whose ``links_seq`` was not the row's ``seq``. An ``UPDATE`` by hand that corrects a record's
``data`` (a note filed under the wrong case moved to the right one) and leaves ``seq`` alone
kept the old links: the purge of the case the note names now (Löschfrist, Art. 17 DSGVO) and
its Auskunft (Art. 15) found the note no longer, and the old case's purge deleted it (found by
a review; docs/deployment.md said such a statement "must set the links itself", a rule nobody
would notice breaking).

The trigger is split in two, since a trigger's ``WHEN`` on ``INSERT`` may not name ``OLD``:

- ``records_links`` (``INSERT``): as before, where ``links_seq`` is not ``seq``.
- ``records_links_update`` (``UPDATE``): also where the statement left ``links_seq`` as it was.
  The server writes ``links_seq`` with every record, always the record's new change number
  (:func:`kimdesk.server.store.linked_rows`), so its own writes still call no function; a
  statement that sets no ``links_seq`` (by hand; a process of an earlier release, as before)
  gets the links from the JSON, also one that sets a link column alone.

SQLite: nothing to do, its link columns are generated from ``data``. The downgrade puts 0012's
one trigger back.
"""
from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER records_links ON records")
    op.execute("CREATE TRIGGER records_links BEFORE INSERT ON records FOR EACH ROW"
               " WHEN (NEW.links_seq IS DISTINCT FROM NEW.seq)"
               " EXECUTE FUNCTION records_fill_links()")
    op.execute("CREATE TRIGGER records_links_update BEFORE UPDATE ON records FOR EACH ROW"
               " WHEN (NEW.links_seq IS DISTINCT FROM NEW.seq"
               " OR NEW.links_seq IS NOT DISTINCT FROM OLD.links_seq)"
               " EXECUTE FUNCTION records_fill_links()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER records_links_update ON records")
    op.execute("DROP TRIGGER records_links ON records")
    op.execute("CREATE TRIGGER records_links BEFORE INSERT OR UPDATE ON records FOR EACH ROW"
               " WHEN (NEW.links_seq IS DISTINCT FROM NEW.seq)"
               " EXECUTE FUNCTION records_fill_links()")
