"""Writing a vault's re-keyed copy (a passphrase change, ``kimdesk passwd``).

SQLCipher's ``sqlcipher_export`` copies every table into an attached database under the new key
and a new salt; the copy is fsynced beside the vault and renamed over it
(:func:`put_copy_in_place`, once the vault is closed), so until the rename the old passphrase
opens the vault and after it the new one. The copy gets today's page size
(:data:`kimdesk.vault.connection.PAGE_BYTES`): a vault made with 4 KiB pages converts here, as
the file is written anew anyway.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from kimdesk.errors import ValidationError
from kimdesk.i18n import N_
from kimdesk.vault import kdf
from kimdesk.vault.connection import PAGE_BYTES, Connection
from kimdesk.vault.errors import VaultInUse
from kimdesk.vault.files import REKEY_SUFFIX, create_private_file, remove_stale_rekey, sync_dir
from kimdesk.vault.migrations import schema_version

__all__ = ["REKEY_SUFFIX", "put_copy_in_place", "write_rekeyed_copy"]


def write_rekeyed_copy(conn: Connection, path: Path, new_passphrase: str
                       ) -> tuple[Path, bytes, bytes]:
    """Write and fsync the copy of the vault at ``path`` (open on ``conn``) under
    ``new_passphrase``; returns the copy's path, its raw key and its salt. An empty passphrase
    is refused (a translated :class:`ValidationError`) before anything is written."""
    if not new_passphrase:
        raise ValidationError(N_("The passphrase must not be empty."), field="passphrase")
    # Everything in the file first: a reader elsewhere (a backup tool, a shell) can hold the
    # log's frames back, and a copy made then would lack nothing, but the log left beside the
    # new file would be the old one (Vault.change_passphrase removes an empty log only).
    busy, frames, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy or frames > 0:
        raise VaultInUse(str(path))
    tmp = path.with_name(path.name + REKEY_SUFFIX)
    remove_stale_rekey(path)  # and the journal of a killed change's copy, not to be replayed here
    create_private_file(tmp)  # the copy becomes the vault: 0600 from its first byte
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    key = kdf.CURRENT.derive(new_passphrase, salt)
    version = schema_version(conn)
    conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{key.hex()}{salt.hex()}'\"", (str(tmp),))
    try:
        conn.execute(f"PRAGMA rekeyed.cipher_page_size = {PAGE_BYTES}")
        conn.execute("SELECT sqlcipher_export('rekeyed')")
        conn.execute(f"PRAGMA rekeyed.user_version = {version}")
        conn.execute(
            "UPDATE rekeyed.vault_meta SET value = ? WHERE key = 'kdf_profile'",
            (str(kdf.CURRENT.profile_id),),
        )
    finally:
        conn.execute("DETACH DATABASE rekeyed")
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    return tmp, key, salt


def put_copy_in_place(path: Path, tmp: Path) -> None:
    """Rename the copy over the vault (closed by now) and make the rename durable.

    The old log must not stay beside the new file: written under the old key, it would be
    copied into the new file at the next unlock and destroy it. The copy holds everything (the
    log was emptied before it was made), so an empty log and its index are removed; a log that
    is not empty now was written by another program since, and nothing is replaced."""
    old_log = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if old_log[0].exists() and old_log[0].stat().st_size:
        tmp.unlink()
        raise VaultInUse(str(path))
    for leftover in old_log:
        leftover.unlink(missing_ok=True)
    # The old file stays open across the rename: its blocks are freed, not erased, and the old
    # passphrase (changed perhaps because it leaked) would open them from the raw disk (a
    # review, 2026-12-06). Overwriting its salt afterwards is enough: the key is derived from
    # passphrase and salt, so no passphrase opens the rest; the whole file would take seconds.
    # Windows does not rename over an open file: there the old blocks stay as they were.
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        os.replace(tmp, path)
        sync_dir(path.parent)
        return
    old = os.open(path, os.O_WRONLY)
    try:
        os.replace(tmp, path)
        sync_dir(path.parent)
        os.pwrite(old, secrets.token_bytes(kdf.SALT_BYTES), 0)
        os.fsync(old)
    finally:
        os.close(old)
