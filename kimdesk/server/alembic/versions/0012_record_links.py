"""records: the case and the person a record names, as columns the database keeps

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

A record's links (``case_id`` of a note, consultation, goal ...; ``person_id`` of a case or a
consent) lived only inside its JSON ``data``. Everything that asks "which records belong to
this case or person" read and parsed the JSON of every record of the kind: the purge under a
Löschfrist, the Auskunft (``subject-export``), the retention plan, the orphan check, and the
audit row of every pull page (on PostgreSQL 24 of the 27 ms a page of 4,000 records took:
docs/sync-protocol.md, "Measured"). Need-to-know (docs/planned.md, section 2) will ask it of
every pull. Design debt 6 of docs/planned.md.

Two columns, ``case_id`` and ``person_id``: copies of the JSON fields of the same name, NULL
where the record has none, each with an index on PostgreSQL. No code path may forget them or
leave them stale, also not a process of an earlier release beside this one (a rolling
restart), which knows nothing of them: it must keep working and fail nothing
(docs/deployment.md, "Upgrades").
The indexes hold only the records that have the link.

- SQLite: generated columns (``VIRTUAL``: SQLite cannot add a stored one to a table without
  copying it), computed by SQLite from ``data`` where they are read, and without an index:
  indexed, every write parsed the record's JSON for them, and a replayed push took 8-13 % longer
  (10k new 0.54-0.60 -> 0.62-0.65 s, 10k changed 0.66-0.69 -> 0.75-0.79 s, alternating); a
  lookup by link on SQLite reads each record's JSON as before this revision (500 cases' notes
  among 50,000 records: about 0.05 s). The same SQL reads the columns on both backends.
- PostgreSQL: plain columns the server writes with each record, plus ``links_seq``, the change
  number they were written with. Triggers fill all three from the JSON for a write that did not
  write them: an ``INSERT`` whose ``links_seq`` is not the row's ``seq``, an ``UPDATE`` whose
  ``links_seq`` is not the row's new ``seq`` or that left ``links_seq`` as it was (a process of
  an earlier release; a statement by hand, also one that corrects ``data`` and leaves ``seq``:
  a note moved to the right case by hand kept its old ``case_id`` under a first version of
  this revision, found by a review, so the purge and the Auskunft of the case it names missed
  it). Their ``WHEN`` conditions are checked by PostgreSQL itself, so a write of this release
  calls no function. Why not generated columns there too: PostgreSQL parses the JSON for them
  at every write, which cost a push of 10k records 0.19-0.31 s more of the database's CPU time
  (about 13 us a record; written by the server, the index entries alone).

The downgrade drops triggers, indexes and columns; nothing else changed.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

#: The JSON fields that become columns, each with its index.
LINKS = ('case_id', 'person_id')


#: PostgreSQL: the links of a row written without them (``links_seq`` not its ``seq``).
_FILL = ("CREATE FUNCTION records_fill_links() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
         " NEW.case_id := NEW.data::json ->> 'case_id';"
         " NEW.person_id := NEW.data::json ->> 'person_id';"
         " NEW.links_seq := NEW.seq; RETURN NEW; END $$")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE records ADD COLUMN case_id text, ADD COLUMN person_id text,"
                   " ADD COLUMN links_seq bigint")
        op.execute("UPDATE records SET case_id = data::json ->> 'case_id',"
                   " person_id = data::json ->> 'person_id', links_seq = seq")
        op.execute(_FILL)
        # two triggers: a WHEN on INSERT may not name OLD
        op.execute("CREATE TRIGGER records_links BEFORE INSERT ON records FOR EACH ROW"
                   " WHEN (NEW.links_seq IS DISTINCT FROM NEW.seq)"
                   " EXECUTE FUNCTION records_fill_links()")
        op.execute("CREATE TRIGGER records_links_update BEFORE UPDATE ON records FOR EACH ROW"
                   " WHEN (NEW.links_seq IS DISTINCT FROM NEW.seq"
                   " OR NEW.links_seq IS NOT DISTINCT FROM OLD.links_seq)"
                   " EXECUTE FUNCTION records_fill_links()")
        for field in LINKS:
            # only where a record has the link (a person has neither): no index entry per NULL
            op.create_index(f'records_{field}', 'records', [field], unique=False,
                            postgresql_where=sa.text(f'{field} IS NOT NULL'))
    else:
        # no index on SQLite: keeping one parses every written record's JSON (a push 8-13 %
        # slower); a lookup by link evaluates json_extract per record, as before this revision
        for field in LINKS:
            op.execute(f"ALTER TABLE records ADD COLUMN {field} TEXT GENERATED ALWAYS AS"
                       f" (json_extract(data, '$.{field}')) VIRTUAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for field in LINKS:
            op.drop_index(f'records_{field}', table_name='records')
        op.execute("DROP TRIGGER records_links_update ON records")
        op.execute("DROP TRIGGER records_links ON records")
        op.execute("DROP FUNCTION records_fill_links()")
        op.execute("ALTER TABLE records DROP COLUMN case_id, DROP COLUMN person_id,"
                   " DROP COLUMN links_seq")
        return
    for field in LINKS:
        op.execute(f"ALTER TABLE records DROP COLUMN {field}")
