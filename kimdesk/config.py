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
from pathlib import Path

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
    """The configuration as the environment says now."""
    return Config.from_environ()


def environment_language() -> str:
    """``KIMDESK_LANG`` alone, for :func:`kimdesk.i18n.default_language`: gettext asks for it on
    every call without an active language, so it reads the one variable, not all ten."""
    return os.environ.get(ENV_LANG, "").strip()


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
