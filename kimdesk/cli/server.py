"""``kimdesk server run | enroll-code | revoke | devices | orphans | publish | retention |
subject-export | audit | staff``: the administrator's commands (a contract: municipal IT scripts
them; ``audit`` in :mod:`kimdesk.cli.server_audit`, ``staff`` and what ``enroll-code`` does in
:mod:`kimdesk.cli.server_staff`)."""

from __future__ import annotations

import argparse
import functools
import json
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimdesk import config
from kimdesk.cli.common import Subcommands, UsageError, iso_date, output_path, whole_number
from kimdesk.errors import KimdeskError, validation_text
from kimdesk.i18n import N_, ngettext
from kimdesk.i18n import gettext as _
from kimdesk.server import LAST_SEEN_MINUTES

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kimdesk.server.service import SyncService


# -- the database, file and port, each refused in one translated line ----------------------------
# Why (an administrator's review, 2026-12-06): every ``kimdesk server`` command met a database
# that was stopped, a URL with a typo, a missing role or database, a port already taken or an
# unreadable JSON file with a Python traceback of 30 to 120 lines, whose last line named the
# library, not the fix; ``server run`` printed its "listening" banner before it failed to bind.
# Municipal IT scripts these commands and reads their output in a unit's journal, so each of
# these now says what is wrong and what to check, and exits non-zero.
#
# What is shown: a connection failure's own first line (refused, no such role or database: the
# driver's words, said before any statement ran, so they can quote no record), the URL without
# its password. Any later database fault is named by its code only
# (:func:`kimdesk.server.outage.diagnosis`), never by its text, which may quote a record
# (docs/privacy.md, "Server log"); a fault that is no outage is a bug and keeps its traceback.

#: What the fix of a database problem is, said in every such message.
_WHERE = N_("Check that the database is running and that --db (or KIMDESK_SERVER_DB) names "
            "the right host, port, database and user (SQLite: a file in a folder that exists).")


class ServerDatabaseError(KimdeskError):
    """The server's database cannot be used now (stopped, unreachable, refused the login)."""

    def translated_with(self, params: dict[str, Any]) -> str:
        return super().translated_with(params) + " " + _(_WHERE)


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


# -- the commands ----------------------------------------------------------------------------
def _db(args: argparse.Namespace) -> str:
    """``--db``, else ``KIMDESK_SERVER_DB``, else a SQLite file in the working folder."""
    from kimdesk.server.db import DEFAULT_DB_URL

    return str(args.db or config.load().server_db or DEFAULT_DB_URL)


def _service(args: argparse.Namespace) -> SyncService:
    """The database of ``--db``, connected once (a stopped or wrong one is said in one line,
    below) and at the newest schema."""
    from kimdesk.server.migrate import upgrade
    from kimdesk.server.service import SyncService

    engine = open_engine(_db(args))
    upgrade(engine)
    return SyncService(engine)


def register(sub: Subcommands, extra: Sequence[Callable[..., None]] = ()) -> None:
    """``extra``: registrars of further server commands in modules of their own (areas import
    no other area: kimdesk/cli/entry.py hands them in), each called with the server's
    subcommands, ``--db`` and this module (its database opener and fault wrapper)."""
    server = sub.add_parser("server", help=_("run and administer the sync server"))
    ssub = server.add_subparsers(dest="server_command", metavar="COMMAND", required=True)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=None,
                       help=_("database URL (default: $KIMDESK_SERVER_DB or "
                              "sqlite:///kimdesk-server.db)"))

    run = ssub.add_parser("run", help=_("start the sync server"))
    db_option(run)
    run.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
    run.add_argument("--port", type=port_number, default=8765, help=_("port to listen on"))
    run.set_defaults(func=cmd_run)

    code = ssub.add_parser("enroll-code", help=_("create a one-time enrollment code for a team"))
    db_option(code)
    code.add_argument("--team", required=True, type=team_name,
                      help=_("team the device will belong to"))  # --staff: server_staff

    revoke = ssub.add_parser("revoke", help=_("revoke a device (it wipes its vault)"))
    db_option(revoke)
    revoke.add_argument("device", metavar="DEVICE", help=_("device id"))
    revoke.set_defaults(func=cmd_revoke)

    # what last_seen says: an administrator looks there for lost or unused laptops
    devices = ssub.add_parser("devices", help=_("list enrolled devices"), description=_(
        "Lists every device ever enrolled, one JSON object per line. last_seen is when the "
        "device last contacted the server (sending or receiving changes, or any other "
        "request), to within {minutes} minutes; null means no contact has been recorded "
        "yet.").format(minutes=LAST_SEEN_MINUTES))
    db_option(devices)
    devices.set_defaults(func=cmd_devices)

    orphans = ssub.add_parser(
        "orphans", help=_("list (or remove) records whose case or person the server does not "
                          "hold"),
        description=_("Lists the records whose case or person the server does not hold (a "
                      "server before 2026-12-06 accepted them; no device shows them), one per "
                      "line: team, kind, id and the missing link, never their content. With "
                      "--remove they are deleted with their history."))
    db_option(orphans)
    orphans.add_argument("--team", default=None, type=team_name,
                         help=_("only this team (default: every team)"))
    orphans.add_argument("--remove", action="store_true",
                         help=_("delete them (default: only list them)"))
    orphans.set_defaults(func=cmd_orphans)

    # the data-protection officer's Auskunft (Art. 15 DSGVO) of what the server holds
    export = ssub.add_parser(
        "subject-export",
        help=_("everything the server holds about one person (Art. 15 GDPR), as JSON"),
        description=_("Writes DIR/server-auskunft-<case number>.json (readable only by you) "
                      "with what the server holds about one person: the person, their cases "
                      "with every record on them, their consents, every earlier version, "
                      "conflicts, the stored receipts that name these records and the team's "
                      "devices. The server keeps no search index: give a person id, a case id "
                      "or a case number, not a name. Nothing in the database is changed; the "
                      "output names the file and counts, never content."))
    db_option(export)
    export.add_argument("person", metavar="PERSON",
                        help=_("person id, case id or case number (not a name)"))
    export.add_argument("-o", "--output", required=True, type=output_path, metavar="DIR",
                        help=_("folder for the JSON file"))
    export.add_argument("--team", default=None, type=team_name,
                        help=_("only this team (default: every team)"))
    export.set_defaults(func=cmd_subject_export)

    publish = ssub.add_parser("publish", help=_("publish reference data to the devices"))
    db_option(publish)
    publish.add_argument("--kind", required=True,
                         choices=["form", "codelist", "agency", "handout_template",
                                  "retention_policy"])
    publish.add_argument("--key", required=True, help=_("identifier of the item"))
    publish.add_argument("--team", default="", help=_("only for this team (default: all)"))
    publish.add_argument("file", type=Path, help=_("JSON file with the item"))
    publish.set_defaults(func=cmd_publish)

    retention = ssub.add_parser("retention", help=_("deletion periods on the server"))
    rsub = retention.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    for name, helptext, func in (
            ("plan", _("list the cases due for deletion and why"), cmd_retention_plan),
            ("apply", _("delete the cases that are due"), cmd_retention_apply)):
        p = rsub.add_parser(name, help=helptext)
        db_option(p)
        p.add_argument("--today", type=iso_date, default=None, metavar="DATE",
                       help=_("the day to plan for (default: today)"))
        p.set_defaults(func=func)
        if name == "apply":  # how long stored push receipts keep their content
            p.add_argument("--receipt-days", type=whole_number(1, 36_500), default=None,
                           metavar="N", help=_("empty stored push receipts older than N days "
                                               "(default: $KIMDESK_RECEIPT_DAYS or 30)"))
    for add in extra:  # server stats, server audit (given by the top: areas import no area)
        add(ssub, db_option, sys.modules[__name__])


#: The host names of this machine only: plain HTTP is served there without a TLS proxy.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def plain_http_refused(host: str) -> bool:
    """Whether plain HTTP on ``host`` is refused (the line said): off loopback only behind a TLS
    proxy (docs/sync-protocol.md), as the variable confirms. The sync server's and console's."""
    if host in LOOPBACK or config.load().behind_tls_proxy:
        return False
    print(_("kimdesk: plain HTTP only on loopback; put a TLS reverse proxy in front and set "
            "KIMDESK_BEHIND_TLS_PROXY=1"), file=sys.stderr)
    return True


@database_faults
def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from kimdesk.server.app import create_app

    host = args.host
    if plain_http_refused(host):
        return 2
    from kimdesk.server import log_setup
    from kimdesk.server.embedded import uvicorn_config
    from kimdesk.server.receipts import receipt_days
    from kimdesk.server.retention import DailyRetention

    days = receipt_days(config.load().receipt_days)  # a bad value refused before anything
    # stamped lines from the first one on (a schema migration logs while the app is made)
    log_config = log_setup.configure()
    # bound before the database is opened, listening only once uvicorn runs: a port in use is
    # said at once, and a proxy's connection is refused (not held) while the schema migrates
    sock = bound_socket(host, args.port)
    try:
        open_engine(_db(args)).dispose()  # a database that is down or wrong, said in one line
        app = create_app(_db(args))
    except BaseException:
        sock.close()
        raise
    print(_("KIMdesk sync server on http://{host}:{port}").format(host=host, port=args.port),
          flush=True)
    server = uvicorn.Server(uvicorn_config(app, proxy_headers=host not in LOOPBACK,
                                           log_config=log_config))
    # Löschfristen and old receipts at start, then daily
    daily = DailyRetention(app.state.engine, receipt_days=days).start()
    try:
        server.run(sockets=[sock])
    finally:
        daily.stop()
    return 0



@database_faults
def cmd_retention_plan(args: argparse.Namespace) -> int:
    from kimdesk.server.retention import server_plan

    today = args.today or date.today()
    verdicts = server_plan(_service(args).engine, today)
    count = 0
    for team, due in sorted(verdicts.items()):
        for v in due:
            action = _("hold") if v.action.value == "hold" else _("delete")
            print(f"{team}\t{v.case_number}\t{v.municipality}\t{v.due_on.isoformat()}\t"
                  f"{action}\t" + v.reason_text())
            count += 1
    print(ngettext("{n} case due on {day}.", "{n} cases due on {day}.", count).format(
        n=count, day=today.isoformat()))
    return 0


@database_faults
def cmd_retention_apply(args: argparse.Namespace) -> int:
    from kimdesk.server.audit_trail import Actor, admin
    from kimdesk.server.receipts import receipt_days
    from kimdesk.server.retention import apply

    days = args.receipt_days or receipt_days(config.load().receipt_days)
    result = apply(_service(args).engine, args.today or date.today(), days,
                   actor=(Actor.ADMIN, admin()))
    print(_("Deleted: {cases} cases, {persons} persons; kept under a legal hold: {held}.").format(
        cases=result.deleted_cases, persons=result.deleted_persons, held=result.held))
    print(ngettext("Stored push receipts older than {days} day emptied: {n}.",
                   "Stored push receipts older than {days} days emptied: {n}.",
                   days).format(days=days, n=result.receipts_emptied))
    return 0


@database_faults
def cmd_revoke(args: argparse.Namespace) -> int:
    if _service(args).revoke(args.device):
        print(_("Device {device} revoked.").format(device=args.device))
        return 0
    print(_("kimdesk: no active device {device}").format(device=args.device), file=sys.stderr)
    return 1


@database_faults
def cmd_devices(args: argparse.Namespace) -> int:
    for row in _service(args).list_devices():
        print(json.dumps(row, ensure_ascii=False))
    return 0


@database_faults
def cmd_orphans(args: argparse.Namespace) -> int:
    from kimdesk.server import orphans

    engine = _service(args).engine
    if args.remove:
        found = orphans.remove(engine, args.team)
    else:
        with engine.connect() as conn:
            found = orphans.find(conn, args.team)
    for o in found:
        print(f"{o.team}\t{o.kind}\t{o.id}\t{o.field}")
    message = (ngettext("{n} record removed whose case or person the server did not hold.",
                        "{n} records removed whose case or person the server did not hold.",
                        len(found)) if args.remove else
               ngettext("{n} record whose case or person the server does not hold.",
                        "{n} records whose case or person the server does not hold.",
                        len(found)))
    print(message.format(n=len(found)))
    return 0


@database_faults
def cmd_publish(args: argparse.Namespace) -> int:
    from pydantic import ValidationError as PydanticError

    data = read_json_file(args.file)
    try:
        version = _service(args).publish_reference(args.kind, args.key, data, team=args.team)
    except PydanticError as exc:  # an agency or retention policy that fails its model
        raise UsageError(N_("{file}: not published: {problem}"), file=str(args.file),
                         problem=validation_text(exc.errors()[0])) from None
    print(_("Published {kind} {key}, version {version}.").format(
        kind=args.kind, key=args.key, version=version))
    return 0


def _existing_database(url: str) -> str:
    """``url``, when it names a database that is there: SQLite creates a missing file on
    connect, and a read-only command must not leave an empty database where ``--db`` pointed
    by mistake. An empty file is no database either (SQLite would try to write its header)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # refused by open_engine, in its words
    path = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and path and path != ":memory:" \
            and not path.startswith("file:") \
            and (not Path(path).is_file() or Path(path).stat().st_size == 0):
        raise UsageError(N_("No server database at {path}. Check --db (or KIMDESK_SERVER_DB)."),
                         path=path)
    return url


#: What the Auskunft's summary counts, in its order (the keys of subject_access.counts).
_COUNTED = (("persons", N_("Person")), ("cases", N_("Cases")),
            ("case_records", N_("Records on the cases")), ("consents", N_("Consents")),
            ("earlier_versions", N_("Earlier versions")), ("conflicts", N_("Conflicts")),
            ("receipts", N_("Stored receipts naming these records")),
            ("recipients", N_("Devices of the team (recipients)")),
            ("deletions", N_("Deletion records")),
            ("deleted_records", N_("Record ids noted as deleted")),
            ("remains_of_deleted", N_("Versions and records still naming deleted ones")))


@database_faults
def cmd_subject_export(args: argparse.Namespace) -> int:
    """Read-only on the database (kimdesk/server/subject_lookup.py); the content goes into
    the file only, never to the terminal or a log."""
    from kimdesk.server import subject_access, subject_deleted, subject_lookup

    url = _existing_database(_db(args))
    writer = open_engine(url)  # the audit row first, in a transaction of its own
    try:
        subject_lookup.logged(writer, args.person, args.team)
    finally:
        writer.dispose()
    try:
        engine = open_engine(subject_lookup.read_only_url(url))
    except ServerDatabaseError as exc:  # named as given, not as the read-only URI
        exc.params["url"] = shown_url(url)
        raise
    try:
        with subject_lookup.read_only(engine) as conn:
            subject_lookup.check_schema(conn)
            subject = subject_lookup.resolve(conn, args.person, args.team)
            team = subject.team
            auskunft = subject_access.collect(
                conn, team, subject.person_id, purged_case=subject.purged_case, asked=args.person,
                server_id=subject_lookup.stored_server_id(conn))
    finally:
        engine.dispose()
    path = subject_access.write(auskunft, args.output)
    print(_("Auskunft from the server written to {path}").format(path=path))
    print(_("Team: {team}").format(team=team))
    statement = subject_deleted.said(auskunft)
    if statement:
        print(statement)
    found = subject_access.counts(auskunft)
    for key, label in _COUNTED:
        print(f"  {_(label)}: {found[key]}")
    return 0
