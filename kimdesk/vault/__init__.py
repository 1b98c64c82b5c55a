"""The encrypted case vault (SQLCipher 4): see :mod:`kimdesk.vault.vault`."""

from kimdesk.vault.errors import (
    NotAVault,
    RecordNotFound,
    StaleRecord,
    VaultCorrupted,
    VaultError,
    VaultExists,
    VaultInUse,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
)
from kimdesk.vault.vault import CaseSummary, Vault, VaultMeta

__all__ = [
    "CaseSummary",
    "NotAVault",
    "RecordNotFound",
    "StaleRecord",
    "Vault",
    "VaultCorrupted",
    "VaultError",
    "VaultExists",
    "VaultInUse",
    "VaultMeta",
    "VaultMissing",
    "VaultTooNew",
    "WrongPassphrase",
]
