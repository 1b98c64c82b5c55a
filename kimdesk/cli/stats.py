"""Statistics subcommands (a contract municipal IT scripts):

``kimdesk stats --from DATE --to DATE --format csv|json|xlsx|pdf -o PATH [--min-cell N]
[--method suppression|cell-key] [--internal]``
``kimdesk gaps --from DATE --to DATE --format csv|json|xlsx -o PATH [--with-descriptions]``
"""

from __future__ import annotations

import argparse
import sys

from kimdesk.cli.common import (
    MOST_MIN_CELL,
    Subcommands,
    add_vault_option,
    open_vault,
    output_path,
    period_and_format,
    period_options,
    statistics_options,
    statistics_period,
    whole_number,
)
from kimdesk.i18n import gettext

_ = gettext


def register(sub: Subcommands) -> None:
    p = sub.add_parser("stats", help=_("anonymised statistics for the Land's reporting"))
    add_vault_option(p)
    period_options(p)
    statistics_options(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("gaps", help=_("structural gaps for the Lenkungsgruppe, without persons"))
    add_vault_option(p)
    period_options(p)
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default=None,
                   help=_("output format (default: from the file name)"))
    p.add_argument("-o", "--output", required=True, type=output_path, metavar="PATH",
                   help=_("output file"))
    p.add_argument("--with-descriptions", action="store_true",
                   help=_("include the case managers' descriptions (names of the person removed)"))
    p.add_argument("--min-cell", type=whole_number(1, MOST_MIN_CELL), default=3,
                   metavar="N",
                   help=_("smallest number of people a published count may rest on (default 3)"))
    p.set_defaults(func=cmd_gaps)


def cmd_stats(args: argparse.Namespace) -> int:
    from kimdesk.stats import report_for_vault
    from kimdesk.stats.export import FORMATS
    from kimdesk.stats.published import publish, reexport_warning

    period = statistics_period(args, FORMATS)
    with open_vault(args) as vault:
        report = report_for_vault(vault, period, args.min_cell, internal=args.internal,
                                  method=args.method)
        path = publish(vault, report, args.output, args.format)
    print(_("Statistics written to {path}.").format(path=path))
    if report.reexport is not None:
        print(reexport_warning(report), file=sys.stderr)
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    from kimdesk.stats.gaps import write_gaps
    from kimdesk.vault.statsqueries import StatsQueries

    period = period_and_format(args, ("csv", "json", "xlsx"))
    with open_vault(args) as vault:
        path = write_gaps(StatsQueries.of(vault), period, args.output, args.format,
                          with_descriptions=args.with_descriptions, min_cell=args.min_cell)
        with vault.transaction():
            vault.audit.record("export", "structural_gaps",
                               detail=f"{args.format} {period.start}..{period.end}")
    print(_("Structural gaps written to {path}.").format(path=path))
    return 0
