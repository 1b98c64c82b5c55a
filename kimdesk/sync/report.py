"""What a sync run reports: its progress while it runs and its figures when it ends.

Kept apart from the engine (:mod:`kimdesk.sync.engine`, which re-exports both) so that the CLI
and the GUI read one small definition of what a run says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kimdesk.sync.schedule import SyncState
from kimdesk.vault.sync import Refusal


@dataclass
class SyncReport:
    #: changes sent (a change sent twice in one run, by a full resync, counts twice)
    pushed: int = 0
    #: of those, the changes the server accepted (applied, merged, or with a conflict)
    accepted: int = 0
    pulled: int = 0
    batches: int = 0
    pages: int = 0
    conflicts: int = 0
    resynced: bool = False
    #: received records dropped after a full resync: their parent is on neither side
    dropped: int = 0
    seconds: float = 0.0
    state: SyncState = SyncState.IDLE
    results: dict[str, int] = field(default_factory=dict)
    #: after the run: the changes the server refused that are still pending here, one per
    #: record, with the server's reason (kept in the vault until accepted, purged or deleted)
    refused: list[Refusal] = field(default_factory=list)


@dataclass
class Progress:
    state: SyncState
    done: int = 0
    total: int = 0
    message: str = ""
