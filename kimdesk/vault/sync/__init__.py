"""The vault's side of sync: every table and query the sync engine needs, and nothing else.

:mod:`kimdesk.sync` decides what to send and how to merge; the SQL it needs lives here, one
module per table or concern:

- :mod:`.state` - ``sync_state``: server, token, cursors, batch numbers;
- :mod:`.records` - the record tables as sync sees them: pending markers, revisions, rows;
- :mod:`.bases` - ``sync_base``: the server version each record was last seen at;
- :mod:`.outbox` - ``sync_outbox``: batches stored before they are sent;
- :mod:`.rows` and :mod:`.inbox` - received records written (grouped, only changed columns),
  parked when their parent is missing, their search entries refreshed;
- :mod:`.conflicts` - ``sync_conflicts``; :mod:`.reference` - ``sync_reference``;
- :mod:`.refusals` - the changes the server refused, per record (kept in ``sync_state``).

:class:`SyncTables` bundles them for one open vault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.vault.sync.bases import SyncBases
from kimdesk.vault.sync.conflicts import StoredConflict, SyncConflicts
from kimdesk.vault.sync.inbox import Inbox, Received
from kimdesk.vault.sync.outbox import Outbox, StoredBatch
from kimdesk.vault.sync.parked import forget_unseen, held_back
from kimdesk.vault.sync.records import PendingRow, SyncedRecords, synced_repositories
from kimdesk.vault.sync.reference import ReferenceData
from kimdesk.vault.sync.refusals import Refusal, SyncRefusals
from kimdesk.vault.sync.state import SyncStateTable

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

__all__ = [
    "Inbox",
    "Outbox",
    "PendingRow",
    "Received",
    "ReferenceData",
    "Refusal",
    "StoredBatch",
    "StoredConflict",
    "SyncBases",
    "SyncConflicts",
    "SyncRefusals",
    "SyncStateTable",
    "SyncTables",
    "SyncedRecords",
    "synced_repositories",
]

#: Every table that describes this vault's relation to its server.
SYNC_TABLES = ("sync_state", "sync_base", "sync_outbox", "sync_parked", "sync_conflicts",
               "sync_reference")


class SyncTables:
    """The sync tables of one open vault. Writes join the caller's transaction
    (``vault.transaction()``), so several steps commit together or not at all."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        #: The synced record repositories by table name, parents first.
        self.repos = synced_repositories(vault)
        self.state = SyncStateTable(vault)
        self.records = SyncedRecords(vault, self.repos)
        self.bases = SyncBases(vault, self.records)
        self.outbox = Outbox(vault)
        self.inbox = Inbox(vault, self.repos, self.records, self.bases)
        self.conflicts = SyncConflicts(vault)
        self.reference = ReferenceData(vault)
        self.refusals = SyncRefusals(vault, self.repos)

    def forget_server(self) -> None:
        """Leave the server: token, cursors, bases, outbox, parked records, conflicts and
        reference data go, and every record is pending again, so that enrolling with another
        server later sends it everything. Nothing of the records is lost."""
        with self._vault.transaction():
            for table in SYNC_TABLES:
                self._vault.conn.execute(f"DELETE FROM {table}")
            self.records.mark_all_pending()

    def forget_unseen(self, seen: set[tuple[str, str]]) -> int:
        """After a full resync: records the server no longer has (a base here, but not in
        ``seen``) lose their base and are pushed again; records held back that it no longer
        has are forgotten (:func:`kimdesk.vault.sync.parked.forget_unseen`). Returns how many
        are pushed again."""
        lost = [key for key in self.bases.record_keys() if key not in seen]
        with self._vault.transaction():
            for kind, rid in lost:
                self.bases.forget(kind, rid)
                if kind in self.repos:
                    self.records.mark_pending(kind, rid)
            forget_unseen(self._vault, seen)
        return len(lost)

    def held_back(self) -> dict[tuple[str, str], int]:
        """Records the server holds that this vault holds back, with their revision
        (:func:`kimdesk.vault.sync.parked.held_back`)."""
        return held_back(self._vault)

    def synced_count(self) -> int:
        """How many of the server's records this vault accounts for: those it acknowledged
        (a merge base each) and those it holds back without one. Counted, not listed: the
        quick divergence check runs after every sync."""
        held = self.held_back()
        if not held:
            return self.bases.count()
        with_base = 0
        for kind in {k for k, _ in held}:
            with_base += len(self.bases.get(kind, [i for k, i in held if k == kind],
                                            data=False))
        return self.bases.count() + len(held) - with_base

    def revisions(self) -> list[tuple[str, str, int]]:
        """(kind, id, revision) of every server record this vault accounts for: the
        acknowledged revision, or the one held back where a newer one waits (parked)."""
        held = self.held_back()
        out = {(k, i): r for k, i, r in self.bases.revisions()}
        out.update(held)
        return [(k, i, r) for (k, i), r in out.items()]
