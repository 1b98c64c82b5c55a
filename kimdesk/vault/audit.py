"""The audit log: every read and write of a person's data, hash-chained.

Each event's hash covers its content and the previous event's hash, so deleting or altering an
event breaks the chain from there on (:meth:`AuditLog.verify`). The events live inside the
encrypted vault and stay on this device: they are not a sync kind (``SYNC_KINDS`` in
:mod:`kimdesk.sync.protocol`). The chain's newest end is anchored nowhere, so whoever holds the
passphrase can delete the newest events without breaking it; the server's audit trail
(:mod:`kimdesk.server.audit_trail`, same chain function) anchors it once devices upload
(docs/planned.md, section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.domain.auditchain import GENESIS, event_hash
from kimdesk.domain.codes import AuditAction
from kimdesk.domain.models import AuditEvent, new_id
from kimdesk.vault.repository import Repository, now_iso

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

__all__ = ["GENESIS", "AuditLog", "event_hash"]


class AuditLog(Repository[AuditEvent]):
    _CHAINED = ("id", "at", "actor", "action", "subject_kind", "subject_id", "detail")

    def __init__(self, vault: Vault) -> None:
        super().__init__(vault, AuditEvent, audited=False)
        self._last_hash: str | None = None

    def _previous_hash(self) -> str:
        if self._last_hash is None:
            row = self._vault.conn.execute(
                "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            self._last_hash = row[0] if row else GENESIS
        return self._last_hash

    def record(
        self, action: str, subject_kind: str, subject_id: str = "", detail: str = ""
    ) -> None:
        """Append an event; call inside the transaction of the change it describes."""
        stamp = now_iso()
        content = {
            "id": new_id(),
            "at": stamp,
            "actor": self._vault.meta.counselor,
            "action": AuditAction(action).value,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "detail": detail,
        }
        prev = self._previous_hash()
        digest = event_hash(prev, content)
        self._vault.conn.execute(
            "INSERT INTO audit_events (id, created_at, updated_at, revision, pending, deleted,"
            " at, actor, action, subject_kind, subject_id, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, 1, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                content["id"],
                stamp,
                stamp,
                stamp,
                content["actor"],
                content["action"],
                subject_kind,
                subject_id,
                detail,
                prev,
                digest,
            ),
        )
        self._last_hash = digest
        self._vault.on_rollback(self._forget)

    def _forget(self) -> None:
        self._last_hash = None

    def verify(self) -> int | None:
        """The seq of the first event whose chain breaks, or None when the chain is intact."""
        prev = GENESIS
        cols = ", ".join(self._CHAINED)
        for row in self._vault.conn.execute(
            f"SELECT seq, prev_hash, hash, {cols} FROM audit_events ORDER BY seq"
        ):
            seq, prev_hash, digest, *values = row
            content = dict(zip(self._CHAINED, values, strict=True))
            if prev_hash != prev or event_hash(prev, content) != digest:
                return int(seq)
            prev = digest
        return None
