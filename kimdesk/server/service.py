"""The server's rules, independent of HTTP: enrollment, authentication, push, pull, state.

Every request is one database transaction; nothing is kept in memory between requests, so
several instances can serve one database. A push takes the team row's lock first (``SELECT ...
FOR UPDATE`` on PostgreSQL, the write lock on SQLite); the team's change counter is bumped under
it, so change numbers are handed out in commit order and a pull cursor never skips a change.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import from_json, to_json  # from_json: 2-3x json.loads on a record
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from kimdesk.domain.models import RECORD_BY_KIND
from kimdesk.server import db
from kimdesk.sync.merge import merge_fields
from kimdesk.sync.protocol import (
    NON_FIELDS,
    PULL_PAGE_DEFAULT,
    PULL_PAGE_MAX,
    REFERENCE_KINDS,
    SYNC_KINDS,
    ChangeStatus,
    ConflictInfo,
    EnrollResponse,
    ErrorCode,
    PullPage,
    PushReceipt,
    PushRequest,
    ReferenceItem,
    ReferencePage,
    TeamState,
    state_digest,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_TTL = timedelta(days=7)


class ServiceError(Exception):
    """A request the server refuses: HTTP status, machine-readable code, human-readable detail."""

    def __init__(self, status: int, code: ErrorCode, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or code.value)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class Device:
    id: str
    team: str
    last_batch_seq: int


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class SyncService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- administration ------------------------------------------------------------------------
    def server_id(self) -> str:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(db.server_meta.c.value).where(db.server_meta.c.key == "server_id")
            ).first()
            if row:
                return str(row[0])
            value = uuid.uuid4().hex
            try:
                with conn.begin_nested():
                    conn.execute(insert(db.server_meta).values(key="server_id", value=value))
            except IntegrityError:
                return self.server_id()
            return value

    def _ensure_team(self, conn: Connection, team: str) -> None:
        exists = conn.execute(select(db.teams.c.name).where(db.teams.c.name == team)).first()
        if not exists:
            conn.execute(
                insert(db.teams).values(name=team, change_seq=0, ref_seq=0, created_at=now_iso())
            )

    def create_enroll_code(self, team: str, ttl: timedelta = CODE_TTL) -> str:
        """A one-time code for ``team``, shown to the administrator once (stored hashed)."""
        team = team.strip()
        if not team:
            raise ValueError("team must not be empty")
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
        code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
        stamp = datetime.now(UTC)
        with self.engine.begin() as conn:
            self._ensure_team(conn, team)
            conn.execute(
                insert(db.enroll_codes).values(
                    code_hash=sha256(_norm_code(code)),
                    team=team,
                    created_at=now_iso(),
                    expires_at=(stamp + ttl).isoformat(),
                )
            )
        return code

    def enroll(self, code: str, device_name: str = "", vault_id: str = "") -> EnrollResponse:
        code_hash = sha256(_norm_code(code))
        token = secrets.token_urlsafe(32)
        device_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            row = conn.execute(
                select(db.enroll_codes).where(db.enroll_codes.c.code_hash == code_hash)
            ).first()
            if row is None or row.used_at is not None:
                raise ServiceError(401, ErrorCode.INVALID_CODE, "unknown or already used code")
            if datetime.fromisoformat(row.expires_at) < datetime.now(UTC):
                raise ServiceError(401, ErrorCode.INVALID_CODE, "the code has expired")
            used = conn.execute(
                update(db.enroll_codes)
                .where(db.enroll_codes.c.code_hash == code_hash,
                       db.enroll_codes.c.used_at.is_(None))
                .values(used_at=now_iso(), device_id=device_id)
            )
            if used.rowcount != 1:  # a concurrent enrollment won
                raise ServiceError(401, ErrorCode.INVALID_CODE, "unknown or already used code")
            conn.execute(
                insert(db.devices).values(
                    id=device_id,
                    team=row.team,
                    name=device_name,
                    vault_id=vault_id,
                    token_hash=sha256(token),
                    created_at=now_iso(),
                    last_batch_seq=0,
                )
            )
        return EnrollResponse(
            device_id=device_id, token=token, team=row.team, server_id=self.server_id()
        )

    def revoke(self, device_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(db.devices)
                .where(db.devices.c.id == device_id, db.devices.c.revoked_at.is_(None))
                .values(revoked_at=now_iso())
            )
            return bool(result.rowcount)

    def list_devices(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(db.devices.c.id, db.devices.c.team, db.devices.c.name,
                       db.devices.c.created_at, db.devices.c.revoked_at, db.devices.c.last_seen)
            ).all()
        return [dict(r._mapping) for r in rows]

    def publish_reference(
        self, kind: str, key: str, data: Any, *, team: str = "", deleted: bool = False
    ) -> int:
        """Publish (or withdraw) a reference item; returns its new version."""
        if kind not in REFERENCE_KINDS:
            raise ValueError(f"unknown reference kind {kind!r}")
        if kind == "agency" and not deleted:
            RECORD_BY_KIND["agencies"].model_validate(data)
        t = db.reference.c
        with self.engine.begin() as conn:
            # The global reference counter lives on a pseudo-team row, locked like a push.
            self._ensure_team(conn, "")
            seq = self._bump(conn, "", "ref_seq", 1)
            row = conn.execute(
                select(t.version).where(t.kind == kind, t.key == key, t.team == team)
            ).first()
            version = (row.version if row else 0) + 1
            values = dict(version=version, seq=seq, deleted=deleted, data=_dumps(data),
                          updated_at=now_iso())
            if row:
                conn.execute(update(db.reference).where(t.kind == kind, t.key == key,
                                                        t.team == team).values(**values))
            else:
                conn.execute(insert(db.reference).values(kind=kind, key=key, team=team, **values))
        return version

    # -- authentication ------------------------------------------------------------------------
    def authenticate(self, token: str | None) -> Device:
        if not token:
            raise ServiceError(401, ErrorCode.UNAUTHORIZED, "missing device token")
        with self.engine.begin() as conn:
            row = conn.execute(
                select(db.devices).where(db.devices.c.token_hash == sha256(token))
            ).first()
            if row is None:
                raise ServiceError(401, ErrorCode.UNAUTHORIZED, "unknown device token")
            if row.revoked_at is not None:
                raise ServiceError(401, ErrorCode.DEVICE_REVOKED, "this device has been revoked")
        return Device(id=row.id, team=row.team, last_batch_seq=int(row.last_batch_seq))

    # -- push ----------------------------------------------------------------------------------
    def _bump(self, conn: Connection, team: str, column: str, count: int) -> int:
        """Lock the team row and reserve ``count`` numbers; returns the first one."""
        col = db.teams.c[column]
        stmt = select(col).where(db.teams.c.name == team)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        current = int(conn.execute(stmt).scalar_one())
        conn.execute(update(db.teams).where(db.teams.c.name == team).values({column: current
                                                                              + count}))
        return current + 1

    def push(self, device: Device, request: PushRequest, payload_hash: str) -> PushReceipt:
        return PushReceipt.model_validate_json(self.push_json(device, request, payload_hash))

    def push_json(self, device: Device, request: PushRequest, payload_hash: str) -> str:
        """Apply a batch; its receipt as the JSON text that is stored and sent (serialised once:
        the receipt of a big batch is a megabyte)."""
        try:
            return self._push(device, request, payload_hash)
        except IntegrityError:
            # Two instances raced on the same batch: the other one committed; answer its receipt.
            stored = self._stored_receipt(device, request.batch_id, payload_hash)
            if stored is None:
                raise
            return stored

    def _stored_receipt(self, device: Device, batch_id: str, payload_hash: str
                        ) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(db.batches.c.payload_hash, db.batches.c.receipt).where(
                    db.batches.c.device_id == device.id, db.batches.c.batch_id == batch_id
                )
            ).first()
        if row is None:
            return None
        if row.payload_hash != payload_hash:
            raise ServiceError(409, ErrorCode.BATCH_REUSED,
                               "this batch id was used for a different payload")
        return str(row.receipt)

    def _push(self, device: Device, request: PushRequest, payload_hash: str) -> str:
        with self.engine.begin() as conn:
            self._ensure_team(conn, device.team)
            first_seq = self._bump(conn, device.team, "change_seq", 0)  # lock first
            stored = conn.execute(
                select(db.batches.c.payload_hash, db.batches.c.receipt).where(
                    db.batches.c.device_id == device.id,
                    db.batches.c.batch_id == request.batch_id,
                )
            ).first()
            if stored is not None:
                if stored.payload_hash != payload_hash:
                    raise ServiceError(409, ErrorCode.BATCH_REUSED,
                                       "this batch id was used for a different payload")
                return str(stored.receipt)
            last = int(conn.execute(
                select(db.devices.c.last_batch_seq).where(db.devices.c.id == device.id)
            ).scalar_one())
            if request.batch_seq != last + 1:
                raise ServiceError(409, ErrorCode.OUT_OF_ORDER,
                                   f"expected batch {last + 1}, got {request.batch_seq}",
                                   expected=last + 1)
            receipt = self._apply_batch(conn, device, request, first_seq)
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
                )
            )
            return receipt

    def _apply_batch(self, conn: Connection, device: Device, request: PushRequest,
                     first_seq: int) -> str:
        """Apply the changes of a batch; the receipt as JSON text (``PushReceipt``'s shape)."""
        wanted: dict[str, list[str]] = {}
        seen: set[tuple[str, str]] = set()
        repeated: set[tuple[str, str]] = set()
        for c in request.changes:
            wanted.setdefault(c.kind, []).append(c.id)
            if (c.kind, c.id) in seen:
                repeated.add((c.kind, c.id))
            seen.add((c.kind, c.id))
        current: dict[tuple[str, str], Any] = {}
        row: Any
        mark = _placeholder(conn)
        for kind, ids in wanted.items():
            # kind = ? AND id IN (...): uses the primary key (a row-value IN scans on SQLite).
            # Plain driver rows: SQLAlchemy's expanding IN and row processing cost a sixth of a
            # 10k push of changed records.
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for t in conn.exec_driver_sql(
                    f"SELECT kind, id, team, rev, data, deleted, updated_at FROM"
                    f" {db.records.name} WHERE kind = {mark}"
                    f" AND id IN ({', '.join(mark for _ in chunk)})",
                    (kind, *chunk),
                ):
                    current[(t[0], t[1])] = _Row(*t)
        bases = self._history_bases(conn, request, current)
        seq = first_seq - 1
        stamp = now_iso()
        results: list[dict[str, Any]] = []
        new_conflicts: list[ConflictInfo] = []
        writes: dict[tuple[str, str], tuple[Any, ...]] = {}
        new_keys: set[tuple[str, str]] = set()
        hist: list[tuple[Any, ...]] = []
        conflict_rows: list[dict[str, Any]] = []
        resolved: set[str] = set()
        for change in request.changes:
            key = (change.kind, change.id)
            model = RECORD_BY_KIND.get(change.kind)
            if change.kind not in SYNC_KINDS or model is None:
                results.append(_result(change.kind, change.id, ChangeStatus.REJECTED,
                                       reason="unknown record kind"))
                continue
            row = current.get(key)
            if row is not None and row.team != device.team:
                results.append(_result(change.kind, change.id, ChangeStatus.REJECTED,
                                       reason="record belongs to another team"))
                continue
            cur_data = from_json(row.data) if row is not None else None
            changed = change.changed
            if not NON_FIELDS.isdisjoint(changed):
                changed = {k: v for k, v in changed.items() if k not in NON_FIELDS}
            fast = row is None or change.base_rev >= row.rev
            base = bases.get(key, change.base)
            merged, field_conflicts = merge_fields(cur_data, changed, base, fast_forward=fast)
            merged["id"] = change.id
            created = (cur_data or {}).get("created_at") or change.created_at or stamp
            merged["created_at"] = created
            merged["updated_at"] = max(
                (cur_data or {}).get("updated_at") or "", change.updated_at or stamp
            )
            merged.pop("revision", None)
            merged.pop("pending", None)
            try:
                checked = model.model_validate(merged | {"revision": 0, "pending": False})
            except ValidationError as exc:
                if cur_data is None or not changed:
                    results.append(_result(change.kind, change.id, ChangeStatus.REJECTED,
                                           reason=_first_error(exc)))
                    continue
                # The merge produced an inconsistent record (e.g. one side closed the case, the
                # other changed its phase): every differing field of mine becomes a conflict.
                merged = dict(cur_data)
                field_conflicts = [
                    fc for fc in (
                        _conflict(f, base.get(f, cur_data.get(f)), cur_data.get(f), v)
                        for f, v in changed.items()
                    ) if fc is not None
                ]
                checked = model.model_validate(merged | {"revision": 0, "pending": False})
            data = checked.model_dump(mode="json", exclude=_LOCAL_FIELDS)
            if row is not None and data == cur_data and not field_conflicts:
                results.append(_result(change.kind, change.id, ChangeStatus.APPLIED, rev=row.rev,
                                       deleted=bool(row.deleted), data=cur_data))
                resolved.update(change.resolves)
                continue
            seq += 1
            rev = (row.rev if row is not None else 0) + 1
            # Serialised by pydantic-core: the JSON of json.dumps(data) at a fifth of the cost.
            text = to_json(data).decode()
            if row is None:
                new_keys.add(key)
            # several changes to one record in a batch: the last wins
            writes[key] = (change.kind, change.id, device.team, rev, seq,
                           bool(data.get("deleted")), text, data["updated_at"], device.id)
            hist.append((change.kind, change.id, device.team, rev, text, device.id,
                         request.batch_id, stamp))
            for fc in field_conflicts:
                seq += 1
                info = ConflictInfo(
                    id=uuid.uuid4().hex, kind=change.kind, record_id=change.id, field=fc.field,
                    base=fc.base, theirs=fc.theirs, mine=fc.mine, device_id=device.id,
                    status="open", created_at=stamp,
                )
                new_conflicts.append(info)
                conflict_rows.append(dict(
                    id=info.id, team=device.team, kind=info.kind, record_id=info.record_id,
                    field=info.field, base=_dumps(fc.base), theirs=_dumps(fc.theirs),
                    mine=_dumps(fc.mine), device_id=device.id, batch_id=request.batch_id,
                    status="open", seq=seq, created_at=stamp,
                ))
            status = (ChangeStatus.CONFLICT if field_conflicts
                      else ChangeStatus.APPLIED if fast else ChangeStatus.MERGED)
            # A plain fast-forward stored exactly what the device sent: the receipt leaves the
            # data out (the device has it), which halves a big push's response.
            as_sent = (status is ChangeStatus.APPLIED
                       and (row is None or change.base_rev == row.rev)
                       and data["updated_at"] == change.updated_at
                       and data["created_at"] == change.created_at
                       and (data == merged or all(data.get(k) == v for k, v in changed.items())))
            results.append(_result(change.kind, change.id, status, rev=rev, seq=seq,
                                   deleted=bool(data.get("deleted")),
                                   data=None if as_sent else data, same=as_sent))
            resolved.update(change.resolves)
            if key in repeated:  # a later change to the same record in this batch builds on this
                current[key] = _Row(change.kind, change.id, device.team, rev, text,
                                    bool(data.get("deleted")), data["updated_at"])
        if writes:
            fresh = [v for k, v in writes.items() if k in new_keys]
            if fresh:
                _insert_rows(conn, db.records, _RECORD_COLUMNS, fresh)
            stale = [v for k, v in writes.items() if k not in new_keys]
            if stale:
                _update_records(conn, stale)
            _insert_rows(conn, db.history, _HISTORY_COLUMNS, hist)
        if conflict_rows:
            conn.execute(insert(db.conflicts), conflict_rows)
        if resolved:
            cc = db.conflicts.c
            for conflict_id in sorted(resolved):
                seq += 1
                conn.execute(
                    update(db.conflicts)
                    .where(cc.id == conflict_id, cc.team == device.team, cc.status == "open")
                    .values(status="resolved", resolved_at=stamp, seq=seq)
                )
        if seq >= first_seq:
            conn.execute(update(db.teams).where(db.teams.c.name == device.team)
                         .values(change_seq=seq))
        # The receipt's JSON from plain dicts: a model per result cost a tenth of a 10k push.
        return to_json({
            "batch_id": request.batch_id, "batch_seq": request.batch_seq, "results": results,
            "conflicts": [c.model_dump(mode="json") for c in new_conflicts],
            "server_seq": max(seq, 0),
        }).decode()

    @staticmethod
    def _history_bases(conn: Connection, request: PushRequest, current: dict[tuple[str, str], Any]
                       ) -> dict[tuple[str, str], dict[str, Any]]:
        """The merge base of each change that needs one and did not bring it: the record as this
        server stored it at the change's ``base_rev``, from the history.

        Only a change whose record moved on since ``base_rev`` needs a base (a fast-forward does
        not), so devices leave ``base`` out (it was half of a batch of edits) and the server reads
        the few it needs. A base the history no longer holds counts as unknown (``None`` for every
        field the device changed): a field the other side changed too then becomes a conflict
        instead of being overwritten. A base sent along (older clients) is used as it is."""
        needed: dict[tuple[str, str], int] = {}
        for change in request.changes:
            row = current.get((change.kind, change.id))
            if (row is not None and 0 < change.base_rev < row.rev
                    and not change.changed.keys() <= change.base.keys()):
                needed[(change.kind, change.id)] = change.base_rev
        if not needed:
            return {}
        found: dict[tuple[str, str], dict[str, Any]] = {}
        mark = _placeholder(conn)
        keys = sorted(needed)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            kinds = sorted({k for k, _ in chunk})
            for kind, rid, rev, data in conn.exec_driver_sql(
                f"SELECT kind, id, rev, data FROM {db.history.name} WHERE kind IN"
                f" ({', '.join(mark for _ in kinds)}) AND id IN"
                f" ({', '.join(mark for _ in chunk)})",
                (*kinds, *(rid for _, rid in chunk)),
            ):
                if needed.get((kind, rid)) == rev:
                    found[(kind, rid)] = from_json(data)
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for change in request.changes:
            key = (change.kind, change.id)
            if key in needed:
                base = found.get(key) or dict.fromkeys(change.changed)
                out[key] = base | change.base
        return out

    # -- pull ----------------------------------------------------------------------------------
    def pull(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT, *,
             own: bool = True) -> PullPage:
        return PullPage.model_validate_json(self.pull_json(device, since, limit, own=own))

    def pull_json(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT, *,
                  own: bool = False) -> str:
        """A page of changes as JSON text. Stored record JSON is spliced in as it is (no parse
        and re-serialise: that was most of a big pull's server time)."""
        limit = max(1, min(limit, PULL_PAGE_MAX))
        r = db.records.c
        c = db.conflicts.c
        with self.engine.connect() as conn:
            query = (select(r.kind, r.id, r.rev, r.seq, r.deleted, r.data, r.updated_by)
                     .where(r.team == device.team, r.seq > since))
            if not own:
                # this device's own writes are skipped in the query, not page by page: after a
                # 10k push the device's pull is one request, not three empty pages
                query = query.where(r.updated_by != device.id)
            rows = conn.execute(query.order_by(r.seq).limit(limit + 1)).all()
            more = len(rows) > limit
            rows = rows[:limit]
            upper = rows[-1].seq if more else None
            stmt = select(db.conflicts).where(c.team == device.team, c.seq > since)
            if upper is not None:
                stmt = stmt.where(c.seq <= upper)
            crow = conn.execute(stmt.order_by(c.seq)).all()
            if upper is None:
                head = conn.execute(
                    select(db.teams.c.change_seq).where(db.teams.c.name == device.team)
                ).scalar()
                upper = max(int(head or 0), since)
        parts = [
            f'{{"kind":{json.dumps(x.kind)},"id":{json.dumps(x.id)},"rev":{int(x.rev)},'
            f'"seq":{int(x.seq)},"deleted":{"true" if x.deleted else "false"},"data":{x.data}}}'
            for x in rows
        ]
        conflicts_json = ",".join(_conflict_info(x).model_dump_json() for x in crow)
        more_json = "true" if more else "false"
        return (f'{{"records":[{",".join(parts)}],"conflicts":[{conflicts_json}],'
                f'"next_cursor":{int(upper)},"more":{more_json}}}')

    def state(self, device: Device) -> TeamState:
        """The team's divergence state: count and digest of its records' ``kind/id/rev`` lines,
        read as plain driver rows (SQLAlchemy's row objects doubled the time at 20k records)."""
        with self.engine.connect() as conn:
            mark = _placeholder(conn)
            head = conn.execute(
                select(db.teams.c.change_seq).where(db.teams.c.name == device.team)
            ).scalar()
            lines = [f"{k}/{i}/{v}" for k, i, v in conn.exec_driver_sql(
                f"SELECT kind, id, rev FROM {db.records.name} WHERE team = {mark}",
                (device.team,))]
        return TeamState(count=len(lines), digest=state_digest(lines), seq=int(head or 0))

    def conflict_history(self, team: str) -> list[ConflictInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.conflicts).where(db.conflicts.c.team == team)).all()
        return [_conflict_info(x) for x in rows]

    def reference(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT
                  ) -> ReferencePage:
        limit = max(1, min(limit, PULL_PAGE_MAX))
        t = db.reference.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(db.reference)
                .where(t.seq > since, t.team.in_(["", device.team]))
                .order_by(t.seq)
                .limit(limit + 1)
            ).all()
            head = conn.execute(select(db.teams.c.ref_seq).where(db.teams.c.name == "")).scalar()
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1].seq if more else max(int(head or 0), since)
        return ReferencePage(
            items=[ReferenceItem(kind=x.kind, key=x.key, version=x.version, seq=x.seq,
                                 team=x.team, data=json.loads(x.data), deleted=bool(x.deleted))
                   for x in rows],
            next_cursor=int(cursor),
            more=more,
        )


#: A set (not a frozenset) because pydantic's ``exclude`` takes one; never changed.
_LOCAL_FIELDS: Final[set[str]] = {"revision", "pending"}
_RECORD_COLUMNS = ("kind", "id", "team", "rev", "seq", "deleted", "data", "updated_at",
                   "updated_by")
_HISTORY_COLUMNS = ("kind", "id", "team", "rev", "data", "device_id", "batch_id", "at")


def _result(kind: str, rid: str, status: ChangeStatus, *, rev: int = 0, seq: int = 0,
            deleted: bool = False, data: dict[str, Any] | None = None, same: bool = False,
            reason: str = "") -> dict[str, Any]:
    """One ``ChangeResult`` as the dict its JSON is written from (all fields, in order)."""
    return {"kind": kind, "id": rid, "status": status.value, "rev": rev, "seq": seq,
            "deleted": deleted, "data": data, "same": same, "reason": reason}


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _update_records(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Overwrite existing records (rows in ``_RECORD_COLUMNS`` order, keyed by kind and id).

    On PostgreSQL the rows are copied into a temporary table and applied by one ``UPDATE ...
    FROM``: an ``UPDATE`` per row, even pipelined, was a fifth of a 10k push's time there."""
    values = _RECORD_COLUMNS[2:]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS records_in (LIKE {db.records.name})"
            " ON COMMIT DELETE ROWS"
        )
        _copy_rows(conn, "records_in", _RECORD_COLUMNS, rows)
        sets = ", ".join(f"{c} = i.{c}" for c in values)
        conn.exec_driver_sql(
            f"UPDATE {db.records.name} AS r SET {sets} FROM records_in AS i"
            " WHERE r.kind = i.kind AND r.id = i.id"
        )
        return
    mark = _placeholder(conn)
    sets = ", ".join(f"{c} = {mark}" for c in values)
    conn.exec_driver_sql(
        f"UPDATE {db.records.name} SET {sets} WHERE kind = {mark} AND id = {mark}",
        [(*r[2:], r[0], r[1]) for r in rows],
    )


def _copy_rows(conn: Connection, table: str, columns: tuple[str, ...],
               rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN`` through psycopg, in the connection's transaction."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _insert_rows(conn: Connection, table: Any, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]]) -> None:
    """Plain tuples straight to the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    SQLAlchemy's ``conn.execute(insert(table), dicts)`` builds a parameter dict per row in Python,
    which cost a fifth of a big push's server time. On PostgreSQL even the driver's pipelined
    INSERT per row was a quarter of a 10k push of new records; COPY streams them."""
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table.name, columns, rows)  # one stream, not an INSERT per row
        return
    mark = _placeholder(conn)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" VALUES ({', '.join(mark for _ in columns)})",
        rows,
    )


@dataclass(frozen=True)
class _Row:
    kind: str
    id: str
    team: str
    rev: int
    data: str
    deleted: bool
    updated_at: str


def _conflict(field: str, base: Any, theirs: Any, mine: Any) -> Any:
    from kimdesk.sync.merge import FieldConflict

    return None if theirs == mine else FieldConflict(field, base, theirs, mine)


def _conflict_info(row: Any) -> ConflictInfo:
    return ConflictInfo(
        id=row.id, kind=row.kind, record_id=row.record_id, field=row.field,
        base=json.loads(row.base), theirs=json.loads(row.theirs), mine=json.loads(row.mine),
        device_id=row.device_id, status=row.status, created_at=row.created_at,
    )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg')}"[:300]


def _norm_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())
