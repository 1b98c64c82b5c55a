"""KDF profiles derive with the algorithm they name (docs/planned.md, "Argon2id unlock").

Until 2026-12-07 a profile's ``algorithm`` was a label only: ``KdfProfile(2, "Argon2id", 3)``
derived PBKDF2-HMAC-SHA512's key with 3 iterations, so a second profile added by its name alone
would have re-keyed every vault at the next passphrase change with a key three iterations
strong, and an unlock would have tried it without complaint. Argon2id is implemented since
(profile 2); a profile of an algorithm :meth:`KdfProfile.derive` does not know, or an Argon2id
profile without its memory, is still refused when it is made."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from kimdesk.vault.kdf import ARGON2ID, CURRENT, PBKDF2, PROFILES, KdfProfile

PASSPHRASE = "Lange sichere Passphrase für Köln"
SALT = b"KIMdesk-salt-16b"  # the reference tool takes the salt as text: 16 ASCII bytes


@pytest.mark.parametrize("made", [
    lambda: KdfProfile(3, "scrypt", 3),
    lambda: KdfProfile(2, "Argon2id", 3),  # no memory: not the profile its name promises
    lambda: KdfProfile(2, ARGON2ID, 3, memory_kib=16, lanes=4),  # below Argon2's 8 KiB a lane
    lambda: KdfProfile(2, ARGON2ID, 0, memory_kib=65536, lanes=4),
    lambda: KdfProfile(1, PBKDF2, 256_000, memory_kib=65536),
])
def test_a_profile_that_derive_cannot_honour_is_refused(made: object) -> None:
    with pytest.raises(ValueError, match="KDF"):
        made()  # type: ignore[operator]


def test_the_current_profile_is_still_sqlciphers_own_derivation() -> None:
    """Release N creates and re-keys with profile 1; release N+1 makes profile 2 current."""
    salt = bytes(range(16))
    assert CURRENT.profile_id == 1 and CURRENT.algorithm == PBKDF2
    assert CURRENT.derive("Lange sichere Passphrase", salt) == hashlib.pbkdf2_hmac(
        "sha512", b"Lange sichere Passphrase", salt, 256_000, 32)


def test_profiles_are_newest_first_and_profile_2_is_rfc_9106s_second_choice() -> None:
    assert [p.profile_id for p in PROFILES] == [2, 1]
    newest = PROFILES[0]
    assert (newest.algorithm, newest.iterations, newest.memory_kib, newest.lanes) == (
        ARGON2ID, 3, 64 * 1024, 4)
    assert CURRENT in PROFILES


REFERENCE_KEY = "b8a1751cb4666e62dbc9baea677f9fa0b632eeb27cf9ac664d0eb1b17edf05ae"


def test_profile_2_derives_the_reference_implementations_key() -> None:
    """A known answer from the Argon2 reference implementation (not argon2-cffi's own copy of
    it): type id, version 0x13, 64 MiB, 3 passes, 4 lanes, 32 bytes from the 16-byte salt.
    Computed once, 2026-12-07, with Debian 12's reference tool (package argon2
    0~20171227-0.3+deb12u1), the script's text in UTF-8 (``-m 16``: 2^16 KiB = 64 MiB)::

        printf '%s' 'Lange sichere Passphrase für Köln' \\
          | argon2 'KIMdesk-salt-16b' -id -t 3 -m 16 -p 4 -l 32 -r
    """
    assert PROFILES[0].derive(PASSPHRASE, SALT).hex() == REFERENCE_KEY


@pytest.mark.skipif(shutil.which("argon2") is None, reason="Debian's argon2 tool not installed")
def test_profile_2_agrees_with_the_reference_tool_on_another_input() -> None:
    """The same comparison run live where the tool is installed (``apt-get install argon2``)."""
    other, salt = "correct horse battery staple ك", "another-salt-16b"
    answer = subprocess.run(
        ["argon2", salt, "-id", "-t", "3", "-m", "16", "-p", "4", "-l", "32", "-r"],
        input=other.encode("utf-8"), capture_output=True, check=True).stdout.decode().strip()
    assert PROFILES[0].derive(other, salt.encode()).hex() == answer


def test_candidate_keys_pass_over_a_profile_without_memory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """For the unlock loop: CURRENT's key first, then the others newest first, each derived
    when asked for; a profile whose memory cannot be had is skipped, and its error raised only
    after every other key was tried (the caller found none that opens the vault)."""
    from kimdesk.vault import kdf
    from kimdesk.vault.errors import KdfOutOfMemory

    salt = bytes(range(16))
    keys = kdf.candidate_keys(PASSPHRASE, salt)
    current = kdf.CURRENT.derive(PASSPHRASE, salt)
    assert next(keys) == current == PROFILES[1].derive(PASSPHRASE, salt)
    assert next(keys) == PROFILES[0].derive(PASSPHRASE, salt)
    with pytest.raises(StopIteration):
        next(keys)

    real = kdf.KdfProfile.derive

    def short_of_memory(self: KdfProfile, passphrase: str, salt: bytes) -> bytes:
        if self.algorithm == ARGON2ID:
            raise KdfOutOfMemory(self.memory_kib // 1024)
        return real(self, passphrase, salt)

    monkeypatch.setattr(kdf.KdfProfile, "derive", short_of_memory)
    keys = kdf.candidate_keys(PASSPHRASE, salt)
    assert next(keys) == hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, 256_000, 32)
    with pytest.raises(KdfOutOfMemory):
        next(keys)
