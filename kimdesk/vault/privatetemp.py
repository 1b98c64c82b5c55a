"""Python's temporary files in a folder of KIMdesk's own, emptied of what a killed process left.

Libraries write temporary files that KIMdesk does not name: openpyxl writes each sheet of an
XLSX export (the statistics, the structural gaps with their descriptions) to a file of
``tempfile``'s and deletes it when the workbook is done. A process killed in between left that
file in ``/tmp`` (0600, on disk, until the system cleans ``/tmp`` days later; found by a review of
the traces a counselor's day leaves, 2026-12-06).

So :func:`use_private_temp` points ``tempfile``'s default folder (``tempfile.tempdir``, the
module's documented switch) at a folder of this process inside the user's runtime folder:
``$XDG_RUNTIME_DIR/KIMdesk/<pid>`` on Linux, a tmpfs of the user's own that never reaches the disk
and is emptied at logout (elsewhere the platform's equivalent, or the data folder; see
:func:`kimdesk.config.temp_base`). Each process holds a lock on its folder; the next start of
KIMdesk overwrites and removes the folders whose lock nobody holds any more. The environment's
``TMPDIR`` is left alone: programs KIMdesk starts and Qt keep theirs.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from kimdesk.vault.files import private_dir, shred
from kimdesk.vault.lock import ProcessLock

LOCK_NAME = ".lock"
#: The lock of this process's folder, held until the process ends (module level: never collected).
_held: list[ProcessLock] = []


def use_private_temp(base: Path) -> Path | None:
    """Make a 0700 folder of this process under ``base`` the default of ``tempfile``, after
    removing the folders of processes that ended; returns it (None when ``base`` cannot be
    made: ``tempfile`` then keeps its default, as before)."""
    try:
        private_dir(base)
        own = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))  # 0700
        (own / LOCK_NAME).touch(mode=0o600)
        lock = ProcessLock(own / LOCK_NAME)
        if not lock.acquire():  # pragma: no cover - a new folder nobody else knows
            return None
    except OSError:
        return None
    _held.append(lock)
    remove_left_behind(base, keep=own)
    tempfile.tempdir = str(own)
    atexit.register(_remove, own)
    return own


def remove_left_behind(base: Path, keep: Path | None = None) -> int:
    """Overwrite and remove the folders under ``base`` whose process ended (their lock is free);
    returns how many. A folder still being set up (no lock file yet) is left for next time."""
    removed = 0
    with contextlib.suppress(OSError):
        for folder in base.iterdir():
            if folder == keep or not folder.is_dir() or folder.is_symlink():
                continue
            lock = ProcessLock(folder / LOCK_NAME)
            try:
                free = lock.acquire()
            except OSError:  # no lock file
                continue
            if free:
                lock.release()
                _remove(folder)
                removed += 1
    return removed


def _remove(folder: Path) -> None:
    """Each file overwritten before it is unlinked (:func:`kimdesk.vault.files.shred`): it may
    have held a sheet in plaintext; then the folder."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                with contextlib.suppress(OSError):
                    shred(path)
    shutil.rmtree(folder, ignore_errors=True)
