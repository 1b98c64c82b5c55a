"""Conflicts reported by the server: listed for the counselor, and their choice applied."""

from __future__ import annotations

from typing import Any

from kimdesk.sync.protocol import ConflictInfo
from kimdesk.sync.store.state import StateStore


class ConflictStore(StateStore):
    """Field conflicts as the sync protocol's :class:`ConflictInfo`."""

    def conflicts(self, *, status: str | None = "open") -> list[ConflictInfo]:
        """Conflicts in ``status`` (all for None), oldest first."""
        return [
            ConflictInfo(id=c.id, kind=c.kind, record_id=c.record_id, field=c.field,
                         base=c.base, theirs=c.theirs, mine=c.mine, device_id=c.device_id,
                         status=c.status, created_at=c.created_at)
            for c in self.tables.conflicts.by_status(status)
        ]

    def resolve(self, conflict_id: str, value: Any) -> None:
        """The counselor's choice (mine, theirs or a merged value) becomes a normal local edit,
        sent with the conflict's id so the server closes it for every device."""
        target = self.tables.conflicts.target(conflict_id)
        if target is None:
            raise KeyError(conflict_id)
        kind, rid, fld = target
        repo = self.repos[kind]
        with self.vault.transaction():
            record = repo.get(rid, include_deleted=True)
            data = record.model_dump(mode="json") | {fld: value}
            updated = repo.model.model_validate(data)
            repo.update(updated)
            self.tables.conflicts.mark_resolving(conflict_id, value)
