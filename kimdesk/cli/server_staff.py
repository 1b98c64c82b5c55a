"""``kimdesk server staff add --team T --name NAME``, ``staff list [--team T]``, ``staff
deactivate ID`` and ``kimdesk server enroll-code --team T [--staff ID]``: the people behind
devices (:mod:`kimdesk.server.staff`; docs/deployment.md, "Staff").

A contract: municipal IT scripts these. ``staff add`` prints the new id alone on its line
(``ID=$(kimdesk server staff add ...)``); ``staff list`` prints one JSON object per line, as
``devices`` does; ``enroll-code`` prints the code on its last line. A refused id, team or name
is one translated line on stderr and exit code 2; nothing is changed then.

A module of its own: :mod:`kimdesk.cli.server` is at the 500 lines a module may have. The
``enroll-code`` parser stays there (its place in ``kimdesk server --help``); its ``--staff``
option and what it runs are here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from kimdesk.i18n import gettext as _
from kimdesk.i18n import ngettext

Command = Callable[[argparse.Namespace], int]


def register(ssub: Any, db_option: Callable[[argparse.ArgumentParser], None],
             server: ModuleType) -> None:
    """Called by :func:`kimdesk.cli.server.register` with its subcommands, its ``--db`` option
    and :mod:`kimdesk.cli.server` itself (its database opener and fault wrapper; an area
    imports no other area)."""
    service: Callable[[argparse.Namespace], Any] = server._service
    faults: Callable[[Command], Command] = server.database_faults

    code = ssub.choices["enroll-code"]
    code.add_argument("--staff", default=None, metavar="ID",
                      help=_("the staff member the device will belong to (an id from "
                             "\"kimdesk server staff list\"; of the same team, active)"))
    code.set_defaults(func=faults(lambda args: cmd_enroll_code(args, service)))

    staff = ssub.add_parser(
        "staff", help=_("the staff members behind devices"),
        description=_("Adds, lists and deactivates the staff members of the teams. A staff "
                      "member's name is shown only by \"staff list\" and \"devices\"; the audit "
                      "trail and the log name the id."))
    ssub_staff = staff.add_subparsers(dest="staff_command", metavar="COMMAND", required=True)
    add = ssub_staff.add_parser("add", help=_("add a staff member to a team; prints the new id"))
    db_option(add)
    add.add_argument("--team", required=True, type=server.team_name,
                     help=_("the staff member's team"))
    add.add_argument("--name", required=True, metavar="NAME",
                     help=_("the name shown to administrators"))
    add.set_defaults(func=faults(lambda args: cmd_add(args, service)))
    listing = ssub_staff.add_parser(
        "list", help=_("list the staff members, one JSON object per line"))
    db_option(listing)
    listing.add_argument("--team", default=None, type=server.team_name,
                         help=_("only this team (default: every team)"))
    listing.set_defaults(func=faults(lambda args: cmd_list(args, service)))
    off = ssub_staff.add_parser(
        "deactivate", help=_("deactivate a staff member and revoke their devices (each wipes "
                             "its vault at its next contact)"))
    db_option(off)
    off.add_argument("staff_id", metavar="ID", help=_("staff id"))
    off.set_defaults(func=faults(lambda args: cmd_deactivate(args, service)))


def cmd_enroll_code(args: argparse.Namespace, service: Callable[[argparse.Namespace], Any]
                    ) -> int:
    from kimdesk.server import devices, staff

    staff.team_name(args.team)  # refused before the database is opened
    member = staff.staff_id(args.staff) if args.staff is not None else None
    code = devices.create_enroll_code(service(args).engine, args.team, staff_id=member)
    if member is None:
        print(_("One-time enrollment code for team {team} (valid 7 days):").format(
            team=args.team))
    else:
        print(_("One-time enrollment code for staff member {id} of team {team} (valid 7 "
                "days):").format(id=member, team=args.team))
    print(code)
    return 0


def cmd_add(args: argparse.Namespace, service: Callable[[argparse.Namespace], Any]) -> int:
    from kimdesk.server import staff

    staff.team_name(args.team)  # refused before the database is opened
    name = staff.display_name(args.name)
    print(staff.add(service(args).engine, args.team, name))
    return 0


def cmd_list(args: argparse.Namespace, service: Callable[[argparse.Namespace], Any]) -> int:
    from kimdesk.server import staff

    for row in staff.listing(service(args).engine, args.team):
        print(json.dumps(row, ensure_ascii=False))
    return 0


def cmd_deactivate(args: argparse.Namespace, service: Callable[[argparse.Namespace], Any]
                   ) -> int:
    from kimdesk.server import staff

    member = staff.staff_id(args.staff_id)  # refused before the database is opened
    _team, revoked = staff.deactivate(service(args).engine, member)
    print(_("Staff member {id} deactivated.").format(id=member))
    print(ngettext("{n} device of theirs revoked: it deletes its vault at its next contact "
                   "with the server.",
                   "{n} devices of theirs revoked: each deletes its vault at its next contact "
                   "with the server.", len(revoked)).format(n=len(revoked)))
    for device in revoked:
        print(device)
    return 0
