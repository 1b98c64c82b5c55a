"""The desktop's file dialogs keep lists of their own: GTK's (Qt's dialog on GNOME and Xfce) adds
every file chosen or saved to ``~/.local/share/recently-used.xbel``, shown as "Recent" by the
desktop and every GTK program; the Windows dialog adds it to the Recent items. A handout saved
into a folder named after the client was listed there (a review, 2026-12-06). The app uses
Qt's own dialog, whose folder history it removes (``tests/gui/test_dialog_history.py``).

The byte scan needs a real X server and GTK 3 (``xvfb-run``, ``xdotool``, ``libgtk-3-0``) and is
skipped without them; offscreen, Qt has no native dialog to fall back on."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gui.test_no_plaintext import scan

CLIENT = "Quistorpffel"

# The counselor saves a blank handout into a folder named after the client, in the real app's
# QApplication and the real handout dialog; the keys come from xdotool, as from a keyboard.
SCRIPT = """
import subprocess, sys, threading
from pathlib import Path
from PySide6.QtCore import QTimer
from kimdesk.gui.app import application
from kimdesk.gui.handouts.dialog import open_handout_dialog

target = Path(sys.argv[1])
app = application()
dialog = open_handout_dialog(None, None)

def type_path() -> None:
    found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                            "Save handout"], capture_output=True, text=True, timeout=60)
    window = found.stdout.split()[-1]
    subprocess.run(["xdotool", "windowfocus", "--sync", window], timeout=30)
    subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+a"], timeout=30)
    subprocess.run(["xdotool", "type", "--delay", "10", str(target)], timeout=60)
    subprocess.run(["xdotool", "key", "Return"], timeout=30)

def save() -> None:
    if not dialog.save_button.isEnabled():
        QTimer.singleShot(100, save)
        return
    threading.Thread(target=type_path, daemon=True).start()
    dialog.save_document()
    dialog.close()
    app.quit()

QTimer.singleShot(0, save)
app.exec()
print("saved" if target.exists() else "not saved")
"""


def _missing() -> str:
    for tool in ("xvfb-run", "xdotool"):
        if shutil.which(tool) is None:
            return tool
    if ctypes.util.find_library("gtk-3") is None:
        return "GTK 3"
    return ""


@pytest.mark.skipif(bool(_missing()), reason=f"needs Xvfb, xdotool and GTK 3 ({_missing()})")
def test_a_saved_handout_is_listed_in_no_recent_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = home / "Documents" / f"Auskunft {CLIENT}"
    folder.mkdir(parents=True)
    target = folder / "termin.pdf"
    script = tmp_path / "save_handout.py"
    script.write_text(SCRIPT, "utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(home),
           "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_RUNTIME_DIR": str(tmp_path / "run"), "TMPDIR": str(tmp_path),
           "QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORMTHEME": "gtk3", "KIMDESK_LANG": "en",
           "PYTHONPATH": str(Path(__file__).parents[2])}
    (tmp_path / "run").mkdir(mode=0o700)
    done = subprocess.run(["xvfb-run", "-a", sys.executable, str(script), str(target)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert "saved" in done.stdout.split(), done.stdout + done.stderr
    assert target.exists()
    assert [hit for hit in scan([home], {CLIENT}) if not hit.startswith(str(folder))] == []


def test_the_window_asks_for_qt_own_dialogs(make_window: Any, tmp_path: Path) -> None:
    """What the byte scan above checks where a desktop exists; here, the setting it rests on."""
    from PySide6.QtCore import QCoreApplication, Qt

    make_window(tmp_path / "v.kdb")
    assert QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
