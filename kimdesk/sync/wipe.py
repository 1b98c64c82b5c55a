"""The wipe of a revoked device's vault (the server answered ``device_revoked``).

The data is still on the server (the team's copy); this device must not keep it. Pending edits
are lost by design: the device is no longer trusted (docs/privacy.md, issue 14 point 2). How the
files go, and what happens when a wipe is cut short: :mod:`kimdesk.vault.wipe`.
"""

from __future__ import annotations

from pathlib import Path

from kimdesk.vault.vault import Vault
from kimdesk.vault.wipe import wipe_files


def wipe_vault(vault: Vault) -> list[str]:
    """Revoked device: shred the vault's file, log, shared memory, journals and re-key copy
    (salts first, then every byte; closed after the overwrite, then unlinked), and the plaintext
    server file of versions before 0.2. Returns the files that could not be removed ([]: all
    went); while any is left, the vault does not open again (the next unlock finishes the
    wipe)."""
    return wipe_files(Path(vault.path), vault.close)
