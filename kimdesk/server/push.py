"""A device's push: one transaction in four steps, load -> decide -> write -> receipt.

1. **load** the stored records the batch touches and the few merge bases it needs from the
   history (plain driver rows: SQLAlchemy's expanding IN and row processing cost a sixth of a
   10k push of changed records);
2. **decide** every change without the database (:mod:`kimdesk.server.push_plan`);
3. **write** the plan in a handful of statements (:mod:`kimdesk.server.store`);
4. the **receipt** as JSON text, stored with the batch and sent (serialised once: the receipt of
   a big batch is a megabyte).

A push takes the team row's lock first (``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock
on SQLite); the team's change counter is bumped under it, so change numbers are handed out in
commit order and a pull cursor never skips a change. A batch is idempotent by its id: sent
again, its stored receipt is the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from kimdesk.server import audit_trail, db, plausibility, purge, receipts, removed_files
from kimdesk.server.common import Device, ServiceError, now_iso
from kimdesk.server.pull import team_state
from kimdesk.server.push_plan import Key, PushPlan, StoredRecord, decide, touched_keys
from kimdesk.server.store import (
    HISTORY_COLUMNS,
    insert_rows,
    linked_rows,
    lock_team,
    open_conflicts,
    select_by_ids,
    update_records,
)
from kimdesk.sync.protocol import ErrorCode, PushRequest, TeamState

log = logging.getLogger(__name__)

#: Times a push is decided again after a unique key another push committed meanwhile.
RACE_ATTEMPTS = 3


def push_json(engine: Engine, device: Device, request: PushRequest, payload_hash: str, *,
              state: bool = False) -> str:
    """Apply a batch; its receipt as the JSON text that is stored and sent. ``state``: the
    answer also carries the team's state (``PushReceipt.state``, read after the commit, as
    ``GET /v1/state?digest=false`` would; not stored)."""
    dbapi = engine.dialect.dbapi  # COPY goes past SQLAlchemy: its errors are the driver's own
    integrity: tuple[type[Exception], ...] = (
        (IntegrityError,) if dbapi is None else (IntegrityError, dbapi.IntegrityError))
    for attempt in range(RACE_ATTEMPTS):
        try:
            receipt, scrubbed = _push(engine, device, request, payload_hash)
        except integrity:
            # Two instances raced on the same batch: the other one committed; answer its
            # receipt. Or a push of another team created one of this batch's new records since
            # it was looked up (each push locks its own team only): decided again, the record
            # is that team's and the change is refused, instead of a 500 (found by a review).
            stored = _stored_receipt(engine, device, request.batch_id, payload_hash)
            if stored is not None:
                receipt, scrubbed = stored, False
                break
            if attempt + 1 == RACE_ATTEMPTS:
                raise
        else:
            # a purge, or an attachment's removal, left old page images with the data in
            # SQLite's log (the tables themselves are clean): empty it (a review found a
            # removed file there 300 pushes later). Only when this push did either: a refused
            # tombstone or deletion costs no checkpoint.
            if scrubbed:
                purge.flush_freed_pages(engine)
            break
    if state:
        # the batch is stored: a failed read of the extra must not turn its answer into an
        # error (the device would keep a batch the server has); without it the device asks
        try:
            return with_state(receipt, team_state(engine, device, digest=False))
        except SQLAlchemyError as exc:
            log.warning("team state for a push receipt failed: %s", type(exc).__name__)
    return receipt


def with_state(receipt: str, state: TeamState) -> str:
    """The receipt's JSON text with the team's state added. The receipt is an object this
    module serialised itself, so the field goes in before its closing brace (serialising a big
    batch's receipt again would cost more than the request the state saves)."""
    return f'{receipt[:-1]},"state":{state.model_dump_json()}}}'


def _stored_receipt(engine: Engine, device: Device, batch_id: str, payload_hash: str
                    ) -> str | None:
    with db.reading(engine) as conn:
        row = conn.execute(
            select(db.batches.c.payload_hash, db.batches.c.receipt,
                   db.batches.c.created_at).where(
                db.batches.c.device_id == device.id, db.batches.c.batch_id == batch_id
            )
        ).first()
    if row is None:
        return None
    return _answered(row, payload_hash)


def _answered(row: Any, payload_hash: str) -> str:
    """The stored receipt of a batch sent again; ``409 batch_reused`` for another payload under
    its id, ``409 batch_expired`` when the receipt was emptied (:mod:`kimdesk.server.receipts`):
    the batch was applied long ago and is never applied again."""
    if row.payload_hash != payload_hash:
        raise ServiceError(409, ErrorCode.BATCH_REUSED,
                           "this batch id was used for a different payload")
    if row.receipt == receipts.EMPTIED:
        raise receipts.expired(str(row.created_at))
    return str(row.receipt)


def _push(engine: Engine, device: Device, request: PushRequest, payload_hash: str
          ) -> tuple[str, bool]:
    """The batch applied (or its stored receipt): the receipt, and whether the push purged a
    record or removed an attachment's file."""
    with engine.begin() as conn:
        first_seq = lock_team(conn, device.team)  # lock first
        stored = conn.execute(
            select(db.batches.c.payload_hash, db.batches.c.receipt,
                   db.batches.c.created_at).where(
                db.batches.c.device_id == device.id,
                db.batches.c.batch_id == request.batch_id,
            )
        ).first()
        if stored is not None:
            return _answered(stored, payload_hash), False
        own = conn.execute(
            select(db.devices.c.last_batch_seq, db.devices.c.revoked_at)
            .where(db.devices.c.id == device.id)
        ).one()
        if own.revoked_at is not None:
            # revoked after its token was checked (a revoke, a staff member deactivated, while
            # this batch was on its way or waited for the team's lock): nothing of it is applied
            raise ServiceError(401, ErrorCode.DEVICE_REVOKED, "this device has been revoked")
        last = int(own.last_batch_seq)
        if request.batch_seq != last + 1:
            raise ServiceError(409, ErrorCode.OUT_OF_ORDER,
                               f"expected batch {last + 1}, got {request.batch_seq}",
                               expected=last + 1)
        receipt, files, scrubbed, counts, gone = apply_batch(conn, device, request, first_seq)
        conn.execute(
            update(db.devices).where(db.devices.c.id == device.id).values(
                last_batch_seq=request.batch_seq, last_seen=now_iso()
            )
        )
        conn.execute(
            insert(db.batches).values(
                device_id=device.id,
                batch_id=request.batch_id,
                batch_seq=request.batch_seq,
                payload_hash=payload_hash,
                receipt=receipt,
                created_at=now_iso(),
                files=files,
            )
        )
        # last: the trail's lock (PostgreSQL) is held only until the commit that follows
        ids: dict[str, list[str]] = {}
        for change in request.changes:
            ids.setdefault(change.kind, []).append(change.id)
        for kind, rid in gone:  # what its deletions purged, as the Löschfrist run's row names
            ids.setdefault(kind, []).append(rid)
        audit_trail.append(conn, audit_trail.Actor.DEVICE, device.id, audit_trail.Action.PUSH,
                           device.team, ids, {"batch_id": request.batch_id,
                                              "batch_seq": request.batch_seq, **counts,
                                              **device.audit_detail()})
        return receipt, scrubbed


def apply_batch(conn: Connection, device: Device, request: PushRequest, first_seq: int
                ) -> tuple[str, bool, bool, dict[str, int], set[tuple[str, str]]]:
    """Apply the changes of a batch (the team row is locked); the receipt as JSON text,
    whether it carries an attachment's file (``batches.files``), whether it purged a
    record or removed an attachment's file (SQLite's log then holds old pages with them), and
    the counts of the audit trail's row (results by status, conflicts, records purged, files
    removed) and the records purged (kind, id), which the row names (before the review of
    2026-12-07 it named the deletion record only, so ``audit --case`` missed who deleted a
    case)."""
    wanted, repeated = touched_keys(request)
    refused = purge.refusals(conn, device.team,
                             [(c.kind, c.id, c.changed) for c in request.changes])
    current = load_records(conn, wanted)
    stored = dict(current)  # as before the batch (decide updates current for repeated changes)
    bases, creations = load_bases(conn, request, current, device.id)
    teams = load_teams(conn, plausibility.referenced_ids(request.changes))
    named = {cid for c in request.changes for cid in c.resolves}
    resolvable = open_conflicts(conn, device.team, sorted(named)) if named else set()
    # the batch's own records are not looked up again: their stored team is in ``current``
    # (a change that refers to another change of the batch, whose record the server holds
    # for another team, is refused like any such reference)
    teams.update({key: row.team for key, row in current.items()})
    plan = decide(device, request, current, bases, repeated, first_seq, now_iso(), refused,
                  teams, resolvable, creations)
    removed = removed_files.removed_ids(plan.records.values())
    removed_files.close_conflicts(conn, device.team, removed, plan)
    write_plan(conn, device, plan, stored)
    gone = purge.purge_written_deletions(conn, device.team, plan.records.values(), plan.stamp)
    plan.results, plan.conflicts = purge.without_purged(plan.results, plan.conflicts,
                                                        {i for _, i in gone})
    removed_files.scrub(conn, device.team, removed)
    plan.results, plan.conflicts = removed_files.without_removed_files(
        plan.results, plan.conflicts, removed)
    counts: dict[str, int] = {"changes": len(request.changes), "conflicts": len(plan.conflicts),
                              "purged": len(gone), "files_removed": len(removed)}
    for r in plan.results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return (receipt_json(request, plan), removed_files.carries_files(plan.results, plan.conflicts),
            bool(gone or removed), counts, gone)


def load_teams(conn: Connection, ids: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """The team of each record a batch refers to that the server holds (``ids`` by kind:
    :func:`kimdesk.server.plausibility.referenced_ids`)."""
    return {(kind, str(rid)): str(team) for kind, wanted in sorted(ids.items())
            for rid, team in select_by_ids(conn, db.records.name, "id, team", (kind,),
                                           sorted(wanted))}


def load_records(conn: Connection, wanted: dict[str, list[str]]) -> dict[Key, StoredRecord]:
    """The stored records with the given ids, by kind."""
    current: dict[Key, StoredRecord] = {}
    for kind, ids in wanted.items():
        for t in select_by_ids(conn, db.records.name,
                               "kind, id, team, rev, data, deleted, updated_at, updated_by,"
                               " batch_id, written_at", (kind,), ids):
            current[(t[0], t[1])] = StoredRecord(*t)
    return current


def load_bases(conn: Connection, request: PushRequest, current: dict[Key, StoredRecord],
               device_id: str) -> tuple[dict[Key, dict[str, Any]], set[Key]]:
    """The merge base of each change that needs one and did not bring it: the record as this
    server stored it at the change's ``base_rev``, from the history; and the records whose
    base is their creation by this device (below).

    Only a change whose record moved on since ``base_rev`` needs a base (a fast-forward does
    not), so devices leave ``base`` out (it was half of a batch of edits) and the server reads
    the few it needs. A base the history no longer holds counts as unknown (``None`` for every
    field the device changed): a field the other side changed too then becomes a conflict
    instead of being overwritten. A base sent along (older clients did) is not used: it became
    the conflict's ``base`` unchecked, and went to every device of the team (a review: a NUL
    character, an object for a text field, a 60 MB string); the history holds every version.

    ``base_rev`` 0 for a record the server holds: the device never learnt a revision of it (a
    vault restored from a backup taken before the record's first push, which reached the
    server from the lost disk). Merged with no base, every field it sent won, over a
    colleague's later edit, silently. Its base is the record's first revision when this device
    wrote it (the creation the device's version comes from; the change then carries only what
    differs from it, :meth:`kimdesk.server.push_plan._Decision._merge`), else unknown."""
    needed: dict[Key, int] = {}
    unseen = False  # a change with base_rev 0 for a record the server holds
    for change in request.changes:
        row = current.get((change.kind, change.id))
        if row is None or change.base_rev >= row.rev:
            continue  # new, or a fast-forward: no base (nearly every change)
        if change.base_rev > 0:
            needed[(change.kind, change.id)] = change.base_rev
        else:
            unseen = True
            if row.rev > 1:  # the first revision is in the history
                needed[(change.kind, change.id)] = 1
    if not needed and not unseen:
        return {}, set()
    found = _history_at(conn, needed)
    out: dict[Key, dict[str, Any]] = {}
    creations: set[Key] = set()
    for change in request.changes:
        key = (change.kind, change.id)
        row = current.get(key)
        if row is None or change.base_rev >= row.rev:
            continue
        if change.base_rev > 0:
            hit = found.get(key)
            out[key] = hit[0] if hit is not None else dict.fromkeys(change.changed)
            continue
        data, writer = (found.get(key) or (None, "")) if row.rev > 1 else (
            from_json(row.data), row.updated_by)
        if data is not None and writer == device_id:
            out[key] = data | {f: None for f in change.changed if f not in data}
            creations.add(key)
        else:
            out[key] = dict.fromkeys(change.changed)
    return out, creations


def _history_at(conn: Connection, needed: dict[Key, int]
                ) -> dict[Key, tuple[dict[str, Any], str]]:
    """The records' data at the given revisions, as far as the history still holds them, each
    with the device that wrote it."""
    found: dict[Key, tuple[dict[str, Any], str]] = {}
    if not needed:
        return found
    kinds = sorted({k for k, _ in needed})
    for kind, rid, rev, data, writer in select_by_ids(
            conn, db.history.name, "kind, id, rev, data, device_id", kinds,
            sorted({i for _, i in needed})):
        if needed.get((kind, rid)) == rev:
            found[(kind, rid)] = (from_json(data), str(writer))
    return found


def write_plan(conn: Connection, device: Device, plan: PushPlan,
               stored: dict[Key, StoredRecord]) -> None:
    """New records inserted, changed ones updated (their ``stored`` versions moved into the
    history), versions the batch superseded itself into the history, the new conflicts, the
    resolved ones, and the team's change counter set to the last number used."""
    if plan.records:
        columns, rows = linked_rows(conn, plan.records, plan.links)
        fresh = [rows[k] for k in plan.records if k in plan.new_keys]
        if fresh:
            insert_rows(conn, db.records, columns, fresh)
        stale = [rows[k] for k in plan.records if k not in plan.new_keys]
        if stale:
            update_records(conn, stale, stored, columns)
        if plan.history:
            insert_rows(conn, db.history, HISTORY_COLUMNS, plan.history)
    if plan.conflict_rows:
        conn.execute(insert(db.conflicts), plan.conflict_rows)
    cc = db.conflicts.c
    for conflict_id, seq in plan.resolutions:
        conn.execute(
            update(db.conflicts)
            .where(cc.id == conflict_id, cc.team == device.team, cc.status == "open")
            .values(status="resolved", resolved_at=plan.stamp, seq=seq)
        )
    if plan.seq >= plan.first_seq:
        conn.execute(update(db.teams).where(db.teams.c.name == device.team)
                     .values(change_seq=plan.seq))


def receipt_json(request: PushRequest, plan: PushPlan) -> str:
    """The receipt (``PushReceipt``'s shape) from plain dicts: a model per result cost a tenth
    of a 10k push."""
    return to_json({
        "batch_id": request.batch_id, "batch_seq": request.batch_seq, "results": plan.results,
        "conflicts": [c.model_dump(mode="json") for c in plan.conflicts],
        "server_seq": max(plan.seq, 0),
    }).decode()
