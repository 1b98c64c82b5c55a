"""The cell-key method (as used for the 2022 German census): an alternative to suppression in which
every published count carries a small random deviation that is the same wherever the same records
are counted, so that differencing exports (periods, thresholds, tables) yields noise, not people.

- **Record keys.** Every counted record has a fixed key in [0, 1), here a 32-bit whole number
  ``HMAC-SHA256(secret, record id)``: cases by their id (purged cases by their remains' id),
  consultations, referrals and gaps by their person (``"person:" + persons.seq``). The secret is 32
  random bytes kept in the vault's ``vault_meta`` (:func:`vault_secret`), created on first use and
  never exported; no synced column is needed, and nobody without the vault can recompute a key.
- **Cell key.** The sum of the keys of a cell's records, modulo 1 (2**32 here). A margin sums its
  own records; totals are perturbed on their own, so a perturbed table need not add up.
- **Perturbation table** (:data:`PTABLE`): the cell's value and key pick a deviation. Parameters:
  maximum deviation D = 2, variance V = 1 for values of 4 and more (2 for 1 and 2, 0 for 3),
  mean 0 for every value (no bias), zeros stay 0, and no count is published as 1 or 2 (a 1
  becomes 0 or 3, a 2 becomes 0 or 3). The table is ours, built by hand to these constraints; the
  census's own table is not published.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from kimdesk.stats.tables import Cell, Key, Table

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

METHODS = ("suppression", "cell-key")
SECRET_META = "stats_cell_key_secret"
MAX_DEVIATION = 2
VARIANCE = 1
SMALLEST_PUBLISHED = 3  # besides 0
_MOD = 1 << 32
_F = Fraction

#: value (the last row serves every larger value) -> [(deviation, probability)], deviations
#: ascending: a cell key's place in [0, 1) picks the deviation by these cumulative shares.
PTABLE: dict[int, list[tuple[int, Fraction]]] = {
    0: [(0, _F(1))],
    1: [(-1, _F(2, 3)), (2, _F(1, 3))],
    2: [(-2, _F(1, 3)), (1, _F(2, 3))],
    3: [(0, _F(1))],  # 1 and 2 are not published and -3 exceeds D: 3 stays 3
    4: [(-1, _F(3, 8)), (0, _F(3, 8)), (1, _F(1, 8)), (2, _F(1, 8))],
    5: [(-2, _F(1, 16)), (-1, _F(1, 4)), (0, _F(3, 8)), (1, _F(1, 4)), (2, _F(1, 16))],
}


def vault_secret(vault: Vault) -> bytes:
    """The deployment's secret for the record keys, created in the vault on first use."""
    text = vault.get_meta(SECRET_META)
    if not text:
        with vault.transaction():
            text = vault.get_meta(SECRET_META)
            if not text:
                text = secrets.token_hex(32)
                vault.set_meta(SECRET_META, text)
    return bytes.fromhex(text)


def record_keys(secret: bytes) -> Callable[[str], int]:
    """The record key function: a 32-bit whole number (key / 2**32 lies in [0, 1))."""
    def key(record: str) -> int:
        digest = hmac.digest(secret, record.encode("utf-8"), hashlib.sha256)
        return int.from_bytes(digest[:4], "big")
    return key


def deviation(value: int, cell_key: int) -> int:
    """The deviation the perturbation table gives ``value`` at ``cell_key`` (any whole number,
    taken modulo 2**32)."""
    row = PTABLE[min(value, max(PTABLE))]
    place = _F(cell_key % _MOD, _MOD)
    upper = _F(0)
    for dev, share in row:
        upper += share
        if place < upper:
            return dev
    return row[-1][0]  # pragma: no cover - the shares add up to 1


def perturb(tables: Sequence[Table], keys: dict[str, dict[tuple[str, str], Cell]]
            ) -> dict[Key, int]:
    """The published value of every quantity: its count plus the deviation its cell key picks
    (the key of a shared quantity from the first table holding it)."""
    out: dict[Key, int] = {}
    for t in tables:
        sums = keys[t.id]
        for r in t.all_rows:
            for c in t.all_columns:
                k = t.key(r, c)
                if k not in out:
                    v = t.cell(r, c).value
                    out[k] = v + deviation(v, sums.get((r, c), Cell(0, 0)).value) if v else 0
    return out
