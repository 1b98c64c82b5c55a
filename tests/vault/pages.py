"""Read a vault file the way an attacker with the key would: every page decrypted, free pages
and stale index segments included (what ``sqlcipher_export`` would not show).

SQLCipher 4 page layout (sqlcipher/src/sqlcipher.c): AES-256-CBC over each page except the
reserve at its end, which holds the 16-byte IV and the 64-byte HMAC-SHA512; page 1 starts with
the 16-byte salt instead of SQLite's header text. With a raw key the key is the AES key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 16 + 64


def decrypted_pages(path: Path, key: bytes) -> Iterator[bytes]:
    raw = path.read_bytes()
    for start in range(0, len(raw) - PAGE + 1, PAGE):
        page = raw[start:start + PAGE]
        offset = 16 if start == 0 else 0
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        yield decryptor.update(page[offset:PAGE - RESERVE]) + decryptor.finalize()


def plaintext(path: Path, key: bytes) -> bytes:
    """All pages of the vault (and of its WAL's frames, if asked for that file) decrypted."""
    return b"".join(decrypted_pages(path, key))
