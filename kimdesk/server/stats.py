"""The Kreis statistics from the server (``kimdesk server stats``; docs/planned.md section 5,
docs/statistics.md "Statistics from the server").

The server holds every team's records as JSON (``records.data``). They are projected into a vault
database in memory (:class:`kimdesk.vault.statsprojection.StatsProjection`) and counted there by
:func:`kimdesk.stats.build_report`, unchanged: one set of SQL for the device and the server, so the
disclosure control's attack tests cover both. The suppression pattern is computed once over the
whole table of every team and municipality selected, never per team and summed (a sum of
separately protected tables can be solved for the suppressed cells).

The cell-key method's secret is one per server (``server_meta``, created on first use, never
exported): the Kreis publishes one set of figures, and the same records get the same keys in
every export of this server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import db, published, remains
from kimdesk.server.subject_lookup import read_only
from kimdesk.stats import Report, build_report
from kimdesk.stats.cellkey import SECRET_META
from kimdesk.stats.period import Period
from kimdesk.vault.statsprojection import KINDS, StatsProjection

#: Records read from the database per fetch (streamed: the server never holds them all as text).
FETCH_ROWS = 5000


class UnknownTeam(KimdeskError):
    """``--team`` names no team of this server (a usage mistake: exit code 2)."""

    exit_code = 2

    def __init__(self, team: str, teams: str) -> None:
        super().__init__(N_("The server has no team {team}. Its teams are: {teams}."),
                         team=team, teams=teams)


class UnknownMunicipality(KimdeskError):
    """``--municipality`` names no municipality of the selected teams' cases or gaps."""

    exit_code = 2

    def __init__(self, municipality: str) -> None:
        super().__init__(N_("No case and no structural gap of the selected teams names the "
                            "municipality {municipality}. Check the spelling (as on the "
                            "cases)."), municipality=municipality)


@dataclass
class Selection:
    """What a server report counts: some teams (empty: every team) and some municipalities
    (empty: every one)."""

    teams: Sequence[str] = ()
    municipalities: Sequence[str] = ()
    #: the teams counted, filled in by :func:`report_for_server`
    counted: list[str] = field(default_factory=list)
    #: the server's recorded exports the report was computed against (the whole Kreis only;
    #: None for a selection), filled in likewise (:func:`kimdesk.server.published.publish`)
    exports: list[tuple[Any, ...]] | None = None


def cell_key_secret(engine: Engine) -> bytes:
    """The server's secret for the cell-key method's record keys (32 random bytes as hex in
    ``server_meta``), created on first use; two processes creating it at once agree on the first
    one written."""
    with engine.begin() as conn:
        row = conn.execute(select(db.server_meta.c.value)
                           .where(db.server_meta.c.key == SECRET_META)).first()
        if row:
            return bytes.fromhex(str(row[0]))
        value = secrets.token_hex(32)
        try:
            with conn.begin_nested():
                conn.execute(insert(db.server_meta).values(key=SECRET_META, value=value))
        except IntegrityError:
            return cell_key_secret(engine)
        return bytes.fromhex(value)


def server_teams(conn: Connection) -> list[str]:
    return sorted(str(n) for (n,) in conn.execute(select(db.teams.c.name)))


def _records(conn: Connection, kind: str, teams: Sequence[str]) -> Iterator[str]:
    """The current, not deleted records of ``kind`` of ``teams``, streamed, as JSON text."""
    r = db.records.c
    query = select(r.data).where(r.kind == kind, r.deleted.is_(False), r.team.in_(list(teams)))
    result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(query)
    for (data,) in result:
        yield str(data)


def project(engine: Engine, selection: Selection) -> StatsProjection:
    """The selected teams' records in a vault database in memory (the caller closes it);
    refuses an unknown team or municipality (:class:`UnknownTeam`,
    :class:`UnknownMunicipality`)."""
    # one snapshot (PostgreSQL: REPEATABLE READ), so that a push between two kinds' reads
    # cannot leave a case without its person; never SQLite's write lock
    with read_only(engine) as conn:
        known = server_teams(conn)
        for team in selection.teams:
            if team not in known:
                raise UnknownTeam(team=team, teams=", ".join(known) or "-")
        teams = sorted(set(selection.teams)) if selection.teams else known
        projection = StatsProjection()
        try:
            for kind in KINDS:
                projection.add_texts(kind, _records(conn, kind, teams))
            projection.add_remains(*remains.rows(conn, teams))
            if not selection.teams and not selection.municipalities:
                # what the server published of the whole Kreis (a selection's tables are others)
                selection.exports = published.recorded(conn)
                projection.add_exports(selection.exports)
        except BaseException:
            projection.close()
            raise
    selection.counted = teams
    if selection.municipalities:
        present = projection.municipalities()
        for name in selection.municipalities:
            if name not in present:
                projection.close()
                raise UnknownMunicipality(municipality=name)
        projection.keep_municipalities(selection.municipalities)
    return projection


def report_for_server(engine: Engine, period: Period, min_cell: int, selection: Selection, *,
                      server_id: str, internal: bool = False,
                      method: str = "suppression") -> Report:
    """:func:`build_report` over the selected records of the server, with ``source`` saying
    so (the JSON export's ``source``: kind "server", the server's id, the teams counted).

    A selection of teams or municipalities is always marked for internal use: subtracted
    from the whole Kreis's export of the same period it gives back the rest's cells of 1 or 2
    people (measured: 72 cells of the test's demo Kreis, docs/statistics.md, "Differencing
    two selections"). Only the whole Kreis is publishable."""
    internal = internal or bool(selection.teams or selection.municipalities)
    secret = cell_key_secret(engine) if method == "cell-key" else None
    with project(engine, selection) as projection:
        report = build_report(projection.queries(), period, min_cell, internal=internal,
                              method=method, secret=secret)
    report.source = {"kind": "server", "server_id": server_id, "teams": selection.counted,
                     "municipalities": sorted(selection.municipalities)}
    return report
