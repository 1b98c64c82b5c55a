"""Schema step 12 (11 -> 12): attachments of form answers (issue 16, item 8).

One table ``attachments`` with the usual record metadata (it syncs like any record) and the
file's bytes as a BLOB inside the encrypted vault: a photo or a scanned letter a form question
asked for. It belongs to a consultation (the record that holds the form answers, whose answer
names only the attachment's id and file name) and through ``case_id`` to a case, so a purged
case takes its attachments with it (kimdesk/vault/purge.py).

The merge-base trigger is the common one (``base_trigger_sql``) except for ``content``: JSON
cannot hold a BLOB, so the base keeps it as base64 through ``kd_base64``, a function every vault
connection registers (kimdesk/vault/connection.py); the base then equals the record's JSON form
as sync sees it.
"""

from __future__ import annotations

from kimdesk.vault.connection import Connection

#: Step 12's columns for the attachments' base trigger (frozen like step 3's).
V12_COLUMNS: dict[str, tuple[str, ...]] = {
    "attachments": ("id", "created_at", "updated_at", "deleted", "case_id", "consultation_id",
                    "question", "file_name", "media_type", "size", "sha256", "content"),
}

_META = (
    "seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0,"
    " pending INTEGER NOT NULL DEFAULT 1, deleted INTEGER NOT NULL DEFAULT 0"
)


def attachments_trigger_sql() -> str:
    """``base_trigger_sql`` for attachments, with the BLOB given to JSON as base64."""
    from kimdesk.vault.migrations import base_trigger_sql

    sql = base_trigger_sql("attachments", V12_COLUMNS["attachments"])
    return sql.replace("'content', OLD.content", "'content', kd_base64(OLD.content)")


def v12(conn: Connection) -> None:
    """The attachments table, its indexes and its merge-base trigger."""
    conn.execute(
        f"CREATE TABLE attachments ({_META}, case_id TEXT NOT NULL REFERENCES cases(id),"
        " consultation_id TEXT NOT NULL, question TEXT NOT NULL, file_name TEXT NOT NULL,"
        " media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
        " content BLOB NOT NULL)")
    conn.execute("CREATE INDEX attachments_case ON attachments(case_id)")
    conn.execute("CREATE INDEX attachments_consultation ON attachments(consultation_id)")
    conn.execute("CREATE INDEX attachments_pending ON attachments(seq) WHERE pending = 1")
    conn.execute(attachments_trigger_sql())
