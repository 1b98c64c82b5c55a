"""Writing records received from the server: pulled pages, acknowledged pushes, reference data.

Received records are written without marking them pending and without an audit event (the
audit log records what happened on this device; receiving a colleague's edit is not an access).
A record whose parent is missing here (its person, its case) is parked in ``sync_parked`` and
tried again after each page. The search entries of received persons, cases and notes are
refreshed once, at the end of a :meth:`Inbox.receiving` block.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter, ne
from typing import TYPE_CHECKING, Any, Protocol

from kimdesk.domain.models import Note, Record
from kimdesk.vault.repository import Repository
from kimdesk.vault.searchentries import SearchEntries
from kimdesk.vault.sync.bases import SyncBases, dumps
from kimdesk.vault.sync.parkcap import ParkingTally
from kimdesk.vault.sync.records import SyncedRecords
from kimdesk.vault.sync.rows import ReceivedRows

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: The columns a record's search entry is built from (``kimdesk.vault.search.index_text``), per
#: searchable kind; the case or person link and the tombstone first, as they decide which
#: entry a record feeds. A received record that changes none of them leaves the index alone.
SEARCH_COLUMNS = {
    "persons": ("deleted", "given_name", "family_name", "given_name_latin", "family_name_latin"),
    "cases": ("person_id", "deleted", "case_number"),
    "notes": ("case_id", "deleted", "text"),
}
#: The kinds a deletion record names (``Deletion.target_kind``): what a purge removes.
PURGED_KINDS = frozenset({"cases", "persons"})
#: What a record kind of a later release may be called to be parked (:meth:`Inbox.park_unknown`):
#: a table name; any other is dropped on arrival.
KIND_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: Up to this many received records refresh their search entries one by one; more in bulk.
FEW = 50
#: Fields that are no edit of their own: the same set as the sync protocol's ``NON_FIELDS``
#: (``kimdesk.sync.protocol``; the vault does not import the sync layer, a test compares them).
NOT_EDITS = frozenset({"id", "revision", "pending", "created_at", "updated_at"})


class Received(Protocol):
    """A record as the server sends it (the sync protocol's ``RemoteRecord`` has these)."""

    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def rev(self) -> int: ...
    @property
    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ParkedRecord:
    """A received record waiting in ``sync_parked`` for its parent."""

    kind: str
    id: str
    rev: int
    data: dict[str, Any]


def _validated(rows: ReceivedRows, rec: Received) -> Record:
    """The received record validated by its model; ValueError if its data names another id."""
    record = rows.validated(rec.data, pending=False)
    if record.id != rec.id:
        raise ValueError(f"the data names another id than {rec.id!r}")
    return record


@dataclass(frozen=True)
class _Touched:
    """A received record whose search entry needs refreshing; ``case_id`` for a note: the
    case whose entry it feeds (or fed, before it moved)."""

    table: str
    id: str
    case_id: str | None = None


class Inbox:
    """Apply received records (the caller holds the transaction)."""

    def __init__(self, vault: Vault, repos: dict[str, Repository[Any]],
                 records: SyncedRecords, bases: SyncBases) -> None:
        self._vault = vault
        self._repos = repos
        self._records = records
        self._bases = bases
        self._rows: dict[str, ReceivedRows] = {}
        self._touched: list[_Touched] = []
        self._tally: ParkingTally | None = None

    def rows(self, kind: str) -> ReceivedRows:
        """Row building for received records of ``kind`` (made once per table)."""
        rows = self._rows.get(kind)
        if rows is None:
            rows = self._rows[kind] = ReceivedRows(self._repos[kind])
        return rows

    @contextlib.contextmanager
    def receiving(self) -> Iterator[None]:
        """A block of received writes; at its end (not after an error) the search entries of
        the persons, cases and notes written in it are refreshed."""
        self._touched = []
        self._tally = None  # read again: a page rolled back left the last one's counts wrong
        yield
        self._reindex()

    # -- single records ------------------------------------------------------------------------
    def write(self, kind: str, data: dict[str, Any], *, pending: bool) -> Record:
        """Validate and store one record as given (insert or overwrite), ``pending`` if it
        still holds local edits. Returns the record as stored (before the revision count)."""
        rows = self.rows(kind)
        record = rows.validated(data, pending=pending)
        self._vault.conn.execute(rows.upsert_sql, rows.repo.to_row(record))
        if kind in SEARCH_COLUMNS:
            case_id = record.case_id if isinstance(record, Note) else None
            self._touched.append(_Touched(kind, record.id, case_id))
        return record

    # -- pulled records ------------------------------------------------------------------------
    def apply(self, kind: str, recs: Sequence[Received], checked: Collection[str] = (),
              force: Collection[str] = ()) -> int:
        """Write received records of one kind, skipping those already here at that revision and
        those with a local edit waiting to be pushed (the server merges it against the base it
        started from). Records that fail (e.g. their parent is missing) are parked. Returns how
        many were written. ``checked``: ids of records validated already (on the thread that
        fetched them, :mod:`kimdesk.sync.received`); the others are validated here. ``force``:
        ids written even at a revision known here, unless pending (the records of a batch the
        server answered ``batch_expired``: :mod:`kimdesk.sync.store.expired`)."""
        rows = self.rows(kind)
        # one entry per record (the last, the newest in a page; the server sends each once):
        # records not stored here yet are inserted plainly
        recs = list({r.id: r for r in recs}.values())
        gone = self._purged_here(kind, [r.id for r in recs])
        if gone:
            recs = [r for r in recs if r.id not in gone]
        ids = [r.id for r in recs]
        known = {i: rev for i, (rev, _) in self._bases.get(kind, ids, data=False).items()}
        pending = self._records.pending_ids(kind, ids)
        if pending:
            pending -= self._saved_unchanged(kind, [
                r.id for r in recs if r.id in pending and known.get(r.id, -1) < r.rev])
        todo: list[tuple[Received, list[Any], dict[str, Any] | None]] = []
        for rec in recs:
            if (known.get(rec.id, -1) >= rec.rev and rec.id not in force) or rec.id in pending:
                # Our own change coming back / already here; or a local edit waiting to be
                # pushed, which the server merges against the base it started from.
                continue
            # Every record is validated, and must name the id the page gives it: written
            # unchecked, a server's wrong type or date made the record unreadable here (every
            # read of it failed), and data naming another id wrote another record (a review of
            # the device against a hostile server, 2026-12-06). Records of a pulled page were
            # checked on the fetching thread (kimdesk.sync.received); others are checked here.
            record: Record | None = None
            if rec.id not in checked or (row := rows.fast_row(rec.data)) is None:
                try:
                    record = _validated(rows, rec)
                except Exception as exc:
                    self._park(rec, str(exc))
                    continue
                row = rows.fast_row(rec.data)
            # Written exactly as received: the row is the base (NULL); after validation the
            # row may differ from the server's data, which is then kept as the base.
            base: dict[str, Any] | None = None
            if row is None:
                assert record is not None
                row = rows.repo.to_row(record)
                base = rec.data
            todo.append((rec, row, base))
        if not todo:
            return 0
        ids = [rec.id for rec, _, _ in todo]
        stored = self._records.stored_rows(kind, ids)
        try:
            self._write_rows(rows, [(rec.id, row) for rec, row, _ in todo], stored)
            done = todo
        except Exception:
            # One bad record (e.g. its parent is missing) must not hold up the page: record by
            # record, the bad ones parked. The rows the bulk write got to are read again, so
            # they compare equal and are not written twice. (Not a savepoint: it journals every
            # page the bulk write touches, which made a 10k pull's inserts three times slower.)
            stored = self._records.stored_rows(kind, ids)
            done = []
            for item in todo:
                try:
                    self._write_rows(rows, [(item[0].id, item[1])], stored)
                except Exception as exc:
                    self._park(item[0], str(exc))
                    continue
                done.append(item)
        # the bases of records seen here for the first time are inserted plainly
        for new in (True, False):
            self._bases.put([(kind, rec.id, rec.rev, base) for rec, _, base in done
                             if (rec.id not in known) is new], new=new)
        if kind in SEARCH_COLUMNS:
            self._touch(rows.repo, [(rec.id, row) for rec, row, _ in done], stored)
        if self._has_parked(kind):
            self._vault.conn.executemany("DELETE FROM sync_parked WHERE kind = ? AND id = ?",
                                         [(kind, rec.id) for rec, _, _ in done])
        return len(done)

    def _saved_unchanged(self, kind: str, ids: list[str]) -> set[str]:
        """Those of the pending records ``ids`` whose local edit changes nothing against their
        merge base (saved as they were, or changed and changed back) and that resolve no
        conflict: no edit, so the received version is written over them like over a clean
        record. Skipped as pending, such a record kept its old version for good: the cursor
        moved past the colleague's change, and the next push, finding nothing to send, marked
        it clean (a fault-injection review, 2026-12-06). A real edit is still skipped: the
        server merges it, and its receipt brings the colleague's change."""
        if not ids:
            return set()
        resolving = {r[0] for r in self._vault.conn.execute(
            "SELECT record_id FROM sync_conflicts WHERE status = 'resolving'")}
        bases = self._bases.get(kind, [i for i in ids if i not in resolving])
        out: set[str] = set()
        for rid, (_, base) in bases.items():
            if base is None:  # no base values: the next push sends it whole, as an edit
                continue
            local = self._records.local_json(kind, rid)
            if local is not None and all(base.get(k) == v for k, v in local.items()
                                         if k not in NOT_EDITS):
                out.add(rid)
        return out

    def _write_rows(self, rows: ReceivedRows, written: list[tuple[str, list[Any]]],
                    stored: dict[str, tuple[Any, ...]]) -> None:
        """Write received rows: new ones inserted, existing ones updated in the columns that
        differ, grouped by those columns (one ``executemany`` per group).

        An upsert of every column rewrites every index entry of the row and checks its foreign
        keys, changed or not: pulling 10k cases edited in one text field cost 0.3 s in the
        upsert, 0.08 s updating the two columns that changed. A row equal to the stored one is
        not written at all. The local ``revision`` goes up by one with every update, as with any
        other write (optimistic concurrency in the GUI)."""
        columns = rows.repo.columns
        skip = {columns.index("id"), columns.index("revision")}
        positions = range(len(columns))
        fresh: list[list[Any]] = []
        groups: dict[tuple[int, ...], list[list[Any]]] = {}
        for rid, row in written:
            old = stored.get(rid)
            if old is None:
                fresh.append(row)
                continue
            if not len(row) == len(old) == len(columns):
                raise ValueError(f"a {rows.repo.table} row of another width")
            # the columns compared in C, a Python step only for those that differ: a step per
            # column was 4 us of each of 10k received cases
            diff = tuple(i for i in compress(positions, map(ne, row, old)) if i not in skip)
            if diff:
                groups.setdefault(diff, []).append([*(row[i] for i in diff), rid])
        conn = self._vault.conn
        if fresh:  # not stored here (read in this transaction): a plain insert
            conn.executemany(rows.insert_sql, fresh)
        for diff, params in groups.items():
            sets = ", ".join(f"{columns[i]} = ?" for i in diff)
            conn.executemany(
                f"UPDATE {rows.repo.table} SET {sets}, revision = revision + 1 WHERE id = ?",
                params,
            )

    def _purged_here(self, kind: str, ids: list[str]) -> set[str]:
        """The ids among ``ids`` that this vault purged (it holds their deletion record): never
        written again. A server restored from a backup of before the purge sends them in the
        full pull that follows (a review, 2026-12-06: the purged case, person and notes were
        readable again until a later sync brought the deletion back), and purging them again
        would keep their statistical remains twice. Their children then wait for a missing
        parent and are dropped with the other parked records of purged targets
        (:func:`kimdesk.vault.purge.purge_deleted_targets`)."""
        if kind not in PURGED_KINDS or not ids:
            return set()
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update(row[0] for row in self._vault.conn.execute(
                "SELECT target_id FROM deletions WHERE deleted = 0 AND target_kind = ?"
                f" AND target_id IN ({', '.join('?' for _ in chunk)})", [kind, *chunk]))
        return found

    # -- parked records ------------------------------------------------------------------------
    def _has_parked(self, kind: str) -> bool:
        return self._vault.conn.execute(
            "SELECT 1 FROM sync_parked WHERE kind = ? LIMIT 1", (kind,)).fetchone() is not None

    def _known_parked_sql(self, columns: str) -> tuple[str, list[str]]:
        """A query of the parked records of the kinds this version writes, and its values.
        Parked records of other kinds (:meth:`park_unknown`) wait for an update, not for a
        parent: read back after every pulled page, each page paid for all of them (20,000
        parked: 0.14 s a page; tests/sync/test_parked_unknown_kinds.py)."""
        kinds = list(self._repos)
        marks = ", ".join("?" for _ in kinds)
        return f"SELECT {columns} FROM sync_parked WHERE kind IN ({marks})", kinds

    def parked_known(self) -> bool:
        """Whether a record of a kind this version writes waits in ``sync_parked``."""
        sql, kinds = self._known_parked_sql("1")
        return self._vault.conn.execute(sql + " LIMIT 1", kinds).fetchone() is not None

    def _park(self, rec: Received, reason: str) -> None:
        """Hold ``rec`` back in ``sync_parked``; :class:`ParkedFull` past the caps
        (:mod:`kimdesk.vault.sync.parkcap`), which rolls the page back."""
        if self._tally is None:
            self._tally = ParkingTally(self._vault.conn, self._repos)
        data = dumps(rec.data)
        self._tally.admit(rec.kind, rec.id, data)
        self._vault.conn.execute(
            "INSERT INTO sync_parked (kind, id, rev, data, reason) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(kind, id) DO UPDATE SET rev = excluded.rev, data = excluded.data,"
            " reason = excluded.reason",
            (rec.kind, rec.id, rec.rev, data, reason[:300]),
        )

    def retry_parked(self) -> int:
        """Apply parked records of the kinds this version writes again (parents first), as
        long as some get written; returns how many were."""
        done = 0
        while True:
            rows = self._vault.conn.execute(
                *self._known_parked_sql("kind, id, rev, data")).fetchall()
            if not rows:
                return done
            progress = 0
            by_kind: dict[str, list[ParkedRecord]] = {}
            for kind, rid, rev, data in rows:
                by_kind.setdefault(kind, []).append(ParkedRecord(kind, rid, rev, json.loads(data)))
            for kind in self._repos:
                if kind in by_kind:
                    progress += self.apply(kind, by_kind[kind])
            done += progress
            if not progress:
                return done

    def park_unknown(self, recs: Sequence[Received]) -> None:
        """Received records of a kind this version does not know (a later release's: consent
        shares, case access in docs/planned.md) wait in ``sync_parked`` like a record with a
        newer field: counted by the divergence check, listed by the Auskunft where they name a
        person or case, dropped with it by a purge, applied once an update knows the kind.
        Dropped on arrival until 2026-12-07, they made the device's count differ from the
        server's at every run: a full resync each time (5 of 5 runs, docs/planned.md). A kind
        that is no table name (:data:`KIND_NAME`) is still dropped."""
        # the last copy of each, as apply() keeps; a kind is a table name (consent_shares): one
        # with terminal escapes or of any length would be printed as it came by kimdesk check
        newest = {(r.kind, r.id): r for r in recs if KIND_NAME.fullmatch(r.kind)}
        for rec in newest.values():
            known = self._vault.conn.execute(
                "SELECT rev FROM sync_parked WHERE kind = ? AND id = ?",
                (rec.kind, rec.id)).fetchone()
            if known is None or int(known[0]) < rec.rev:
                self._park(rec, f"kind {rec.kind} is unknown to this version of KIMdesk")

    def parked_count(self) -> int:
        return int(self._vault.conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0])

    # -- search entries ------------------------------------------------------------------------
    def _touch(self, repo: Repository[Any], written: list[tuple[str, list[Any]]],
               before: dict[str, tuple[Any, ...]]) -> None:
        """Queue search entries of received records for :meth:`_reindex`: those new here or with
        a search column changed (a changed note moved off a case updates that case too). Pulling
        10k edited cases whose number and person stayed the same rebuilt 10k entries for
        nothing (0.6 s)."""
        # the search columns picked in C (every table has several: a tuple each time)
        pick = itemgetter(*(repo.columns.index(c) for c in SEARCH_COLUMNS[repo.table]))
        note = repo.table == "notes"  # a note's first search column is its case
        for rid, row in written:
            now = pick(row)
            stored = before.get(rid)
            old = pick(stored) if stored is not None else None
            if old == now:
                continue
            self._touched.append(_Touched(repo.table, rid, now[0] if note else None))
            if note and old is not None and old[0] != now[0]:
                self._touched.append(_Touched(repo.table, rid, old[0]))

    def _reindex(self) -> None:
        """Search entries for received persons, cases and notes: record by record for a few,
        in bulk for many."""
        written, self._touched = self._touched, []
        entries = SearchEntries(self._vault)
        if len(written) <= FEW:
            for item in written:
                try:
                    if item.table == "persons":
                        entries.refresh_person(item.id)
                    elif item.table == "cases":
                        entries.refresh_case(item.id)
                    elif item.case_id is not None:
                        entries.refresh_case(item.case_id)
                except Exception:
                    continue
            return
        case_ids: set[str] = set()
        person_ids: list[str] = []
        for item in written:
            if item.table == "cases":
                case_ids.add(item.id)
            elif item.table == "notes":
                if item.case_id is not None:
                    case_ids.add(item.case_id)
            else:
                person_ids.append(item.id)
        entries.refresh_many(case_ids, person_ids)
