"""The record tables as sync sees them: the ``pending`` marker, local revisions, raw rows.

A record is ``pending`` while it holds a local change the server has not acknowledged; its
``revision`` counts local writes, so a receipt can tell whether the record was edited again
while its batch was in flight. Reads here write no audit event: moving records between this
device and the team's server is not somebody reading a person's file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from kimdesk.domain.models import RECORD_TYPES, AuditEvent, Record
from kimdesk.vault.repository import Repository

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: Ids per ``IN (...)`` list (SQLite's older builds allow 999 parameters per statement).
CHUNK = 500


def synced_repositories(vault: Vault) -> dict[str, Repository[Any]]:
    """Every record repository of the vault by table name, parents first (the order records
    are sent and applied in). Found among the vault's attributes, so a record type added to
    the vault syncs without a list to update here. The audit log does not sync: it records who
    read what on this device, and its hash chain is local."""
    by_table = {r.table: r for r in vars(vault).values() if isinstance(r, Repository)}
    return {cls.KIND: by_table[cls.KIND] for cls in RECORD_TYPES
            if cls.KIND in by_table and cls is not AuditEvent}


@dataclass(slots=True)
class PendingRow:
    """A pending record as read for a batch: its ``data`` is the JSON form of the row
    (``model_dump(mode="json")``, including ``revision`` and ``pending``)."""

    seq: int
    id: str
    revision: int
    data: dict[str, Any]


class SyncedRecords:
    """Pending markers, revisions and rows of the synced record tables."""

    def __init__(self, vault: Vault, repos: dict[str, Repository[Any]]) -> None:
        self._vault = vault
        self._repos = repos

    def pending_count(self, kind: str | None = None) -> int:
        """Records (of ``kind``, or of every kind) with a local change the server has not
        acknowledged."""
        conn = self._vault.conn
        return sum(
            int(conn.execute(f"SELECT count(*) FROM {name} WHERE pending = 1").fetchone()[0])
            for name in self._repos if kind in (None, name)
        )

    def pending_rows(self, kind: str, after_seq: int, limit: int) -> list[PendingRow]:
        """Up to ``limit`` pending records of ``kind`` written after local ``seq`` ``after_seq``,
        in the order they were first stored."""
        repo = self._repos[kind]
        rows = self._vault.conn.execute(
            f"SELECT seq, {', '.join(repo.columns)} FROM {kind}"
            " WHERE pending = 1 AND seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        ).fetchall()
        out: list[PendingRow] = []
        for row in rows:
            data = repo.row_as_json(row[1:])
            out.append(PendingRow(row[0], data["id"], int(data["revision"]), data))
        return out

    def mark_unchanged(self, kind: str, record_id: str, revision: int, updated_at: str) -> None:
        """A record saved without a real change: clean again, with the server's timestamp (so
        every replica stays identical), unless it was written again since ``revision``."""
        self._vault.conn.execute(
            f"UPDATE {kind} SET pending = 0, updated_at = ? WHERE id = ? AND revision = ?",
            (updated_at, record_id, revision),
        )

    def mark_clean(self, kind: str, id_revisions: list[tuple[str, int]]) -> int:
        """Acknowledged records (``(id, revision)`` as sent) are clean unless edited since;
        returns how many were (the others were edited since)."""
        if not id_revisions:
            return 0
        return int(self._vault.conn.executemany(
            f"UPDATE {kind} SET pending = 0 WHERE id = ? AND revision = ?", id_revisions
        ).rowcount)

    def mark_pending(self, kind: str, record_id: str) -> None:
        """Send this record again with the next push."""
        self._vault.conn.execute(f"UPDATE {kind} SET pending = 1 WHERE id = ?", (record_id,))

    def mark_all_pending(self) -> None:
        """Every record is sent again (to a server that has none of them)."""
        for kind in self._repos:
            self._vault.conn.execute(f"UPDATE {kind} SET pending = 1 WHERE pending = 0")

    def revisions(self, kind: str, ids: list[str]) -> dict[str, int]:
        """Local revision of those of ``ids`` stored here."""
        out: dict[str, int] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" for _ in chunk)
            out.update(self._vault.conn.execute(
                f"SELECT id, revision FROM {kind} WHERE id IN ({marks})", chunk
            ).fetchall())
        return out

    def pending_ids(self, kind: str, ids: list[str]) -> set[str]:
        """Those of ``ids`` that hold a local change not yet acknowledged."""
        out: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" for _ in chunk)
            out.update(r[0] for r in self._vault.conn.execute(
                f"SELECT id FROM {kind} WHERE id IN ({marks}) AND pending = 1", chunk
            ))
        return out

    def stored_rows(self, kind: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
        """The raw rows (``repo.columns``) of those of ``ids`` stored here."""
        repo = self._repos[kind]
        found: dict[str, tuple[Any, ...]] = {}
        select = f"SELECT {', '.join(repo.columns)} FROM {kind} WHERE id IN "
        at = repo.columns.index("id")
        key = itemgetter(at)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # fetched in one call and keyed in C (iterating the cursor is a Python step a row)
            rows = self._vault.conn.execute(
                f"{select}({','.join('?' * len(chunk))})", chunk).fetchall()
            found.update(zip(map(key, rows), rows, strict=True))
        return found

    def local_record(self, kind: str, record_id: str) -> Record | None:
        """The stored record, tombstone or not (None when it is not here)."""
        repo = self._repos[kind]
        row = self._vault.conn.execute(
            f"{repo.select_sql} WHERE id = ?", (record_id,)
        ).fetchone()
        return repo.from_row(row) if row else None

    def local_json(self, kind: str, record_id: str, *, clean_only: bool = False
                   ) -> dict[str, Any] | None:
        """The stored record's JSON form without ``revision``/``pending`` (None when it is not
        here, or with ``clean_only`` when it is pending)."""
        repo = self._repos[kind]
        where = " WHERE id = ? AND pending = 0" if clean_only else " WHERE id = ?"
        row = self._vault.conn.execute(repo.select_sql + where, (record_id,)).fetchone()
        if row is None:
            return None
        data = repo.row_as_json(row)
        data.pop("revision", None)
        data.pop("pending", None)
        return data

    def iter_records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every synced record as (kind, id, data without local metadata), tombstones too; not
        a tombstone of a record the server never had (clean without a merge base: deleted
        before it was sent, it stays on this device alone, ``kimdesk/sync/store/outbox.py``)."""
        for kind, repo in self._repos.items():
            for row in self._vault.conn.execute(
                    f"{repo.select_sql} WHERE NOT (deleted = 1 AND pending = 0 AND id NOT IN"
                    " (SELECT id FROM sync_base WHERE kind = ?)) ORDER BY id", (kind,)):
                rec = repo.from_row(row)
                yield kind, rec.id, rec.model_dump(mode="json", exclude={"revision", "pending"})
