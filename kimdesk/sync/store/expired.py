"""A batch the server applied long ago and no longer keeps the receipt of (``409
batch_expired``): dropped from the outbox, its records made ready for a full resync.

The batch is in the outbox because its answer never arrived: the laptop went offline mid-push,
or the vault was restored from a backup taken while the batch was waiting. The server applied
it (it knows the id and the hash) and has emptied its receipt since
(:mod:`kimdesk.server.receipts`), so the device cannot learn what became of each change. It
must not send the changes again as new ones: a record the batch created would go with base
revision 0, and its old values would overwrite every later edit on the server
(tests/sync/test_restored_vault.py). What :meth:`ExpiredStore.drop_expired` does instead, in
one vault transaction:

- a record **not edited since** the batch was built holds nothing the server lacks: it is
  marked clean, and named for the full pull that follows, which writes the server's version
  over it whatever revision this vault knows (the batch's own result included; or, had the
  server refused the change then, its version from before). Its merge base stays the version the
  batch started from (a record the batch created gets revision 1 with its row: the server's
  first revision of a record is its creation), so an edit made before that pull is merged on
  the server against a version its history holds. If the server does not hold it, the pull
  does not bring it, and the resync sends it again whole (:meth:`StateStore.forget_unseen`);
- a record **edited since** keeps its edits and stays pending. Its merge base stays the
  version the batch started from, so the server merges it three ways against that version
  from its history: a value the server already holds (from this batch, or from a later batch
  of the device before a backup was restored) changes nothing, a field a colleague changed
  since becomes a conflict, never a silent overwrite. A record the batch *created* had no base:
  its base becomes revision 1 with the values as sent, the version the batch wrote, so only
  the later edits travel;
- the batch leaves the outbox, and ``resync_due`` names the records to be written over: the
  engine pulls the team in full once the stored batches are answered (or in the next run, if
  this one ends before), and clears it.
"""

from __future__ import annotations

import json
from typing import Any

from kimdesk.sync.protocol import Change
from kimdesk.sync.store.outbox import OutboxBatch
from kimdesk.sync.store.state import StateStore
from kimdesk.vault.sync.bases import BaseRow

#: ``sync_state`` key: a full resync is owed (an expired batch was dropped).
RESYNC_DUE = "resync_due"


def _as_created(change: Change) -> dict[str, Any]:
    """The record as a change of a new record sent it (every field)."""
    return {**change.changed, "id": change.id, "created_at": change.created_at,
            "updated_at": change.updated_at}


class ExpiredStore(StateStore):
    """Batches the server answered ``batch_expired``."""

    def drop_expired(self, batch: OutboxBatch) -> tuple[int, int]:
        """Drop ``batch`` from the outbox after ``409 batch_expired`` and owe a full resync
        (module docstring). Returns (records made clean, records still pending)."""
        by_kind: dict[str, list[Change]] = {}
        for change in batch.request.changes:
            if change.kind in self.repos:
                by_kind.setdefault(change.kind, []).append(change)
        tables = self.tables
        forced = self.resync_force()
        made_clean = kept = 0
        with self.vault.transaction():
            for kind, changes in by_kind.items():
                revisions = tables.records.revisions(kind, [c.id for c in changes])
                bases: list[BaseRow] = []
                for change in changes:
                    sent = batch.sent.get((kind, change.id))
                    local = revisions.get(change.id)
                    if local is None:
                        continue  # gone here since (purged): nothing to do
                    clean = local == sent and tables.records.mark_clean(kind, [(change.id,
                                                                                local)])
                    if clean:
                        forced.add((kind, change.id))
                        made_clean += 1
                    else:
                        kept += 1
                    if change.base_rev == 0:
                        bases.append((kind, change.id, 1, None if clean else
                                      _as_created(change)))
                tables.bases.put(bases)
            tables.outbox.remove(batch.request.batch_id)
            self.put(RESYNC_DUE, json.dumps(sorted(forced) or [["", ""]]))
        return made_clean, kept

    @property
    def resync_due(self) -> bool:
        """Whether a full resync is owed (:meth:`drop_expired`)."""
        return bool(self.get(RESYNC_DUE))

    def resync_force(self) -> set[tuple[str, str]]:
        """The records the owed full resync writes over, whatever revision is known here."""
        text = self.get(RESYNC_DUE)
        return {(str(k), str(i)) for k, i in json.loads(text) if k} if text else set()

    def resync_done(self) -> None:
        """The owed full resync has pulled every page (the records it did not see are pending
        again)."""
        self.set_many({RESYNC_DUE: ""})
