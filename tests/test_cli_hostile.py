"""The command line under bad and hostile input, as a tired administrator or a script meets it
(a review, 2026-12-07): output paths that are folders, pipes, empty or on a full disk, a vault
on a full disk, SIGTERM and Ctrl-C in the middle of writing, numbers of 20 digits, arguments
that are not UTF-8. Each runs the real ``kimdesk`` in a subprocess. The rule: one translated
line, a non-zero exit code, nothing personal or half-written left, the vault intact."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE

#: The real command with a signal sent to itself at a chosen moment of writing, met on every
#: run (no timing): "sync", when the first output file is written to its temporary name and is
#: about to be flushed and renamed; "pdf", when the bytes of a PDF go into its temporary file.
SIGNAL_WHILE_WRITING = """
import os, pathlib, signal, sys
import kimdesk.vault.files as files
SIGNUM, WHERE = sys.argv.pop(1).split(":")
def signal_once():
    os.kill(os.getpid(), int(SIGNUM))
if WHERE == "sync":
    real_sync = files._sync_file
    def sync_then_signal(path):
        signal_once()
        real_sync(path)
    files._sync_file = sync_then_signal
else:
    real_write = pathlib.Path.write_bytes
    def write_then_signal(self, data):
        written = real_write(self, data)
        if ".pdf." in self.name and self.name.endswith(".part"):
            signal_once()
        return written
    pathlib.Path.write_bytes = write_then_signal
from kimdesk.cli import main
raise SystemExit(main())
"""


def _kimdesk(*args: str | bytes, cwd: Path | None = None, lang: str = "en",
             timeout: float = 300, signal_while_writing: str | None = None
             ) -> subprocess.CompletedProcess[str]:
    if signal_while_writing is None:
        command: list[str | bytes] = [sys.executable, "-m", "kimdesk.cli", *args]
    else:
        command = [sys.executable, "-c", SIGNAL_WHILE_WRITING, signal_while_writing, *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, timeout=timeout,
        env={**os.environ, "KIMDESK_LANG": lang, "KIMDESK_PASSPHRASE": PASSPHRASE})


def _one_line(out: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    """The failed command's message: one line, no traceback, the exit code non-zero."""
    assert out.returncode != 0 if code is None else out.returncode == code, out
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


def _usage_error(out: subprocess.CompletedProcess[str]) -> str:
    """argparse's refusal: exit code 2, the usage line and one line saying what is wrong."""
    assert out.returncode == 2 and "Traceback" not in out.stderr, out
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines[0].startswith(("usage:", "Aufruf:")) or len(lines) == 1, out.stderr
    return lines[-1]


def _case_number(vault: Path) -> str:
    with Vault.open(vault, PASSPHRASE) as v:
        return str(v.cases.where()[0].case_number)


@pytest.fixture
def vault(demo_vault_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, path)
    return path


@contextlib.contextmanager
def full_disk(where: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs at ``where`` (root only, as the suite runs); fill it with :func:`_fill`."""
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)],
            capture_output=True).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path, free: int = 0) -> None:
    """Fill the file system of ``folder`` until ``free`` bytes are left (page-rounded)."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)
    if free:
        os.truncate(filler, filler.stat().st_size - free)


def _names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_an_output_that_is_a_folder_or_a_pipe_is_refused_before_anything_is_written(
        vault: Path, tmp_path: Path) -> None:
    """As root, ``-o /dev/null`` replaced the system's /dev/null with a file of statistics (the
    rename went over the device node); a pipe was replaced the same way, and a folder failed
    only after the whole export, with a traceback."""
    out = tmp_path / "out"
    out.mkdir()
    pipe = out / "stats.csv"
    os.mkfifo(pipe)
    folder = out / "folder.csv"
    folder.mkdir()
    for target in (pipe, folder):
        result = _kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01", "--to",
                          "2026-03-31", "-o", str(target))
        assert str(target) in _one_line(result)
    message = _one_line(_kimdesk("handout", "contact", "--lang", "ar", "-o", str(pipe)))
    assert "not a plain file" in message
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and folder.is_dir() and not any(folder.iterdir())
    assert _names(out) == ["folder.csv", "stats.csv"]  # no temporary file either


def test_an_output_path_under_a_file_is_one_line(vault: Path, tmp_path: Path) -> None:
    """``-o /etc/passwd/x.csv``: a traceback of FileExistsError / NotADirectoryError before."""
    plain = tmp_path / "plain"
    plain.write_text("x")
    for args in (("stats", "--from", "2026-01-01", "--to", "2026-03-31", "-o",
                  str(plain / "x.csv")),
                 ("subject-export", _case_number(vault), "-o", str(plain / "dir"))):
        message = _one_line(_kimdesk(*args, "--vault", str(vault)))
        assert "not a folder" in message or "something of that name" in message, message
    assert _names(tmp_path) == ["demo.kdb", "plain"]


def test_an_empty_output_path_writes_nothing_into_the_working_folder(
        vault: Path, tmp_path: Path) -> None:
    """``-o "$OUT"`` with the variable unset: the Auskunft went into the working folder."""
    work = tmp_path / "work"
    work.mkdir()
    result = _kimdesk("subject-export", "--vault", str(vault), _case_number(vault), "-o", "",
                      cwd=work)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "must not be empty" in result.stderr
    result = _kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01", "--to",
                      "2026-03-31", "-o", "", cwd=work)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert _names(work) == []


def test_exports_onto_a_full_disk_leave_nothing_behind(vault: Path, tmp_path: Path) -> None:
    """A full disk: statistics failed with a traceback; the Auskunft wrote its JSON (everything
    about the person) and then failed on the PDF, leaving the JSON in place."""
    case = _case_number(vault)
    with full_disk(tmp_path / "full") as disk:
        _fill(disk, free=24 * 1024)  # room for the JSON, not for the PDF beside it
        before = _names(disk)
        message = _one_line(_kimdesk("subject-export", "--vault", str(vault), case, "-o",
                                     str(disk / "auskunft")))
        assert "disk is full" in message
        assert _names(disk) == before  # no JSON, no temporary file, no empty folder
        message = _one_line(_kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01",
                                     "--to", "2026-12-31", "-o", str(disk / "s.pdf")))
        assert "disk is full" in message and _names(disk) == before
        german = _one_line(_kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01",
                                    "--to", "2026-12-31", "-o", str(disk / "s.pdf"), lang="de"))
        assert "Datenträger ist voll" in german


def test_a_vault_on_a_full_disk_says_so_and_stays_whole(vault: Path, tmp_path: Path) -> None:
    """A vault whose disk filled up was reported as "not a KIMdesk vault" or "damaged"."""
    with full_disk(tmp_path / "full") as disk:
        copy = disk / "v.kdb"
        shutil.copy(vault, copy)
        _fill(disk)
        for args in (("demo", "--cases", "500"), ("check",)):
            message = _one_line(_kimdesk(*args, "--vault", str(copy)))
            assert "is full" in message and "intact" in message, message
        (disk / "filler").unlink()
        assert _kimdesk("check", "--vault", str(copy)).returncode == 0
        with Vault.open(copy, PASSPHRASE) as v:
            assert v.cases.count() == 300


@pytest.mark.parametrize("signum", [2, 15])  # SIGINT (Ctrl-C), SIGTERM (kill, timeout)
def test_a_signal_while_the_auskunft_is_written_leaves_neither_file(
        vault: Path, tmp_path: Path, signum: int) -> None:
    """SIGTERM ended the process on the spot, leaving ``.auskunft-….part``; Ctrl-C (and SIGTERM)
    while the PDF was written left the finished JSON with everything about the person."""
    out = tmp_path / "out"
    result = _kimdesk("subject-export", "--vault", str(vault), _case_number(vault), "-o",
                      str(out), signal_while_writing=f"{signum}:pdf")
    assert not out.exists()  # no JSON, no temporary file, the folder made for them gone again
    assert _one_line(result, 128 + signum) == "kimdesk: Stopped."
    assert _kimdesk("check", "--vault", str(vault)).returncode == 0


def test_a_signal_between_the_auskunft_renames_waits_until_both_are_there(
        vault: Path, tmp_path: Path) -> None:
    """Once both files are written, a signal waits for both renames: never one without the
    other (the PDF is renamed first, then the JSON)."""
    out = tmp_path / "out"
    result = _kimdesk("subject-export", "--vault", str(vault), _case_number(vault), "-o",
                      str(out), signal_while_writing="15:sync")
    assert _one_line(result, 143) == "kimdesk: Stopped."
    assert [name.rsplit(".", 1)[1] for name in _names(out)] == ["json", "pdf"]


def test_sigterm_while_statistics_are_written_leaves_no_temporary_file(
        vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = _kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01", "--to",
                      "2026-12-31", "-o", str(out / "s.xlsx"), signal_while_writing="15:sync")
    assert _one_line(result, 143) == "kimdesk: Stopped."
    assert _names(out) == []


def test_numbers_out_of_range_are_refused_in_one_translated_line(vault: Path) -> None:
    """``--limit`` of 20 digits overflowed SQLite and was reported as a damaged vault;
    ``--min-cell`` of 20 digits computed for hours; "abc" was "invalid int value" in German."""
    message = _usage_error(_kimdesk("search", "--vault", str(vault), "", "--limit",
                                    "99999999999999999999"))
    assert "not a whole number" in message and "damaged" not in message
    message = _usage_error(_kimdesk("stats", "--vault", str(vault), "--from", "2026-01-01",
                                    "--to", "2026-03-31", "--min-cell",
                                    "99999999999999999999", "-o", "s.csv", timeout=60))
    assert "not a whole number from 1 to 1000" in message
    german = _usage_error(_kimdesk("demo", "--vault", str(vault), "--cases", "abc", lang="de"))
    assert "keine ganze Zahl" in german


def test_the_last_week_of_the_calendar_lists(vault: Path) -> None:
    """``appointments list --date 9999-12-31 --week``: an OverflowError traceback."""
    result = _kimdesk("appointments", "list", "--vault", str(vault), "--date", "9999-12-31",
                      "--week")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_an_argument_that_is_not_utf8_is_one_line(vault: Path) -> None:
    """``show`` with bytes from a Latin-1 terminal: a UnicodeEncodeError traceback."""
    message = _one_line(_kimdesk("show", "--vault", str(vault), os.fsdecode(b"M\xfcller")), 2)
    assert "UTF-8" in message


def test_a_workbook_that_does_not_fit_is_one_line(tmp_path: Path) -> None:
    """openpyxl's archive, closed by the garbage collector after the failed write, added
    Python's "Exception ignored in ZipFile.__del__" traceback under the one-line message."""
    form = Path(__file__).parents[1] / "resources" / "forms" / "abschluss.yaml"
    with full_disk(tmp_path / "full") as disk:
        _fill(disk, free=4096)
        message = _one_line(_kimdesk("forms", "export", str(form), "-o", str(disk / "x.xlsx")))
        assert "disk is full" in message and _names(disk) == ["filler"]


def test_a_home_that_is_a_file_is_one_line(vault: Path, tmp_path: Path) -> None:
    """``HOME`` (and so the data folder) under a file: a NotADirectoryError traceback."""
    plain = tmp_path / "plain"
    plain.write_text("x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    result = subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", "search", "--vault", str(vault), "x"],
        capture_output=True, text=True, timeout=120,
        env={**env, "HOME": str(plain), "KIMDESK_LANG": "en", "KIMDESK_PASSPHRASE": PASSPHRASE})
    assert "not a folder" in _one_line(result)
