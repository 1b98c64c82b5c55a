"""The ``sync_state`` table: what this vault knows about its server, as key/value text.

Keys in use (written by :mod:`kimdesk.sync`): ``server``, ``token``, ``device_id``, ``team``,
``server_id`` (enrolment), ``cursor`` and ``ref_cursor`` (how far records and reference data
were pulled), ``batch_seq`` (the last outbox batch's number) and ``last_sync``; under
``refused:<kind>/<id>``, the latest refusal of a record the server did not accept
(:mod:`.refusals`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
        whose loss in a power cut costs nothing (:meth:`_not_waiting_for_disk`)."""
        with self._not_waiting_for_disk(not durable), self._vault.transaction():
            for key, value in values.items():
                self.put(key, value)

    @contextlib.contextmanager
    def _not_waiting_for_disk(self, relax: bool) -> Iterator[None]:
        """With ``relax`` (and outside any transaction), the commit inside does not wait for its
        fsync: ``synchronous = NORMAL`` in WAL mode. It survives a crash of the process, and a
        power cut once the next durable commit or checkpoint synced the log; the vault stays
        consistent either way (docs/vault.md, "Durability"). The connection is back at FULL
        afterwards."""
        if relax and self._vault.conn.in_transaction:
            relax = False  # joins the caller's transaction, which decides
        if relax:
            self._vault.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            if relax:
                self._vault.conn.execute("PRAGMA synchronous = FULL")
