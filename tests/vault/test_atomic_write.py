"""One way to write a whole file (issue 15): the old file or the complete new one, never half;
private unless it replaces a file whose mode someone chose; no temporary file left behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kimdesk.errors import FileError
from kimdesk.vault import files
from kimdesk.vault.files import atomic_file, atomic_write

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("desktop_umask")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_bytes_and_text(tmp_path: Path) -> None:
    assert atomic_write(tmp_path / "a.bin", b"\x00\x01") == tmp_path / "a.bin"
    atomic_write(tmp_path / "b.txt", "Grüße", encoding="utf-8-sig")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "Grüße".encode("utf-8-sig")
    atomic_write(str(tmp_path / "a.bin"), b"new")  # a str path and an existing file
    assert (tmp_path / "a.bin").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.txt"]


def test_context_manager_hands_a_path_in_the_same_folder(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    with atomic_file(target) as temp:
        assert temp.parent == tmp_path and temp != target and ".part" in temp.name
        assert mode(temp) == 0o600  # private while it is being written
        assert not target.exists()  # nothing visible under the real name before the end
        temp.write_text("done")
    assert target.read_text() == "done" and os.listdir(tmp_path) == ["report.xlsx"]


def test_new_file_private_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    fresh = tmp_path / "new.pdf"
    atomic_write(fresh, b"x")
    assert mode(fresh) == 0o600
    shared = tmp_path / "shared.pdf"
    shared.write_bytes(b"old")
    shared.chmod(0o640)
    atomic_write(shared, b"y")
    assert mode(shared) == 0o640 and shared.read_bytes() == b"y"
    catalog = tmp_path / "new.po"
    atomic_write(catalog, "msgid", new_mode=0o644)  # a caller may ask for a public new file
    assert mode(catalog) == 0o644


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="cancelled"), atomic_file(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("cancelled")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.csv"]
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as temp:
        temp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.csv"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError):
        atomic_write(target, b"x")
    assert os.listdir(tmp_path) == ["taken"] and os.listdir(target) == []
    with pytest.raises(FileError, match="does not exist") as missing:
        atomic_write(tmp_path / "missing" / "x", b"x")  # the caller creates folders
    assert isinstance(missing.value, OSError)  # callers that catch an OSError still do
    assert os.listdir(tmp_path) == ["taken"]


def test_file_and_folder_are_flushed_before_and_after_the_rename(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    atomic_write(tmp_path / "x", b"data")
    assert events == ["fsync file", "replace", "fsync dir"]


CRASHER = textwrap.dedent("""
    import os, signal, sys
    from kimdesk.vault.files import atomic_file
    with atomic_file(sys.argv[1]) as temp:
        with open(temp, "wb") as fh:
            fh.write(b"new, but only half")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)  # the power goes mid-write
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crash_mid_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "handout.pdf"
    target.write_bytes(b"old and complete")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", CRASHER, str(target)], env=env, timeout=60,
                         capture_output=True)
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert target.read_bytes() == b"old and complete"
    # a crash cannot clean up: at most a hidden ".part" file stays beside it, never the real name
    assert [n for n in os.listdir(tmp_path) if n != "handout.pdf"] == [
        n for n in os.listdir(tmp_path) if n.startswith(".handout.pdf.") and n.endswith(".part")]


def test_a_name_planted_by_someone_else_does_not_open_the_file(tmp_path: Path) -> None:
    """An export's name is predictable (``auskunft-<case number>.json``): in a folder others can
    write to, a link planted there to a world-readable file made the Auskunft 0644, since the
    mode was read through the link (a review, 2026-12-06). Only a plain file of the user's own
    passes its mode on; the link itself is replaced, what it pointed to is left alone."""
    public = tmp_path / "public.txt"
    public.write_bytes(b"public")
    public.chmod(0o644)
    planted = tmp_path / "auskunft-2026-F084-000059.json"
    planted.symlink_to(public)
    atomic_write(planted, "Zebulonia Quistorpffel")
    assert not planted.is_symlink() and mode(planted) == 0o600
    assert planted.read_text() == "Zebulonia Quistorpffel"
    assert public.read_bytes() == b"public" and mode(public) == 0o644
    if os.geteuid() == 0:  # a plain file someone else owns, made readable for all
        theirs = tmp_path / "auskunft-2026-F084-000060.json"
        theirs.write_bytes(b"")
        theirs.chmod(0o666)
        os.chown(theirs, 4321, 4321)
        atomic_write(theirs, "Zebulonia Quistorpffel")
        assert mode(theirs) == 0o600 and theirs.stat().st_uid == 0
