"""Schema step 11 (issue 18, item 6): a consultation has a title, and its duration may be unknown.

``consultations.title`` is new (text, ``''`` for the consultations written before: they had no
title; at most 200 characters, :class:`kimdesk.domain.models.Consultation`), and
``duration_minutes`` loses its ``NOT NULL``: ``NULL`` means "not recorded", where the app used to
assume 60 minutes. SQLite cannot drop a ``NOT NULL`` in place, so the table is rebuilt: created
anew, the rows copied with their ``seq`` (the row numbers stay what they were), the old table
dropped and the new one renamed, then its indexes and its merge-base trigger recreated. The sync
columns (``revision``, ``pending``, ``deleted``) are copied like any other, so pending edits stay
pending and synced rows stay clean; ``sync_base`` is not touched (a kept base without ``title``
reads as the default, ``''``, when it is merged). Existing durations are kept as stored, also the
60 that older versions filled in by themselves: nobody can tell it from a real 60 any more
(docs/vault.md, "Consultation title and duration").
"""

from __future__ import annotations

from kimdesk.vault.connection import Connection

#: Every column of the consultations table as of step 11, in model order, with its definition.
_COLUMNS = (
    "seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0,"
    " pending INTEGER NOT NULL DEFAULT 1, deleted INTEGER NOT NULL DEFAULT 0,"
    " case_id TEXT NOT NULL REFERENCES cases(id), date TEXT NOT NULL,"
    " title TEXT NOT NULL DEFAULT '', duration_minutes INTEGER, place TEXT NOT NULL,"
    " place_detail TEXT NOT NULL, interpreter_used INTEGER NOT NULL, interpreter_language TEXT,"
    " language TEXT NOT NULL, form_id TEXT, form_version TEXT, answers TEXT NOT NULL,"
    " summary TEXT NOT NULL, counselor TEXT NOT NULL"
)
#: The columns the rows are copied through (all but the new ``title``).
_COPIED = (
    "seq, id, created_at, updated_at, revision, pending, deleted, case_id, date,"
    " duration_minutes, place, place_detail, interpreter_used, interpreter_language, language,"
    " form_id, form_version, answers, summary, counselor"
)
#: Step 11's columns for the consultations' base trigger (frozen like step 3's).
V11_COLUMNS: dict[str, tuple[str, ...]] = {
    "consultations": ("id", "created_at", "updated_at", "deleted", "case_id", "date", "title",
                      "duration_minutes", "place", "place_detail", "interpreter_used",
                      "interpreter_language", "language", "form_id", "form_version", "answers",
                      "summary", "counselor"),
}


def v11(conn: Connection) -> None:
    """Rebuild ``consultations`` with ``title`` and a nullable ``duration_minutes``."""
    from kimdesk.vault.migrations import base_trigger_sql

    # The table's indexes and other triggers as they are (steps 1 and 4 made consultations_case,
    # _date, _pending and _stats), read from the schema rather than listed here: a step of
    # another change merged before this one may have added some, and they must survive too.
    kept = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'consultations' AND sql IS NOT NULL"
        " AND (type = 'index' OR (type = 'trigger' AND name != 'consultations_keep_base'))"
        " ORDER BY type, name")]
    conn.execute("DROP TRIGGER consultations_keep_base")
    conn.execute(f"CREATE TABLE consultations_v11 ({_COLUMNS})")
    conn.execute(f"INSERT INTO consultations_v11 ({_COPIED}) SELECT {_COPIED} FROM consultations"
                 " ORDER BY seq")
    # Dropping the table drops its indexes and triggers; nothing references a consultation by
    # key, so the implicit delete of ``foreign_keys = ON`` has no child rows to check.
    conn.execute("DROP TABLE consultations")
    conn.execute("ALTER TABLE consultations_v11 RENAME TO consultations")
    for statement in kept:  # they name the table "consultations", which it is again
        conn.execute(statement)
    conn.execute(base_trigger_sql("consultations", V11_COLUMNS["consultations"]))
