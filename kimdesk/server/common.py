"""What every part of the sync server shares: a refused request, the authenticated device, the
time stamps and the canonical JSON it stores.

Kept apart from :mod:`kimdesk.server.service` so the parts (devices, push, pull, reference) can
use them without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kimdesk.sync.protocol import ErrorCode


class ServiceError(Exception):
    """A request the server refuses: HTTP status, machine-readable code, human-readable detail."""

    def __init__(self, status: int, code: ErrorCode, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or code.value)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class Device:
    """An enrolled, not revoked device, as its token authenticated it."""

    id: str
    team: str
    last_batch_seq: int
    #: the staff member it was enrolled for (revision 0011), None for a device without one
    staff_id: str | None = None

    def audit_detail(self) -> dict[str, str]:
        """What its rows in the audit trail add to their ``detail``: the staff id, where the
        device has one (an id only, never the name; older rows simply lack the key, so their
        hashes are as they were)."""
        return {"staff": self.staff_id} if self.staff_id else {}


def now_iso() -> str:
    """The current UTC time as ISO 8601 with ``Z``, the form every stored time stamp has."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def sha256(text: str) -> str:
    """Hex SHA-256 of a text: how codes and tokens are stored (never the secret itself)."""
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the same value is always stored as the same text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
