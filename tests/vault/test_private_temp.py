"""Python's temporary files go to a folder of the process's own, and a killed process's are
overwritten and removed at the next start (kimdesk.vault.privatetemp).

A review of 2026-12-06 found openpyxl's sheet files (an XLSX export of the statistics or the
structural gaps with their descriptions) left in /tmp by a process killed mid-export. Real
processes here: one is killed with SIGKILL while its temporary file exists."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kimdesk.vault.privatetemp import remove_left_behind

MARKER = "Quxbrandt-Temp-7731"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and the runtime folder")


def child(base: Path, body: str) -> subprocess.Popen[str]:
    """A Python process that points its temporary files under ``base``, runs ``body``, prints
    ``ready`` and waits for a line on stdin."""
    code = textwrap.dedent(f"""
        import sys, tempfile
        from pathlib import Path
        from kimdesk.vault.privatetemp import use_private_temp
        own = use_private_temp(Path({str(base)!r}))
        assert own is not None and tempfile.gettempdir() == str(own)
    """) + textwrap.dedent(body) + "\nprint('ready', flush=True)\nsys.stdin.readline()\n"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    while (line := proc.stdout.readline().strip()) != "ready":
        assert line or proc.poll() is None, "the child ended before it was ready"
        lines.append(line)
    proc.lines = lines  # type: ignore[attr-defined]
    return proc


def scan(base: Path) -> list[Path]:
    """Files under ``base`` holding the marker (UTF-8 or UTF-16)."""
    needles = (MARKER.encode(), MARKER.encode("utf-16-le"))
    return [p for p in base.rglob("*") if p.is_file()
            and any(n in p.read_bytes() for n in needles)]


def test_a_killed_processs_sheet_file_is_removed_at_the_next_start(tmp_path: Path) -> None:
    base = tmp_path / "runtime" / "KIMdesk"
    proc = child(base, f"""
        from openpyxl.worksheet._writer import create_temporary_file
        name = create_temporary_file()  # what openpyxl writes each sheet to
        Path(name).write_text({MARKER!r})
        print(name, flush=True)
    """)
    [sheet] = proc.lines  # type: ignore[attr-defined]
    assert Path(sheet).parent.parent == base  # not /tmp
    assert Path(sheet).parent.name.startswith(f"{proc.pid}-")
    assert (Path(sheet).parent.stat().st_mode & 0o777) == 0o700
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert scan(base) == [Path(sheet)]  # left behind by the kill

    # A process that still runs keeps its folder; the killed one's goes.
    alive = child(base, "")
    try:
        assert scan(base) == []  # the new start removed it
        assert not Path(sheet).parent.exists()
        folders = [p.name for p in base.iterdir()]
        assert len(folders) == 1 and folders[0].startswith(f"{alive.pid}-")
        assert remove_left_behind(base) == 0  # its lock is held
        assert len(list(base.iterdir())) == 1
    finally:
        assert alive.stdin is not None
        alive.stdin.write("\n")
        alive.stdin.flush()
        alive.wait(30)
    assert list(base.iterdir()) == []  # removed at its normal end


def test_the_command_line_uses_the_runtime_folder(tmp_path: Path) -> None:
    """``kimdesk`` points its temporary files into ``$XDG_RUNTIME_DIR/KIMdesk``, and into the
    data folder where there is no runtime folder (never platformdirs' /tmp/runtime-<uid>)."""
    code = textwrap.dedent("""
        import tempfile
        from kimdesk.cli import entry
        entry.run = lambda argv=None: print(tempfile.gettempdir()) or 0
        entry.main([])
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIMDESK_", "XDG_"))}
    env.update(HOME=str(tmp_path / "home"), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert Path(out).parent == tmp_path / "run" / "KIMdesk"
    del env["XDG_RUNTIME_DIR"]
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert Path(out).parent == tmp_path / "home" / ".local" / "share" / "KIMdesk" / "tmp"
