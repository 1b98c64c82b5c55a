"""A removed attachment's file, gone from everywhere the server kept it.

An attachment's file travels inside its record (``content``, base64). When a device removes the
attachment, it pushes a tombstone with the content emptied; in the same transaction the server
empties the file wherever it still holds a copy:

- every superseded version in ``record_history`` (each keeps its other fields: they are the merge
  bases of concurrent edits);
- the ``conflicts`` on the file (two devices replaced it at once: the base, theirs and mine are
  three files);
- the stored push receipts (``batches``) that carry it: a result's data where the server merged
  the change or answered with the stored version, and a conflict's values. Receipts are kept for
  good (docs/privacy.md, "Server storage") and a team's grow without bound, so each says whether
  it carries a file (``batches.files``) and only those are read;
- the receipt of the removing batch itself (:func:`without_removed_files`), which may carry the
  file from an earlier change of the same batch.

Before, only the history was scrubbed: the files stayed in ``conflicts`` and in the receipts for
good (found by a review, 2026-12-06). The attachment's name, type, size and checksum stay (they
are not the file). Purging a case removes its attachments with everything else
(:mod:`kimdesk.server.purge`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from kimdesk.server import db
from kimdesk.server.store import placeholder
from kimdesk.sync.protocol import ConflictInfo

KIND = "attachments"
FIELD = "content"


def removed_ids(rows: Iterable[tuple[Any, ...]]) -> set[str]:
    """The attachments a push removed (rows in ``store.RECORD_COLUMNS`` order: a tombstone)."""
    return {row[1] for row in rows if row[0] == KIND and row[5]}


def carries_files(results: list[dict[str, Any]], conflicts: list[ConflictInfo]) -> bool:
    """Whether a receipt's results or conflicts hold an attachment's file (``batches.files``)."""
    return (any(r["kind"] == KIND and r["data"] and r["data"].get(FIELD) for r in results)
            or any(c.kind == KIND and c.field == FIELD for c in conflicts))


def scrub(conn: Connection, team: str, ids: set[str]) -> int:
    """Empty the files of the removed attachments ``ids`` (of ``team``) in the history, the
    conflicts and the team's stored receipts that carry files. Returns the rows rewritten."""
    if not ids:
        return 0
    return _history(conn, ids) + _conflicts(conn, ids) + _receipts(conn, team, ids)


def without_removed_files(results: list[dict[str, Any]], conflicts: list[ConflictInfo],
                          ids: set[str]) -> tuple[list[dict[str, Any]], list[ConflictInfo]]:
    """The removing batch's own receipt with the files of ``ids`` emptied, as :func:`scrub`
    leaves the stored receipts of earlier batches."""
    if not ids:
        return results, conflicts
    for r in results:
        if r["kind"] == KIND and r["id"] in ids and r["data"] and r["data"].get(FIELD):
            r["data"] = r["data"] | {FIELD: ""}
    return results, [
        c.model_copy(update=_emptied(c.base, c.theirs, c.mine))
        if c.kind == KIND and c.record_id in ids and c.field == FIELD else c
        for c in conflicts]


def _emptied(*values: Any) -> dict[str, Any]:
    """A file conflict's three values emptied (an unknown base stays unknown)."""
    return {name: None if value is None else ""
            for name, value in zip(("base", "theirs", "mine"), values, strict=True)}


def _history(conn: Connection, ids: set[str]) -> int:
    m = placeholder(conn)
    scrubbed = 0
    for rid in sorted(ids):
        for hid, data in conn.exec_driver_sql(
                f"SELECT hid, data FROM {db.history.name} WHERE kind = '{KIND}' AND id = {m}",
                (rid,)).all():
            record = json.loads(data)
            if record.get(FIELD):
                record[FIELD] = ""
                conn.exec_driver_sql(
                    f"UPDATE {db.history.name} SET data = {m} WHERE hid = {m}",
                    (_dumps(record), hid))
                scrubbed += 1
    return scrubbed


def _conflicts(conn: Connection, ids: set[str]) -> int:
    m = placeholder(conn)
    # canonical JSON of the values: "null" (an unknown base) stays, any file becomes ""
    emptied = ", ".join(f"{v} = CASE WHEN {v} = 'null' THEN {v} ELSE '\"\"' END"
                        for v in ("base", "theirs", "mine"))
    scrubbed = 0
    for rid in sorted(ids):
        scrubbed += conn.exec_driver_sql(
            f"UPDATE {db.conflicts.name} SET {emptied} WHERE kind = '{KIND}'"
            f" AND record_id = {m} AND field = '{FIELD}'", (rid,)).rowcount
    return scrubbed


def _receipts(conn: Connection, team: str, ids: set[str]) -> int:
    m = placeholder(conn)
    rows = conn.exec_driver_sql(
        f"SELECT b.device_id, b.batch_id, b.receipt FROM {db.batches.name} b"
        f" JOIN {db.devices.name} d ON d.id = b.device_id WHERE d.team = {m} AND b.files",
        (team,)).all()
    scrubbed = 0
    for device_id, batch_id, receipt in rows:
        if not any(i in receipt for i in ids):
            continue
        data = json.loads(receipt)
        changed = False
        for r in data.get("results", []):
            record = r.get("data")
            if r.get("kind") == KIND and r.get("id") in ids and record and record.get(FIELD):
                record[FIELD] = ""
                changed = True
        for c in data.get("conflicts", []):
            if c.get("kind") == KIND and c.get("record_id") in ids and c.get("field") == FIELD:
                c.update(_emptied(c.get("base"), c.get("theirs"), c.get("mine")))
                changed = True
        if changed:
            conn.exec_driver_sql(
                f"UPDATE {db.batches.name} SET receipt = {m} WHERE device_id = {m}"
                f" AND batch_id = {m}", (_dumps(data), device_id, batch_id))
            scrubbed += 1
    return scrubbed


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
