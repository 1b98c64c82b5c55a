"""A removed attachment's file, gone from everywhere the server kept it.

An attachment's file travels inside its record (``content``, base64). When a device removes the
attachment, it pushes a tombstone with the content emptied. The server:

- stores **no file in a tombstone**, whatever the merge says (:func:`forget_file`): a removal
  racing a new file (the stored file would stay as the conflict's "theirs"), a tombstone that
  does not name ``content`` (an older or tampered client), a stale device's new file merged into
  the tombstone. Removal wins over the file; the conflicts on it are dropped;
- empties the file, in the same transaction, wherever it still holds a copy (:func:`scrub`):
  every superseded version in ``record_history`` (each keeps its other fields: they are the merge
  bases of concurrent edits), the ``conflicts`` on the file (their values are files; every
  conflict of a removed attachment is closed, :func:`close_conflicts`), and the stored push
  receipts (``batches``) that carry it: a result's data where the
  server merged the change or answered with the stored version, and a conflict's values;
- and the removing batch's own receipt (:func:`without_removed_files`).

A stored receipt answers a resend of its batch (a lost response, a vault restored from a backup),
so a scrubbed result must still be one the device can apply: it becomes the tombstone it now is
(``deleted``, no file; the attachment's size and checksum would not match an empty file). Each
receipt says whether it carries a file (``batches.files``), so only those are read, and the mark
is cleared once a receipt carries none (or was emptied, :mod:`.receipts`, also while a removal
reads the marked ones: another server process's retention run takes no team lock): receipts
keep their content for 30 days (docs/privacy.md, "Server storage"), and a team's rows grow.

Before 2026-12-06 only the history was scrubbed (a review found the files in ``records``,
``conflicts`` and receipts). The attachment's name, type, size and checksum stay: they are not
the file. Purging a case removes its attachments with everything else (:mod:`.purge`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from kimdesk.server import db
from kimdesk.server.store import placeholder
from kimdesk.sync.merge import FieldConflict
from kimdesk.sync.protocol import ConflictInfo

if TYPE_CHECKING:
    from kimdesk.server.push_plan import PushPlan

KIND = "attachments"
FIELD = "content"
#: Ids per ``IN (...)`` list (well under SQLite's parameter limit).
_CHUNK = 500


def forget_file(kind: str, record: dict[str, Any], conflicts: list[FieldConflict]
                ) -> list[FieldConflict]:
    """A merged record of a removed attachment keeps no file: ``content`` emptied in
    ``record``, conflicts on it dropped (the conflicts left are returned)."""
    if kind != KIND or not record.get("deleted"):
        return conflicts
    record[FIELD] = ""
    return [c for c in conflicts if c.field != FIELD]


def removed_ids(rows: Iterable[tuple[Any, ...]]) -> set[str]:
    """The attachments a push removed (rows in ``store.RECORD_COLUMNS`` order: a tombstone)."""
    return {row[1] for row in rows if row[0] == KIND and row[5]}


def carries_files(results: list[dict[str, Any]], conflicts: Iterable[Any]) -> bool:
    """Whether a receipt's results or conflicts (``ConflictInfo`` or their JSON dicts) hold an
    attachment's file (``batches.files``)."""
    return (any(r.get("kind") == KIND and r.get("data") and r["data"].get(FIELD)
                for r in results)
            or any(_get(c, "kind") == KIND and _get(c, "field") == FIELD
                   and any(_get(c, v) for v in ("base", "theirs", "mine")) for c in conflicts))


def close_conflicts(conn: Connection, team: str, ids: set[str], plan: PushPlan) -> None:
    """Close every conflict of the attachments ``ids`` the push removed: removal wins, and an
    open conflict on a removed file (or its size or checksum) would keep the devices in
    "conflict" for good. Stored ones are numbered like the batch's own resolutions; those the
    batch opened itself are stored closed. Both go into the receipt's conflicts, closed: the
    removing device counts the batch's change numbers as its own and does not pull them (found
    by a review; :mod:`kimdesk.sync.ownnumbers`). Values of a file are emptied."""
    if not ids:
        return
    for row in plan.conflict_rows:
        if row["kind"] == KIND and row["record_id"] in ids:
            row.update(status="resolved", resolved_at=plan.stamp)
    plan.conflicts = [c.model_copy(update={"status": "resolved"})
                      if c.kind == KIND and c.record_id in ids else c for c in plan.conflicts]
    closing = {cid for cid, _ in plan.resolutions}
    for chunk in _chunks(ids):
        for found in conn.execute(select(db.conflicts).where(
                db.conflicts.c.team == team, db.conflicts.c.kind == KIND,
                db.conflicts.c.status == "open", db.conflicts.c.record_id.in_(chunk))
                .order_by(db.conflicts.c.id)).all():
            if found.id in closing:  # resolved by this batch already: numbered there
                continue
            plan.seq += 1
            plan.resolutions.append((found.id, plan.seq))
            plan.conflicts.append(ConflictInfo(
                id=found.id, kind=found.kind, record_id=found.record_id, field=found.field,
                base=json.loads(found.base), theirs=json.loads(found.theirs),
                mine=json.loads(found.mine), device_id=found.device_id, status="resolved",
                created_at=found.created_at))


def scrub(conn: Connection, team: str, ids: set[str]) -> int:
    """Empty the files of the removed attachments ``ids`` (of ``team``) in the history, the
    conflicts and the team's stored receipts that carry files. Returns the rows rewritten."""
    if not ids:
        return 0
    return _history(conn, ids) + _conflicts(conn, team, ids) + _receipts(conn, team, ids)


def without_removed_files(results: list[dict[str, Any]], conflicts: list[ConflictInfo],
                          ids: set[str]) -> tuple[list[dict[str, Any]], list[ConflictInfo]]:
    """The removing batch's own receipt with the files of ``ids`` emptied, as :func:`scrub`
    leaves the stored receipts of earlier batches."""
    if not ids:
        return results, conflicts
    for r in results:
        _forget_in_result(r, ids)
    return results, [
        c.model_copy(update=_emptied(c.base, c.theirs, c.mine))
        if c.kind == KIND and c.record_id in ids and c.field == FIELD else c
        for c in conflicts]


def _forget_in_result(result: dict[str, Any], ids: set[str]) -> bool:
    """A result that carries a removed attachment's file becomes that attachment's tombstone
    (a result of a resent batch must stay one the device can apply); True if it changed."""
    record = result.get("data")
    if result.get("kind") != KIND or result.get("id") not in ids or not record:
        return False
    if not record.get(FIELD) and record.get("deleted"):
        return False
    result["data"] = record | {FIELD: "", "deleted": True}
    result["deleted"] = True
    return True


def _emptied(*values: Any) -> dict[str, Any]:
    """A file conflict's three values emptied (an unknown base stays unknown)."""
    return {name: None if value is None else ""
            for name, value in zip(("base", "theirs", "mine"), values, strict=True)}


def _history(conn: Connection, ids: set[str]) -> int:
    m = placeholder(conn)
    scrubbed = 0
    for chunk in _chunks(ids):
        for hid, data in conn.exec_driver_sql(
                f"SELECT hid, data FROM {db.history.name} WHERE kind = '{KIND}'"
                f" AND id IN ({', '.join(m for _ in chunk)})", tuple(chunk)).all():
            record = json.loads(data)
            if record.get(FIELD):
                record[FIELD] = ""
                conn.exec_driver_sql(
                    f"UPDATE {db.history.name} SET data = {m} WHERE hid = {m}",
                    (_dumps(record), hid))
                scrubbed += 1
    return scrubbed


def _conflicts(conn: Connection, team: str, ids: set[str]) -> int:
    m = placeholder(conn)
    # canonical JSON of the values: "null" (an unknown base) stays, any file becomes ""
    emptied = ", ".join(f"{v} = CASE WHEN {v} = 'null' THEN {v} ELSE '\"\"' END"
                        for v in ("base", "theirs", "mine"))
    scrubbed = 0
    for chunk in _chunks(ids):
        scrubbed += conn.exec_driver_sql(
            f"UPDATE {db.conflicts.name} SET {emptied} WHERE team = {m} AND kind = '{KIND}'"
            f" AND field = '{FIELD}' AND record_id IN ({', '.join(m for _ in chunk)})",
            (team, *chunk)).rowcount
    return scrubbed


def _receipts(conn: Connection, team: str, ids: set[str]) -> int:
    """The team's receipts marked as carrying files, read one at a time (one can be large)."""
    m = placeholder(conn)
    marked = conn.exec_driver_sql(
        f"SELECT b.device_id, b.batch_id FROM {db.batches.name} b"
        f" JOIN {db.devices.name} d ON d.id = b.device_id WHERE d.team = {m} AND b.files",
        (team,)).all()
    scrubbed = 0
    for device_id, batch_id in marked:
        receipt = conn.exec_driver_sql(
            f"SELECT receipt FROM {db.batches.name} WHERE device_id = {m} AND batch_id = {m}",
            (device_id, batch_id)).scalar_one()
        if not receipt:  # emptied since the marks were read (kimdesk.server.receipts)
            conn.exec_driver_sql(
                f"UPDATE {db.batches.name} SET files = {m} WHERE device_id = {m}"
                f" AND batch_id = {m}", (False, device_id, batch_id))
            continue
        data = json.loads(receipt)
        results, conflicts = data.get("results", []), data.get("conflicts", [])
        changed = False
        for r in results:
            changed = _forget_in_result(r, ids) or changed
        for c in conflicts:
            if c.get("kind") == KIND and c.get("record_id") in ids and c.get("field") == FIELD:
                c.update(_emptied(c.get("base"), c.get("theirs"), c.get("mine")))
                changed = True
        files = carries_files(results, conflicts)
        if changed:
            conn.exec_driver_sql(  # not over one emptied since it was read (as above)
                f"UPDATE {db.batches.name} SET receipt = {m}, files = {m}"
                f" WHERE device_id = {m} AND batch_id = {m} AND receipt <> {m}",
                (_dumps(data), files, device_id, batch_id, ""))
            scrubbed += 1
        elif not files:  # nothing left to scrub in it: not read again
            conn.exec_driver_sql(
                f"UPDATE {db.batches.name} SET files = {m} WHERE device_id = {m}"
                f" AND batch_id = {m}", (False, device_id, batch_id))
    return scrubbed


def _get(conflict: Any, name: str) -> Any:
    return conflict.get(name) if isinstance(conflict, dict) else getattr(conflict, name)


def _chunks(ids: set[str]) -> Iterable[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
