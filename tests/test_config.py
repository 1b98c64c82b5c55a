"""``kimdesk.config`` is the one reader of ``KIMDESK_*`` variables and of the platform folders, and
the command line's parts import each other one way only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kimdesk import config
from kimdesk.config import Config

PACKAGE = Path(__file__).resolve().parent.parent / "kimdesk"


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "forms_generated" not in p.parts)


def test_unset_variables_mean_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    empty = Config.from_environ({"KIMDESK_VAULT": "", "KIMDESK_BEHIND_TLS_PROXY": ""})
    assert empty == Config()
    assert empty.vault_path() == tmp_path / "data" / "KIMdesk" / "vault.kdb"
    assert empty.settings_path() == tmp_path / "config" / "KIMdesk" / "kimdesk.ini"
    assert empty.forms_path() == tmp_path / "data" / "KIMdesk" / "forms"
    # the demo vault: its own file in its own folder, whatever KIMDESK_VAULT names
    demo = tmp_path / "data" / "KIMdesk" / "demo" / "kimdesk-demo.kdb"
    assert empty.demo_vault_path() == demo
    assert Config.from_environ({"KIMDESK_VAULT": str(demo)}).vault_path() == demo  # the admin's
    assert Config.from_environ({"KIMDESK_VAULT": "/v/x.kdb"}).demo_vault_path() == demo


def test_every_variable_is_read() -> None:
    read = Config.from_environ({
        "KIMDESK_VAULT": "/v/x.kdb", "KIMDESK_SETTINGS": "/s.ini", "KIMDESK_FORMS_DIR": "/f",
        "KIMDESK_LANG": " ar ", "KIMDESK_PASSPHRASE": "", "KIMDESK_NEW_PASSPHRASE": "n",
        "KIMDESK_SERVER_DB": "sqlite:///s.db", "KIMDESK_BEHIND_TLS_PROXY": "1",
        "KIMDESK_EXIT_AFTER_PAINT": "yes", "KIMDESK_RECEIPT_DAYS": " 45 ",
    })
    assert read.vault_path() == Path("/v/x.kdb") and read.settings_path() == Path("/s.ini")
    assert read.forms_path() == Path("/f") and read.language == "ar"
    assert read.passphrase == "" and read.new_passphrase == "n"  # an empty passphrase is one
    assert read.server_db == "sqlite:///s.db"
    assert read.behind_tls_proxy and read.exit_after_paint
    assert read.receipt_days == "45"


def test_passphrases_stay_out_of_repr() -> None:
    text = repr(Config.from_environ({"KIMDESK_PASSPHRASE": "geheim-1",
                                     "KIMDESK_NEW_PASSPHRASE": "geheim-2"}))
    assert "geheim" not in text


def test_read_when_asked_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIMDESK_VAULT", "/first.kdb")
    assert config.default_vault_path() == Path("/first.kdb")
    monkeypatch.setenv("KIMDESK_VAULT", "/second.kdb")
    assert config.default_vault_path() == Path("/second.kdb")


def test_only_config_reads_kimdesk_variables_and_platform_folders() -> None:
    environ = re.compile(r"os\.environ|getenv\(")
    offenders = []
    for path in sources():
        if path == PACKAGE / "config.py":
            continue
        text = path.read_text("utf-8")
        if "platformdirs" in text:
            offenders.append(f"{path.name}: platformdirs")
        for line in text.splitlines():
            if environ.search(line) and "KIMDESK_" in line:
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_imports_the_command_line_top() -> None:
    """Areas import ``kimdesk.cli.common``; only the package file imports ``kimdesk.cli.entry``,
    and nothing outside ``kimdesk/cli/`` imports the command line at all."""
    cli = PACKAGE / "cli"
    for path in sources():
        found = {m for m in imports_of(path) if m == "kimdesk.cli" or m.startswith("kimdesk.cli.")}
        if path.parent != cli:
            assert not found, path
        elif path.name not in ("__init__.py", "__main__.py"):
            assert found <= {"kimdesk.cli.common"} | ({"kimdesk.cli"} if path.name == "entry.py"
                                                     else set()), (path, found)


def test_the_command_line_and_main_window_import_plainly() -> None:
    """No modules found by name: a missing or broken one fails where it is imported."""
    for path in [*sorted((PACKAGE / "cli").glob("*.py")), PACKAGE / "gui" / "mainwindow.py"]:
        assert "importlib" not in path.read_text("utf-8"), path
