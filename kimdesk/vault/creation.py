"""Creating a vault file whole or not at all (``kimdesk init``, the GUI's "create vault",
``kimdesk --demo``).

A new vault takes the schema's steps and then its metadata (``vault_meta``: its id, counselor,
device tag). Written in place, a creation killed in between left a file that ``init`` refused
as existing and that no unlock could open (a fault-injection review: a bare ``KeyError:
'vault_id'``). So the file is built under a scratch name beside the vault (same folder: a rename
is atomic only within one file system), completed, its log emptied into it and closed, fsynced,
and only then given the vault's name; the folder is fsynced so the name survives a power cut. A
kill leaves no vault or a whole one, and perhaps the scratch file, which the next creation of
that vault removes.

The scratch file is ``.<vault name>.creating``: hidden, and named so a person sees it is no
vault. While a creation runs it holds the OS lock on it (:class:`ProcessLock`, released by the
OS when the process dies), so a second creation of the same vault at that moment is refused
(:class:`VaultInUse`) instead of removing the first one's file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from kimdesk.vault.connection import Connection, connect
from kimdesk.vault.errors import VaultExists, VaultInUse
from kimdesk.vault.files import create_private_file, sync_dir
from kimdesk.vault.lock import ProcessLock

#: What follows ``.<vault name>`` in the scratch file's name.
SCRATCH_SUFFIX = ".creating"
#: SQLite's companions of the scratch database (WAL mode: the log and its index).
_COMPANIONS = ("-wal", "-shm", "-journal")


def scratch_path(target: Path) -> Path:
    """Where the vault ``target`` is built before it gets its name."""
    return target.with_name(f".{target.name}{SCRATCH_SUFFIX}")


def create_vault_file(target: Path, key: bytes, salt: bytes, meta: Mapping[str, str],
                      schema: Callable[[Connection], object]) -> None:
    """Build the vault ``target`` under :func:`scratch_path` (0600 from its first byte: SQLite
    gives the WAL and SHM the database's mode), run ``schema`` on it, write ``meta`` into
    ``vault_meta``, and give it the vault's name. Raises :class:`VaultExists` if ``target``
    exists by then, :class:`VaultInUse` if another process is creating it; on any error the
    scratch file goes and ``target`` is untouched."""
    scratch = scratch_path(target)
    lock = _claim(scratch)
    try:
        # mode=rw, not rwc: the empty 0600 file exists; should it vanish, nothing is created
        conn = connect(scratch, key, salt)
        try:
            schema(conn)
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO vault_meta (key, value) VALUES (?, ?)", meta.items())
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log's pages into the file
        finally:
            conn.close()  # the last connection removes the (empty) log and its index
        _drop_empty_companions(scratch)
        with scratch.open("rb+") as fh:
            os.fsync(fh.fileno())
        lock.release()  # Windows renames and removes no file that is open
        _place(scratch, target)
    except BaseException:
        lock.release()
        _remove(scratch)
        raise
    sync_dir(target.parent)


def _claim(scratch: Path) -> ProcessLock:
    """Create the scratch file and hold its lock; a scratch file left by a killed creation (its
    lock free: the OS released it with the process) is removed first."""
    if scratch.exists():
        stale = ProcessLock(scratch)
        if not stale.acquire():
            raise VaultInUse(str(scratch))
        stale.release()
        _remove(scratch)
    try:
        create_private_file(scratch)
    except FileExistsError:  # another creation began just now
        raise VaultInUse(str(scratch)) from None
    lock = ProcessLock(scratch)
    if not lock.acquire():  # pragma: no cover - only a race with another creation
        raise VaultInUse(str(scratch))
    return lock


def _drop_empty_companions(scratch: Path) -> None:
    """Closing removes SQLite's log and index; should one stay (a file system that refused), an
    empty one goes, and one with content means the file is not whole: refused."""
    for suffix in _COMPANIONS:
        companion = scratch.with_name(scratch.name + suffix)
        if companion.exists():
            if suffix == "-wal" and companion.stat().st_size:
                raise OSError(f"{companion}: the log was not emptied into the new vault")
            companion.unlink()


def _place(scratch: Path, target: Path) -> None:
    """Give the finished file the vault's name without replacing anything there: a hard link
    fails if the name is taken (another creation finished meanwhile; ``os.replace`` would
    overwrite it). Where the file system has no hard links, the name is checked and then
    replaced (``os.replace``: atomic, a kill leaves either name)."""
    try:
        os.link(scratch, target)
    except FileExistsError:
        raise VaultExists(str(target)) from None
    except OSError:  # no hard links here (FAT, some network shares)
        if target.exists():
            raise VaultExists(str(target)) from None
        os.replace(scratch, target)
        return
    scratch.unlink()


def _remove(scratch: Path) -> None:
    """The scratch file and its companions: never a vault, nothing to keep (encrypted anyway)."""
    for suffix in ("", *_COMPANIONS):
        with contextlib.suppress(OSError):
            scratch.with_name(scratch.name + suffix).unlink()


def drop_second_name(target: Path) -> None:
    """At unlock: a creation killed between giving the vault its name and removing the scratch
    name leaves the vault with two names, and deleting the visible one by hand would keep the
    data under the hidden one (a review, 2026-12-06). The hidden name goes if it is the vault."""
    scratch = scratch_path(target)
    with contextlib.suppress(OSError):
        if scratch.exists() and os.path.samefile(scratch, target):
            scratch.unlink()
