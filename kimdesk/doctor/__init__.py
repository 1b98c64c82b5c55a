"""``kimdesk doctor``: what the laptop leaves open around the vault, read-only.

The package does not edit other packages' configuration (docs/planned.md, section 7): CUPS's
``cupsd.conf``, swap, disk encryption and the crash reporter are municipal IT's, who fix them by
their own policy. This module finds them and says, one line each, what to do. It reads files only
(under an injectable ``root``), writes nothing and opens no vault.

Each check gives one :class:`Finding` per item: ``ok``, ``open``, ``unknown`` (could not tell:
say what to check by hand) or ``not_checked`` (an operating system other than Linux).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kimdesk.doctor import system
from kimdesk.i18n import N_, gettext

OK, OPEN, UNKNOWN, NOT_CHECKED = "ok", "open", "unknown", "not_checked"

PRINTING, SWAP, DISK, CORES, PERMISSIONS = "printing", "swap", "disk", "core_dumps", "permissions"
POLICY = "policy"
LABELS = {
    PRINTING: N_("Printing"), SWAP: N_("Swap"), DISK: N_("Disk"),
    CORES: N_("Core dumps"), PERMISSIONS: N_("Permissions"), POLICY: N_("Machine policy"),
}
STATUS_WORDS = {OK: N_("ok"), OPEN: N_("OPEN"), UNKNOWN: N_("unknown"),
                NOT_CHECKED: N_("not checked")}

_NOT_CHECKED = N_("not checked on this operating system (only Linux is checked so far).")
_UNREADABLE = N_("could not read {path}; run kimdesk doctor as root or check it by hand.")


@dataclass(frozen=True)
class Finding:
    item: str
    status: str
    message: str  # an English msgid, translated when shown
    params: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """The line's text in the interface language."""
        return gettext(self.message).format(**self.params)

    def line(self) -> str:
        return f"[{gettext(STATUS_WORDS[self.status])}] {gettext(LABELS[self.item])}: {self.text()}"


@dataclass(frozen=True)
class Places:
    """What the checks look at: the system's files under ``root``, the vault and settings."""

    root: Path
    vault: Path
    settings: Path


def check_printing(places: Places) -> list[Finding]:
    conf = system.under(places.root, "/etc/cups/cupsd.conf")
    if not system.under(places.root, "/etc/cups").is_dir():
        return [Finding(PRINTING, OK, N_("CUPS is not installed; nothing is spooled."))]
    try:
        text = system.read_text(conf) or ""
    except PermissionError:
        return [Finding(PRINTING, UNKNOWN, _UNREADABLE, {"path": "/etc/cups/cupsd.conf"})]
    seconds = system.cups_preserve_seconds(text)
    if seconds is None:
        return [Finding(PRINTING, UNKNOWN, N_(
            "cupsd.conf has a PreserveJobFiles value CUPS may not take; set "
            "\"PreserveJobFiles No\" in /etc/cups/cupsd.conf."))]
    if seconds == 0:
        return [Finding(PRINTING, OK, N_(
            "CUPS keeps no job files after printing (PreserveJobFiles No)."))]
    if seconds == system.FOREVER:
        return [Finding(PRINTING, OPEN, N_(
            "CUPS keeps the files of printed handouts in /var/spool/cups with no end; set "
            "\"PreserveJobFiles No\" in /etc/cups/cupsd.conf and restart CUPS."))]
    return [Finding(PRINTING, OPEN, N_(
        "CUPS keeps the files of printed handouts in /var/spool/cups for {seconds} seconds "
        "after printing; set \"PreserveJobFiles No\" in /etc/cups/cupsd.conf and restart CUPS."),
        {"seconds": str(seconds)})]


def check_swap(places: Places) -> list[Finding]:
    try:
        text = system.read_text(system.under(places.root, "/proc/swaps"))
        table = system.mounts(system.read_text(
            system.under(places.root, "/proc/self/mounts")) or "")
    except PermissionError:
        return [Finding(SWAP, UNKNOWN, _UNREADABLE, {"path": "/proc/swaps"})]
    if text is None:
        return [Finding(SWAP, UNKNOWN, _UNREADABLE, {"path": "/proc/swaps"})]
    areas = system.swaps(text)
    if not areas:
        return [Finding(SWAP, OK, N_("no swap is in use."))]
    found = []
    for area in areas:
        if area.kind == "partition":
            encrypted = system.device_encrypted(places.root, area.name)
        else:
            mount = system.mount_of(table, area.name)
            encrypted = None if mount is None else system.device_encrypted(
                places.root, mount.source)
        params = {"swap": area.name}
        if encrypted:
            found.append(Finding(SWAP, OK, N_("{swap} is encrypted (dm-crypt) or in memory."),
                                 params))
        elif encrypted is None:
            found.append(Finding(SWAP, UNKNOWN, N_(
                "cannot tell whether {swap} is encrypted; check it by hand (lsblk -f)."), params))
        else:
            found.append(Finding(SWAP, OPEN, N_(
                "{swap} is not encrypted: memory holding client data can be written to the "
                "disk; encrypt the swap (dm-crypt) or switch it off."), params))
    return found


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent, with links resolved (what the mount table
    names)."""
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return Path(os.path.realpath(path))


def check_disk(places: Places) -> list[Finding]:
    folder = places.vault.absolute().parent
    try:
        table = system.mounts(system.read_text(
            system.under(places.root, "/proc/self/mounts")) or "")
    except PermissionError:
        return [Finding(DISK, UNKNOWN, _UNREADABLE, {"path": "/proc/self/mounts"})]
    mount = system.mount_of(table, str(_existing(folder)))
    params = {"folder": str(folder)}
    if mount is None:
        return [Finding(DISK, UNKNOWN, N_(
            "cannot tell which disk holds {folder}; check its encryption by hand."), params)]
    params |= {"source": mount.source, "fstype": mount.fstype}
    if mount.fstype in system.MEMORY_FILESYSTEMS or mount.fstype in system.CRYPT_FILESYSTEMS:
        return [Finding(DISK, OK, N_("{folder} is in memory or on an encrypting file system "
                                     "({fstype})."), params)]
    encrypted = system.device_encrypted(places.root, mount.source)
    if encrypted:
        return [Finding(DISK, OK, N_("{folder} is on an encrypted device ({source})."), params)]
    if encrypted is None:
        return [Finding(DISK, UNKNOWN, N_(
            "cannot tell whether {folder} ({fstype} on {source}) is encrypted; check it by "
            "hand."), params)]
    return [Finding(DISK, OPEN, N_(
        "{folder} is on an unencrypted device ({source}): exports, forms and the vault's "
        "name lie open on a lost laptop; encrypt the disk (LUKS, BitLocker)."), params)]


def check_cores(places: Places) -> list[Finding]:
    try:
        pattern = (system.read_text(system.under(
            places.root, "/proc/sys/kernel/core_pattern")) or "").strip()
        limit = system.core_limit(places.root)
    except PermissionError:
        return [Finding(CORES, UNKNOWN, _UNREADABLE, {"path": "/proc/sys/kernel/core_pattern"})]
    if pattern.startswith("|"):
        program = Path(pattern[1:].split()[0]).name if pattern[1:].split() else "?"
        if program == "systemd-coredump" and system.coredump_storage_none(places.root):
            return [Finding(CORES, OK, N_(
                "systemd-coredump takes crashes but keeps nothing (Storage=none)."))]
        return [Finding(CORES, OPEN, N_(
            "crashing programs' memory goes to {reporter}, whatever their core limit; KIMdesk "
            "asks for none, but a PDF viewer or office program showing its output does not: "
            "switch the crash reporter off or set Storage=none."), {"reporter": program})]
    if limit is None:
        return [Finding(CORES, UNKNOWN, N_(
            "cannot read the session's core limit; check ulimit -c by hand."))]
    if limit == "0":
        return [Finding(CORES, OK, N_("no core files are written (ulimit -c is 0)."))]
    return [Finding(CORES, OPEN, N_(
        "programs of this session write core files (ulimit -c is {limit}), a PDF viewer's "
        "with the client data it showed; set the core limit to 0 (limits.conf)."),
        {"limit": limit})]


def check_permissions(places: Places) -> list[Finding]:
    found = []
    uid = os.getuid()
    for path in (places.vault, places.vault.parent, places.settings, places.settings.parent):
        try:
            info = path.stat()
        except OSError:
            continue  # not created yet: the app creates it private
        params = {"path": str(path), "mode": f"{stat.S_IMODE(info.st_mode):04o}"}
        if info.st_uid != uid:
            found.append(Finding(PERMISSIONS, OPEN, N_(
                "{path} belongs to another account; give it to the counselor's account "
                "(chown)."), params))
        elif info.st_mode & 0o077:
            found.append(Finding(PERMISSIONS, OPEN, N_(
                "{path} is open to other accounts (mode {mode}); run chmod go-rwx on it."),
                params))
    if not found:
        found.append(Finding(PERMISSIONS, OK, N_(
            "the vault, the settings and their folders are private to this account.")))
    return found


def check_policy(places: Places) -> list[Finding]:
    """The machine policy in force (docs/deployment.md): its file and the keys it sets, or
    why it cannot be used (others can write it, not root's, malformed): that is open, since
    the app then refuses sync and the demo."""
    from kimdesk import config

    path = system.under(places.root, str(config.POLICY_FILE))
    policy = config.read_policy(path)
    params = {"path": str(config.POLICY_FILE)}
    if policy.broken:
        reason = gettext(policy.problem).format(**policy.params)
        return [Finding(POLICY, OPEN, config.POLICY_BROKEN, params | {"reason": reason})]
    if not policy.present:
        return [Finding(POLICY, OK, N_(
            "no machine policy ({path}): the counselor's own settings apply."), params)]
    shown = {"server": policy.server, "fingerprint": policy.fingerprint,
             "demo": {True: "true", False: "false"}.get(policy.demo, ""),  # type: ignore[arg-type]
             "idle_lock_minutes": str(policy.idle_lock_minutes or ""),
             "language": policy.language}
    keys = "; ".join(f"{key} = {shown[key.split()[-1]]}" for key in policy.keys) or "-"
    return [Finding(POLICY, OK, N_("{path} is in force: {keys}"), params | {"keys": keys})]


CHECKS: dict[str, Callable[[Places], list[Finding]]] = {
    PRINTING: check_printing, SWAP: check_swap, DISK: check_disk, CORES: check_cores,
    PERMISSIONS: check_permissions, POLICY: check_policy,
}


def diagnose(places: Places, platform: str = sys.platform) -> list[Finding]:
    """Every check's findings, in the order of :data:`CHECKS`; on an operating system other than
    Linux each item is "not checked"."""
    if platform != "linux":
        return [Finding(item, NOT_CHECKED, _NOT_CHECKED) for item in CHECKS]
    return [finding for check in CHECKS.values() for finding in check(places)]


def exit_code(findings: list[Finding]) -> int:
    """The contract for IT's scripts: 0 when nothing is open, 1 when anything is."""
    return 1 if any(f.status == OPEN for f in findings) else 0
