"""The outbox (``sync_outbox``): batches stored before they are sent, until their receipt.

A batch is written here before it goes out, so after a lost response the *same* batch (same id,
same bytes) is sent again and the server answers with its stored receipt. What a batch contains
is the sync protocol's business (:mod:`kimdesk.sync.store`); the vault keeps its bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kimdesk.vault.repository import now_iso

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


@dataclass(frozen=True)
class StoredBatch:
    """The oldest batch in the outbox."""

    #: The request body, gzip-compressed (text in outboxes written before compression)
    payload: bytes | str
    #: (kind, id) -> local revision of each record when the batch was built
    sent: dict[tuple[str, str], int]


class Outbox:
    """Store, read, renumber and drop outbox batches (the caller holds the transaction)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def first(self) -> StoredBatch | None:
        """The oldest batch not yet acknowledged, or None."""
        row = self._vault.conn.execute(
            "SELECT payload, sent FROM sync_outbox ORDER BY batch_seq LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        sent = {(k, i): int(rev) for k, i, rev in json.loads(row[1])}
        return StoredBatch(row[0], sent)

    def sent_keys(self) -> set[tuple[str, str]]:
        """(kind, id) of every record in a stored batch: sent, or about to be, its receipt not
        in yet (the server may hold it already)."""
        keys: set[tuple[str, str]] = set()
        for (sent,) in self._vault.conn.execute("SELECT sent FROM sync_outbox"):
            keys.update((str(k), str(i)) for k, i, _rev in json.loads(sent))
        return keys

    def add(self, batch_id: str, batch_seq: int, payload: bytes,
            sent: dict[tuple[str, str], int]) -> None:
        self._vault.conn.execute(
            "INSERT INTO sync_outbox (batch_id, batch_seq, payload, sent, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (batch_id, batch_seq, payload,
             json.dumps([[k, i, r] for (k, i), r in sent.items()]), now_iso()),
        )

    def renumber(self, batch_id: str, new_id: str, batch_seq: int, payload: bytes) -> None:
        """Re-issue batch ``batch_id`` as ``new_id`` numbered ``batch_seq``; every other batch
        in the outbox is dropped (its records are still pending and travel again)."""
        conn = self._vault.conn
        conn.execute("DELETE FROM sync_outbox WHERE batch_id != ?", (batch_id,))
        conn.execute(
            "UPDATE sync_outbox SET batch_id = ?, batch_seq = ?, payload = ?"
            " WHERE batch_id = ?",
            (new_id, batch_seq, payload, batch_id),
        )

    def remove(self, batch_id: str) -> None:
        """The batch was acknowledged."""
        self._vault.conn.execute("DELETE FROM sync_outbox WHERE batch_id = ?", (batch_id,))
