"""The merge bases (``sync_base``): the server's revision and data each record was last seen at.

A base keeps its data only while it differs from the local row. A record written as the server
holds it, and not pending, has ``data = NULL``: its row *is* the base, so a pull or an
acknowledged push writes the record once, not twice. The vault's ``*_keep_base`` triggers
(schema step 3) copy the old row into ``sync_base`` when a local edit first makes the row
pending.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

# pydantic-core's JSON parser: 2-3x faster than json.loads on a record (bases are parsed once
# per record of every batch).
from pydantic_core import from_json

from kimdesk.vault.sync.records import CHUNK, SyncedRecords

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: (kind, id, server revision, data or None where the local row is the server's version)
BaseRow = tuple[str, str, int, dict[str, Any] | None]


def dumps(value: Any) -> str:
    """JSON as the sync tables store it: compact, keys sorted, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class SyncBases:
    """Read and write merge bases."""

    def __init__(self, vault: Vault, records: SyncedRecords) -> None:
        self._vault = vault
        self._records = records

    def get(self, kind: str, ids: list[str], *, data: bool = True
            ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        """id -> (server revision, base data or None) for those of ``ids`` with a base;
        ``data=False`` reads the revisions only."""
        out: dict[str, tuple[int, dict[str, Any] | None]] = {}
        column = "data" if data else "NULL"
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" for _ in chunk)
            for rid, rev, text in self._vault.conn.execute(
                f"SELECT id, rev, {column} FROM sync_base WHERE kind = ? AND id IN ({marks})",
                (kind, *chunk),
            ):
                out[rid] = (int(rev), from_json(text) if text is not None else None)
        return out

    def put(self, rows: list[BaseRow], *, new: bool = False) -> None:
        """Store bases (kind, id, rev, data): ``data`` None where the local row is the
        server's version. ``new``: none of them has a base yet (a plain insert; the upsert
        clause costs a bulk insert about 40 %)."""
        if not rows:
            return
        sql = "INSERT INTO sync_base (kind, id, rev, data) VALUES (?, ?, ?, ?)"
        if not new:
            sql += " ON CONFLICT(kind, id) DO UPDATE SET rev = excluded.rev, data = excluded.data"
        self._vault.conn.executemany(
            sql, [(kind, rid, rev, None if data is None else dumps(data))
                  for kind, rid, rev, data in rows])

    def pin(self, kind: str, record_id: str) -> None:
        """The record is about to change without becoming the server's version (reference
        data): if it is clean, its current content becomes the explicit base where the base
        was the row itself."""
        data = self._records.local_json(kind, record_id, clean_only=True)
        if data is None:
            return
        self._vault.conn.execute(
            "UPDATE sync_base SET data = ? WHERE kind = ? AND id = ? AND data IS NULL",
            (dumps(data), kind, record_id),
        )

    def revisions(self) -> list[tuple[str, str, int]]:
        """(kind, id, server revision) of every record the server has acknowledged."""
        return [(k, i, r) for k, i, r in
                self._vault.conn.execute("SELECT kind, id, rev FROM sync_base")]

    def count(self) -> int:
        """How many records have a base (every record the server acknowledged)."""
        return int(self._vault.conn.execute("SELECT count(*) FROM sync_base").fetchone()[0])

    def record_keys(self) -> list[tuple[str, str]]:
        """(kind, id) of every base."""
        return [(k, i) for k, i in self._vault.conn.execute("SELECT kind, id FROM sync_base")]

    def forget(self, kind: str, record_id: str) -> None:
        self._vault.conn.execute(
            "DELETE FROM sync_base WHERE kind = ? AND id = ?", (kind, record_id)
        )
