"""The server commands' database, file and port, each refused in one translated line.

Why (an administrator's review, 2026-12-06): every ``kimdesk server`` command met a database
that was stopped, a URL with a typo, a missing role or database, a port already taken or an
unreadable JSON file with a Python traceback of 30 to 120 lines, whose last line named the
library, not the fix; ``server run`` printed its "listening" banner before it failed to bind.
Municipal IT scripts these commands and reads their output in a unit's journal, so each of
these now says what is wrong and what to check, and exits non-zero.

What is shown: a connection failure's own first line (refused, no such role or database: the
driver's words, said before any statement ran, so they can quote no record), the URL without
its password. Any later database fault is named by its code only
(:func:`kimdesk.server.outage.diagnosis`), never by its text, which may quote a record
(docs/privacy.md, "Server log"); a fault that is no outage is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimdesk.cli.common import UsageError
from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:
    from sqlalchemy import Engine

_ = gettext

#: What the fix of a database problem is, said in every such message.
_WHERE = N_("Check that the database is running and that --db (or KIMDESK_SERVER_DB) names "
            "the right host, port, database and user (SQLite: a file in a folder that exists).")


class ServerDatabaseError(KimdeskError):
    """The server's database cannot be used now (stopped, unreachable, refused the login)."""

    def translated_with(self, params: dict[str, Any]) -> str:
        return super().translated_with(params) + " " + gettext(_WHERE)


def shown_url(url: str) -> str:
    """The URL as an administrator may see it in a message: without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing in it can be told from a password
        return url if ":" not in url and "@" not in url else "<URL>"


def _first_line(exc: BaseException) -> str:
    """The driver's own words for a failed connection (psycopg adds a hint on further lines)."""
    error = getattr(exc, "orig", None) or exc
    text = str(error).strip().splitlines()
    return text[0].removeprefix("connection failed: ") if text else type(error).__name__


def open_engine(url: str) -> Engine:
    """An engine for ``url`` that has connected once: a URL that is no database URL, a dialect
    or driver that is not installed, and a database that refuses or is not there are each
    refused here, before anything is done."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from kimdesk.server.db import make_engine

    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise UsageError(N_("Not a database URL the server can use: {url}. Use "
                            "postgresql+psycopg://USER@HOST:PORT/DATABASE or "
                            "sqlite:///PATH/TO/FILE.db."), url=shown_url(url)) from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise ServerDatabaseError(N_("Cannot connect to the server database {url}: {reason}."),
                                  url=shown_url(url), reason=_first_line(exc)) from None
    return engine


def database_faults(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace],
                                                                             int]:
    """A server command whose database fails midway says which fault (by its code) in one
    line; a fault that is no outage (a bug) keeps its traceback."""

    @functools.wraps(func)
    def wrapped(args: argparse.Namespace) -> int:
        from kimdesk.server.outage import diagnosis, outage_types

        try:
            return func(args)
        except outage_types() as exc:
            what = diagnosis(exc)
            if what is None:
                raise
            raise KimdeskError(N_("The server database failed: {what}. Run the command again "
                                  "once that is fixed."), what=what) from None

    return wrapped


def read_json_file(path: Path) -> Any:
    """A reference item's JSON file, or a message naming the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(N_("Cannot read {file}: {reason}."), file=str(path),
                         reason=exc.strerror or type(exc).__name__) from None
    except UnicodeDecodeError:
        raise UsageError(N_("{file} is not UTF-8 text."), file=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(N_("{file} is not valid JSON: {reason} (line {line}, column {column})."),
                         file=str(path), reason=exc.msg, line=exc.lineno,
                         column=exc.colno) from None


def port_number(text: str) -> int:
    """An argparse type: a TCP port 1-65535, else a translated usage error."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _("not a port number (1-65535): {text}").format(text=text))
    return port


def team_name(text: str) -> str:
    """An argparse type: a team's name, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("a team's name must not be empty"))
    return text


def bound_socket(host: str, port: int) -> socket.socket:
    """The listening socket of ``server run``, or a message naming the address and the fix."""
    from kimdesk.server.embedded import listen_socket

    try:
        return listen_socket(host, port)
    except OSError as exc:
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise UsageError(N_("Cannot listen on {host}:{port}: another process listens there "
                                "(another server process?). Stop it or choose another --port."),
                             host=host, port=port) from None
        raise UsageError(N_("Cannot listen on {host}:{port}: {reason}. Check --host and "
                            "--port."), host=host, port=port,
                         reason=exc.strerror or type(exc).__name__) from None
