"""The vault side of sync: state, outbox batches, applying server records, conflicts.

Everything the engine persists goes through here, each step in one vault transaction:

- building a batch writes it to ``sync_outbox`` before it is sent, so after a lost response the
  *same* batch (same id) is sent again and the server answers its stored receipt
  (:mod:`.outbox`);
- a receipt clears the records' ``pending`` marker only if they were not edited again while the
  batch was in flight (otherwise the fields edited since stay, the rest takes the server's value);
- a pulled page is applied together with the cursor advance, so an interrupted pull resumes
  (:mod:`.inbox`);
- conflicts the server reports wait for the counselor's choice (:mod:`.conflicts`);
- a batch the server applied long ago and answers ``batch_expired`` is dropped and a full
  resync owed (:mod:`.expired`).

The merge base (``sync_base``: the server's revision and data last seen) keeps its data only while
it differs from the local row (:mod:`kimdesk.vault.sync.bases`). All SQL lives in the vault
(:mod:`kimdesk.vault.sync`); this package holds the protocol's side: what a batch contains, how a
receipt is merged, how a page advances the cursor.
"""

from __future__ import annotations

from kimdesk.sync.store.conflicts import ConflictStore
from kimdesk.sync.store.expired import ExpiredStore
from kimdesk.sync.store.inbox import InboxStore
from kimdesk.sync.store.outbox import OutboxBatch, OutboxStore, PreparedBatch, PushCursor

__all__ = ["OutboxBatch", "PreparedBatch", "PushCursor", "SyncStore"]


class SyncStore(OutboxStore, InboxStore, ConflictStore, ExpiredStore):
    """Everything sync keeps in one open vault: state (:class:`StateStore`), push
    (:class:`OutboxStore`), pull (:class:`InboxStore`), conflicts (:class:`ConflictStore`) and
    batches the server no longer keeps the receipt of (:class:`ExpiredStore`). Use it from the
    thread that owns the vault."""
