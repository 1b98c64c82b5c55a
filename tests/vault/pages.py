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

RESERVE = 16 + 64
#: Vaults are made with 16 KiB pages; older ones have SQLCipher's default 4 KiB.
SIZES = (16384, 4096)


def page_size(raw: bytes, key: bytes) -> int:
    """The page size of a vault file: page 1 decrypted with the right size begins (after the
    salt) with SQLite's header field for the page size, big-endian, at bytes 16-17."""
    for size in SIZES:
        if len(raw) < size:
            continue
        iv = raw[size - RESERVE:size - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        if decryptor.update(raw[16:32])[:2] == size.to_bytes(2, "big"):
            return size
    raise ValueError("not a vault with a known page size, or the wrong key")


def decrypted_pages(path: Path, key: bytes) -> Iterator[bytes]:
    raw = path.read_bytes()
    size = page_size(raw, key)
    for start in range(0, len(raw) - size + 1, size):
        page = raw[start:start + size]
        offset = 16 if start == 0 else 0
        iv = page[size - RESERVE:size - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        yield decryptor.update(page[offset:size - RESERVE]) + decryptor.finalize()


def plaintext(path: Path, key: bytes) -> bytes:
    """All pages of the vault (and of its WAL's frames, if asked for that file) decrypted."""
    return b"".join(decrypted_pages(path, key))
