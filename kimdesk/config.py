"""KIMdesk's configuration: every ``KIMDESK_*`` environment variable and every folder, in one place.

| variable | default | what |
| --- | --- | --- |
| ``KIMDESK_VAULT`` | ``<data folder>/vault.kdb`` | the vault file (CLI and desktop app) |
| ``KIMDESK_SETTINGS`` | ``<config folder>/kimdesk.ini`` | the desktop app's settings |
| ``KIMDESK_FORMS_DIR`` | ``<data folder>/forms`` | form definitions received by sync |
| ``KIMDESK_LANG`` | German | interface language (de, en, ar, fa, tr, uk, ru) |
| ``KIMDESK_PASSPHRASE`` | a prompt | the vault passphrase for CLI commands |
| ``KIMDESK_NEW_PASSPHRASE`` | a prompt | the new passphrase for ``kimdesk passwd`` |
| ``KIMDESK_SERVER_DB`` | ``sqlite:///kimdesk-server.db`` | the sync server's database URL |
| ``KIMDESK_BEHIND_TLS_PROXY`` | unset | any value: the server may listen off loopback |
| ``KIMDESK_RECEIPT_DAYS`` | 30 | days the sync server keeps a stored push receipt's content |
| ``KIMDESK_EXIT_AFTER_PAINT`` | unset | any value: quit after the first paint (benchmark) |

The machine policy (:data:`POLICY_FILE`, ``/etc/kimdesk/policy.ini``; on Windows
``HKLM\\Software\\Policies\\KIMdesk``, read by :mod:`kimdesk.policy_registry` for
:func:`policy`; docs/deployment.md, "Machine policy") is read here too, and only here: municipal
IT's settings for a managed laptop, which win over the variables above and the user's settings
(:mod:`kimdesk.policy` says what each allows). A broken policy fails closed.

The demo vault (``kimdesk --demo``) is always ``demo/kimdesk-demo.kdb`` in the data folder: its own
file in its own folder, never the real vault's path, whatever ``KIMDESK_VAULT`` says.

The data and config folders are the platform's (``platformdirs``: ``~/.local/share/KIMdesk`` and
``~/.config/KIMdesk`` on Linux, ``%LOCALAPPDATA%\\KIMdesk`` on Windows). Both are KIMdesk's own,
so :func:`secure_folders` may take other users' permissions off them (docs/vault.md). No other
module reads ``os.environ`` for these variables or calls ``platformdirs``.

:class:`Config` is a frozen dataclass, not a pydantic-settings model: pydantic-settings is not
among KIMdesk's dependencies, and ten optional strings need no parsing library. It is read from
the environment when asked (:func:`load`), not cached at import: tests, the benchmark and embedding
code set variables after KIMdesk is imported, and reading ten variables costs microseconds.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kimdesk.policy_registry import Registry

APP_NAME = "KIMdesk"

#: The variables' names, for messages that tell the user which one to set.
ENV_VAULT = "KIMDESK_VAULT"
ENV_SETTINGS = "KIMDESK_SETTINGS"
ENV_FORMS_DIR = "KIMDESK_FORMS_DIR"
ENV_LANG = "KIMDESK_LANG"
ENV_PASSPHRASE = "KIMDESK_PASSPHRASE"
ENV_NEW_PASSPHRASE = "KIMDESK_NEW_PASSPHRASE"
ENV_SERVER_DB = "KIMDESK_SERVER_DB"
ENV_BEHIND_TLS_PROXY = "KIMDESK_BEHIND_TLS_PROXY"
ENV_RECEIPT_DAYS = "KIMDESK_RECEIPT_DAYS"
ENV_EXIT_AFTER_PAINT = "KIMDESK_EXIT_AFTER_PAINT"

#: The demo vault, relative to the data folder (:meth:`Config.demo_vault_path`).
DEMO_VAULT = Path("demo") / "kimdesk-demo.kdb"
#: Its passphrase, public (the unlock screen shows it): a vault it opens never syncs.
DEMO_PASSPHRASE = "demo"


def data_dir() -> Path:
    """The platform's per-user data folder for KIMdesk (the vault, received forms)."""
    from platformdirs import user_data_dir  # imported on use: the server never needs it

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The platform's per-user config folder for KIMdesk (the desktop app's settings)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def temp_base() -> Path:
    """Where KIMdesk keeps Python's temporary files (:mod:`kimdesk.vault.privatetemp`): on Linux
    and other Unix systems ``$XDG_RUNTIME_DIR/KIMdesk`` (a tmpfs of the user's own, emptied at
    logout), without it the data folder; elsewhere the platform's runtime folder in the user's
    profile. Not platformdirs' Unix fallback ``/tmp/runtime-<uid>``: in a folder anyone can
    write, another user could have made that name first."""
    if os.name == "posix" and sys.platform != "darwin":
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        return Path(runtime) / APP_NAME if runtime else data_dir() / "tmp"
    from platformdirs import user_runtime_dir

    return Path(user_runtime_dir(APP_NAME, appauthor=False))


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


@dataclass(frozen=True)
class Config:
    """The environment as KIMdesk understands it. An unset (or empty) variable is ``None`` or
    ``False``; the ``*_path()`` methods add the platform defaults. Passphrases are left out of
    ``repr`` so that a logged configuration never shows one."""

    vault: Path | None = None
    settings: Path | None = None
    forms_dir: Path | None = None
    language: str = ""
    passphrase: str | None = field(default=None, repr=False)
    new_passphrase: str | None = field(default=None, repr=False)
    server_db: str | None = None
    behind_tls_proxy: bool = False
    exit_after_paint: bool = False
    #: as set (checked by :func:`kimdesk.server.receipts.receipt_days`); empty: the default
    receipt_days: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read the variables (``os.environ`` unless given). A passphrase is taken as it is, even
        empty; for the other variables empty means unset, as it always did."""
        env = os.environ if environ is None else environ
        return cls(
            vault=_path(env.get(ENV_VAULT)),
            settings=_path(env.get(ENV_SETTINGS)),
            forms_dir=_path(env.get(ENV_FORMS_DIR)),
            language=env.get(ENV_LANG, "").strip(),
            passphrase=env.get(ENV_PASSPHRASE),
            new_passphrase=env.get(ENV_NEW_PASSPHRASE),
            server_db=env.get(ENV_SERVER_DB) or None,
            behind_tls_proxy=bool(env.get(ENV_BEHIND_TLS_PROXY)),
            exit_after_paint=bool(env.get(ENV_EXIT_AFTER_PAINT)),
            receipt_days=env.get(ENV_RECEIPT_DAYS, "").strip(),
        )

    def vault_path(self) -> Path:
        """``KIMDESK_VAULT``, else ``vault.kdb`` in the data folder."""
        return self.vault or data_dir() / "vault.kdb"

    def demo_vault_path(self) -> Path:
        """The demo vault: its own file in the data folder, never the real vault's path."""
        return data_dir() / DEMO_VAULT

    def settings_path(self) -> Path:
        """``KIMDESK_SETTINGS``, else ``kimdesk.ini`` in the config folder."""
        return self.settings or config_dir() / "kimdesk.ini"

    def forms_path(self) -> Path:
        """``KIMDESK_FORMS_DIR``, else ``forms`` in the data folder."""
        return self.forms_dir or data_dir() / "forms"


def load() -> Config:
    """The configuration as the environment says now; a language the machine policy sets wins
    over ``KIMDESK_LANG`` (:func:`policy`)."""
    from dataclasses import replace

    configured = Config.from_environ()
    fixed = policy().language
    return replace(configured, language=fixed) if fixed else configured


def environment_language() -> str:
    """The machine policy's language, else ``KIMDESK_LANG``, for
    :func:`kimdesk.i18n.default_language`: gettext asks for it on every call without an active
    language, so it reads the one variable and the policy file (no file: one failed open),
    not all ten."""
    return policy().language or os.environ.get(ENV_LANG, "").strip()


def default_vault_path() -> Path:
    return load().vault_path()


def settings_path() -> Path:
    return load().settings_path()


def demo_vault_path() -> Path:
    return load().demo_vault_path()


def is_demo_vault(path: Path | None) -> bool:
    """Whether ``path`` is the demo vault (its hint, its own failed-unlock count)."""
    if path is None:
        return False
    return path.absolute() == demo_vault_path().absolute()


def forms_dir() -> Path:
    return load().forms_path()


def secure_folders() -> None:
    """Make the app's own data and config folders 0700 where an older version (or the session's
    umask) left them readable by others. Folders named by the environment are the admin's."""
    from kimdesk.vault.files import make_private

    for folder in (data_dir(), config_dir()):
        make_private(folder)


# -- the machine policy ---------------------------------------------------------------------------
#: Municipal IT's settings for a managed laptop (docs/deployment.md, "Machine policy"): an INI
#: file owned by root. A module constant, not a variable of the environment: a counselor can set
#: any variable and would so step out of the policy (tests monkeypatch this constant). Windows
#: has ``HKLM\Software\Policies\KIMdesk`` instead (:data:`POLICY_REGISTRY`).
POLICY_FILE = Path("/etc/kimdesk/policy.ini")
#: Where Windows' machine policy is read (:mod:`kimdesk.policy_registry`): None is the standard
#: library's ``winreg`` on Windows and the file elsewhere; tests put a fake registry (an object
#: with winreg's functions) here to read the Windows policy on Linux.
POLICY_REGISTRY: Registry | None = None
#: The account that must own the file and its folder (root): anyone else could change it.
POLICY_OWNER = 0
#: The most a policy file may be: a few keys; a larger file is not one IT wrote for KIMdesk.
POLICY_MOST_BYTES = 64 * 1024
#: ``[app] idle_lock_minutes`` as the settings dialog offers it.
IDLE_LOCK_RANGE = (1, 60)
#: The app's own idle time, the longest while a broken policy file cannot say its own.
DEFAULT_IDLE_MINUTES = 5
#: The interface languages (``kimdesk.i18n.UI_LANGUAGES``; not imported: it imports this module).
POLICY_LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru")
#: Every key a policy may set, by section; any other is a mistake that must not pass unseen.
POLICY_KEYS = {"sync": ("server", "fingerprint"),
               "app": ("demo", "idle_lock_minutes", "language")}

def N_(message: str) -> str:
    """Marks a msgid for ``tools/i18n.py`` (this module cannot import :mod:`kimdesk.i18n`, which
    imports it); translated where it is shown."""
    return message


#: Why a policy file cannot be used (msgids).
POLICY_BROKEN = N_("The machine policy {path} cannot be used ({reason}): sync and the demo "
                   "are refused until the administrator corrects it.")
REASON_UNREADABLE = N_("it cannot be read")
REASON_NOT_INI = N_("it is not an INI file of sections and keys")
REASON_WRITABLE = N_("other accounts can change it: mode {mode}")
REASON_OWNER = N_("it does not belong to root")
REASON_UNKNOWN_KEY = N_("unknown setting [{section}] {key}")
REASON_BAD_VALUE = N_("[{section}] {key} cannot be \"{value}\"")


@dataclass(frozen=True)
class Policy:
    """The machine policy in force. ``path``: the file, or on Windows the registry key (a
    :class:`~pathlib.PureWindowsPath`; messages name it). ``present``: a file or key is there;
    ``problem``/``params``: why it cannot be used (a msgid of ``REASON_*`` or of
    :mod:`kimdesk.policy_registry`), "" when it can. A broken policy sets nothing and
    refuses what it might have guarded (:attr:`broken`): sync and the demo; the idle time is then
    at most :data:`DEFAULT_IDLE_MINUTES`."""

    path: PurePath
    present: bool = False
    server: str = ""
    fingerprint: str = ""
    demo: bool | None = None
    idle_lock_minutes: int | None = None
    language: str = ""
    problem: str = ""
    params: dict[str, str] = field(default_factory=dict)
    #: the keys the file set, "[section] key" (``kimdesk doctor``); the registry's value names
    keys: tuple[str, ...] = ()

    @property
    def broken(self) -> bool:
        return bool(self.problem)

    @property
    def demo_allowed(self) -> bool:
        return not self.broken and self.demo is not False

    def longest_idle(self) -> int | None:
        """The longest idle time in minutes the policy allows, None when it sets none."""
        return DEFAULT_IDLE_MINUTES if self.broken else self.idle_lock_minutes


def _normal_fingerprint(text: str) -> str:
    """``AB:CD:...`` as :mod:`kimdesk.sync.identity` shows it, from any case and with or
    without colons or spaces; "" when it is not 64 hexadecimal digits."""
    digits = "".join(ch for ch in text if ch not in ": ").upper()
    if len(digits) != 64 or any(ch not in "0123456789ABCDEF" for ch in digits):
        return ""
    return ":".join(digits[i:i + 2] for i in range(0, 64, 2))


def _policy_values(path: Path, text: str) -> Policy:
    """The values of a readable file's text, or a broken :class:`Policy` naming the first
    mistake."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error:
        return Policy(path, True, problem=REASON_NOT_INI)
    values: dict[str, object] = {}
    keys = []
    for section in parser.sections():
        for key, raw in parser.items(section):
            where = {"section": section, "key": key, "value": raw}
            if key not in POLICY_KEYS.get(section, ()):
                return Policy(path, True, problem=REASON_UNKNOWN_KEY, params=where)
            value = policy_value(key, raw.strip())
            if value is None:
                return Policy(path, True, problem=REASON_BAD_VALUE, params=where)
            values[key] = value
            keys.append(f"[{section}] {key}")
    return Policy(path, True, keys=tuple(keys), **values)  # type: ignore[arg-type]


def policy_value(key: str, raw: str) -> object | None:
    """One key's value as :class:`Policy` holds it, None when the key does not take it (the
    registry's values follow the same rules: :mod:`kimdesk.policy_registry`)."""
    if key == "server":
        return raw.rstrip("/") if raw.startswith(("https://", "http://")) else None
    if key == "fingerprint":
        return _normal_fingerprint(raw) or None
    if key == "demo":
        return {"true": True, "yes": True, "on": True, "1": True,
                "false": False, "no": False, "off": False, "0": False}.get(raw.lower())
    if key == "idle_lock_minutes":
        low, high = IDLE_LOCK_RANGE
        return int(raw) if raw.isdigit() and low <= int(raw) <= high else None
    return raw if raw in POLICY_LANGUAGES else None  # language


def read_policy(path: Path | None = None) -> Policy:
    """The machine policy of ``path`` (default :data:`POLICY_FILE`). No file: no policy. A file
    that is there but cannot be trusted or understood (unreadable, not INI, not root's, writable
    by others, or its folder so, an unknown key or value) is broken: it fails closed, never
    open (docs/deployment.md). Read through one descriptor, so the file checked is the file
    read."""
    path = POLICY_FILE if path is None else path
    if os.name != "posix":
        return Policy(path)  # Windows: the registry (policy())
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return Policy(path)
    except OSError:
        return Policy(path, True, problem=REASON_UNREADABLE)
    try:
        info = os.fstat(fd)
        folder = os.stat(Path(os.path.realpath(path)).parent)
        if not stat_is_file(info.st_mode):
            return Policy(path, True, problem=REASON_UNREADABLE)
        key = (str(path), POLICY_OWNER, info.st_dev, info.st_ino, info.st_mtime_ns,
               info.st_ctime_ns, info.st_size, info.st_mode, info.st_uid, folder.st_ino,
               folder.st_mode, folder.st_uid)
        known = _POLICY_READ.get(key)
        if known is not None:  # the same file unchanged (gettext asks for the language often)
            return known
        for owned in (info, folder):
            if owned.st_uid != POLICY_OWNER:
                return Policy(path, True, problem=REASON_OWNER)
            if owned.st_mode & 0o022:
                return Policy(path, True, problem=REASON_WRITABLE,
                              params={"mode": f"{owned.st_mode & 0o7777:04o}"})
        data = os.read(fd, POLICY_MOST_BYTES + 1)
    except OSError:
        return Policy(path, True, problem=REASON_UNREADABLE)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Policy(path, True, problem=REASON_NOT_INI)
    if len(data) > POLICY_MOST_BYTES:
        return Policy(path, True, problem=REASON_NOT_INI)
    read = _policy_values(path, text)
    _POLICY_READ.clear()
    _POLICY_READ[key] = read
    return read


#: The last file parsed, by its identity, times, size, mode and owner and its folder's: a
#: changed byte changes its mtime and ctime, a chmod or chown its ctime.
_POLICY_READ: dict[tuple[object, ...], Policy] = {}


def stat_is_file(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def policy() -> Policy:
    """The machine policy as the file (on Windows the registry) says now: read when asked, like
    :func:`load` (a few system calls)."""
    if POLICY_REGISTRY is not None or sys.platform == "win32":
        from kimdesk.policy_registry import read_registry_policy

        return read_registry_policy(POLICY_REGISTRY)
    return read_policy()
