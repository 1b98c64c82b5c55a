"""Client names in every script draw as letters, not boxes, once the workspace is up.

A GUI review (2026-12-06) saw Tigrinya names as empty boxes in the case list on a computer with
no Ethiopic font (this machine kind has only DejaVu): the bundled Noto fonts were registered only
by the handout dialog. Run in a fresh process, because a test that opened the handout dialog
earlier would have registered them for the whole test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

PROBE = """
import argparse, sys, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel
from kimdesk.gui.app import build_window
from kimdesk.gui.settings import AppSettings

def letters_drawn() -> bool:
    # two Ethiopic syllables: with no font for the script, both are the same empty box
    shots = []
    for text in ("\\u1230", "\\u1231"):
        label = QLabel(text)
        label.resize(60, 30)
        shots.append(label.grab().toImage())
    return shots[0] != shots[1]

window = build_window(argparse.Namespace(vault=sys.argv[1], lang="en"),
                      settings=AppSettings(Path(sys.argv[2])), delay_base=0.05)
window.show()
print("start screen:", letters_drawn())
window.unlock_screen.passphrase.setText(sys.argv[3])
window.unlock_screen.button.click()
deadline = time.monotonic() + 120
while not (window.unlocked and window._workspace is not None) and time.monotonic() < deadline:
    QCoreApplication.processEvents()
    time.sleep(0.01)
print("unlocked:", window.unlocked)
print("workspace:", letters_drawn())
window.close()
window.worker.stop()
"""


def test_tigrinya_names_draw_as_letters_in_the_workspace(tmp_path: Path) -> None:
    from kimdesk.vault import Vault

    vault_path = tmp_path / "fonts.kdb"
    Vault.create(vault_path, "fonts test passphrase", counselor="t", team="T").close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    res = subprocess.run([sys.executable, "-c", PROBE, str(vault_path), str(tmp_path / "s.ini"),
                          "fonts test passphrase"], env=env, capture_output=True, text=True,
                         timeout=240)
    lines = res.stdout.splitlines()
    assert "unlocked: True" in lines, res.stdout + res.stderr
    assert "workspace: True" in lines, res.stdout + res.stderr
