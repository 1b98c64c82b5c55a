"""Exceptions in the server's log with their traceback but without their text.

A database error's text can quote the data it failed on: PostgreSQL's ``CONTEXT`` line of a
failed ``COPY`` holds the row (a record's JSON: names, notes), and SQLAlchemy adds a
statement's parameters (the engine hides those too: ``hide_parameters`` in
:func:`kimdesk.server.db.make_engine`).
The server's log goes to municipal IT, not to the people allowed to read case files, so an
exception is logged with where it happened and its type, never its message (found by a review
that read the log after a failed push on PostgreSQL).
"""

from __future__ import annotations

import logging
import traceback

#: The loggers that log exceptions with a traceback: uvicorn's, for an error in a request. (The
#: project's own code logs an exception's type only, e.g. the daily Löschfrist run; a filter
#: would have to sit on each of its loggers, as a logger's filter does not reach its children.)
LOGGERS = ("uvicorn.error",)


class WithoutExceptionText(logging.Filter):
    """Replaces a record's exception text with its traceback and type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, trace = record.exc_info
            record.exc_text = ("Traceback (most recent call last):\n"
                               + "".join(traceback.format_tb(trace))
                               + f"{kind.__module__}.{kind.__qualname__}"
                               " (its text is not logged: it may quote a record)")
        return True


def install() -> None:
    """Add the filter to :data:`LOGGERS` (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutExceptionText) for f in logger.filters):
            logger.addFilter(WithoutExceptionText())
