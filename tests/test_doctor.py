"""``kimdesk doctor`` as municipal IT runs it: a real process reading a fake system under
``--root`` (cupsd.conf, /proc/swaps, the mount table, sysfs, core_pattern) built in tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kimdesk.doctor import NOT_CHECKED, Places, diagnose, exit_code

CLOSED_CUPS = "LogLevel warn\nPreserveJobFiles No\nMaxLogSize 0\n"
#: Debian's cupsd.conf as installed: no PreserveJobFiles line, so CUPS's default of a day.
DEFAULT_CUPS = "LogLevel warn\nPreserveJobHistory Yes\nListen localhost:631\n"


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")


def dm(root: Path, name: str, uuid: str, mapper: str, slaves: tuple[str, ...] = ()) -> None:
    put(root, f"/sys/class/block/{name}/dm/uuid", uuid + "\n")
    put(root, f"/sys/class/block/{name}/dm/name", mapper + "\n")
    (root / f"sys/class/block/{name}/slaves").mkdir(parents=True, exist_ok=True)
    for slave in slaves:
        (root / f"sys/class/block/{name}/slaves/{slave}").mkdir(parents=True, exist_ok=True)


def disk(root: Path, name: str) -> None:
    (root / f"sys/class/block/{name}").mkdir(parents=True, exist_ok=True)


def closed_system(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A laptop with nothing open: LUKS root with LVM on it, encrypted swap, CUPS told to keep
    nothing, no crash reporter and a core limit of 0; vault and settings folders 0700."""
    root = tmp_path / "root"
    home = Path(os.path.realpath(tmp_path)) / "home"
    vault = home / "data" / "vault.kdb"
    settings = home / "config" / "kimdesk.ini"
    for path in (vault, settings):
        path.parent.mkdir(parents=True, mode=0o700)
        path.touch(mode=0o600)
    put(root, "/etc/cups/cupsd.conf", CLOSED_CUPS)
    put(root, "/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n"
                             "/dev/dm-2                               partition\t999420\t0\t-2\n")
    put(root, "/proc/self/mounts", "/dev/mapper/vg-root / ext4 rw,relatime 0 0\n"
                                   "proc /proc proc rw 0 0\n")
    disk(root, "nvme0n1p3")
    dm(root, "dm-0", "CRYPT-LUKS2-0123456789abcdef-nvme0n1p3_crypt", "nvme0n1p3_crypt",
       ("nvme0n1p3",))
    dm(root, "dm-1", "LVM-abc", "vg-root", ("dm-0",))
    dm(root, "dm-2", "LVM-def", "vg-swap", ("dm-0",))
    put(root, "/proc/sys/kernel/core_pattern", "core\n")
    put(root, f"/proc/{os.getpid()}/limits",
        "Limit                     Soft Limit           Hard Limit           Units\n"
        "Max core file size        0                    unlimited            bytes\n")
    return root, vault, settings


def doctor(root: Path, vault: Path, settings: Path, *args: str,
           lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", "--lang", lang, "doctor", "--root", str(root),
         "--vault", str(vault), *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "KIMDESK_SETTINGS": str(settings)})


def findings(root: Path, vault: Path, settings: Path) -> tuple[int, list[dict[str, Any]]]:
    out = doctor(root, vault, settings, "--json")
    assert out.stderr == ""
    return out.returncode, json.loads(out.stdout)


def status(found: list[dict[str, Any]], item: str) -> list[str]:
    return [f["status"] for f in found if f["item"] == item]


def test_nothing_open_exits_0_and_writes_nothing(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    out = doctor(root, vault, settings)
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(out.stdout.splitlines()) == 6 and "OPEN" not in out.stdout  # 6: the policy
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_cups_defaults_name_preserve_job_files(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    put(root, "/etc/cups/cupsd.conf", DEFAULT_CUPS)
    out = doctor(root, vault, settings)
    assert out.returncode == 1
    [line] = [x for x in out.stdout.splitlines() if "OPEN" in x]
    assert "Printing" in line and "86400 seconds" in line and "PreserveJobFiles No" in line
    for value, seconds in (("Yes", "with no end"), ("2d", "172800 seconds"), ("On", "no end")):
        put(root, "/etc/cups/cupsd.conf", CLOSED_CUPS + f"preservejobfiles {value}\n")
        out = doctor(root, vault, settings)
        assert out.returncode == 1 and seconds in out.stdout
    # the German line, translated, with what to do
    german = doctor(root, vault, settings, lang="de")
    assert german.returncode == 1 and "PreserveJobFiles No" in german.stdout
    assert "Drucken" in german.stdout, german.stdout


def test_swap(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    swaps = "Filename\tType\tSize\tUsed\tPriority\n"
    put(root, "/proc/swaps", swaps + "/dev/zram0 partition 100 0 100\n"
                                     "/dev/mapper/vg-swap partition 100 0 -2\n")
    assert findings(root, vault, settings) == (0, findings(root, vault, settings)[1])
    assert status(findings(root, vault, settings)[1], "swap") == ["ok", "ok"]
    disk(root, "sda2")
    put(root, "/proc/swaps", swaps + "/dev/sda2 partition 100 0 -2\n")
    code, found = findings(root, vault, settings)
    assert code == 1 and status(found, "swap") == ["open"]
    # a swap file on an unencrypted partition; the kernel's \040 for a space
    put(root, "/proc/self/mounts", "/dev/mapper/vg-root / ext4 rw 0 0\n"
                                   "/dev/sda2 /data\\040disk ext4 rw 0 0\n")
    put(root, "/proc/swaps", swaps + "/data\\040disk/swapfile file 100 0 -2\n")
    code, found = findings(root, vault, settings)
    assert code == 1 and status(found, "swap") == ["open"]
    assert "/data disk/swapfile" in next(f["text"] for f in found if f["item"] == "swap")
    put(root, "/proc/swaps", swaps + "/swapfile file 100 0 -2\n")  # on the LUKS root
    assert status(findings(root, vault, settings)[1], "swap") == ["ok"]


def test_disk_of_the_vault(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    disk(root, "sdb1")
    home = str(vault.parent.parent)
    put(root, "/proc/self/mounts",
        f"/dev/mapper/vg-root / ext4 rw 0 0\n/dev/sdb1 {home} ext4 rw 0 0\n")
    code, found = findings(root, vault, settings)
    assert code == 1 and status(found, "disk") == ["open"]
    put(root, "/proc/self/mounts", f"/dev/mapper/vg-root / ext4 rw 0 0\n"
                                   f"{home}/.Private {home} ecryptfs rw 0 0\n")
    assert status(findings(root, vault, settings)[1], "disk") == ["ok"]
    put(root, "/proc/self/mounts",
        f"/dev/mapper/vg-root / ext4 rw 0 0\nsrv:/h {home} nfs4 rw 0 0\n")
    code, found = findings(root, vault, settings)
    assert code == 0 and status(found, "disk") == ["unknown"]


@pytest.mark.parametrize(("pattern", "limit", "conf", "open_"), [
    ("|/usr/share/apport/apport -p%p -s%s -c%c -d%d -P%P -u%u -g%g -- %E", "0", None, True),
    ("|/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h", "0", None, True),
    ("|/lib/systemd/systemd-coredump %P %u %g %s %t %h", "0", "[Coredump]\nStorage=none\n", False),
    ("core", "unlimited", None, True),
    ("core", "0", None, False),
])
def test_core_dumps(tmp_path: Path, pattern: str, limit: str, conf: str | None,
                    open_: bool) -> None:
    root, vault, settings = closed_system(tmp_path)
    put(root, "/proc/sys/kernel/core_pattern", pattern + "\n")
    put(root, f"/proc/{os.getpid()}/limits",
        f"Max core file size        {limit}                    unlimited            bytes\n")
    if conf is not None:
        put(root, "/etc/systemd/coredump.conf.d/kimdesk.conf", conf)
    code, found = findings(root, vault, settings)
    assert (code, status(found, "core_dumps")) == ((1, ["open"]) if open_ else (0, ["ok"]))
    if "apport" in pattern:
        assert "apport" in found[3]["text"]


def test_permissions(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    vault.chmod(0o644)
    settings.parent.chmod(0o755)
    code, found = findings(root, vault, settings)
    assert code == 1 and status(found, "permissions") == ["open", "open"]
    assert {f["path"] for f in found if f["item"] == "permissions"} == {
        str(vault), str(settings.parent)}


def test_unreadable_or_missing_files_are_unknown_not_fine(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    (root / "proc/swaps").unlink()
    (root / "proc/self/mounts").unlink()
    (root / f"proc/{os.getpid()}/limits").unlink()
    code, found = findings(root, vault, settings)
    assert code == 0
    assert [f["status"] for f in found] == ["ok", "unknown", "unknown", "unknown", "ok", "ok"]
    put(root, "/etc/cups/cupsd.conf", "PreserveJobFiles sometimes\n")
    assert status(findings(root, vault, settings)[1], "printing") == ["unknown"]


def test_other_systems_are_not_checked(tmp_path: Path) -> None:
    root, vault, settings = closed_system(tmp_path)
    put(root, "/etc/cups/cupsd.conf", DEFAULT_CUPS)
    for platform in ("win32", "darwin"):
        found = diagnose(Places(root, vault, settings), platform)
        assert [f.status for f in found] == [NOT_CHECKED] * 6 and exit_code(found) == 0


def test_a_root_that_is_no_folder_is_a_usage_error(tmp_path: Path) -> None:
    """``--root`` mistyped (no such folder, or a file): one translated line, exit code 2. Before
    (review of 2026-12-07) every item under it was "unknown" or "ok" and the exit code 0 told
    IT's script that nothing was open."""
    _root, vault, settings = closed_system(tmp_path)
    (tmp_path / "a-file").write_text("")
    for root in (tmp_path / "no-such-image", tmp_path / "a-file"):
        for lang in ("en", "de"):
            out = doctor(root, vault, settings, lang=lang)
            assert out.returncode == 2 and out.stdout == "", out.stdout
            assert out.stderr.count("\n") <= 3 and str(root) in out.stderr
            assert "Traceback" not in out.stderr
            assert ("not a folder" if lang == "en" else "kein Ordner") in out.stderr


def test_a_vault_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    """``--vault`` naming no file (a typo): one translated line, exit code 2. Before (review of
    2026-12-07) its permissions were reported "ok", exit code 0, for a file never looked at."""
    root, _vault, settings = closed_system(tmp_path)
    missing = tmp_path / "typo.kdb"
    for lang in ("en", "de"):
        out = doctor(root, missing, settings, lang=lang)
        assert out.returncode == 2 and out.stdout == "", out.stdout
        assert out.stderr.count("\n") == 1 and str(missing) in out.stderr
        assert ("No vault at" if lang == "en" else "Kein Tresor") in out.stderr, out.stderr
