r"""A registry in memory with the functions of ``winreg`` that :mod:`kimdesk.policy_registry`
uses, behaving as Windows does where it matters: keys by hive and path (case-insensitive), a
missing key raises ``FileNotFoundError``, ``EnumValue``/``EnumKey`` past the end raise
``OSError``, a key denied raises ``PermissionError``. It records every ``OpenKey`` (hive, path,
access), so a test sees that only HKLM's 64-bit view was asked. Set as
``kimdesk.config.POLICY_REGISTRY`` to read the Windows policy on Linux; :func:`from_json` makes
one in a subprocess (``tests/test_policy_registry.py``'s command-line runs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HKEY_CURRENT_USER = 0x80000001
HKEY_LOCAL_MACHINE = 0x80000002
KEY_READ = 0x20019
KEY_WOW64_64KEY = 0x0100
REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 3, 4, 7, 11

POLICY_KEY = r"Software\Policies\KIMdesk"


class FakeRegistry:
    HKEY_CURRENT_USER = HKEY_CURRENT_USER
    HKEY_LOCAL_MACHINE = HKEY_LOCAL_MACHINE
    KEY_READ = KEY_READ
    KEY_WOW64_64KEY = KEY_WOW64_64KEY

    def __init__(self) -> None:
        #: (hive, lower-case path) -> values: lower-case name -> (name, data, type)
        self.keys: dict[tuple[int, str], dict[str, tuple[str, Any, int]]] = {}
        #: (hive, lower-case path) -> the path as written (EnumKey gives a key's own case)
        self.names: dict[tuple[int, str], str] = {}
        self.denied: set[tuple[int, str]] = set()
        self.opened: list[tuple[int, str, int]] = []

    def set(self, name: str, data: Any, kind: int, hive: int = HKEY_LOCAL_MACHINE,
            path: str = POLICY_KEY) -> FakeRegistry:
        """Write a value (making its key and the keys above it), as ``reg add`` would."""
        self.make_key(path, hive)
        self.keys[(hive, path.lower())][name.lower()] = (name, data, kind)
        return self

    def make_key(self, path: str, hive: int = HKEY_LOCAL_MACHINE) -> FakeRegistry:
        parts = path.split("\\")
        for n in range(1, len(parts) + 1):
            written = "\\".join(parts[:n])
            self.keys.setdefault((hive, written.lower()), {})
            self.names.setdefault((hive, written.lower()), written)
        return self

    @contextmanager
    def _handle(self, where: tuple[int, str]) -> Iterator[tuple[int, str]]:
        yield where

    def OpenKey(self, key: int, sub_key: str, reserved: int = 0,
                access: int = KEY_READ) -> Any:
        self.opened.append((key, sub_key, access))
        where = (key, sub_key.lower())
        if where not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        if where in self.denied:
            raise PermissionError(13, "Access is denied")
        return self._handle(where)

    def _subkeys(self, where: tuple[int, str]) -> list[str]:
        hive, path = where
        return sorted(self.names.get((h, p), p)[len(path) + 1:] for h, p in self.keys
                      if h == hive and p.startswith(path + "\\") and "\\" not in p[len(path) + 1:])

    def QueryInfoKey(self, key: tuple[int, str]) -> tuple[int, int, int]:
        return len(self._subkeys(key)), len(self.keys[key]), 133_000_000_000_000_000

    def EnumValue(self, key: tuple[int, str], index: int) -> tuple[str, Any, int]:
        values = list(self.keys[key].values())
        if index >= len(values):
            raise OSError(22, "No more data is available")
        return values[index]

    def EnumKey(self, key: tuple[int, str], index: int) -> str:
        names = self._subkeys(key)
        if index >= len(names):
            raise OSError(22, "No more data is available")
        return names[index]

    def to_json(self) -> str:
        return json.dumps([[h, p, list(v.values())] for (h, p), v in self.keys.items()])


def from_json(text: str) -> FakeRegistry:
    registry = FakeRegistry()
    for hive, path, values in json.loads(text):
        registry.keys[(hive, path)] = {name.lower(): (name, data, kind)
                                       for name, data, kind in values}
    return registry
