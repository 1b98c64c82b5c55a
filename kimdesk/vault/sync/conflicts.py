"""Field conflicts (``sync_conflicts``) as the server reported them, and their resolution.

A conflict is ``open`` until the counselor chooses a value, ``resolving`` while that choice
travels to the server (sent with the record's next change), and ``resolved`` once the server
confirms it, from this device or another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kimdesk.vault.repository import now_iso
from kimdesk.vault.sync.bases import dumps

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


class ConflictLike(Protocol):
    """What is stored of a conflict (the sync protocol's ``ConflictInfo`` has these fields)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def base(self) -> Any: ...
    @property
    def theirs(self) -> Any: ...
    @property
    def mine(self) -> Any: ...
    @property
    def device_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> str: ...


@dataclass(frozen=True)
class StoredConflict:
    """A conflict as stored here."""

    id: str
    kind: str
    record_id: str
    field: str
    base: Any
    theirs: Any
    mine: Any
    device_id: str
    status: str
    created_at: str


class SyncConflicts:
    """Store, list and mark conflicts (the caller holds the transaction for writes)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def store(self, conflicts: Iterable[ConflictLike]) -> None:
        """Add reported conflicts; one already known only ever moves on to ``resolved``."""
        for c in conflicts:
            self._vault.conn.execute(
                "INSERT INTO sync_conflicts (id, kind, record_id, field, base, theirs, mine,"
                " device_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET status = CASE WHEN excluded.status = 'resolved'"
                " THEN 'resolved' ELSE sync_conflicts.status END",
                (c.id, c.kind, c.record_id, c.field, dumps(c.base), dumps(c.theirs),
                 dumps(c.mine), c.device_id, c.status, c.created_at),
            )

    def by_status(self, status: str | None = "open") -> list[StoredConflict]:
        """Conflicts in ``status`` (every one for None), oldest first."""
        sql = ("SELECT id, kind, record_id, field, base, theirs, mine, device_id, status,"
               " created_at FROM sync_conflicts")
        params: tuple[Any, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        return [
            StoredConflict(id=r[0], kind=r[1], record_id=r[2], field=r[3],
                           base=json.loads(r[4]), theirs=json.loads(r[5]),
                           mine=json.loads(r[6]), device_id=r[7], status=r[8],
                           created_at=r[9])
            for r in self._vault.conn.execute(sql + " ORDER BY created_at, id", params)
        ]

    def target(self, conflict_id: str) -> tuple[str, str, str] | None:
        """(kind, record id, field) the conflict is about, or None for an unknown id."""
        row = self._vault.conn.execute(
            "SELECT kind, record_id, field FROM sync_conflicts WHERE id = ?", (conflict_id,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row is not None else None

    def mark_resolving(self, conflict_id: str, value: Any) -> None:
        """The counselor chose ``value``; it travels with the record's next change."""
        self._vault.conn.execute(
            "UPDATE sync_conflicts SET status = 'resolving', resolution = ? WHERE id = ?",
            (dumps(value), conflict_id),
        )

    def mark_resolved(self, conflict_id: str) -> None:
        """The server accepted the resolution."""
        self._vault.conn.execute(
            "UPDATE sync_conflicts SET status = 'resolved', resolved_at = ? WHERE id = ?",
            (now_iso(), conflict_id),
        )

    def resolving(self) -> dict[str, list[str]]:
        """record id -> ids of its conflicts whose resolution has not been sent yet."""
        out: dict[str, list[str]] = {}
        for cid, rid in self._vault.conn.execute(
            "SELECT id, record_id FROM sync_conflicts WHERE status = 'resolving'"
        ):
            out.setdefault(rid, []).append(cid)
        return out
