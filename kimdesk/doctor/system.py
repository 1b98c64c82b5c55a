"""Reading what the laptop's system says about itself: CUPS's ``cupsd.conf``, ``/proc/swaps``,
the mount table, the device-mapper tree in ``/sys/class/block`` and the core-dump settings.

Every path is read under a ``root`` folder (``/`` on a real laptop), so that tests and an
administrator checking a mounted image give the files of their choice. Nothing here writes.
Each reader answers ``None`` where it cannot tell, never guesses "fine".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: CUPS keeps a printed job's file this many seconds when ``cupsd.conf`` says nothing (cupsd's
#: ``JobFiles`` default, documented in cupsd.conf(5): "The default is 86400 (1 day)").
CUPS_DEFAULT_SECONDS = 86400
#: ``PreserveJobFiles Yes``: kept until the job history is purged, i.e. with no end of its own.
FOREVER = -1
_CUPS_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_CUPS_TRUE = {"yes", "on", "true", "enabled"}
_CUPS_FALSE = {"no", "off", "false", "disabled"}

#: File systems that encrypt by themselves, over any device.
CRYPT_FILESYSTEMS = frozenset({"ecryptfs", "fuse.gocryptfs", "fuse.encfs", "fuse.cryfs"})
#: File systems in memory: nothing reaches a disk.
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})


def under(root: Path, path: str) -> Path:
    """``path`` (absolute, as the system names it) inside ``root``."""
    return root / path.lstrip("/")


def read_text(path: Path) -> str | None:
    """The file's text, ``None`` when it is missing; a file we may not read raises
    :class:`PermissionError` (the caller says so: "could not read", not "fine")."""
    try:
        return path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def cups_preserve_seconds(text: str) -> int | None:
    """How long cupsd keeps a printed job's file, from ``cupsd.conf``: 0 (not kept), a number of
    seconds, :data:`FOREVER`, or ``None`` for a value cupsd's own parser would not take. The
    last ``PreserveJobFiles`` line wins, as in cupsd; directive names are case-insensitive."""
    value = None
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if len(words) == 2 and words[0].lower() == "preservejobfiles":
            value = words[1].strip()
    if value is None:
        return CUPS_DEFAULT_SECONDS
    word = value.lower()
    if word in _CUPS_TRUE:
        return FOREVER
    if word in _CUPS_FALSE:
        return 0
    match = re.fullmatch(r"(\d+)([wdhms]?)", word)
    if match is None:
        return None
    return int(match.group(1)) * _CUPS_UNITS.get(match.group(2) or "s", 1)


def _unescape(field: str) -> str:
    """The kernel writes spaces, tabs and newlines in paths as octal escapes (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


@dataclass(frozen=True)
class Swap:
    name: str
    kind: str  # "partition" or "file"


def swaps(text: str) -> list[Swap]:
    """The swap areas in use, from ``/proc/swaps`` (a header line, then one line each)."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            found.append(Swap(_unescape(fields[0]), fields[1]))
    return found


@dataclass(frozen=True)
class Mount:
    source: str
    point: str
    fstype: str


def mounts(text: str) -> list[Mount]:
    """The mount table (``/proc/self/mounts``)."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            found.append(Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2]))
    return found


def mount_of(table: list[Mount], path: str) -> Mount | None:
    """The mount holding ``path``: the longest mount point it lies under (the last one mounted
    there, where one is mounted over another)."""
    best: Mount | None = None
    for mount in table:
        point = mount.point.rstrip("/") or "/"
        inside = point == "/" or path == point or path.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = mount
    return best


def block_name(root: Path, device: str) -> str | None:
    """The kernel's name of a block device (``sda2``, ``dm-3``, ``nvme0n1p3``) for a path in
    ``/dev``: ``/dev/mapper/NAME`` is looked up by the device-mapper names in sysfs."""
    if device.startswith("/dev/mapper/"):
        wanted = device.removeprefix("/dev/mapper/")
        folder = under(root, "/sys/class/block")
        for entry in sorted(folder.glob("dm-*")) if folder.is_dir() else []:
            name = read_text(entry / "dm" / "name")
            if name is not None and name.strip() == wanted:
                return entry.name
        return None
    if device.startswith("/dev/"):
        name = device.removeprefix("/dev/")
        return name if "/" not in name else None
    return None


def is_encrypted_block(root: Path, name: str, depth: int = 0) -> bool | None:
    """Whether block device ``name`` lies on dm-crypt: it is a ``CRYPT-`` device-mapper target,
    or one below it is (LVM on LUKS). ``None`` when sysfs does not know the device."""
    folder = under(root, f"/sys/class/block/{name}")
    if not folder.is_dir() or depth > 16:
        return None
    uuid = read_text(folder / "dm" / "uuid")
    if uuid is not None and uuid.strip().startswith("CRYPT-"):
        return True
    slaves = folder / "slaves"
    below = sorted(p.name for p in slaves.iterdir()) if slaves.is_dir() else []
    return any(is_encrypted_block(root, b, depth + 1) for b in below)


def device_encrypted(root: Path, device: str) -> bool | None:
    """:func:`is_encrypted_block` for a ``/dev`` path; zram is memory, hence "encrypted" enough:
    nothing of it reaches a disk."""
    name = block_name(root, device)
    if name is None:
        return None
    if name.startswith("zram"):
        return True
    return is_encrypted_block(root, name)


def core_limit(root: Path) -> str | None:
    """The soft core-size limit of the shell that started us (``/proc/<parent>/limits``): what
    every other program started from that session inherits. ``kimdesk`` itself has set its own
    limit to 1 byte by the time it runs a command (``harden_process``)."""
    text = read_text(under(root, f"/proc/{os.getppid()}/limits"))
    for line in (text or "").splitlines():
        if line.startswith("Max core file size"):
            fields = line[len("Max core file size"):].split()
            return fields[0] if fields else None
    return None


def coredump_storage_none(root: Path) -> bool:
    """Whether systemd-coredump is told to keep nothing (``Storage=none`` in coredump.conf or a
    drop-in; the last setting read wins, as in systemd)."""
    files = [under(root, "/etc/systemd/coredump.conf")]
    drop_ins = under(root, "/etc/systemd/coredump.conf.d")
    if drop_ins.is_dir():
        files += sorted(drop_ins.glob("*.conf"))
    storage = "external"
    for path in files:
        for line in (read_text(path) or "").splitlines():
            key, _, value = line.strip().partition("=")
            if key.strip() == "Storage":
                storage = value.strip().lower()
    return storage == "none"
