"""``kimdesk server audit [--team T] [--case N] [--staff ID] [--from DATE] [--to DATE]`` and
``kimdesk server audit verify [--head HASH]``: the server's audit trail for the data-protection
officer (:mod:`kimdesk.server.audit_trail`).

A module of its own: :mod:`kimdesk.cli.server` is near the 500 lines a module may have. The
listing shows ids and counts (the trail holds nothing else); a row's subjects are counted by
kind, ``--case`` lists the rows that name the case or a record on it, and ``--staff`` the rows
of a staff member (their devices' enroll, push and pull rows; the administrators' rows adding
them, making a code for them and deactivating them): "what did the devices of staff member X
do, and when were they added or deactivated?" (docs/deployment.md, "Staff").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

from kimdesk.cli.common import UsageError, iso_date
from kimdesk.i18n import N_, ngettext
from kimdesk.i18n import gettext as _

#: The listing's columns, in order.
HEADINGS = (N_("Row"), N_("Time (UTC)"), N_("Actor"), N_("Action"), N_("Team"),
            N_("Subjects"), N_("Detail"))
#: Why ``verify`` failed, by :class:`kimdesk.server.audit_trail.Break` reason.
BROKEN = {
    "altered": N_("The audit trail is broken at row {seq}: the row was changed after it was "
                  "written."),
    "missing": N_("The audit trail is broken at row {seq}: rows before it were deleted."),
    # not "rows at its newest end were deleted" alone: rows rewritten with their hashes
    # computed again (the hash has no key) also lose the head (review of 2026-12-07)
    "head_missing": N_("The audit trail no longer contains the head {head} logged earlier: rows "
                       "at its newest end were deleted, or rows were rewritten and their hashes "
                       "computed again (it ends at row {last})."),
    # a team's chain cut or rewritten before the daily seal (revision 0008: a chain per team)
    "sealed": N_("The audit trail is broken: the daily seal at row {seq} names a row of a "
                 "team's chain that was deleted or rewritten since."),
}


def register(ssub: Any, db_option: Callable[[argparse.ArgumentParser], None],
             server: ModuleType) -> None:
    """Called by :func:`kimdesk.cli.server.register` with its subcommands, its ``--db`` option
    and :mod:`kimdesk.cli.server` itself, whose database opener (``_service``: connected once,
    at the newest schema) and fault wrapper (``database_faults``: a database outage in one
    line) it uses; an area imports no other area."""
    service: Callable[[argparse.Namespace], Any] = server._service
    faults: Callable[[Callable[[argparse.Namespace], int]],
                     Callable[[argparse.Namespace], int]] = server.database_faults
    audit = ssub.add_parser(
        "audit", help=_("show or verify the server's audit trail"),
        description=_("Lists the server's audit trail (who did what with whose data, as ids "
                      "and counts), oldest first; 'verify' checks its hash chain."))
    db_option(audit)
    audit.add_argument("what", nargs="?", choices=["verify"], metavar="verify",
                       help=_("check the chain instead of listing it"))
    audit.add_argument("--team", default=None, help=_("only this team"))
    audit.add_argument("--case", default=None, metavar="N",
                       help=_("only rows naming this case (number or id) or a record on it"))
    audit.add_argument("--staff", default=None, metavar="ID",
                       help=_("only rows of this staff member (an id from \"kimdesk server "
                              "staff list\"): their devices' and the administrators' about them"))
    audit.add_argument("--from", dest="since", type=iso_date, default=None, metavar="DATE",
                       help=_("from this day (UTC)"))
    audit.add_argument("--to", dest="until", type=iso_date, default=None, metavar="DATE",
                       help=_("up to and including this day (UTC)"))
    audit.add_argument("--head", default=None, type=head_hash, metavar="HASH",
                       help=_("with verify: a head hash from the server's log that must still "
                              "be in the chain"))
    run = faults(lambda args: cmd_audit(args, service))

    def checked(args: argparse.Namespace) -> int:
        # a typo in --db made an empty database and verified its empty trail (review of
        # 2026-12-07): refused first, as the read-only commands refuse it
        if args.since and args.until and args.until < args.since:  # listed 0 rows, exit 0
            raise UsageError(N_("The period ends before it starts."))
        if args.case is not None and not args.case.strip():  # listed every row
            raise UsageError(N_("--case needs a case number or id."))
        if args.staff is not None and not args.staff.strip():  # would list every row
            raise UsageError(N_("--staff needs a staff id."))
        server._existing_database(server._db(args))
        return run(args)

    audit.set_defaults(func=checked)


def head_hash(text: str) -> str:
    """An argparse type for ``--head``: a SHA-256 hash as the log writes it (64 hexadecimal
    digits; capitals and blanks around it forgiven), else a translated usage error. A head
    mistyped or copied short was checked as given and reported as rows deleted at the trail's
    newest end (exit code 1): a typo read as tampering (review of 2026-12-07)."""
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(
            _("not a head hash (64 hexadecimal digits, as the server's log writes it): "
              "{text}").format(text=text))
    return value


def cmd_audit(args: argparse.Namespace, service: Callable[[argparse.Namespace], Any]) -> int:
    engine = service(args).engine
    return _verify(args, engine) if args.what == "verify" else _list(args, engine)


def _verify(args: argparse.Namespace, engine: Any) -> int:
    from kimdesk.server import audit_trail, db

    with db.reading(engine) as conn:
        result = audit_trail.verify(conn, head=args.head)
    if result.broken is not None:
        print("kimdesk: " + _(BROKEN[result.broken.reason]).format(
            seq=result.broken.seq, head=args.head, last=result.rows), file=sys.stderr)
        return 1
    print(ngettext("Audit trail intact: {n} row, head {hash}.",
                   "Audit trail intact: {n} rows, head {hash}.", result.rows).format(
        n=result.rows, hash=result.head))
    return 0


def _list(args: argparse.Namespace, engine: Any) -> int:
    from kimdesk.server import audit_trail, db, staff

    since = args.since.isoformat() if args.since else None
    until = (args.until + timedelta(days=1)).isoformat() if args.until else None
    with db.reading(engine) as conn:
        # a staff id unknown here (or of another team than --team) is refused before anything
        # is read or logged: it listed no row, which reads as "their devices did nothing"
        member = staff.known(conn, args.staff, args.team) if args.staff is not None else None
        cases, ids = _case_ids(conn, args.case, args.team) if args.case else (set(), None)
        rows = audit_trail.read(conn, team=args.team, ids=ids, since=since, until=until,
                                staff=member)
    # Reading the trail is logged too, before anything is shown: "who looked up who received
    # case X" is itself an access to that case (before 2026-12-07 no row said so). The row
    # names the cases resolved, never what was typed (a case number is a value of a record);
    # if it cannot be written, nothing is listed. The staff member looked up is named among
    # the row's subjects, as the administrators' rows about them are (an employee's pseudonym,
    # not client data; never their name): ``detail.staff`` means the staff member *acting*
    # (a device's rows), so a listing must not put there the one it was about.
    subjects: dict[str, Any] = {"cases": cases}
    if member is not None:
        subjects["staff"] = [member]
    with engine.begin() as conn:
        audit_trail.append(conn, audit_trail.Actor.ADMIN, audit_trail.admin(),
                           audit_trail.Action.AUDIT_READ, args.team or audit_trail.SERVER_CHAIN,
                           subjects,
                           {"rows": len(rows), "team": args.team, "case": bool(args.case),
                            "staff": member is not None, "from": since, "to": until})
    print("\t".join(_(h) for h in HEADINGS))
    for r in rows:
        named = ", ".join(f"{kind} {len(found)}" for kind, found in r.subjects.items())
        print(f"{r.seq}\t{r.at}\t{r.actor_kind}:{r.actor_id}\t{r.action}\t{r.team}\t"
              f"{named or '-'}\t{json.dumps(r.detail, ensure_ascii=False, sort_keys=True)}")
    print(ngettext("{n} row.", "{n} rows.", len(rows)).format(n=len(rows)))
    return 0


def _case_ids(conn: Any, case: str, team: str | None) -> tuple[set[str], set[str]]:
    """The ids of the cases found (held or purged) by the case's id or number, and those with
    the ids of every record on them the server holds or held (current and earlier versions);
    a case the server no longer holds by its id as given (among the second only: it may be a
    number, which the audit row must not name)."""
    from kimdesk.server import db
    from kimdesk.server.purge import json_field, record_field
    from kimdesk.server.store import placeholder

    m = placeholder(conn)
    of_team, team_args = (f" AND team = {m}", (team,)) if team is not None else ("", ())
    found = {str(i) for (i,) in conn.exec_driver_sql(
        f"SELECT id FROM {db.records.name} WHERE kind = 'cases' AND (id = {m} OR"
        f" {json_field(conn, 'case_number')} = {m}){of_team}", (case, case, *team_args))}
    resolved = found or _purged_cases(conn, case, team)
    cases = resolved or {case.strip()}
    ids = set(cases)
    for cid in sorted(cases - found):  # purged: the records its own deletion purged with it
        ids.update(str(i) for (i,) in conn.exec_driver_sql(
            f"SELECT p.id FROM {db.purged.name} p JOIN {db.purged.name} c"
            f" ON c.deletion_id = p.deletion_id WHERE c.kind = 'cases' AND c.id = {m}"
            f" AND (SELECT COUNT(*) FROM {db.purged.name} o WHERE o.kind = 'cases'"
            f" AND o.deletion_id = c.deletion_id) = 1", (cid,)))
    for table, field in ((db.records.name, record_field(conn, "case_id")),
                         (db.history.name, json_field(conn, "case_id"))):
        for cid in sorted(cases):
            ids.update(str(i) for (i,) in conn.exec_driver_sql(
                f"SELECT id FROM {table} WHERE {field} = {m}", (cid,)))
    return resolved, ids


def _purged_cases(conn: Any, case: str, team: str | None) -> set[str]:
    """The ids of the purged cases ``case`` names by number: the server keeps only the number's
    keyed hash (``purged.case_key``, revision 0005), per team. Before (review of 2026-12-07)
    ``--case`` with the number of a purged case listed no row."""
    from kimdesk.server import db
    from kimdesk.server.purge import case_key
    from kimdesk.server.store import placeholder

    m = placeholder(conn)
    teams = [team] if team is not None else [str(t) for (t,) in conn.exec_driver_sql(
        f"SELECT DISTINCT team FROM {db.purged.name} WHERE case_key IS NOT NULL")]
    found: set[str] = set()
    for t in teams:
        key = case_key(conn, t, case)
        if key is not None:
            found.update(str(i) for (i,) in conn.exec_driver_sql(
                f"SELECT id FROM {db.purged.name} WHERE kind = 'cases' AND team = {m}"
                f" AND case_key = {m}", (t, key)))
    return found
