"""``kimdesk appointments list [--week] [--date D] [--json]`` and
``kimdesk appointments export --ics FILE [--case-number] [--name] [--place] [--reviews]``.

The names are a contract (README). ``list`` prints the day (or the ISO week) with the reviews due,
as the desktop's agenda shows it. ``export`` writes every appointment from today on as an
iCalendar file with only what the options add, as the desktop's export does (:mod:`kimdesk.ics`):
without options an event says "KIM appointment" and its time, nothing about the client.
"""

from __future__ import annotations

import argparse
from datetime import date

from kimdesk.cli.common import (
    Subcommands,
    add_vault_option,
    iso_date,
    open_vault,
    output_path,
    print_json,
)
from kimdesk.i18n import gettext

_ = gettext


def register(sub: Subcommands) -> None:
    p = sub.add_parser("appointments", help=_("list or export the next appointments"))
    inner = p.add_subparsers(dest="appointments_command", metavar="COMMAND", required=True)
    listing = inner.add_parser("list", help=_("the appointments and reviews due of a day or week"))
    listing.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD",
                         help=_("the day (default: today)"))
    listing.add_argument("--week", action="store_true", help=_("the whole week of that day"))
    listing.add_argument("--json", action="store_true", help=_("output JSON"))
    add_vault_option(listing)
    listing.set_defaults(func=cmd_list)
    export = inner.add_parser("export", help=_("write the appointments from today on as an "
                                               "iCalendar file (.ics)"))
    export.add_argument("--ics", type=output_path, required=True, metavar="FILE",
                        help=_("iCalendar file to write"))
    export.add_argument("--case-number", action="store_true",
                        help=_("put the case number into each entry"))
    export.add_argument("--name", action="store_true",
                        help=_("put the client's name into each entry"))
    export.add_argument("--place", action="store_true", help=_("put the place into each entry"))
    export.add_argument("--reviews", action="store_true",
                        help=_("add the reviews due as all-day entries"))
    add_vault_option(export)
    export.set_defaults(func=cmd_export)


def cmd_list(args: argparse.Namespace) -> int:
    from kimdesk.vault.appointments import APPOINTMENT, agenda, week_of

    day = args.date or date.today()
    first, last = week_of(day) if args.week else (day, day)
    vault = open_vault(args)
    try:
        entries = agenda(vault, first, last)
    finally:
        vault.close()
    rows = [{"kind": e.kind, "date": e.day.isoformat(), "time": e.time, "place": e.place,
             "case_number": e.case_number, "name": e.display_name} for e in entries]
    if args.json:
        print_json(rows)
        return 0
    for row, entry in zip(rows, entries, strict=True):
        what = _("Appointment") if entry.kind == APPOINTMENT else _("Review due")
        print("\t".join((row["date"], row["time"] or "     ", what, row["case_number"],
                         row["name"], row["place"])))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kimdesk.cli.common import UsageError
    from kimdesk.i18n import N_
    from kimdesk.ics import IcsChoice, calendar_bytes, write_ics
    from kimdesk.vault.appointments import agenda

    if args.ics.suffix.lower() != ".ics":
        raise UsageError(N_("The file name must end in .ics: {path}"), path=str(args.ics))
    choice = IcsChoice(title=_("KIM appointment"),
                       review_title=_("KIM review due") if args.reviews else "",
                       case_number=args.case_number, name=args.name, place=args.place)
    vault = open_vault(args)
    try:
        data = calendar_bytes(agenda(vault, date.today(), date(9999, 12, 31)), choice)
    finally:
        vault.close()
    write_ics(args.ics, data)
    print(args.ics)
    return 0
