"""``Vault.public``: whether the demo vault's public passphrase opens a vault. After ``open`` it is
known from the passphrase itself (the GUI marks such a vault right after the unlock, and a second
key derivation would hold up the vault's queue); a vault reached without the passphrase (a sibling
connection) derives it, with the same answer.

An unlock tries ``kdf.CURRENT`` first (``kdf.unlock_order``): this vault, of profile 1, opens
with one derivation of the passphrase typed; a sibling derives the demo passphrase under each
profile in that order until one matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.config import DEMO_PASSPHRASE
from kimdesk.vault import Vault, kdf


@pytest.mark.parametrize(("passphrase", "public"), [
    (DEMO_PASSPHRASE, True), ("correct horse battery staple", False), ("Demo", False)])
def test_public_is_known_after_the_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          passphrase: str, public: bool) -> None:
    path = tmp_path / "v.kdb"
    with Vault.create(path, passphrase, counselor="a", team="Team Nord"):
        pass
    derived: list[str] = []
    real_derive = kdf.KdfProfile.derive

    def counting(self: kdf.KdfProfile, text: str, salt: bytes) -> bytes:
        derived.append(text)
        return real_derive(self, text, salt)

    monkeypatch.setattr(kdf.KdfProfile, "derive", counting)
    unlock = [passphrase]  # the unlock's own derivation: CURRENT opens it
    with Vault.open(path, passphrase) as vault:
        assert derived == unlock
        assert vault.public is public
        assert derived == unlock  # no further one
        sibling = vault.open_sibling()
        try:
            assert sibling.public is public  # derived: the same answer
            tried = 1 if public else len(kdf.PROFILES)  # stops at the first match
            assert derived == [*unlock, *[DEMO_PASSPHRASE] * tried]
        finally:
            sibling.close()
