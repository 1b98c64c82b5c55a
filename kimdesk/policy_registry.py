r"""The machine policy on Windows: the values under ``HKLM\Software\Policies\KIMdesk``, which
Group Policy writes from the template ``installer/windows/KIMdesk.admx`` (docs/deployment.md,
"Machine policy"). :func:`kimdesk.config.policy` calls :func:`read_registry_policy` there
instead of reading ``/etc/kimdesk/policy.ini``; the result is the same
:class:`kimdesk.config.Policy`, with the same values and the same rules for each value
(:func:`kimdesk.config.policy_value`), so :mod:`kimdesk.policy`, the sync engine and the app
need not know where it came from.

| value | type | INI key it stands for |
| --- | --- | --- |
| ``Server`` | REG_SZ | ``[sync] server`` |
| ``Fingerprint`` | REG_SZ | ``[sync] fingerprint`` |
| ``Demo`` | REG_DWORD, 0 or 1 | ``[app] demo`` |
| ``IdleLockMinutes`` | REG_DWORD, 1 to 60 | ``[app] idle_lock_minutes`` |
| ``Language`` | REG_SZ | ``[app] language`` |

Fails closed like the file: a value of another type (``Demo`` as the text "0"), a value the key
does not take (``IdleLockMinutes`` 90), a value name or subkey not in the table (the INI's unknown
key: a typo must not drop a setting unseen) or a key that cannot be read makes the policy broken.
No key at all is an unmanaged laptop: no policy. Value names are case-insensitive, as Windows
itself treats them.

Only ``HKEY_LOCAL_MACHINE`` is read, in its 64-bit view (where 64-bit Group Policy writes, also
for a 32-bit build of the app). By default only administrators and SYSTEM may write under
``HKLM\Software\Policies``: that is the Linux check "root's file, in root's folder, no one else
may write", which therefore needs no code here (whoever can change that ACL is an administrator
and can change the program too). ``HKCU\Software\Policies`` is never read: it lies in the
counselor's own hive, a file of her profile, and the machine policy must be the same for every
account.

``winreg`` is imported only on Windows, only when asked; tests hand in an object with the same
functions (:class:`Registry`), so every rule here runs on Linux too.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import PureWindowsPath
from typing import Any, Protocol

from kimdesk.config import N_, Policy, policy_value

#: The key under ``HKEY_LOCAL_MACHINE``, as ``OpenKey`` takes it and as the ADMX names it.
KEY = r"Software\Policies\KIMdesk"
#: The key as messages and documents name it (in :attr:`Policy.path`, where the file has its path).
SHOWN = PureWindowsPath("HKLM\\" + KEY)

#: The registry's type numbers (winreg's constants, the same on every Windows).
REG_SZ = 1
REG_DWORD = 4
TYPE_NAMES = {0: "REG_NONE", 1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 4: "REG_DWORD",
              5: "REG_DWORD_BIG_ENDIAN", 6: "REG_LINK", 7: "REG_MULTI_SZ",
              8: "REG_RESOURCE_LIST", 11: "REG_QWORD"}

#: Every value the policy may set: its name, its type and the INI key whose rules it follows.
VALUES: dict[str, tuple[int, str]] = {
    "Server": (REG_SZ, "server"),
    "Fingerprint": (REG_SZ, "fingerprint"),
    "Demo": (REG_DWORD, "demo"),
    "IdleLockMinutes": (REG_DWORD, "idle_lock_minutes"),
    "Language": (REG_SZ, "language"),
}
#: The longest text value taken (an address or a fingerprint is far shorter); a longer one is
#: not IT's, and its message shows only its start.
MOST_CHARS = 2048
_SHOWN_CHARS = 80

#: Why the key cannot be used (msgids; "it cannot be read" is the file's own).
REASON_TYPE = N_("{name} is {type}, not {expected}")
REASON_VALUE = N_("{name} cannot be \"{value}\"")
REASON_UNKNOWN_VALUE = N_("unknown value {name}")
REASON_UNKNOWN_SUBKEY = N_("unknown subkey {name}")


class Registry(Protocol):
    """What is used of ``winreg`` (the module itself is one; so is a test's fake)."""

    HKEY_LOCAL_MACHINE: int
    KEY_READ: int
    KEY_WOW64_64KEY: int

    def OpenKey(self, key: int, sub_key: str, reserved: int, access: int, /
                ) -> AbstractContextManager[Any]: ...

    def QueryInfoKey(self, key: Any, /) -> tuple[int, int, int]: ...

    def EnumValue(self, key: Any, index: int, /) -> tuple[str, Any, int]: ...

    def EnumKey(self, key: Any, index: int, /) -> str: ...


def read_key(registry: Registry) -> tuple[list[tuple[str, Any, int]], list[str]] | None:
    """The key's values (name, data, type) and subkeys' names; None when there is no key.
    ``OSError`` when it is there but cannot be read (also when it changes while it is read)."""
    try:
        handle = registry.OpenKey(registry.HKEY_LOCAL_MACHINE, KEY, 0,
                                  registry.KEY_READ | registry.KEY_WOW64_64KEY)
    except FileNotFoundError:
        return None
    with handle as key:
        subkeys, count, _ = registry.QueryInfoKey(key)
        values = [registry.EnumValue(key, i) for i in range(count)]
        names = [registry.EnumKey(key, i) for i in range(subkeys)]
    return values, names


def read_registry_policy(registry: Registry | None = None) -> Policy:
    """The machine policy in ``HKLM\\Software\\Policies\\KIMdesk`` as ``registry`` (``winreg``
    unless given) shows it now. Read when asked, without a cache: a handful of calls, and
    nothing to parse."""
    if registry is None:
        if sys.platform != "win32":
            return Policy(SHOWN)
        import winreg

        registry = winreg
    try:
        found = read_key(registry)
    except OSError:
        from kimdesk.config import REASON_UNREADABLE

        return Policy(SHOWN, True, problem=REASON_UNREADABLE)
    if found is None:
        return Policy(SHOWN)
    return registry_values(*found)


def registry_values(values: list[tuple[str, Any, int]], subkeys: list[str]) -> Policy:
    """The policy of the key's values and subkeys, or a broken :class:`Policy` naming the first
    mistake (subkeys first, then the values in the table's order, so one key gives one
    message whatever order the registry lists its values in)."""
    if subkeys:
        return _broken(REASON_UNKNOWN_SUBKEY, name=sorted(subkeys)[0])
    by_name = {name.casefold(): (name, data, kind) for name, data, kind in values}
    unknown = sorted(name or "(Default)" for folded, (name, _, _) in by_name.items()
                     if folded not in _KNOWN)
    if unknown:
        return _broken(REASON_UNKNOWN_VALUE, name=unknown[0])
    settings: dict[str, object] = {}
    keys = []
    for name, (kind, ini_key) in VALUES.items():
        if name.casefold() not in by_name:
            continue
        _, data, found_kind = by_name[name.casefold()]
        if found_kind != kind:
            return _broken(REASON_TYPE, name=name, type=TYPE_NAMES.get(found_kind, str(found_kind)),
                           expected=TYPE_NAMES[kind])
        value = _value(ini_key, data)
        if value is None:
            shown = str(data)
            if len(shown) > _SHOWN_CHARS:
                shown = shown[:_SHOWN_CHARS] + "…"
            return _broken(REASON_VALUE, name=name, value=shown)
        settings[ini_key] = value
        keys.append(name)
    return Policy(SHOWN, True, keys=tuple(keys), **settings)  # type: ignore[arg-type]


_KNOWN = {name.casefold() for name in VALUES}


def _value(ini_key: str, data: object) -> object | None:
    """One value as :class:`Policy` holds it, by the INI key's own rules; a DWORD as its
    decimal digits, so ``Demo`` takes 0 and 1 only (the INI's words are not numbers)."""
    if isinstance(data, int) and not isinstance(data, bool):
        return policy_value(ini_key, str(data))
    if isinstance(data, str) and len(data) <= MOST_CHARS:
        return policy_value(ini_key, data.strip())
    return None


def _broken(reason: str, **params: str) -> Policy:
    return Policy(SHOWN, True, problem=reason, params=params)

