"""KDF profiles derive with the algorithm they name (docs/planned.md, "Argon2id unlock").

Until 2026-12-07 a profile's ``algorithm`` was a label only: ``KdfProfile(2, "Argon2id", 3)``
derived PBKDF2-HMAC-SHA512's key with 3 iterations, so a second profile added by its name alone
would have re-keyed every vault at the next passphrase change with a key three iterations
strong, and an unlock would have tried it without complaint."""

from __future__ import annotations

import hashlib

import pytest

from kimdesk.vault.kdf import CURRENT, PBKDF2, PROFILES, KdfProfile


def test_a_profile_of_an_algorithm_that_is_not_implemented_is_refused() -> None:
    with pytest.raises(ValueError, match="Argon2id"):
        KdfProfile(2, "Argon2id", 3)


def test_the_current_profile_is_sqlciphers_own_derivation() -> None:
    salt = bytes(range(16))
    assert CURRENT is PROFILES[0] and CURRENT.algorithm == PBKDF2
    assert CURRENT.derive("Lange sichere Passphrase", salt) == hashlib.pbkdf2_hmac(
        "sha512", b"Lange sichere Passphrase", salt, 256_000, 32)
