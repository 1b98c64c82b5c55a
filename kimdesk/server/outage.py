"""A database that is down, full, locked or out of connections is answered ``503``, not ``500``.

Why (a fault-injection review, 2026-12-06): every such fault went up to uvicorn as an unhandled
exception, so the device got ``500 Internal Server Error`` in plain text, the answer of a bug,
and the administrator's log got a 110-line traceback per request whose last line was
``sqlalchemy.exc.OperationalError (its text is not logged: it may quote a record)``: the same
line for a stopped PostgreSQL, a full disk, a file locked by another process and a lock wait,
so the log never said which. Now the device gets the protocol's error body with ``unavailable``
and a ``Retry-After`` (it keeps its changes and retries either way), and the log one line that
names the fault by its code (SQLSTATE, SQLite's error name), never by the error's text, which
may quote a record (:mod:`kimdesk.server.log_privacy`).

Only faults of the database's state count: a failed connection, a lock or statement timeout,
a shutdown, a full or read-only disk, a read-only database (a PostgreSQL standby: a server
process pointed at one serves pulls, and answers pushes 503; ``last_seen`` is then not written,
:func:`kimdesk.server.devices.mark_seen`), too many connections. Any other database error (a bug, a
schema another release wrote) stays a 500 with its traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

#: Seconds a device is asked to wait (it backs off on its own schedule; a proxy may read it).
RETRY_AFTER_S = 30

#: SQLite's errors of a database that is there but cannot be used now (``sqlite_errorname``
#: without its extended part), with what the administrator should look at.
SQLITE_FAULTS = {
    "SQLITE_BUSY": "the database file is locked (another process, or a long write)",
    "SQLITE_LOCKED": "the database file is locked (another process, or a long write)",
    "SQLITE_FULL": "the disk of the database file is full",
    "SQLITE_READONLY": "the database file or its folder cannot be written",
    "SQLITE_IOERR": "the disk reported an I/O error",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
    "SQLITE_PROTOCOL": "the database file is locked (another process, or a long write)",
}

#: PostgreSQL's SQLSTATEs (and classes, by their first two characters) of an outage.
PG_FAULTS = {
    "55P03": "a lock wait ran out (lock_timeout): a transaction elsewhere holds a team's row",
    "57014": "a statement was cancelled (statement_timeout or an administrator)",
    "57P01": "the database is shutting down or a backend was terminated",
    "57P02": "the database is shutting down or a backend was terminated",
    "57P03": "the database is starting up or cannot accept connections",
    # a hot standby (or default_transaction_read_only): reads are served, writes are not
    "25006": "the database is read-only (a standby replica?): point the server at the primary",
    # a role without the GRANTs of docs/deployment.md ("The audit trail"): a set-up fault the
    # administrator fixes, not bad input; before 2026-12-07 a command ended in a traceback
    "42501": "this database role lacks a privilege it needs (see the GRANTs in "
             "docs/deployment.md, \"The audit trail\")",
    "53": "the database is out of a resource (connections, memory, disk)",
    "08": "the connection to the database failed",
    "40": "a transaction was rolled back by the database (deadlock or serialisation)",
}


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception (SQLAlchemy wraps it; a ``COPY`` raises it bare)."""
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def error_code(exc: BaseException) -> str:
    """The driver's code of a database error, never its text (which may quote a value):
    PostgreSQL's SQLSTATE, SQLite's error name, else the exception's class name."""
    error = _driver_error(exc)
    code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
    return str(code or type(error).__name__)


def diagnosis(exc: BaseException) -> str | None:
    """What is wrong with the database, in words for the log (no error text), or ``None`` when
    the exception is not an outage."""
    if isinstance(exc, PoolTimeout):
        return ("every database connection of this process is in use (pool timeout): "
                "requests wait for a lock or a slow database")
    error = _driver_error(exc)
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(error, sqlite3.Error) and isinstance(name, str):
        hint = SQLITE_FAULTS.get("_".join(name.split("_")[:2]))  # SQLITE_IOERR_WRITE: IOERR
        return f"{hint} (SQLite {name})" if hint else None
    if type(error).__module__.split(".")[0] != "psycopg":
        return None
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is None:  # no server to answer: refused, unreachable, closed under us
        import psycopg

        if isinstance(error, psycopg.OperationalError):
            return f"no connection to the database ({type(error).__name__})"
        return None
    hint = PG_FAULTS.get(sqlstate) or PG_FAULTS.get(sqlstate[:2])
    return f"{hint} (PostgreSQL SQLSTATE {sqlstate})" if hint else None


def outage_types() -> tuple[type[Exception], ...]:
    """The exception classes that may be an outage (:func:`diagnosis` decides)."""
    types: list[type[Exception]] = [DBAPIError, PoolTimeout, sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the driver is a dependency
        pass
    else:
        types.append(psycopg.Error)
    return tuple(types)


def install(app: FastAPI) -> None:
    """Answer an outage 503 with the protocol's error body, and log it in one line.

    FastAPI and the protocol's models are imported here, not with the module: every ``kimdesk
    server`` command imports this module for :func:`diagnosis` (``database_faults``), and
    FastAPI alone took 0.24 of the 0.75 s a refused ``staff deactivate`` ran (import time)."""
    from fastapi.responses import JSONResponse

    from kimdesk.sync.protocol import ErrorBody, ErrorCode

    async def outage(request: Request, exc: Exception) -> JSONResponse:
        what = diagnosis(exc)
        if what is None:
            raise exc  # a bug: uvicorn logs it with its traceback and answers 500
        log.warning("database unavailable: %s; %s %s answered 503, the device keeps its "
                    "changes and retries", what, request.method, request.url.path)
        body: dict[str, Any] = ErrorBody(
            error=ErrorCode.UNAVAILABLE,
            detail="the server's database is unavailable; try again later",
        ).model_dump(exclude_none=True)
        return JSONResponse(body, status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_S)})

    for kind in outage_types():
        app.add_exception_handler(kind, outage)
