"""Key derivation for vaults: the passphrase is stretched once per unlock, never per connection.

KIMdesk runs the derivation in Python and hands SQLCipher the raw key (:func:`raw_key_pragma`):
every further connection, like a search thread's, then opens in well under a millisecond
instead of repeating the KDF, and SQLCipher's own KDF is never used.

Profiles are numbered (docs/vault.md, "KDF"; docs/planned.md, "Argon2id unlock"):

- **1**: PBKDF2-HMAC-SHA512, 256,000 iterations, the file's 16-byte salt, 32-byte key: exactly
  SQLCipher 4's own derivation, so such a vault still opens with the stock ``sqlcipher`` shell and
  ``PRAGMA key = 'passphrase'`` (then ``PRAGMA cipher_page_size = 16384``) for recovery.
- **2**: Argon2id (RFC 9106's second recommendation: 64 MiB, 3 passes, 4 lanes; version 0x13),
  the same salt and key length. A guess costs 64 MiB of memory, which graphics cards lack per
  core; SQLCipher has no Argon2, so the shell route above does not open such a vault.

The vault records its profile in its encrypted metadata, which is only readable after the key:
unlocking tries :data:`CURRENT` first and then every other profile in :data:`PROFILES`, newest
first (:func:`unlock_order`), and creation and a passphrase change key with :data:`CURRENT`.
This release reads profile 2 but still creates profile 1, so that going back one release after
the next one (which makes profile 2 current) stays possible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from kimdesk.vault.errors import KdfOutOfMemory

SALT_BYTES = 16
KEY_BYTES = 32
PBKDF2 = "PBKDF2-HMAC-SHA512"
ARGON2ID = "Argon2id"
#: Argon2's version 1.3 (0x13), pinned: a library that changed its default must not change keys.
ARGON2_V13 = 0x13


@dataclass(frozen=True)
class KdfProfile:
    """One way of turning a passphrase and the file's salt into the vault key.

    ``iterations``: PBKDF2's iteration count, or Argon2id's passes (time cost). ``memory_kib``
    and ``lanes``: Argon2id's memory and parallelism; PBKDF2 has neither (0 and 1)."""

    profile_id: int
    algorithm: str
    iterations: int
    memory_kib: int = 0
    lanes: int = 1

    def __post_init__(self) -> None:
        """Only what :meth:`derive` implements, with every parameter it needs: a profile named
        "Argon2id" derived PBKDF2's key all the same until 2026-12-07 (debt 7), and an Argon2id
        profile without its memory would derive a key far weaker than its name says."""
        if self.algorithm not in (PBKDF2, ARGON2ID):
            raise ValueError(f"KDF algorithm {self.algorithm!r} is not implemented")
        if self.iterations < 1 or self.lanes < 1:
            raise ValueError(f"KDF profile {self.profile_id}: iterations and lanes must be >= 1")
        if self.algorithm == PBKDF2 and (self.memory_kib or self.lanes != 1):
            raise ValueError(f"KDF profile {self.profile_id}: PBKDF2 has no memory or lanes")
        if self.algorithm == ARGON2ID and self.memory_kib < 8 * self.lanes:
            # Argon2's own minimum; 0 is a profile whose memory was forgotten.
            raise ValueError(f"KDF profile {self.profile_id}: Argon2id needs memory_kib "
                             f">= 8 per lane, not {self.memory_kib}")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        """The 32-byte key. Argon2id holds ``memory_kib`` only while it runs; when that memory
        cannot be had, a translated :class:`KdfOutOfMemory` says so instead of a traceback."""
        if len(salt) != SALT_BYTES:
            raise ValueError("salt must be 16 bytes")
        secret = passphrase.encode("utf-8")
        if self.algorithm == PBKDF2:
            return hashlib.pbkdf2_hmac("sha512", secret, salt, self.iterations, KEY_BYTES)
        # Imported here: the unlock screen comes up before anyone unlocks (start-up budget).
        from argon2.exceptions import HashingError
        from argon2.low_level import Type, hash_secret_raw

        try:
            return hash_secret_raw(secret, salt, time_cost=self.iterations,
                                   memory_cost=self.memory_kib, parallelism=self.lanes,
                                   hash_len=KEY_BYTES, type=Type.ID, version=ARGON2_V13)
        except HashingError:
            # "Memory allocation error" or "Threading failure" (seen under `ulimit -v`): the
            # parameters are fixed and valid, so a failure is the machine's memory.
            raise KdfOutOfMemory(self.memory_kib // 1024) from None


PBKDF2_SQLCIPHER = KdfProfile(1, PBKDF2, 256_000)
ARGON2ID_64M = KdfProfile(2, ARGON2ID, 3, memory_kib=64 * 1024, lanes=4)

#: Newest first. An unlock tries :data:`CURRENT` first and then these in this order
#: (:func:`unlock_order`); a wrong passphrase pays them all.
PROFILES: tuple[KdfProfile, ...] = (ARGON2ID_64M, PBKDF2_SQLCIPHER)
#: What creation and a passphrase change key with. Release N reads profile 2 and still creates
#: profile 1 (a vault of profile 2 would be "a wrong passphrase" to the release before);
#: release N+1 changes this line alone, to ``PROFILES[0]``.
CURRENT = PBKDF2_SQLCIPHER


def unlock_order() -> tuple[KdfProfile, ...]:
    """The profiles an unlock tries: :data:`CURRENT` first, then the others newest first.

    Every vault of this release is keyed with ``CURRENT``, so it opens with one derivation.
    Trying the newest first instead made every unlock of a profile-1 vault run Argon2id in vain
    first (measured 2026-12-07, ``benchmarks/kdf_bench.py``: 1.75x the unlock time on a quiet
    machine, 1.95x and over the 0.3 s goal on a busy one). In the next release ``CURRENT`` is
    profile 2: a profile-1 vault then pays both derivations once and is re-keyed."""
    return (CURRENT, *(p for p in PROFILES if p is not CURRENT))


def candidate_keys(passphrase: str, salt: bytes) -> Iterator[bytes]:
    """The keys an unlock tries, one per profile in :func:`unlock_order`, each derived only
    when the one before has failed.

    A profile whose memory cannot be had is passed over, so a profile-1 vault still opens on a
    machine short of Argon2id's 64 MiB; only when no other key opened the vault is that
    :class:`KdfOutOfMemory` raised, where a plain "wrong passphrase" would be a guess. For
    ``Vault._unlock`` (docs/vault.md, "Memory")."""
    short: KdfOutOfMemory | None = None
    for profile in unlock_order():
        try:
            key = profile.derive(passphrase, salt)
        except KdfOutOfMemory as exc:
            short = short or exc
            continue
        yield key
    if short is not None:
        raise short


def raw_key_pragma(key: bytes, salt: bytes) -> str:
    """SQLCipher's raw-key form: 64 hex digits of key, 32 of salt (no KDF runs)."""
    return f"PRAGMA key = \"x'{key.hex()}{salt.hex()}'\""
