"""The server's rules, independent of HTTP: one :class:`SyncService` per database.

Every request is one database transaction; nothing is kept in memory between requests, so
several instances can serve one database. The rules live in one module per part, and this class
is the one door the HTTP app, the command line and the tests use:

- :mod:`kimdesk.server.devices`: the server's id, enrollment codes, tokens, revocation;
- :mod:`kimdesk.server.push`: a device's batch, load -> decide (:mod:`~kimdesk.server.push_plan`)
  -> write (:mod:`~kimdesk.server.store`) -> receipt;
- :mod:`kimdesk.server.pull`: pages of changes, the team's state, its conflict history;
- :mod:`kimdesk.server.reference`: code lists, agencies and forms published to devices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from kimdesk.server import devices, pull, push, reference
from kimdesk.server.checkpoints import checkpoint
from kimdesk.server.common import Device, ServiceError, now_iso, sha256
from kimdesk.server.devices import CODE_ALPHABET, CODE_TTL
from kimdesk.sync.protocol import (
    PULL_PAGE_DEFAULT,
    ConflictInfo,
    EnrollResponse,
    PullPage,
    PushReceipt,
    PushRequest,
    ReferencePage,
    TeamState,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_TTL",
    "Device",
    "ServiceError",
    "SyncService",
    "now_iso",
    "sha256",
]


class SyncService:
    """The sync server's operations on one database (``engine``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- administration and devices ------------------------------------------------------------
    def server_id(self) -> str:
        return devices.server_id(self.engine)

    def create_enroll_code(self, team: str, ttl: timedelta = CODE_TTL) -> str:
        """A one-time code for ``team``, shown to the administrator once (stored hashed)."""
        return devices.create_enroll_code(self.engine, team, ttl)

    def enroll(self, code: str, device_name: str = "", vault_id: str = "") -> EnrollResponse:
        return devices.enroll(self.engine, code, device_name, vault_id)

    def revoke(self, device_id: str) -> bool:
        return devices.revoke(self.engine, device_id)

    def list_devices(self) -> list[dict[str, Any]]:
        return devices.list_devices(self.engine)

    def authenticate(self, token: str | None) -> Device:
        return devices.authenticate(self.engine, token)

    # -- reference data ------------------------------------------------------------------------
    def publish_reference(
        self, kind: str, key: str, data: Any, *, team: str = "", deleted: bool = False
    ) -> int:
        """Publish (or withdraw) a reference item; returns its new version."""
        return reference.publish_reference(self.engine, kind, key, data, team=team,
                                           deleted=deleted)

    def reference(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT
                  ) -> ReferencePage:
        return reference.reference_page(self.engine, device, since, limit)

    # -- push ----------------------------------------------------------------------------------
    def push(self, device: Device, request: PushRequest, payload_hash: str) -> PushReceipt:
        return PushReceipt.model_validate_json(self.push_json(device, request, payload_hash))

    def push_json(self, device: Device, request: PushRequest, payload_hash: str, *,
                  state: bool = False) -> str:
        """Apply a batch; its receipt as the JSON text that is stored and sent (serialised once:
        the receipt of a big batch is a megabyte); ``state``: with the team's state read right
        after the batch (:func:`kimdesk.server.push.push_json`)."""
        return push.push_json(self.engine, device, request, payload_hash, state=state)

    def checkpoint(self) -> None:
        """After a push's answer has left: SQLite's write-ahead log into the database file
        (:mod:`kimdesk.server.checkpoints`)."""
        checkpoint(self.engine)

    # -- pull and state ------------------------------------------------------------------------
    def pull(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT, *,
             own: bool = True) -> PullPage:
        return PullPage.model_validate_json(self.pull_json(device, since, limit, own=own))

    def pull_json(self, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT, *,
                  own: bool = False) -> str:
        """A page of changes as JSON text. Stored record JSON is spliced in as it is (no parse
        and re-serialise: that was most of a big pull's server time)."""
        return pull.pull_json(self.engine, device, since, limit, own=own)

    def state(self, device: Device, digest: bool = True) -> TeamState:
        """The team's divergence state: count and digest of its records' ``kind/id/rev``
        (without ``digest``: count and change number only)."""
        return pull.team_state(self.engine, device, digest=digest)

    def conflict_history(self, team: str) -> list[ConflictInfo]:
        return pull.conflict_history(self.engine, team)
