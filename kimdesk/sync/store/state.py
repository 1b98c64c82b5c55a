"""The sync store's state: enrolment, cursors, what is pending, the divergence check.

Every part of the store (:mod:`.outbox`, :mod:`.inbox`, :mod:`.conflicts`) builds on
:class:`StateStore`: the open vault and its sync tables (:class:`kimdesk.vault.sync.SyncTables`),
which hold all the SQL. Nothing here touches a database connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kimdesk.sync.protocol import NON_FIELDS, ConflictInfo, state_digest
from kimdesk.vault.repository import Repository
from kimdesk.vault.sync import Refusal, SyncTables
from kimdesk.vault.vault import Vault


class StateStore:
    """Sync state values and the whole-vault operations on the sync tables."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.tables = SyncTables(vault)
        #: The synced record repositories by kind, parents first.
        self.repos: dict[str, Repository[Any]] = self.tables.repos

    # -- values --------------------------------------------------------------------------------
    def get(self, key: str, default: str = "") -> str:
        return self.tables.state.get(key, default)

    def put(self, key: str, value: str | int) -> None:
        """Set one value inside the caller's transaction."""
        self.tables.state.put(key, value)

    def set_many(self, values: dict[str, str | int], *, durable: bool = True) -> None:
        """Set several values in one transaction (``durable=False``: bookkeeping a power cut
        may lose, committed without waiting for the disk)."""
        self.tables.state.set_many(values, durable=durable)

    @property
    def enrolled(self) -> bool:
        return bool(self.get("token"))

    @property
    def cursor(self) -> int:
        return int(self.get("cursor", "0"))

    def known_conflicts(self, conflicts: list[ConflictInfo]) -> list[ConflictInfo]:
        """The reported conflicts about a data field of a record kind this vault holds. A
        review (2026-12-06): one about an unknown kind, a field the record lacks, or its ``id``
        stayed open for good, could not be resolved (choosing a value failed), and stopped the
        GUI's resolve job before the conflicts after it."""
        return [c for c in conflicts if c.kind in self.repos and c.field not in NON_FIELDS
                and c.field in self.repos[c.kind].model.model_fields]

    def refusals(self) -> list[Refusal]:
        """The changes the server refused whose records are still pending here, each with
        the server's reason and the record's case number (:mod:`kimdesk.vault.sync.refusals`)."""
        return self.tables.refusals.listed()

    def masked_reason(self, refusal: Refusal) -> str:
        """A refusal's reason without any text of its record (for lines that may be logged)."""
        from kimdesk.vault.sync.refusals import masked_reason

        return masked_reason(refusal.reason,
                             self.tables.refusals.record_data(refusal.kind, refusal.record_id))

    def prune_refusals(self) -> int:
        """Drop the refusals of records no longer pending or gone (after a run); a vault that
        keeps none opens no transaction for it."""
        if not self.tables.refusals.may_hold():
            return 0
        with self.vault.transaction():
            return self.tables.refusals.prune()

    # -- the whole vault -----------------------------------------------------------------------
    def forget_server(self) -> None:
        """Leave the server this vault was enrolled with: token, cursors, bases, outbox, parked
        records, conflicts and reference data go, and every record is pending again, so that
        enrolling with another server later sends it everything. Nothing of the records is lost."""
        self.tables.forget_server()

    def pending_count(self, kind: str | None = None) -> int:
        return self.tables.records.pending_count(kind)

    def synced_count(self) -> int:
        """How many of the server's records this vault accounts for (the count of the
        divergence check): acknowledged, or received and held back (parked, or dropped for a
        parent on neither side)."""
        return self.tables.synced_count()

    def digest(self) -> tuple[int, str]:
        """(count, digest) of the record revisions this vault accounts for, compared with the
        server's to detect a diverged vault (e.g. restored from a backup)."""
        lines = [f"{k}/{i}/{r}" for k, i, r in self.tables.revisions()]
        return len(lines), state_digest(lines)

    def forget_unseen(self, seen: set[tuple[str, str]]) -> int:
        """After a full resync: records the server no longer has are pushed again."""
        return self.tables.forget_unseen(seen)

    def iter_records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every synced record as (kind, id, data without local metadata): for tests/compare."""
        return self.tables.records.iter_records()
