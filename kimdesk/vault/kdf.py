"""Key derivation for vaults: the passphrase is stretched once per unlock, never per connection.

The derived key equals what SQLCipher 4 itself derives from a passphrase (PBKDF2-HMAC-SHA512,
256,000 iterations, the file's 16-byte salt, 32-byte key), so a vault still opens with the stock
``sqlcipher`` shell and ``PRAGMA key = 'passphrase'`` (then ``PRAGMA cipher_page_size = 16384``,
:data:`kimdesk.vault.connection.PAGE_BYTES`) for recovery. KIMdesk runs the derivation in
Python (OpenSSL under ``hashlib``) and hands SQLCipher the raw key: every further connection, like
a search thread's, then opens in well under a millisecond instead of repeating the KDF.

Profiles are numbered. The vault records the profile it was keyed with (in its encrypted metadata);
unlocking tries the current profile first and then older ones, and a passphrase change always
re-keys with the current profile, so the work factor can be raised later without locking anyone
out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SALT_BYTES = 16
PBKDF2 = "PBKDF2-HMAC-SHA512"
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfProfile:
    profile_id: int
    algorithm: str
    iterations: int

    def __post_init__(self) -> None:
        """Only what :meth:`derive` implements: a profile named "Argon2id" derived PBKDF2's key
        all the same until 2026-12-07 (docs/planned.md, "Argon2id unlock"); a second algorithm
        comes with its own derivation."""
        if self.algorithm != PBKDF2:
            raise ValueError(f"KDF algorithm {self.algorithm!r} is not implemented")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        if len(salt) != SALT_BYTES:
            raise ValueError("salt must be 16 bytes")
        return hashlib.pbkdf2_hmac(
            "sha512", passphrase.encode("utf-8"), salt, self.iterations, KEY_BYTES
        )


#: Newest first. Profile 1 is SQLCipher 4's own default.
PROFILES: tuple[KdfProfile, ...] = (KdfProfile(1, PBKDF2, 256_000),)
CURRENT = PROFILES[0]


def raw_key_pragma(key: bytes, salt: bytes) -> str:
    """SQLCipher's raw-key form: 64 hex digits of key, 32 of salt (no KDF runs)."""
    return f"PRAGMA key = \"x'{key.hex()}{salt.hex()}'\""
