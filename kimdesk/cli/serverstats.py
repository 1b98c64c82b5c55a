"""``kimdesk server stats --from DATE --to DATE -o FILE [--team T]... [--municipality M]...
[--format csv|json|xlsx|pdf] [--min-cell N] [--method suppression|cell-key] [--internal]
[--db URL]``: the Kreis statistics from the sync server (a contract municipal IT scripts; the
options are those of the device's ``kimdesk stats``, :mod:`kimdesk.cli.stats`).

In a module of its own (:mod:`kimdesk.cli.server` is near the 500-line limit): the top
(:mod:`kimdesk.cli.entry`) hands :func:`register` to ``server``'s, which calls it with its
subcommands, its ``--db`` option and itself (the module: its database helpers), since a command
area imports no other area (tests/test_config.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from kimdesk.cli.common import (
    Subcommands,
    UsageError,
    period_options,
    statistics_options,
    statistics_period,
)
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:
    from kimdesk.errors import FileError
    from kimdesk.stats import Report

_ = gettext


def register(ssub: Subcommands, db_option: Callable[[argparse.ArgumentParser], None],
             server: ModuleType) -> None:
    """``server stats`` among ``ssub``; ``server`` is :mod:`kimdesk.cli.server`."""
    p = ssub.add_parser(
        "stats", help=_("anonymised statistics of every team's cases on the server"),
        description=_("Writes the anonymised KIM statistics of the cases the server holds (of "
                      "every team, or of the teams and municipalities named), protected over the "
                      "whole table as the device's \"kimdesk stats\" protects them. Reads the "
                      "records only; names, identifiers and free text never reach the file."))
    db_option(p)
    period_options(p)
    statistics_options(p)
    p.add_argument("--team", dest="teams", action="append", default=[], type=server.team_name,
                   metavar="TEAM", help=_("only this team (repeatable; default: every team); "
                                           "for internal use only, with --internal"))
    p.add_argument("--municipality", dest="municipalities", action="append", default=[],
                   metavar="NAME",
                   help=_("only this municipality (repeatable; default: every one); "
                          "for internal use only, with --internal"))
    p.set_defaults(func=partial(cmd_server_stats, server=server))


def cmd_server_stats(args: argparse.Namespace, server: ModuleType) -> int:
    from kimdesk.stats.export import FORMATS

    period = statistics_period(args, FORMATS)
    if (args.teams or args.municipalities) and not args.internal:
        raise UsageError(N_("A selection of teams or municipalities is for internal use only "
                            "(add --internal): subtracted from the whole Kreis's export it "
                            "singles out people. The Land receives the whole Kreis."))
    _writable(args.output)
    server._existing_database(server._db(args))

    @server.database_faults
    def run(args: argparse.Namespace) -> int:
        from kimdesk.server.published import publish_current
        from kimdesk.server.stats import Selection, report_for_server
        from kimdesk.stats.published import reexport_warning

        service = server._service(args)

        def build() -> tuple[Report, Any]:
            selection = Selection(teams=args.teams, municipalities=args.municipalities)
            report = report_for_server(
                service.engine, period, args.min_cell, selection,
                server_id=service.server_id(), internal=args.internal, method=args.method)
            return report, selection.exports

        try:
            try:  # computed again if another export was recorded meanwhile
                report, path = publish_current(service.engine, build, args.output, args.format,
                                               partial(_audit_rows, args=args))
            except OSError as exc:  # the disk filled up meanwhile, or the like
                raise _usage(exc, args.output) from None
        finally:
            service.engine.dispose()
        print(_("Statistics written to {path}.").format(path=path))
        if report.reexport is not None:  # as the device's kimdesk stats says it
            print(reexport_warning(report), file=sys.stderr)
        return 0

    return run(args)


def _audit_rows(report: Report, args: argparse.Namespace) -> Callable[[Any, bool], None]:
    """The export's rows in the server's audit trail, one per team counted (so ``server audit
    --team T`` shows who counted T's cases), written with the export's record once the file is
    complete under its temporary name (:func:`kimdesk.server.published.publish`): period,
    method, threshold, format and whether it is internal; no figure, no municipality's name.
    ``withdrawn``: the file did not appear after all (a second row says so)."""
    from kimdesk.server import audit_trail

    source = report.source or {}
    detail: dict[str, Any] = {
        "period": f"{report.period.start}..{report.period.end}", "format": args.format,
        "method": args.method, "min_cell": args.min_cell, "internal": report.internal,
        "municipalities": len(source.get("municipalities") or [])}

    def rows(conn: Any, withdrawn: bool) -> None:
        for team in source.get("teams") or []:
            audit_trail.append(conn, audit_trail.Actor.ADMIN, audit_trail.admin(),
                               audit_trail.Action.STATS_EXPORT, str(team),
                               detail=detail | ({"withdrawn": True} if withdrawn else {}))

    return rows


def _writable(target: Path) -> None:
    """An output that cannot be written is refused before the records are read (a minute at
    200,000 cases), in one line with exit code 2: its folder is made as the device's ``stats``
    makes it (:func:`~kimdesk.vault.files.output_folder`), then a temporary file is tried
    there (and removed)."""
    import tempfile

    from kimdesk.errors import FileError
    from kimdesk.vault.files import output_folder

    try:
        if target.is_dir():
            raise FileError(target, N_("it is a folder"))
        folder = output_folder(target)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _usage(exc, target) from None


def _usage(exc: OSError, target: Path) -> FileError:
    """``exc`` as one translated line with the usage mistake's exit code 2."""
    from kimdesk.errors import FileError

    class Unwritable(FileError):
        exit_code = 2

    if isinstance(exc, FileError):
        return Unwritable(exc.params["path"], exc.params["reason"], exc.message)
    return Unwritable.of(exc, target)
