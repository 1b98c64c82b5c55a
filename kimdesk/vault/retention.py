"""Closed cases past their retention period: the list the settings dialog shows, so the counselor
sees which files are due for deletion (deleting them stays a deliberate step)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from kimdesk.domain.codes import Phase

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


class ClosedCase(NamedTuple):
    case_number: str
    closed_on: str  # ISO date
    closure_reason: str  # a ClosureReason code, "" when none was recorded


def closed_before(vault: Vault, cutoff: date) -> list[ClosedCase]:
    """Closed cases (tombstones left out) whose closing date lies before ``cutoff``, oldest
    first."""
    rows = vault.conn.execute(
        "SELECT case_number, closed_on, closure_reason FROM cases WHERE deleted = 0"
        f" AND phase = '{Phase.ABSCHLUSS.value}' AND closed_on < ? ORDER BY closed_on",
        (cutoff.isoformat(),),
    ).fetchall()
    return [ClosedCase(str(a), str(b), str(c or "")) for a, b, c in rows]
