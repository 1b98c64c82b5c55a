"""Caches in this process that hold personal data, emptied when a vault is locked.

A few pure functions are cached because their inputs repeat: the search folds names and works out
their variant keys for every case it indexes (:mod:`kimdesk.vault.search`,
:mod:`kimdesk.vault.namevariants`), the handout layout shapes every paragraph it prints, subject
access letters included (:mod:`kimdesk.handouts.layout`). Their keys and values are names,
addresses and notes. Each such cache is marked here with :func:`holds_personal_data`, and locking
the vault (:meth:`kimdesk.vault.vault.Vault.close`) empties all of them, so that nothing read from
the vault stays reachable in the process afterwards. What Python freed may stay in memory until
it is reused, as any value the app read does (docs/vault.md).

A registry rather than the vault naming each cache: the vault does not import the handout
layout (and its HarfBuzz) only to empty a cache the process may never have filled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar


class _Cache(Protocol):
    def cache_clear(self) -> None: ...


C = TypeVar("C", bound=_Cache)

_CLEARS: list[Callable[[], None]] = []


def holds_personal_data(cache: C) -> C:
    """Mark a ``functools.lru_cache`` whose entries hold personal data (a decorator)."""
    _CLEARS.append(cache.cache_clear)
    return cache


def forget() -> None:
    """Empty every marked cache (a vault is being locked)."""
    for clear in _CLEARS:
        clear()
