"""``kimdesk server run | enroll-code | revoke | devices | publish``: the administrator's
commands (a contract: municipal IT scripts them)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kimdesk import config
from kimdesk.cli.common import Subcommands, iso_date
from kimdesk.cli.serverdb import (
    bound_socket,
    database_faults,
    open_engine,
    port_number,
    read_json_file,
    team_name,
)
from kimdesk.i18n import gettext as _
from kimdesk.i18n import ngettext

if TYPE_CHECKING:
    from kimdesk.server.service import SyncService


def _db(args: argparse.Namespace) -> str:
    """``--db``, else ``KIMDESK_SERVER_DB``, else a SQLite file in the working folder."""
    from kimdesk.server.db import DEFAULT_DB_URL

    return str(args.db or config.load().server_db or DEFAULT_DB_URL)


def _service(args: argparse.Namespace) -> SyncService:
    """The database of ``--db``, connected once (a stopped or wrong one is said in one line,
    :mod:`kimdesk.cli.serverdb`) and at the newest schema."""
    from kimdesk.server.migrate import upgrade
    from kimdesk.server.service import SyncService

    engine = open_engine(_db(args))
    upgrade(engine)
    return SyncService(engine)


def register(sub: Subcommands) -> None:
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
                      help=_("team the device will belong to"))
    code.set_defaults(func=cmd_enroll_code)

    revoke = ssub.add_parser("revoke", help=_("revoke a device (it wipes its vault)"))
    db_option(revoke)
    revoke.add_argument("device", metavar="DEVICE", help=_("device id"))
    revoke.set_defaults(func=cmd_revoke)

    devices = ssub.add_parser("devices", help=_("list enrolled devices"))
    db_option(devices)
    devices.set_defaults(func=cmd_devices)

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


@database_faults
def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from kimdesk.server.app import create_app

    host = args.host
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if not loopback and not config.load().behind_tls_proxy:
        # Plain HTTP leaves loopback only behind a TLS-terminating reverse proxy
        # (docs/sync-protocol.md); the administrator confirms that with the variable.
        print(_("kimdesk: plain HTTP only on loopback; put a TLS reverse proxy in front and set "
                "KIMDESK_BEHIND_TLS_PROXY=1"), file=sys.stderr)
        return 2
    from kimdesk.server.embedded import uvicorn_config
    from kimdesk.server.retention import DailyRetention

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
    server = uvicorn.Server(uvicorn_config(app, proxy_headers=not loopback))
    daily = DailyRetention(app.state.engine).start()  # Löschfristen at start, then daily
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
    from kimdesk.server.retention import apply

    result = apply(_service(args).engine, args.today or date.today())
    print(_("Deleted: {cases} cases, {persons} persons; kept under a legal hold: {held}.").format(
        cases=result.deleted_cases, persons=result.deleted_persons, held=result.held))
    return 0


@database_faults
def cmd_enroll_code(args: argparse.Namespace) -> int:
    code = _service(args).create_enroll_code(args.team)
    print(_("One-time enrollment code for team {team} (valid 7 days):").format(team=args.team))
    print(code)
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
def cmd_publish(args: argparse.Namespace) -> int:
    data = read_json_file(args.file)
    version = _service(args).publish_reference(args.kind, args.key, data, team=args.team)
    print(_("Published {kind} {key}, version {version}.").format(
        kind=args.kind, key=args.key, version=version))
    return 0
