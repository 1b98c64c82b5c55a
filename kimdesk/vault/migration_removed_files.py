"""Schema step 14 (13 -> 14): a removed attachment's file leaves the vault's sync conflicts too.

Two devices that replace the same attachment's file at once get a conflict on its ``content``;
``sync_conflicts`` then holds the base, theirs and mine (and, once the counselor chose, the
resolution): files as base64. Removing the attachment dropped its bytes from the record
(``secure_delete`` overwrites them) but left these copies until the case was purged, as the server
left them in its own ``conflicts`` (kimdesk/server/removed_files.py, found on 2026-12-06).

Triggers, so no code path that removes an attachment can miss it: a tombstone written locally, one
pulled, one taken from a push receipt (``attachments_forget_file``), a conflict on the file
arriving after the attachment was removed (``conflicts_forget_removed_file``), and the merge base
(``sync_base``) the removal itself keeps: the ``attachments_keep_base`` trigger copies the old
row, file included, when the removal makes the row pending, and the file stayed there until the
server acknowledged the removal, days for an offline device (found by a review). The base then
holds :data:`REMOVED` instead (``sync_base_forget_removed_file_*``; SQLite does not promise an
order among triggers, so these watch ``sync_base`` itself). An unknown base
(``null``) stays unknown; every file becomes ``""``. A tombstone keeps no bytes either: a server
before 2026-12-06 could store one with a file (a removal racing a new file) and devices pulled
it. The step also empties what attachments removed before it left.
"""

from __future__ import annotations

from kimdesk.vault.connection import Connection

#: The emptied values, as ``SET`` assignments (JSON text: ``null`` stays, a file becomes "").
_EMPTIED = ", ".join(
    [f"{v} = CASE WHEN {v} = 'null' THEN {v} ELSE '\"\"' END" for v in ("base", "theirs", "mine")]
    + ["resolution = CASE WHEN resolution IS NULL OR resolution = 'null' THEN resolution"
       " ELSE '\"\"' END"])
_FILE = "kind = 'attachments' AND field = 'content'"
#: What a removed attachment's merge base holds instead of its file: not a file (not base64),
#: and not "" either, so the push still sends the tombstone's empty ``content`` (a server
#: before 2026-12-06 kept the file of a tombstone that did not name it).
REMOVED = "(removed)"
#: A merge base (``{t}``: the row's prefix) that holds a removed attachment's file.
_BASE_HOLDS_REMOVED_FILE = (
    "{t}kind = 'attachments' AND {t}data IS NOT NULL"
    " AND json_extract({t}data, '$.content') IS NOT '" + REMOVED + "'"
    " AND {t}id IN (SELECT id FROM attachments WHERE deleted = 1)")

STATEMENTS = (
    "CREATE TRIGGER attachments_forget_file AFTER UPDATE OF deleted ON attachments"
    " WHEN NEW.deleted = 1 BEGIN"
    " UPDATE attachments SET content = x'' WHERE id = NEW.id AND length(content) > 0;"
    f" UPDATE sync_base SET data = json_set(data, '$.content', '{REMOVED}')"
    " WHERE kind = 'attachments' AND id = NEW.id AND data IS NOT NULL"
    f" AND json_extract(data, '$.content') IS NOT '{REMOVED}';"
    f" UPDATE sync_conflicts SET {_EMPTIED} WHERE {_FILE} AND record_id = NEW.id; END",
    "CREATE TRIGGER conflicts_forget_removed_file AFTER INSERT ON sync_conflicts"
    " WHEN NEW.kind = 'attachments' AND NEW.field = 'content' AND EXISTS (SELECT 1 FROM"
    " attachments WHERE id = NEW.record_id AND deleted = 1) BEGIN"
    f" UPDATE sync_conflicts SET {_EMPTIED} WHERE id = NEW.id; END",
    f"UPDATE sync_conflicts SET {_EMPTIED} WHERE {_FILE} AND record_id IN"
    " (SELECT id FROM attachments WHERE deleted = 1)",
    "UPDATE attachments SET content = x'' WHERE deleted = 1 AND length(content) > 0",
    *(f"CREATE TRIGGER sync_base_forget_removed_file_{event.split()[0].lower()} AFTER {event}"
      f" ON sync_base WHEN {_BASE_HOLDS_REMOVED_FILE.replace('{t}', 'NEW.')} BEGIN"
      f" UPDATE sync_base SET data = json_set(data, '$.content', '{REMOVED}')"
      " WHERE kind = NEW.kind AND id = NEW.id; END" for event in ("INSERT", "UPDATE OF data")),
    f"UPDATE sync_base SET data = json_set(data, '$.content', '{REMOVED}')"
    f" WHERE {_BASE_HOLDS_REMOVED_FILE.replace('{t}', '')}",
)


def step(conn: Connection) -> None:
    """Create the triggers and empty what attachments removed before left (module docstring)."""
    for statement in STATEMENTS:
        conn.execute(statement)
