"""How ``kimdesk server run`` writes its log: standard error, one line per event, stamped with
the time unless systemd's journal takes the stream.

Under systemd (the unit in docs/deployment.md) the journal stamps every line itself, and a
second time stamp in the line only doubles it. Run any other way (a container, a terminal,
``nohup ... 2>> server.log``), a line without a time says nothing about when the database was
unavailable or the Löschfrist run failed: before 2026-12-07 every line came without one. systemd
tells a program that its standard error is the journal by ``JOURNAL_STREAM`` (``device:inode``
of that stream, ``systemd.exec(5)``); a program started from such a unit with its standard error
redirected elsewhere inherits the variable, so the stream itself is compared, not just the
variable's presence.

The lines themselves stay as documented (docs/deployment.md, "Logs and monitoring"): the time
is put in front, ISO 8601 with seconds and the UTC offset, nothing else changes. The project's
own loggers (``kimdesk.*``) had no handler at all (Python's last-resort handler printed the
bare message); uvicorn's keep their level prefix.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
from typing import IO, Any

#: In front of every line outside the journal: ``2026-12-07T08:15:02+0100`` (local time, as
#: uvicorn's own formatter keeps it, with the offset: the line is unambiguous either way).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def under_journal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (standard error) is the journal's stream systemd gave this process."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        stat = os.fstat((stream or sys.stderr).fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it (a test's capture)
        return False
    return expected == f"{stat.st_dev}:{stat.st_ino}"


def configure(stream: IO[str] | None = None) -> dict[str, Any]:
    """Send the project's log lines to ``stream`` (standard error), stamped unless it is the
    journal; returns uvicorn's logging configuration to match (for ``uvicorn.Config``)."""
    from uvicorn.config import LOGGING_CONFIG

    stamped = not under_journal(stream)
    prefix = "%(asctime)s " if stamped else ""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(prefix + "%(message)s", TIME_FORMAT))
    logger = logging.getLogger("kimdesk")
    for old in [h for h in logger.handlers if getattr(h, "kimdesk_server_log", False)]:
        logger.removeHandler(old)
    handler.kimdesk_server_log = True  # type: ignore[attr-defined]
    logger.addHandler(handler)  # the level stays the root's, WARNING, as before
    uvicorn_log = copy.deepcopy(LOGGING_CONFIG)
    for formatter in uvicorn_log["formatters"].values():
        formatter["fmt"] = prefix + formatter["fmt"]
        formatter["datefmt"] = TIME_FORMAT
    return uvicorn_log
