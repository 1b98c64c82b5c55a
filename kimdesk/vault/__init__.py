"""The encrypted case vault (SQLCipher 4): see :mod:`kimdesk.vault.vault`.

``Vault``, ``VaultMeta`` and ``CaseSummary`` are loaded on first use (PEP 562): importing a light
module of this package (``kimdesk.vault.files``, the errors) must not load the domain models and
pydantic, which are 40 % of the desktop app's start before the unlock screen is shown (issue 18).
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from kimdesk.vault.summary import CaseSummary
    from kimdesk.vault.vault import Vault, VaultMeta

_LAZY = frozenset({"CaseSummary", "Vault", "VaultMeta"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from kimdesk.vault import vault

        return getattr(vault, name)
    raise AttributeError(f"module 'kimdesk.vault' has no attribute {name!r}")

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
