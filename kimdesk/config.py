"""Where KIMdesk keeps its files, read from the environment in one place.

| variable | default | what |
| --- | --- | --- |
| ``KIMDESK_VAULT`` | ``<data folder>/vault.kdb`` | the vault file |
| ``KIMDESK_SETTINGS`` | ``<config folder>/kimdesk.ini`` | the desktop app's settings |
| ``KIMDESK_FORMS_DIR`` | ``<data folder>/forms`` | form definitions received by sync |

The data and config folders are the platform's (``platformdirs``: ``~/.local/share/KIMdesk`` and
``~/.config/KIMdesk`` on Linux, ``%LOCALAPPDATA%\\KIMdesk`` on Windows). Both are KIMdesk's own,
so :func:`secure_folders` may take other users' permissions off them (docs/vault.md).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "KIMdesk"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def default_vault_path() -> Path:
    env = os.environ.get("KIMDESK_VAULT")
    return Path(env) if env else data_dir() / "vault.kdb"


def settings_path() -> Path:
    env = os.environ.get("KIMDESK_SETTINGS")
    return Path(env) if env else config_dir() / "kimdesk.ini"


def forms_dir() -> Path:
    env = os.environ.get("KIMDESK_FORMS_DIR")
    return Path(env) if env else data_dir() / "forms"


def secure_folders() -> None:
    """Make the app's own data and config folders 0700 where an older version (or the session's
    umask) left them readable by others. Folders named by the environment are the admin's."""
    from kimdesk.vault.files import make_private

    for folder in (data_dir(), config_dir()):
        make_private(folder)
