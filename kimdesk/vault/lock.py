"""One process at a time per vault: an advisory OS lock on the vault file itself.

SQLite would let a second process open the same WAL database; two KIMdesk instances editing one
vault (and both syncing) would then race. ``flock`` (POSIX) / ``msvcrt.locking`` (Windows) locks are
released by the OS when a process dies, so a crash never leaves a stale lock behind, and they do not
interfere with SQLite's own byte-range locks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class ProcessLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        fd = os.open(self._path, os.O_RDONLY)
        try:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops flock / msvcrt locks
            self._fd = None
