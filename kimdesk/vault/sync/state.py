"""The ``sync_state`` table: what this vault knows about its server, as key/value text.

Keys in use (written by :mod:`kimdesk.sync`): ``server``, ``token``, ``device_id``, ``team``,
``server_id`` (enrolment), ``cursor`` and ``ref_cursor`` (how far records and reference data
were pulled), ``batch_seq`` (the last outbox batch's number) and ``last_sync``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


class SyncStateTable:
    """Read and write sync state values (stored encrypted, like everything in the vault)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def get(self, key: str, default: str = "") -> str:
        row = self._vault.conn.execute(
            "SELECT value FROM sync_state WHERE key = ?", (key,)
        ).fetchone()
        return str(row[0]) if row else default

    def put(self, key: str, value: str | int) -> None:
        """Set one value; the caller's transaction (if any) decides when it is committed."""
        self._vault.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    def set_many(self, values: dict[str, str | int], *, durable: bool = True) -> None:
        """Set several values in one transaction (all or none); ``durable=False`` for values
        whose loss in a power cut costs nothing (:meth:`Vault.transaction`)."""
        with self._vault.transaction(durable=durable):
            for key, value in values.items():
                self.put(key, value)
