"""The unlock screen paints without the GUI packages it does not show: sync, statistics, handouts,
forms and the workspace are imported on first unlock or first use, and the vault with the domain
models and pydantic (a third of a cold start) loads on a worker lane after the screen is painted
(``benchmarks/gui_bench.py`` measures the time; this guards the imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

LATER = ("kimdesk.gui.sync", "kimdesk.gui.stats", "kimdesk.gui.handouts", "kimdesk.gui.forms",
         "kimdesk.gui.formstab", "kimdesk.gui.workspace", "kimdesk.vault.vault",
         "kimdesk.domain.models", "pydantic")

PROBE = f"""
import sys
from kimdesk.cli import main
main(["--vault", sys.argv[1]])
later = {LATER!r}
print("loaded:" + ",".join(m for m in sys.modules
                           if any(m == p or m.startswith(p + ".") for p in later)))
"""


def test_unlock_screen_paints_without_the_other_gui_packages(demo_vault_file: Path,
                                                               tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    env.update(KIMDESK_EXIT_AFTER_PAINT="1", KIMDESK_SETTINGS=str(tmp_path / "s.ini"),
               QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    res = subprocess.run([sys.executable, "-c", PROBE, str(demo_vault_file)], env=env,
                         capture_output=True, text=True, timeout=120)
    lines = res.stdout.splitlines()
    assert any(line.startswith("painted ") for line in lines), res.stdout + res.stderr
    assert lines[-1] == "loaded:"
