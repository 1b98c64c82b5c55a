"""Platform facts the app relies on, checked where a dependency update could break them."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(20000):
    label.setText("x")
print(before - sys.getrefcount(None))
"""


def test_qt_bindings_do_not_leak_none() -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a void Qt method;
    a GUI session then aborts with 'none_dealloc' after some thousand calls. pyproject.toml pins
    PySide6 below 6.12; this fails if an update brings such a build back."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    res = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=120, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert int(res.stdout.strip()) == 0


def test_sqlcipher_is_version_4() -> None:
    import sqlcipher3

    version = sqlcipher3.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]
    assert version.startswith("4."), version
