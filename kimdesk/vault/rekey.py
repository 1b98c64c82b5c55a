"""Writing a vault's re-keyed copy (a passphrase change, ``kimdesk passwd``).

SQLCipher's ``sqlcipher_export`` copies every table into an attached database under the new key
and a new salt; the copy is fsynced beside the vault, and :meth:`Vault.change_passphrase` renames
it over the vault, so until the rename the old passphrase opens the vault and after it the new
one. The copy gets today's page size (:data:`kimdesk.vault.connection.PAGE_BYTES`): a vault made
with 4 KiB pages converts here, as the file is written anew anyway.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kimdesk.vault import kdf
from kimdesk.vault.connection import PAGE_BYTES, Connection
from kimdesk.vault.files import create_private_file
from kimdesk.vault.migrations import schema_version

#: The copy's name: the vault's plus this (a stale one from a crash is removed at the next unlock).
REKEY_SUFFIX = ".rekey"


def write_rekeyed_copy(conn: Connection, path: Path, new_passphrase: str
                       ) -> tuple[Path, bytes, bytes]:
    """Write and fsync the copy of the vault at ``path`` (open on ``conn``) under
    ``new_passphrase``; returns the copy's path, its raw key and its salt."""
    tmp = path.with_name(path.name + REKEY_SUFFIX)
    if tmp.exists():
        tmp.unlink()
    create_private_file(tmp)  # the copy becomes the vault: 0600 from its first byte
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    key = kdf.CURRENT.derive(new_passphrase, salt)
    version = schema_version(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
