"""Reference data received from the server (``sync_reference``): form definitions, code lists,
the agency directory and handout templates. It flows down only and is never edited here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kimdesk.vault.sync.bases import dumps

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


class ReferenceData:
    """Store and read reference items, keyed by (kind, key, team)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def put(self, kind: str, key: str, team: str, *, version: int, seq: int, deleted: bool,
            data: Any) -> None:
        """Store one item (a newer version replaces the old; a deleted one stays, marked)."""
        self._vault.conn.execute(
            "INSERT INTO sync_reference (kind, key, team, version, seq, deleted, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, key, team) DO UPDATE SET"
            " version = excluded.version, seq = excluded.seq,"
            " deleted = excluded.deleted, data = excluded.data",
            (kind, key, team, version, seq, int(deleted), dumps(data)),
        )

    def items(self, kind: str) -> list[dict[str, Any]]:
        """The items of one kind that are not deleted, by key: ``key``, ``team``, ``version``,
        ``data``."""
        return [
            {"key": k, "team": t, "version": v, "data": json.loads(d)}
            for k, t, v, d in self._vault.conn.execute(
                "SELECT key, team, version, data FROM sync_reference"
                " WHERE kind = ? AND deleted = 0 ORDER BY key", (kind,)
            )
        ]
