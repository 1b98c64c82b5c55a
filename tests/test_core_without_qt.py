"""The core (everything outside kimdesk.gui) must import and work with PySide6 absent."""

from __future__ import annotations

import subprocess
import sys

BLOCK_QT = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError("PySide6 is blocked")
        return None
sys.meta_path.insert(0, Block())
import kimdesk
bad = []
for m in pkgutil.walk_packages(kimdesk.__path__, "kimdesk."):
    if m.name.startswith("kimdesk.gui"):
        continue
    try:
        importlib.import_module(m.name)
    except Exception as e:
        bad.append(f"{m.name}: {type(e).__name__}: {e}")
print("\\n".join(bad) if bad else "OK")
"""


def test_every_core_module_imports_without_pyside6() -> None:
    res = subprocess.run(
        [sys.executable, "-c", BLOCK_QT], capture_output=True, text=True, timeout=120
    )
    assert res.stdout.strip() == "OK", res.stdout + res.stderr


def test_cli_works_without_pyside6(tmp_path) -> None:
    code = BLOCK_QT.split("import kimdesk")[0] + (
        "from kimdesk.cli import main\n"
        f"sys.exit(main(['init', '--vault', {str(tmp_path / 'v.kdb')!r}]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"KIMDESK_PASSPHRASE": "x", "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stderr
