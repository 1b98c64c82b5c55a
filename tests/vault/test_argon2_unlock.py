"""Release N of the Argon2id unlock (docs/planned.md, "Argon2id unlock"): a vault keyed with
profile 2 (Argon2id) opens, while creation and a passphrase change still key with profile 1.

A profile-2 vault is made here by pointing ``kdf.CURRENT`` at profile 2 for the creation only,
as release N+1 will do; every open afterwards runs this release's code as it ships."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3

from kimdesk.config import DEMO_PASSPHRASE
from kimdesk.demo.generator import fill
from kimdesk.domain.models import Person
from kimdesk.vault import Vault, WrongPassphrase, kdf
from kimdesk.vault.errors import KdfOutOfMemory
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
ARGON2 = kdf.PROFILES[0]


def create_with(profile: kdf.KdfProfile, path: Path, passphrase: str = PASSPHRASE) -> Path:
    """A closed vault keyed with ``profile``, holding one person."""
    saved = kdf.CURRENT
    kdf.CURRENT = profile
    try:
        with Vault.create(path, passphrase, counselor="anna", team="Team Nord") as v:
            v.people.add(Person(given_name="Olena", family_name="Шевченко",
                                family_name_latin="Shevchenko"))
    finally:
        kdf.CURRENT = saved
    return path


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The profile ids of every key derivation run, in order."""
    seen: list[int] = []
    real = kdf.KdfProfile.derive

    def counting(self: kdf.KdfProfile, passphrase: str, salt: bytes) -> bytes:
        seen.append(self.profile_id)
        return real(self, passphrase, salt)

    monkeypatch.setattr(kdf.KdfProfile, "derive", counting)
    yield seen


def test_a_profile_2_vault_opens_with_one_derivation_and_refuses_a_wrong_passphrase(
        tmp_path: Path, derivations: list[int]) -> None:
    path = create_with(ARGON2, tmp_path / "v.kdb")
    salt = path.read_bytes()[:kdf.SALT_BYTES]
    derivations.clear()
    with Vault.open(path, PASSPHRASE) as v:
        assert v.meta.kdf_profile == 2
        assert [p.family_name for p in v.people.where()] == ["Шевченко"]
        assert v.integrity_check() == []
    assert derivations == [1, 2]  # CURRENT (profile 1) first, then the newest
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    derivations.clear()
    with pytest.raises(WrongPassphrase):
        Vault.open(path, PASSPHRASE + "!")
    assert derivations == [1, 2]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # Really Argon2id's key (argon2-cffi called directly), and not PBKDF2's: the stock SQLCipher
    # passphrase route (the recovery note in docs/vault.md) does not open it.
    from argon2.low_level import Type, hash_secret_raw

    key = hash_secret_raw(PASSPHRASE.encode(), salt, time_cost=3, memory_cost=65536,
                          parallelism=4, hash_len=32, type=Type.ID)
    con = sqlcipher3.connect(str(path))
    con.execute(f"PRAGMA key = \"x'{key.hex()}{salt.hex()}'\"")
    con.execute("PRAGMA cipher_page_size = 16384")
    row = con.execute("SELECT value FROM vault_meta WHERE key = 'kdf_profile'").fetchone()
    assert row == ("2",)
    con.close()
    shell = sqlcipher3.connect(str(path))
    shell.execute(f"PRAGMA key = '{PASSPHRASE}'")
    shell.execute("PRAGMA cipher_page_size = 16384")
    with pytest.raises(sqlcipher3.DatabaseError):
        shell.execute("SELECT count(*) FROM sqlite_master").fetchone()
    shell.close()


def test_a_profile_1_vault_opens_with_one_derivation(
        tmp_path: Path, derivations: list[int]) -> None:
    """CURRENT first, counted rather than timed: a vault of this release (every vault there is,
    profile 1) opens with one derivation. Trying the newest first ran Argon2id in vain at every
    unlock (1.75x the unlock time quiet, 1.95x and over 0.3 s loaded: benchmarks/kdf_bench.py)."""
    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="anna") as v:
        assert v.meta.kdf_profile == 1  # this release still creates profile 1
    assert derivations == [1, 1]  # keyed with CURRENT, then opened as any vault is
    derivations.clear()
    with Vault.open(path, PASSPHRASE) as v:
        assert v.meta.kdf_profile == 1
    assert derivations == [1]
    derivations.clear()
    with pytest.raises(WrongPassphrase):
        Vault.open(path, "falsch")
    assert derivations == [1, 2]


def test_the_schema_1_fixture_still_opens(tmp_path: Path) -> None:
    """A file users already have (PBKDF2, written long before profile 2 existed)."""
    copy = tmp_path / "v1.kdb"
    copy.write_bytes((ROOT / "tests" / "fixtures" / "vault_v1.kdb").read_bytes())
    with Vault.open(copy, "fixture-v1") as v:
        assert v.meta.kdf_profile == 1
        assert [p.family_name_latin for p in v.people.where()] == ["Shevchenko"]


def test_a_passphrase_change_rekeys_a_profile_2_vault_to_the_current_profile(
        tmp_path: Path, derivations: list[int]) -> None:
    """Release N re-keys with profile 1; the old salt (and with it the Argon2id key's input)
    is on no page of the file afterwards, and the old passphrase opens nothing."""
    path = create_with(ARGON2, tmp_path / "v.kdb")
    old_salt = path.read_bytes()[:kdf.SALT_BYTES]
    with Vault.open(path, PASSPHRASE) as v:
        derivations.clear()
        v.change_passphrase("neu und lang genug")
        assert derivations == [kdf.CURRENT.profile_id] == [1]
        assert v.meta.kdf_profile == 1
    data = path.read_bytes()
    assert data[:kdf.SALT_BYTES] != old_salt
    assert old_salt not in data
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        assert not side.exists() or old_salt not in side.read_bytes()
    with pytest.raises(WrongPassphrase):
        Vault.open(path, PASSPHRASE)
    derivations.clear()
    with Vault.open(path, "neu und lang genug") as v:
        assert v.meta.kdf_profile == 1
        assert [p.family_name for p in v.people.where()] == ["Шевченко"]
    assert derivations == [1]


@pytest.mark.parametrize("profile_id", [1, 2])
def test_the_demo_vault_opens_and_is_public(tmp_path: Path, profile_id: int,
                                            derivations: list[int]) -> None:
    """The public demo vault (passphrase "demo"): opened, marked public after the unlock without
    a further derivation, and by a sibling connection, which derives it under each profile."""
    profile = next(p for p in kdf.PROFILES if p.profile_id == profile_id)
    saved = kdf.CURRENT
    kdf.CURRENT = profile
    try:
        with Vault.create(tmp_path / "demo.kdb", DEMO_PASSPHRASE, counselor="demo") as v:
            fill(v, 20, seed=7)
    finally:
        kdf.CURRENT = saved
    derivations.clear()
    with Vault.open(tmp_path / "demo.kdb", DEMO_PASSPHRASE) as v:
        assert v.cases.count() == 20 and v.public
        assert derivations == ([1, 2] if profile_id == 2 else [1])
        sibling = v.open_sibling()
        try:
            assert sibling.public
        finally:
            sibling.close()


#: Opens a vault in a child process whose address space is capped 32 MiB above what it already
#: uses, so Argon2id's 64 MiB cannot be had (argon2-cffi then raises a bare
#: ``HashingError('Memory allocation error')``); prints the error's class and German text, or
#: "opened" and the vault's KDF profile.
SHORT_OF_MEMORY = """
import resource, sys
from kimdesk.vault import Vault
from kimdesk.i18n import set_language
set_language('de')
size = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 32 * 2**20, resource.RLIM_INFINITY))
try:
    with Vault.open(sys.argv[1], sys.argv[2]) as v:
        print('opened', v.meta.kdf_profile, sep='\\n')
except Exception as exc:
    print(type(exc).__name__, exc, sep='\\n')
"""


def open_short_of_memory(path: Path, passphrase: str = PASSPHRASE) -> tuple[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", SHORT_OF_MEMORY, str(path), passphrase],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().split("\n")
    return first, second


def test_no_memory_for_argon2id_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    """A real allocation failure on a profile-2 vault: a translated one-line error, the vault's
    bytes as they were."""
    path = create_with(ARGON2, tmp_path / "v.kdb")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    name, message = open_short_of_memory(path)
    assert name == KdfOutOfMemory.__name__
    assert "64 MiB" in message and "Speicher" in message  # translated (German)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_profile_1_vault_opens_without_the_memory_for_argon2id(tmp_path: Path) -> None:
    """The release before opened this vault on such a machine (PBKDF2 needs no memory of its
    own); trying Argon2id first must not lock its counselor out."""
    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="anna").close()
    assert open_short_of_memory(path) == ("opened", "1")
    name, _ = open_short_of_memory(path, "falsch")
    assert name == KdfOutOfMemory.__name__  # not "wrong": profile 2 was never tried
