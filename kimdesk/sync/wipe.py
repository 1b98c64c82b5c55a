"""The wipe of a revoked device's vault (the server answered ``device_revoked``).

The data is still on the server (the team's copy); this device must not keep it. Pending edits
are lost by design: the device is no longer trusted (docs/privacy.md, issue 14 point 2).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from kimdesk.vault.files import DATABASE_SUFFIXES, overwrite, shred_database
from kimdesk.vault.legacy_server import retire_local_server
from kimdesk.vault.vault import Vault


def wipe_vault(vault: Vault) -> None:
    """Revoked device: close the vault and shred its file, WAL, SHM, journal and re-key copy
    (every byte overwritten, then unlinked; ``kimdesk/vault/files.py`` says what that cannot
    promise on SSDs). The data is still on the server (the team's copy); this device must not
    keep it. Pending edits are lost by design: the device is no longer trusted."""
    path = Path(vault.path)
    # Overwrite while still open: closing the last connection checkpoints and unlinks the WAL,
    # and an unlinked file can no longer be overwritten (its blocks would keep the old pages).
    for suffix in DATABASE_SUFFIXES:
        with contextlib.suppress(OSError):
            overwrite(path.with_name(path.name + suffix))
    with contextlib.suppress(Exception):  # the pages are noise now; SQLite may say so
        vault.close()
    with contextlib.suppress(OSError):
        shred_database(path)
    for suffix in DATABASE_SUFFIXES:  # whatever could not be overwritten still goes
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the plaintext server file of versions before 0.2
        retire_local_server(path.parent)
