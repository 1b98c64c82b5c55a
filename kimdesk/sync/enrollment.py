"""Enrolling a vault with a sync server: a one-time code exchanged for the device's token.

Re-exported by :mod:`kimdesk.sync.engine`, where the CLI, the GUI and the tests import it from.

A vault that the demo vault's public passphrase opens (``kimdesk --demo``, ``scripts/run``) is
never enrolled, and never syncs if an older version enrolled it: the team's cases would land in a
file anyone can read, and its 500 synthetic cases in every colleague's vault. A review
(2026-12-06) connected the demo window to a server with a real code; it pulled a colleague's
client and sent 6,502 synthetic records (``tests/sync/test_demo_vault_sync.py``).
"""

from __future__ import annotations

from kimdesk.i18n import N_
from kimdesk.sync.errors import PublicVault, ServerRefused, SyncError
from kimdesk.sync.protocol import EnrollResponse
from kimdesk.sync.store import SyncStore
from kimdesk.sync.transport import Transport
from kimdesk.vault.vault import Vault


def enroll(vault: Vault, server: str, code: str, *, device_name: str = "",
           expect_server_id: str = "") -> EnrollResponse:
    """Exchange a one-time code for a device token, stored in the vault (encrypted).

    ``expect_server_id``: the id the server showed before (``/v1/hello``, the GUI's "Connect to
    server"); another answer stores nothing. A vault enrolled with another server leaves it
    first (:meth:`SyncStore.forget_server`): that server's cursor and acknowledgements mean
    nothing to the new one, and every record is sent to the new server."""
    refuse_public_vault(vault)
    shape = "".join(ch for ch in code if ch.isalnum())
    if len(shape) < 4 or len(code.strip()) > 64:  # the protocol's bounds (pydantic's English)
        raise SyncError(N_("This is not a one-time code; it looks like K7QM-2XPA-9RTD, as "
                           "the administrator gave it."))
    store = SyncStore(vault)
    transport = Transport(server)
    try:
        answer = transport.enroll(code.strip(), device_name or vault.meta.counselor,
                                  vault.meta.vault_id)
    finally:
        transport.close()
    if expect_server_id and answer.server_id != expect_server_id:
        raise ServerRefused(N_("The server at {url} answered as another server than the one "
                               "shown before; nothing was changed."), url=transport.base_url)
    if store.enrolled and store.get("server_id") != answer.server_id:
        store.forget_server()
    store.set_many({"server": transport.base_url, "token": answer.token,
                    "device_id": answer.device_id, "team": answer.team,
                    "server_id": answer.server_id})
    return answer


def refuse_public_vault(vault: Vault) -> None:
    """Raise :class:`PublicVault` for a vault that the demo passphrase opens."""
    if vault.public:
        raise PublicVault(N_("This is the demo vault: its passphrase is public, so it is never "
                             "connected to a server. Open your own vault to connect."))
