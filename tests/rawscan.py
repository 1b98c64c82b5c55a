"""Raw byte scans for personal data outside the vault, shared by the tests that look for it.

Regular files only: a scan of the whole temp folder met a FIFO another test (or process) had left
there and blocked on opening it until the test's timeout; sockets and devices are no files with
content either. Files of other processes come and go and may be unreadable: skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


def files_holding(root: Path, needles: Iterable[bytes], skip: Iterable[Path] = ()) -> list[Path]:
    """Every regular file under ``root`` (symlinks not followed) holding one of ``needles``,
    except those in ``skip``."""
    wanted, left_out = tuple(needles), set(skip)
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                if path in left_out or not stat.S_ISREG(path.lstat().st_mode):
                    continue
                raw = path.read_bytes()
            except OSError:  # another user's file, or gone meanwhile
                continue
            if any(n in raw for n in wanted):
                found.append(path)
    return found
