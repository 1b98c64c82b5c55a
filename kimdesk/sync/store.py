"""The vault side of sync: state, outbox batches, applying server records, conflicts.

Everything the engine persists goes through here, each step in one vault transaction:

- building a batch writes it to ``sync_outbox`` before it is sent, so after a lost response the
  *same* batch (same id) is sent again and the server answers its stored receipt;
- a receipt clears the records' ``pending`` marker only if they were not edited again while the
  batch was in flight (otherwise the fields edited since stay, the rest takes the server's value);
- a pulled page is applied together with the cursor advance, so an interrupted pull resumes.

Remote records are written with :meth:`SyncStore.apply_remote`, which, unlike
:meth:`Repository.update`, does not mark them pending and writes no audit event (the audit log
records what happened on this device; receiving a colleague's edit is not an access).

The merge base (``sync_base``: the server's revision and data last seen) keeps its data only while
it differs from the local row. A record written as the server holds it, and not pending, has
``data = NULL``: its row *is* the base, so a pull or an acknowledged push writes the record once,
not twice. The vault's ``*_keep_base`` triggers (schema step 3) copy the old row into
``sync_base`` when a local edit first makes the row pending.
"""

from __future__ import annotations

import gzip
import json
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# pydantic-core's JSON parser: 2-3x faster than json.loads on a record, 10x on a short list
# (bases and list columns are parsed once per record of every batch).
from pydantic_core import from_json

from kimdesk.domain.models import RECORD_TYPES
from kimdesk.sync.merge import rebase_local
from kimdesk.sync.protocol import (
    BATCH_MAX_BYTES,
    BATCH_MAX_CHANGES,
    NON_FIELDS,
    SYNC_KINDS,
    Change,
    ConflictInfo,
    PullPage,
    PushReceipt,
    PushRequest,
    ReferencePage,
    RemoteRecord,
    state_digest,
)
from kimdesk.vault.repository import Repository, now_iso
from kimdesk.vault.vault import Vault

_ORDER = [cls.KIND for cls in RECORD_TYPES if cls.KIND in SYNC_KINDS]
_SEARCH_KINDS = frozenset({"persons", "cases", "notes"})
#: The columns a record's search entry is built from (``kimdesk.vault.search.index_text``), per
#: searchable kind; the case or person link and the tombstone first, as they decide which
#: entry a record feeds. A received record that changes none of them leaves the index alone.
_SEARCH_COLUMNS = {
    "persons": ("deleted", "given_name", "family_name", "given_name_latin", "family_name_latin"),
    "cases": ("person_id", "deleted", "case_number"),
    "notes": ("case_id", "deleted", "text"),
}


def _estimate(fields: dict[str, Any]) -> int:
    """Rough JSON size of a change, for the batch bound (exact sizes would cost a dumps each)."""
    size = 200
    for key, value in fields.items():
        size += len(key) + 6 + (len(value) * 2 if isinstance(value, str)
                                else len(str(value)) + 8)
    return size


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass
class OutboxBatch:
    request: PushRequest
    body: bytes  # the JSON as sent (the server hashes it for idempotency)
    #: (kind, id) -> local revision at send time
    sent: dict[tuple[str, str], int]
    #: (kind, id) -> the full record as sent (in memory only; rebuilt from the base after a
    #: restart), so a receipt need not read the bases again
    full: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: ``body`` gzip-compressed, as stored in the outbox and sent
    gz: bytes = b""


@dataclass
class PreparedBatch:
    """A batch built but not yet in the outbox: nothing is promised to the server until
    :meth:`SyncStore.persist_batch` stores it."""

    batch: OutboxBatch


@dataclass
class _Ref:
    """What the search index needs of a received record."""

    id: str
    case_id: str | None = None


@dataclass
class _RowRecord:
    id: str
    revision: int
    data: dict[str, Any]


#: json.dumps(..., ensure_ascii=False, separators=(",", ":")) without building an encoder per call
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class _RowPlan:
    """How a received record's dict becomes a table row: the exact field set expected, the
    fields read in column order by one ``itemgetter`` (in C), then JSON columns encoded,
    booleans as 0/1, and ``revision``/``pending`` set (a received record is clean). One Python
    call per column and record was a fifth of a 10k pull."""

    fields: frozenset[str]
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    json_at: tuple[int, ...]
    bool_at: tuple[int, ...]
    constants: tuple[tuple[int, int], ...]  # (position in the row, value), ascending

    @classmethod
    def of(cls, repo: Repository[Any], json_cols: frozenset[str], bools: frozenset[str]
           ) -> _RowPlan:
        local = {"revision": 1, "pending": 0}
        names = [c for c in repo.columns if c not in local]
        return cls(
            fields=frozenset(names),
            values=operator.itemgetter(*names),
            json_at=tuple(i for i, c in enumerate(names) if c in json_cols),
            bool_at=tuple(i for i, c in enumerate(names) if c in bools),
            constants=tuple((repo.columns.index(c), v) for c, v in sorted(
                local.items(), key=lambda item: repo.columns.index(item[0]))),
        )

    def row(self, data: dict[str, Any]) -> list[Any]:
        row = list(self.values(data))
        for i in self.json_at:
            row[i] = _encode_json(row[i])
        for i in self.bool_at:
            row[i] = 1 if row[i] else 0
        for at, value in self.constants:
            row.insert(at, value)
        return row


@dataclass
class PushCursor:
    """Where batch building stands within one sync run (per kind, the last local ``seq``)."""

    seqs: dict[str, int] = field(default_factory=dict)


class SyncStore:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.conn = vault.conn
        self.repos: dict[str, Repository[Any]] = {
            r.table: r
            for r in (vault.people, vault.cases, vault.transitions, vault.consultations,
                      vault.goals, vault.agencies, vault.referrals, vault.consents, vault.gaps,
                      vault.notes, vault.deletions)
        }
        self._touched: list[tuple[Repository[Any], Any]] = []
        self._shapes: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self._row_plans: dict[str, _RowPlan] = {}

    # -- state ---------------------------------------------------------------------------------
    def get(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def put(self, key: str, value: str | int) -> None:
        self.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    def set_many(self, values: dict[str, str | int]) -> None:
        with self.vault.transaction():
            for key, value in values.items():
                self.put(key, value)

    def forget_server(self) -> None:
        """Leave the server this vault was enrolled with: token, cursors, bases, outbox, parked
        records, conflicts and reference data go, and every record is pending again, so that
        enrolling with another server later sends it everything. Nothing of the records is lost."""
        with self.vault.transaction():
            for table in ("sync_state", "sync_base", "sync_outbox", "sync_parked",
                          "sync_conflicts", "sync_reference"):
                self.conn.execute(f"DELETE FROM {table}")
            for kind in _ORDER:
                self.conn.execute(f"UPDATE {kind} SET pending = 1 WHERE pending = 0")

    @property
    def enrolled(self) -> bool:
        return bool(self.get("token"))

    @property
    def cursor(self) -> int:
        return int(self.get("cursor", "0"))

    def pending_count(self) -> int:
        return sum(
            int(self.conn.execute(f"SELECT count(*) FROM {k} WHERE pending = 1").fetchone()[0])
            for k in _ORDER
        )

    # -- push ----------------------------------------------------------------------------------
    def outbox(self) -> OutboxBatch | None:
        row = self.conn.execute(
            "SELECT payload, sent FROM sync_outbox ORDER BY batch_seq LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        payload = row[0]
        body = gzip.decompress(payload) if isinstance(payload, bytes) else payload.encode()
        sent = {(k, i): int(rev) for k, i, rev in json.loads(row[1])}
        gz = payload if isinstance(payload, bytes) else b""
        return OutboxBatch(PushRequest.model_validate_json(body), body, sent, gz=gz)

    def _resolving(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for cid, rid in self.conn.execute(
            "SELECT id, record_id FROM sync_conflicts WHERE status = 'resolving'"
        ):
            out.setdefault(rid, []).append(cid)
        return out

    def build_batch(
        self,
        cursor: PushCursor,
        *,
        max_changes: int = BATCH_MAX_CHANGES,
        max_bytes: int = BATCH_MAX_BYTES,
    ) -> OutboxBatch | None:
        """Collect pending records (parents first) into a new outbox batch; None if nothing is
        left in this run."""
        prepared = self.prepare_batch(cursor, max_changes=max_changes, max_bytes=max_bytes)
        return self.persist_batch(prepared) if prepared is not None else None

    def prepare_batch(
        self,
        cursor: PushCursor,
        *,
        max_changes: int = BATCH_MAX_CHANGES,
        max_bytes: int = BATCH_MAX_BYTES,
    ) -> PreparedBatch | None:
        """The next batch's changes, not yet in the outbox (the engine prepares it while the
        previous batch is in flight). Records whose diff against the base is empty are simply
        marked clean. None if nothing is left in this run."""
        changes: list[Change] = []
        sent: dict[tuple[str, str], int] = {}
        full: dict[tuple[str, str], dict[str, Any]] = {}
        size = 0
        resolving = self._resolving()
        with self.vault.transaction():
            for kind in _ORDER:
                if len(changes) >= max_changes or size >= max_bytes:
                    break
                repo = self.repos[kind]
                last = cursor.seqs.get(kind, 0)
                rows = self.conn.execute(
                    f"SELECT seq, {', '.join(repo.columns)} FROM {kind}"
                    " WHERE pending = 1 AND seq > ? ORDER BY seq LIMIT ?",
                    (last, max_changes - len(changes)),
                ).fetchall()
                if not rows:
                    continue
                ids = [r[1 + repo.columns.index("id")] for r in rows]
                bases = self._bases(kind, ids)
                for row in rows:
                    record = self._row_record(repo, row[1:])
                    data = dict(record.data)
                    base_rev, base_data = bases.get(record.id, (0, None))
                    fields = {k: v for k, v in data.items() if k not in NON_FIELDS}
                    # No base values travel: the server reads the base from its history
                    # when the record moved on since base_rev (SyncService._history_bases).
                    if base_data is None:
                        changed = fields
                    else:
                        changed = {k: v for k, v in fields.items() if base_data.get(k) != v}
                    resolves = resolving.get(record.id, [])
                    cursor.seqs[kind] = row[0]
                    if not changed and not resolves and base_data is not None:
                        # Saved without a real change: nothing to send; the server's
                        # timestamp comes back so every replica stays identical.
                        self.conn.execute(
                            f"UPDATE {kind} SET pending = 0, updated_at = ?"
                            " WHERE id = ? AND revision = ?",
                            (base_data.get("updated_at") or data["updated_at"], record.id,
                             record.revision),
                        )
                        continue
                    change = Change(
                        kind=kind, id=record.id, base_rev=base_rev, changed=changed,
                        updated_at=data["updated_at"], created_at=data["created_at"],
                        resolves=resolves,
                    )
                    changes.append(change)
                    sent[(kind, record.id)] = record.revision
                    data.pop("revision", None)
                    data.pop("pending", None)
                    full[(kind, record.id)] = data
                    size += _estimate(changed)
                    if size >= max_bytes:
                        break
        if not changes:
            return None
        # Serialised now, numbered as the next batch: in the usual case persist_batch only
        # stores it, so this work overlaps with the server handling the batch before.
        request = PushRequest(batch_id=uuid.uuid4().hex,
                              batch_seq=int(self.get("batch_seq", "0")) + 1, changes=changes)
        body = request.model_dump_json().encode()
        return PreparedBatch(OutboxBatch(request, body, sent, full,
                                         gzip.compress(body, compresslevel=1)))

    def persist_batch(self, prepared: PreparedBatch) -> OutboxBatch:
        """Put a prepared batch into the outbox, numbered after the last one: from now on it is
        resent as it is until its receipt arrives."""
        batch = prepared.batch
        seq = int(self.get("batch_seq", "0")) + 1
        if batch.request.batch_seq != seq:  # renumbered meanwhile (a restored vault)
            request = batch.request.model_copy(update={"batch_seq": seq})
            body = request.model_dump_json().encode()
            batch = OutboxBatch(request, body, batch.sent, batch.full,
                                gzip.compress(body, compresslevel=1))
        with self.vault.transaction():
            self.conn.execute(
                "INSERT INTO sync_outbox (batch_id, batch_seq, payload, sent, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (batch.request.batch_id, seq, batch.gz,
                 json.dumps([[k, i, r] for (k, i), r in batch.sent.items()]), now_iso()),
            )
            self.put("batch_seq", seq)
        return batch

    def renumber_outbox(self, batch: OutboxBatch, expected: int) -> OutboxBatch:
        """The server expects another batch number (e.g. the vault was restored from a backup):
        re-issue the batch under a fresh id with the number the server expects.

        A later batch still in the outbox (a crash while the next batch was in flight) is
        dropped: the server's numbering no longer matches it, and its records are still pending,
        so they travel again in a new batch (merged on the server like any change)."""
        request = batch.request.model_copy(update={"batch_id": uuid.uuid4().hex,
                                                   "batch_seq": expected})
        body = request.model_dump_json().encode()
        gz = gzip.compress(body, compresslevel=1)
        with self.vault.transaction():
            self.conn.execute("DELETE FROM sync_outbox WHERE batch_id != ?",
                              (batch.request.batch_id,))
            self.conn.execute(
                "UPDATE sync_outbox SET batch_id = ?, batch_seq = ?, payload = ?"
                " WHERE batch_id = ?",
                (request.batch_id, expected, gz,
                 batch.request.batch_id),
            )
            self.put("batch_seq", expected)
        return OutboxBatch(request, body, batch.sent, batch.full, gz)

    def _bases(self, kind: str, ids: list[str], *, data: bool = True
               ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        out: dict[str, tuple[int, dict[str, Any] | None]] = {}
        column = "data" if data else "NULL"
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            for rid, rev, text in self.conn.execute(
                f"SELECT id, rev, {column} FROM sync_base WHERE kind = ? AND id IN ({marks})",
                (kind, *chunk),
            ):
                out[rid] = (int(rev), from_json(text) if text is not None else None)
        return out

    def _pin_base(self, repo: Repository[Any], rid: str) -> None:
        """The row is about to change without being the server's version (reference data): keep
        its current content as the explicit base first."""
        row = self.conn.execute(
            f"{repo._select_sql} WHERE id = ? AND pending = 0", (rid,)
        ).fetchone()
        if row is None:
            return
        data = self._row_record(repo, row).data
        data.pop("revision", None)
        data.pop("pending", None)
        self.conn.execute(
            "UPDATE sync_base SET data = ? WHERE kind = ? AND id = ? AND data IS NULL",
            (_dumps(data), repo.table, rid),
        )

    def apply_receipt(self, batch: OutboxBatch, receipt: PushReceipt) -> None:
        """Acknowledge a batch: server versions in, pending cleared, conflicts stored."""
        by_key = {(c.kind, c.id): c for c in batch.request.changes}
        grouped: dict[str, list[Any]] = {}
        for result in receipt.results:
            if (result.kind, result.id) in by_key and (result.data is not None or result.same):
                grouped.setdefault(result.kind, []).append(result)
            # else rejected: stays pending; the engine reports it
        self._touched = []
        with self.vault.transaction():
            for kind, results in grouped.items():
                repo = self.repos[kind]
                ids = [r.id for r in results]
                revisions = self._revisions(kind, ids)
                missing = [i for i in ids if (kind, i) not in batch.full]
                bases = self._bases(kind, missing) if missing else {}
                clean: list[tuple[str, int]] = []
                base_rows: list[tuple[str, str, int, str | None]] = []
                for result in results:
                    change = by_key[(kind, result.id)]
                    sent_rev = batch.sent.get((kind, result.id))
                    edited = revisions.get(result.id) != sent_rev
                    sent_full = batch.full.get((kind, result.id))
                    if sent_full is None:
                        base_data = bases.get(result.id, (0, None))[1] or {}
                        sent_full = {**base_data, **change.changed, "id": result.id,
                                     "created_at": change.created_at
                                     or base_data.get("created_at"),
                                     "updated_at": change.updated_at
                                     or base_data.get("updated_at")}
                    server_data = sent_full if result.same else result.data or {}
                    # The row equals the server's version (stored as sent): no copy of the base.
                    base_text: str | None = None
                    if edited:
                        # Edited again in flight: keep those edits, take the server's others.
                        base_text = _dumps(server_data)
                        local = self._local(repo, result.id)
                        if local is not None:
                            mine = local.model_dump(mode="json")
                            self._write(repo, rebase_local(mine, sent_full, server_data),
                                        pending=True)
                    elif result.same:
                        clean.append((result.id, int(sent_rev or 0)))
                    else:
                        written = self._write(repo, server_data, pending=False)
                        if written.model_dump(mode="json", exclude={"revision", "pending"}) \
                                != server_data:
                            base_text = _dumps(server_data)
                    base_rows.append((kind, result.id, result.rev, base_text))
                    for cid in change.resolves:
                        self.conn.execute(
                            "UPDATE sync_conflicts SET status = 'resolved', resolved_at = ?"
                            " WHERE id = ?", (now_iso(), cid),
                        )
                self.conn.executemany(
                    f"UPDATE {kind} SET pending = 0 WHERE id = ? AND revision = ?", clean
                )
                self._set_bases(base_rows)
            self._store_conflicts(receipt.conflicts)
            self.conn.execute("DELETE FROM sync_outbox WHERE batch_id = ?",
                              (batch.request.batch_id,))
            self._reindex()

    def _revisions(self, kind: str, ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            out.update(self.conn.execute(
                f"SELECT id, revision FROM {kind} WHERE id IN ({marks})", chunk
            ).fetchall())
        return out

    def _pending_ids(self, kind: str, ids: list[str]) -> set[str]:
        out: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            out.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM {kind} WHERE id IN ({marks}) AND pending = 1", chunk
            ))
        return out

    # -- pull ----------------------------------------------------------------------------------
    def apply_page(self, page: PullPage, *, seen: set[tuple[str, str]] | None = None) -> int:
        """Apply one page of server changes and advance the cursor, atomically.

        Records are written kind by kind, parents first (persons before cases before notes),
        with one ``executemany`` per kind; a record whose parent is missing is parked."""
        by_kind: dict[str, list[RemoteRecord]] = {}
        for rec in page.records:
            if seen is not None:
                seen.add((rec.kind, rec.id))
            by_kind.setdefault(rec.kind, []).append(rec)
        applied = 0
        self._touched = []
        with self.vault.transaction():
            for kind in _ORDER:
                recs = by_kind.get(kind)
                if recs:
                    applied += self._apply_kind(kind, recs)
            applied += self._retry_parked()
            self._store_conflicts(page.conflicts)
            self.put("cursor", page.next_cursor)
            self._reindex()
        return applied

    def _apply_kind(self, kind: str, recs: list[RemoteRecord]) -> int:
        repo = self.repos[kind]
        ids = [r.id for r in recs]
        known = {i: rev for i, (rev, _) in self._bases(kind, ids, data=False).items()}
        pending = self._pending_ids(kind, ids)
        todo: list[tuple[RemoteRecord, list[Any], str | None]] = []
        for rec in recs:
            if known.get(rec.id, -1) >= rec.rev or rec.id in pending:
                # Our own change coming back / already here; or a local edit waiting to be
                # pushed, which the server merges against the base it started from.
                continue
            row = self._fast_row(repo, rec.data)
            # Written exactly as received: the row is the base (NULL); after validation the
            # row may differ from the server's data, which is then kept as the base.
            base_text: str | None = None
            if row is None:
                try:
                    row = repo.to_row(self._validated(repo, rec.data, pending=False))
                except Exception as exc:
                    self._park(rec, str(exc))
                    continue
                base_text = _dumps(rec.data)
            todo.append((rec, row, base_text))
        if not todo:
            return 0
        ids = [rec.id for rec, _, _ in todo]
        stored = self._stored_rows(repo, ids)
        try:
            self._write_rows(repo, [(rec.id, row) for rec, row, _ in todo], stored)
            done = todo
        except Exception:
            # One bad record (e.g. its parent is missing) must not hold up the page: record by
            # record, the bad ones parked. The rows the bulk write got to are read again, so
            # they compare equal and are not written twice. (Not a savepoint: it journals every
            # page the bulk write touches, which made a 10k pull's inserts three times slower.)
            stored = self._stored_rows(repo, ids)
            done = []
            for item in todo:
                try:
                    self._write_rows(repo, [(item[0].id, item[1])], stored)
                except Exception as exc:
                    self._park(item[0], str(exc))
                    continue
                done.append(item)
        self._set_bases([(kind, rec.id, rec.rev, text) for rec, _, text in done])
        if kind in _SEARCH_KINDS:
            self._touch(repo, [(rec.id, row) for rec, row, _ in done], stored)
        if self._has_parked:
            self.conn.executemany("DELETE FROM sync_parked WHERE kind = ? AND id = ?",
                                  [(kind, rec.id) for rec, _, _ in done])
        return len(done)

    def _stored_rows(self, repo: Repository[Any], ids: list[str]) -> dict[str, tuple[Any, ...]]:
        """The rows (``repo.columns``) of the records ``ids`` that exist here."""
        found: dict[str, tuple[Any, ...]] = {}
        select = f"SELECT {', '.join(repo.columns)} FROM {repo.table} WHERE id IN "
        at = repo.columns.index("id")
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update((row[at], row) for row in self.conn.execute(
                f"{select}({','.join('?' * len(chunk))})", chunk))
        return found

    def _write_rows(self, repo: Repository[Any], rows: list[tuple[str, list[Any]]],
                    stored: dict[str, tuple[Any, ...]]) -> None:
        """Write received rows: new ones inserted, existing ones updated in the columns that
        differ, grouped by those columns (one ``executemany`` per group).

        An upsert of every column rewrites every index entry of the row and checks its foreign
        keys, changed or not: pulling 10k cases edited in one text field cost 0.3 s in the
        upsert, 0.08 s updating the two columns that changed. A row equal to the stored one is
        not written at all. The local ``revision`` goes up by one with every update, as with any
        other write (optimistic concurrency in the GUI)."""
        columns = repo.columns
        skip = {columns.index("id"), columns.index("revision")}
        fresh: list[list[Any]] = []
        groups: dict[tuple[int, ...], list[list[Any]]] = {}
        for rid, row in rows:
            old = stored.get(rid)
            if old is None:
                fresh.append(row)
                continue
            diff = tuple(i for i, (new, was) in enumerate(zip(row, old, strict=True))
                         if new != was and i not in skip)
            if diff:
                groups.setdefault(diff, []).append([*(row[i] for i in diff), rid])
        if fresh:
            self.conn.executemany(self._upsert_sql(repo), fresh)
        for diff, params in groups.items():
            sets = ", ".join(f"{columns[i]} = ?" for i in diff)
            self.conn.executemany(
                f"UPDATE {repo.table} SET {sets}, revision = revision + 1 WHERE id = ?", params
            )

    def _touch(self, repo: Repository[Any], written: list[tuple[str, list[Any]]],
               before: dict[str, tuple[Any, ...]]) -> None:
        """Queue search entries of received records for :meth:`_reindex`: those new here or with
        a search column changed (a changed note moved off a case updates that case too). Pulling
        10k edited cases whose number and person stayed the same rebuilt 10k entries for
        nothing (0.6 s)."""
        columns = _SEARCH_COLUMNS[repo.table]
        at = [repo.columns.index(c) for c in columns]
        note = repo.table == "notes"  # a note's first search column is its case
        for rid, row in written:
            now = tuple(row[i] for i in at)
            stored = before.get(rid)
            old = tuple(stored[i] for i in at) if stored is not None else None
            if old == now:
                continue
            self._touched.append((repo, _Ref(rid, now[0] if note else None)))
            if note and old is not None and old[0] != now[0]:
                self._touched.append((repo, _Ref(rid, old[0])))

    @property
    def _has_parked(self) -> bool:
        return self.conn.execute("SELECT 1 FROM sync_parked LIMIT 1").fetchone() is not None

    def _park(self, rec: RemoteRecord, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO sync_parked (kind, id, rev, data, reason) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(kind, id) DO UPDATE SET rev = excluded.rev, data = excluded.data,"
            " reason = excluded.reason",
            (rec.kind, rec.id, rec.rev, _dumps(rec.data), reason[:300]),
        )

    def apply_remote(self, rec: RemoteRecord) -> bool:
        """Write one server record locally without marking it pending (the caller holds the
        transaction). A locally pending record is left alone: its next push is merged on the
        server against the base it started from. Returns False when skipped or parked."""
        if rec.kind not in self.repos:
            return False
        return self._apply_kind(rec.kind, [rec]) == 1

    def _retry_parked(self) -> int:
        done = 0
        while True:
            rows = self.conn.execute("SELECT kind, id, rev, data FROM sync_parked").fetchall()
            if not rows:
                return done
            progress = 0
            by_kind: dict[str, list[RemoteRecord]] = {}
            for kind, rid, rev, data in rows:
                by_kind.setdefault(kind, []).append(
                    RemoteRecord(kind=kind, id=rid, rev=rev, seq=0, deleted=False,
                                 data=json.loads(data)))
            for kind in _ORDER:
                if kind in by_kind:
                    progress += self._apply_kind(kind, by_kind[kind])
            done += progress
            if not progress:
                return done

    def parked_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0])

    def apply_reference(self, page: ReferencePage) -> None:
        with self.vault.transaction():
            for item in page.items:
                self.conn.execute(
                    "INSERT INTO sync_reference (kind, key, team, version, seq, deleted, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, key, team) DO UPDATE SET"
                    " version = excluded.version, seq = excluded.seq,"
                    " deleted = excluded.deleted, data = excluded.data",
                    (item.kind, item.key, item.team, item.version, item.seq,
                     int(item.deleted), _dumps(item.data)),
                )
                if item.kind == "agency" and isinstance(item.data, dict):
                    data = dict(item.data) | {"deleted": item.deleted}
                    try:
                        self._pin_base(self.vault.agencies, str(data.get("id", "")))
                        self._write(self.vault.agencies, data, pending=False)
                    except Exception:
                        continue
            self.put("ref_cursor", page.next_cursor)

    def reference_items(self, kind: str) -> list[dict[str, Any]]:
        """Reference data of one kind (form, codelist, agency, handout_template)."""
        return [
            {"key": k, "team": t, "version": v, "data": json.loads(d)}
            for k, t, v, d in self.conn.execute(
                "SELECT key, team, version, data FROM sync_reference"
                " WHERE kind = ? AND deleted = 0 ORDER BY key", (kind,)
            )
        ]

    # -- divergence ----------------------------------------------------------------------------
    def digest(self) -> tuple[int, str]:
        lines = [f"{k}/{i}/{r}" for k, i, r in
                 self.conn.execute("SELECT kind, id, rev FROM sync_base")]
        return len(lines), state_digest(lines)

    def forget_unseen(self, seen: set[tuple[str, str]]) -> int:
        """After a full resync: records the server no longer has are pushed again."""
        lost = [(k, i) for k, i in self.conn.execute("SELECT kind, id FROM sync_base")
                if (k, i) not in seen]
        with self.vault.transaction():
            for kind, rid in lost:
                self.conn.execute("DELETE FROM sync_base WHERE kind = ? AND id = ?", (kind, rid))
                if kind in self.repos:
                    self.conn.execute(f"UPDATE {kind} SET pending = 1 WHERE id = ?", (rid,))
        return len(lost)

    # -- conflicts -----------------------------------------------------------------------------
    def _store_conflicts(self, conflicts: Iterable[ConflictInfo]) -> None:
        for c in conflicts:
            self.conn.execute(
                "INSERT INTO sync_conflicts (id, kind, record_id, field, base, theirs, mine,"
                " device_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET status = CASE WHEN excluded.status = 'resolved'"
                " THEN 'resolved' ELSE sync_conflicts.status END",
                (c.id, c.kind, c.record_id, c.field, _dumps(c.base), _dumps(c.theirs),
                 _dumps(c.mine), c.device_id, c.status, c.created_at),
            )

    def conflicts(self, *, status: str | None = "open") -> list[ConflictInfo]:
        sql = ("SELECT id, kind, record_id, field, base, theirs, mine, device_id, status,"
               " created_at FROM sync_conflicts")
        params: tuple[Any, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        return [
            ConflictInfo(id=r[0], kind=r[1], record_id=r[2], field=r[3], base=json.loads(r[4]),
                         theirs=json.loads(r[5]), mine=json.loads(r[6]), device_id=r[7],
                         status=r[8], created_at=r[9])
            for r in self.conn.execute(sql + " ORDER BY created_at, id", params)
        ]

    def resolve(self, conflict_id: str, value: Any) -> None:
        """The counselor's choice (mine, theirs or a merged value) becomes a normal local edit,
        sent with the conflict's id so the server closes it for every device."""
        row = self.conn.execute(
            "SELECT kind, record_id, field FROM sync_conflicts WHERE id = ?", (conflict_id,)
        ).fetchone()
        if row is None:
            raise KeyError(conflict_id)
        kind, rid, fld = row
        repo = self.repos[kind]
        with self.vault.transaction():
            record = repo.get(rid, include_deleted=True)
            data = record.model_dump(mode="json") | {fld: value}
            updated = repo.model.model_validate(data)
            repo.update(updated)
            self.conn.execute(
                "UPDATE sync_conflicts SET status = 'resolving', resolution = ? WHERE id = ?",
                (_dumps(value), conflict_id),
            )

    # -- low level -----------------------------------------------------------------------------
    def _local(self, repo: Repository[Any], rid: str) -> Any:
        row = self.conn.execute(
            f"{repo._select_sql} WHERE id = ?", (rid,)
        ).fetchone()
        return repo.from_row(row) if row else None

    def _shape(self, repo: Repository[Any]) -> tuple[frozenset[str], frozenset[str],
                                                       frozenset[str]]:
        """(columns, JSON columns, boolean columns) of a record table."""
        shape = self._shapes.get(repo.table)
        if shape is None:
            bools = frozenset(n for n, f in repo.model.model_fields.items()
                              if f.annotation is bool or f.annotation == "bool")
            shape = (frozenset(repo.columns), frozenset(repo._json), bools)
            self._shapes[repo.table] = shape
        return shape

    def _row_record(self, repo: Repository[Any], row: Any) -> _RowRecord:
        """A stored row as the JSON dict ``model_dump(mode="json")`` would give, without pydantic:
        the row was validated when it was written (this halves the cost of building a batch)."""
        _, json_cols, bools = self._shape(repo)
        data: dict[str, Any] = {}
        for name, value in zip(repo.columns, row, strict=True):
            if name in json_cols:
                value = from_json(value)
            elif name in bools:
                value = bool(value)
            data[name] = value
        return _RowRecord(data["id"], int(data["revision"]), data)

    def _fast_row(self, repo: Repository[Any], data: dict[str, Any]) -> list[Any] | None:
        """A server record (validated by the server with the same domain models) as a row, or
        None when its fields are not exactly this model's (another version: validate it)."""
        plan = self._row_plans.get(repo.table)
        if plan is None:
            plan = self._row_plans[repo.table] = _RowPlan.of(repo, *self._shape(repo)[1:])
        if data.keys() != plan.fields:
            return None
        return plan.row(data)

    @staticmethod
    def _validated(repo: Repository[Any], data: dict[str, Any], *, pending: bool) -> Any:
        return repo.model.model_validate(
            {k: v for k, v in data.items() if k not in ("revision", "pending")}
            | {"revision": 1, "pending": pending}
        )

    @staticmethod
    def _upsert_sql(repo: Repository[Any]) -> str:
        cols = repo.columns
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("id", "revision"))
        return (f"INSERT INTO {repo.table} ({', '.join(cols)}) VALUES"
                f" ({', '.join('?' for _ in cols)}) ON CONFLICT(id) DO UPDATE SET {sets},"
                f" revision = {repo.table}.revision + 1")

    def _write(self, repo: Repository[Any], data: dict[str, Any], *, pending: bool) -> Any:
        record = self._validated(repo, data, pending=pending)
        self.conn.execute(self._upsert_sql(repo), repo.to_row(record))
        if repo.table in _SEARCH_KINDS:
            self._touched.append((repo, record))
        return record

    def _set_bases(self, rows: list[tuple[str, str, int, str | None]]) -> None:
        """(kind, id, rev, data): ``data`` None where the local row is the server's version."""
        self.conn.executemany(
            "INSERT INTO sync_base (kind, id, rev, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(kind, id) DO UPDATE SET rev = excluded.rev, data = excluded.data",
            rows,
        )

    def _reindex(self) -> None:
        """Search entries for received persons, cases and notes: record by record for a few,
        in bulk for many (one query per 500 affected cases, not one join per record)."""
        written, self._touched = self._touched, []
        if len(written) <= 50:
            for repo, record in written:
                try:
                    repo._after_write(record)
                except Exception:
                    continue
            return
        case_ids: set[str] = set()
        person_ids: list[str] = []
        for repo, record in written:
            if repo.table == "cases":
                case_ids.add(record.id)
            elif repo.table == "notes":
                case_ids.add(record.case_id)
            else:
                person_ids.append(record.id)
        for start in range(0, len(person_ids), 500):
            chunk = person_ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            case_ids.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM cases WHERE person_id IN ({marks})", chunk))
        from kimdesk.vault.search import index_text

        ids = list(case_ids)
        rows: list[Any] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows += self.conn.execute(
                "SELECT c.seq, c.deleted, c.case_number, p.given_name, p.family_name,"
                " p.given_name_latin, p.family_name_latin, n.texts FROM cases c"
                " JOIN persons p ON p.id = c.person_id LEFT JOIN (SELECT case_id,"
                " group_concat(text, ' ') AS texts FROM notes WHERE deleted = 0"
                f" AND case_id IN ({marks}) GROUP BY case_id) n ON n.case_id = c.id"
                f" WHERE c.id IN ({marks})", chunk + chunk,
            ).fetchall()
        # In ascending rowid order: FTS5 writes its pending terms out as a new segment whenever
        # a rowid is not above the last one written, so 10k entries in id order made thousands
        # of tiny segments (0.27 s of a 10k pull; in order, 0.05 s).
        rows.sort(key=operator.itemgetter(0))
        self.conn.executemany("DELETE FROM case_search WHERE rowid = ?", [(r[0],) for r in rows])
        self.conn.executemany(
            "INSERT INTO case_search (rowid, text) VALUES (?, ?)",
            [(r[0], index_text(*r[2:7], r[7] or "")) for r in rows if not r[1]],
        )

    def iter_records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every synced record as (kind, id, data without local metadata): for tests/compare."""
        for kind in _ORDER:
            repo = self.repos[kind]
            for row in self.conn.execute(f"{repo._select_sql} ORDER BY id"):
                rec = repo.from_row(row)
                yield kind, rec.id, rec.model_dump(mode="json", exclude={"revision", "pending"})
