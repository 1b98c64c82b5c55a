"""Statistical remains of purged cases (*statistische Restdaten*): what a purged case leaves so
that the indicator counts of past reporting periods do not change when the Löschfrist deletes it
(issue 13; docs/privacy.md, "Statistics after a purge").

A case that the statistics counted (not tombstoned) leaves one ``stats_cases`` row and a few
``stats_events`` rows, written in the purge's own transaction; nothing else of it stays:

- no name, no id, no case number, no note, no free text of any kind;
- dates to the month only (opened, closed, each consultation's and referral's month); the
  duration band is computed from the exact dates before they go;
- the birth date reduced to its month (a birth year alone stays a year): the age at the end of
  a month, a quarter or a year is the same either way, because each of them ends on a month's
  last day;
- the first nationality reduced to its world region (the only use the statistics have for it);
- the person as a number: the living person's local ``persons.seq`` while they still have a
  case (so that a person counts once in a cell where an old and a current case of theirs meet),
  an opaque negative number once the person is purged too (so a new person who later gets the
  same local row number is never taken for them).

The tables are local: they do not sync (every device purges the same cases from the same
records and writes the same remains), are not in the search index and hold nothing a person can
be found by. The statistics read them beside the live records
(:mod:`kimdesk.vault.statsqueries`, :mod:`kimdesk.stats.casecount`).

What does change: a free span that ends in the middle of a month (``2026-01-01..2026-06-15``)
counts remains by whole months, and the people behind a structural gap whose case was purged
(the gap stays, without its case) count separately.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.domain.codes import AgencyType
from kimdesk.stats.categories import OUTREACH
from kimdesk.stats.regions import region_of

if TYPE_CHECKING:
    from kimdesk.vault.connection import Connection
    from kimdesk.vault.vault import Vault


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


def _in(codes: tuple[str, ...]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


#: Counted cases among the ones being purged, with what their remains keep (the duration band
#: is that of :func:`kimdesk.stats.categories.band_duration`, on the exact dates).
_CASES_SQL = """
SELECT coalesce(c.municipality, ''), p.seq, substr(c.opened_on, 1, 7), substr(c.closed_on, 1, 7),
       c.closure_reason,
       CASE WHEN c.closed_on IS NULL THEN NULL WHEN months < 3 THEN 'under_3m'
            WHEN months < 6 THEN '3_6m' WHEN months < 12 THEN '6_12m' ELSE '12m_plus' END,
       CASE WHEN p.birth_date > '' THEN substr(p.birth_date, 1, 7) END,
       CASE WHEN p.birth_date > '' THEN NULL ELSE p.birth_year END,
       p.gender, json_extract(p.nationalities, '$[0]'), p.residence_status,
       coalesce(c.rechtskreise, '[]'), coalesce(c.handlungsfelder, '[]')
FROM (SELECT *, (CAST(substr(closed_on, 1, 4) AS INTEGER) - CAST(substr(opened_on, 1, 4)
                 AS INTEGER)) * 12 + CAST(substr(closed_on, 6, 2) AS INTEGER)
                 - CAST(substr(opened_on, 6, 2) AS INTEGER)
                 - (substr(closed_on, 9, 2) < substr(opened_on, 9, 2)) AS months
      FROM cases WHERE id IN ({marks}) AND deleted = 0) c
JOIN persons p ON p.id = c.person_id AND p.deleted = 0
"""

#: Consultations per case and month, with those held outreach and with an interpreter.
_CONSULTATIONS_SQL = f"""
INSERT INTO stats_events (kind, month, municipality, person, n, outreach, interpreter)
SELECT 'consultation', substr(k.date, 1, 7), coalesce(c.municipality, ''), p.seq, count(*),
       sum(coalesce(k.place, '') IN ({_in(OUTREACH)})), sum(coalesce(k.interpreter_used, 0) <> 0)
FROM consultations k JOIN cases c ON c.id = k.case_id AND c.deleted = 0
JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE k.deleted = 0 AND k.case_id IN ({{marks}}) GROUP BY k.case_id, 2
"""

#: Referrals per case, month and receiving agency type (unknown types as ``other``).
_REFERRALS_SQL = f"""
INSERT INTO stats_events (kind, month, municipality, person, code, n)
SELECT 'referral', substr(r.referred_on, 1, 7), coalesce(c.municipality, ''), p.seq,
       CASE WHEN r.agency_type IN ({_in(tuple(a.value for a in AgencyType))}) THEN r.agency_type
            ELSE '{AgencyType.OTHER.value}' END, count(*)
FROM referrals r JOIN cases c ON c.id = r.case_id AND c.deleted = 0
JOIN persons p ON p.id = c.person_id AND p.deleted = 0
WHERE r.deleted = 0 AND r.case_id IN ({{marks}}) GROUP BY r.case_id, 2, 5
"""


def keep_remains(vault: Vault, case_ids: list[str], person_ids: list[str]) -> int:
    """Write the remains of ``case_ids`` (before they are deleted, inside the purge's
    transaction) and cut the link to each person of ``person_ids`` (purged with them). Returns
    the number of cases that left remains (tombstoned ones leave none: they were not counted)."""
    written = write_remains(vault.conn, case_ids)
    unlink_persons(vault, person_ids)
    return written


def write_remains(conn: Connection, case_ids: list[str]) -> int:
    """The remains of ``case_ids`` into ``stats_cases`` and ``stats_events`` of ``conn``, a
    vault's database (also the server's projection, :mod:`kimdesk.vault.statsprojection`:
    the server's purge leaves the same remains). Returns the number of cases that left some."""
    marks = _marks(case_ids)
    rows = conn.execute(_CASES_SQL.format(marks=marks), case_ids).fetchall()
    conn.executemany(
        "INSERT INTO stats_cases (municipality, person, opened, closed, closure_reason,"
        " duration, birth_month, birth_year, gender, region, residence_status, rechtskreise,"
        " handlungsfelder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row[:9], region_of(row[9]), *row[10:]) for row in rows])
    conn.execute(_CONSULTATIONS_SQL.format(marks=marks), case_ids)
    conn.execute(_REFERRALS_SQL.format(marks=marks), case_ids)
    return len(rows)


def unlink_persons(vault: Vault, person_ids: list[str]) -> None:
    """Cut the link between remains and persons about to be purged."""
    if not person_ids:
        return
    for (seq,) in vault.conn.execute(
            f"SELECT seq FROM persons WHERE id IN ({_marks(person_ids)})", person_ids).fetchall():
        _unlink(vault, seq)


def _unlink(vault: Vault, seq: int) -> None:
    """Give a purged person's remains a key no living person has or will have: below every key
    the remains hold (live persons are numbered from 1 upwards)."""
    conn = vault.conn
    key = conn.execute(
        "SELECT min(0, coalesce((SELECT min(person) FROM stats_cases), 0),"
        " coalesce((SELECT min(person) FROM stats_events), 0)) - 1").fetchone()[0]
    for table in ("stats_cases", "stats_events"):
        conn.execute(f"UPDATE {table} SET person = ? WHERE person = ?", (key, seq))


def remains_of(vault: Vault, person_id: str) -> dict[str, list[dict[str, object]]]:
    """The remains still linked to a living person (their purged cases while another case of
    theirs stays): part of their Auskunft (Art. 15 DSGVO), since the link makes them personal."""
    found = vault.conn.execute("SELECT seq FROM persons WHERE id = ?", (person_id,)).fetchone()
    out: dict[str, list[dict[str, object]]] = {"cases": [], "events": []}
    if found is None:
        return out
    for table, key in (("stats_cases", "cases"), ("stats_events", "events")):
        cursor = vault.conn.execute(f"SELECT * FROM {table} WHERE person = ? ORDER BY seq",
                                    (found[0],))
        names = [d[0] for d in cursor.description]
        out[key] = [{n: v for n, v in zip(names, row, strict=True) if n not in ("seq", "person")}
                    for row in cursor]
    return out
