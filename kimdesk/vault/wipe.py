"""The wipe of a vault's files: in an order that leaves nothing the passphrase opens, recorded so
that a wipe cut short is finished, and honest about what it could not remove.

A revoked device wipes its vault (:mod:`kimdesk.sync.wipe`). Three rules, each from a review of
2026-12-06 that killed the wipe of a 172 MB vault half way:

- **Salts first.** The key is derived from the passphrase and the vault's salt: the first 16
  bytes of the file, and of every copy of its first page (frames of page 1 in the log, the head
  of the re-key copy). Those go first, flushed to disk, before the long overwrite of the rest.
  Before, the file was overwritten from its start and the log after it: killed in between, the
  log's copy of page 1 gave back the salt, and with the passphrase (a revoked counselor knows
  it) 1,152 of 1,162 names, phones and case numbers were readable. A kill now leaves at most
  the few milliseconds of the salt writes as that window.
- **A marker** (``<vault>.wiping``, no personal data) is written and flushed before the first
  overwrite and removed only when every file is gone. While it exists the vault does not open:
  an unlock finishes the wipe instead (:func:`finish_interrupted_wipe`). Before, the half-wiped
  vault opened ("Something went wrong") and the wipe, which only a sync starts, never ran again.
- **Failures are returned**, not swallowed: a file the app may not write or delete (read-only,
  held by a backup or sync client, ``chattr +i``) is named, and the marker stays, so every start
  tries again. Before, such a vault stayed whole while the app said it was deleted.

What overwriting cannot promise on SSDs and journaling or copy-on-write file systems is said in
:mod:`kimdesk.vault.files`; once the salt is gone, old copies of other blocks are ciphertext
that no passphrase opens.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from kimdesk.vault.creation import scratch_path
from kimdesk.vault.files import DATABASE_SUFFIXES, PRIVATE_FILE, REKEY_SUFFIX, overwrite, shred
from kimdesk.vault.kdf import SALT_BYTES
from kimdesk.vault.legacy_server import retire_local_server

WIPE_SUFFIX = ".wiping"
#: Files that start with a page 1 of the vault (its salt in the first bytes).
_HEADED = ("", REKEY_SUFFIX)
_WAL_HEADER, _FRAME_HEADER = 32, 24


def marker(path: Path) -> Path:
    """The file that says a wipe of the vault at ``path`` began and has not ended."""
    return path.with_name(path.name + WIPE_SUFFIX)


def wipe_files(path: Path, close: Callable[[], None] | None = None) -> list[str]:
    """Wipe the vault at ``path`` with its companions; the files that could not be overwritten
    or removed ([] when everything is gone, and then the marker too).

    ``close``: the vault's own connection, still open, is closed after the overwrite and before
    the unlink: closing the last connection deletes the log, whose blocks could then no longer
    be overwritten."""
    link = path if path.is_symlink() else None
    # the files themselves: SQLite follows a link, and its log lies beside the file it points
    # to (a review: wiped through a link, the real log was never overwritten, and the wipe
    # said everything went)
    path = Path(os.path.realpath(path))
    failed: list[str] = []
    _write_marker(path, failed)
    for suffix in DATABASE_SUFFIXES:
        _erase_salts(path.with_name(path.name + suffix), suffix, failed)
    _flush_folder(path.parent)
    for name in _files(path):
        _attempt(failed, name, overwrite, name)
    if close is not None:
        with contextlib.suppress(Exception):  # the pages are noise now; SQLite may say so
            close()
    for name in _files(path):  # what closing left or wrote, overwritten again, then removed
        _attempt(failed, name, shred, name)
    _attempt(failed, path.parent, retire_local_server, path.parent)
    if link is not None:  # a name for the vault, gone with it
        _attempt(failed, link, Path.unlink, link)
    if not failed:
        _attempt(failed, marker(path), shred, marker(path))
        _flush_folder(path.parent)
    return list(dict.fromkeys(failed))


def finish_interrupted_wipe(path: Path) -> list[str] | None:
    """If a wipe of the vault at ``path`` began and did not end, finish it: the files that
    could not be removed ([] when all went), or None when no wipe was under way."""
    if not marker(Path(os.path.realpath(path))).exists():
        return None
    return wipe_files(path)


def _files(path: Path) -> list[Path]:
    """The vault's files, and those of its creation's scratch name (a second name of the vault
    when a creation was killed at the end, :func:`kimdesk.vault.creation.drop_second_name`)."""
    scratch = scratch_path(path)
    return [base.with_name(base.name + suffix) for base in (path, scratch)
            for suffix in DATABASE_SUFFIXES]


def _attempt(failed: list[str], name: Path, step: Callable[[Path], object], arg: Path) -> None:
    try:
        step(arg)
    except OSError:
        failed.append(str(name))


def _write_marker(path: Path, failed: list[str]) -> None:
    flag = marker(path)
    try:
        fd = os.open(flag, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
        try:
            os.write(fd, b"KIMdesk: this vault is being wiped (device revoked)\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        failed.append(str(flag))


def _erase_salts(name: Path, suffix: str, failed: list[str]) -> None:
    """Random bytes over every copy of the salt in this file: the start of the vault and of the
    re-key copy, the start of each page-1 frame in a log; a rollback journal (small, and its
    records hold original pages) entirely. The shared-memory index (``-shm``) holds no page."""
    try:
        if suffix.endswith("-journal"):
            overwrite(name)
            return
        spots = (_page_one_frames(name) if suffix.endswith("-wal")
                 else [0] if suffix in _HEADED else [])
        if not spots:
            return
        fd = os.open(name, os.O_WRONLY)
    except FileNotFoundError:
        return
    except OSError:
        failed.append(str(name))
        return
    try:
        for offset in spots:
            os.pwrite(fd, os.urandom(SALT_BYTES), offset)
        os.fsync(fd)
    except OSError:
        failed.append(str(name))
    finally:
        os.close(fd)


def _page_one_frames(wal: Path) -> list[int]:
    """Offsets of the page data of every frame of page 1 in a write-ahead log (SQLite's WAL
    format: a 32-byte header with the page size at byte 8, then frames of a 24-byte header,
    whose first 4 bytes are the page number, and the page)."""
    with wal.open("rb") as fh:
        head = fh.read(_WAL_HEADER)
        if len(head) < _WAL_HEADER:
            return []
        page = int.from_bytes(head[8:12], "big")
        if page < 512 or page > 65536:  # not a log (overwritten already): the overwrite follows
            return []
        spots = []
        offset = _WAL_HEADER
        size = wal.stat().st_size
        while offset + _FRAME_HEADER + page <= size:
            fh.seek(offset)
            if int.from_bytes(fh.read(4), "big") == 1:
                spots.append(offset + _FRAME_HEADER)
            offset += _FRAME_HEADER + page
    return spots


def _flush_folder(folder: Path) -> None:
    """The folder's entries to disk: the marker's creation, the files' removal."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
