"""The case list's query: filters, sort order and search turned into SQL (no Qt here).

The list view must scroll 200,000 cases without loading them, yet stay sortable by any column and
filterable. So a query runs in two steps on the database worker:

1. :func:`matching_seqs` returns only the ``seq`` numbers of every matching case, in display order
   (a few milliseconds even for 200k rows: integers, no row decoding);
2. :func:`fetch_rows` fetches the visible page's rows by ``seq`` when the view asks for them.

The model keeps the ``seq`` list (about 8 bytes per case), so scrolling anywhere costs one indexed
lookup of one page; ``OFFSET`` paging would re-scan from the top on every page.

This reads the vault's tables directly, read-only, through a connection the worker owns. It would
sit better in :mod:`kimdesk.vault` (``Vault.search`` has no filters or sort keys yet); moving it
there is noted in docs/gui.md.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kimdesk.vault.search import match_expression
from kimdesk.vault.vault import SUMMARY_SQL, CaseSummary

#: Columns of the case list, in display order: key, SQL sort expression.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_number", "c.case_number"),
    ("name", "p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE"),
    ("name_latin", "p.family_name_latin COLLATE NOCASE, p.given_name_latin COLLATE NOCASE"),
    ("phase", "CASE c.phase WHEN 'erstkontakt' THEN 0 WHEN 'assessment' THEN 1"
              " WHEN 'hilfeplanung' THEN 2 WHEN 'umsetzung' THEN 3 ELSE 4 END"),
    ("owner", "c.owner COLLATE NOCASE"),
    ("opened_on", "c.opened_on"),
    ("review_on", "c.review_on IS NULL, c.review_on"),
)

ROW_SQL = SUMMARY_SQL.replace("SELECT ", "SELECT c.seq, ", 1)


#: One displayed line of the case list: the vault's own search summary.
CaseRow = CaseSummary


@dataclass(frozen=True)
class CaseFilter:
    """What the user asked the list to show. ``scope``: ``all``, ``mine`` or ``team``."""

    text: str = ""
    phase: str = ""
    rechtskreis: str = ""
    handlungsfeld: str = ""
    scope: str = "all"
    needs_review: bool = False
    sort_column: int = -1  # -1: newest first
    descending: bool = False
    me: str = ""
    team: str = ""
    today: date = field(default_factory=date.today)


def build_sql(flt: CaseFilter) -> tuple[str, list[Any]]:
    """The ``SELECT c.seq ...`` statement and its parameters for a filter."""
    where = ["c.deleted = 0"]
    params: list[Any] = []
    join_person = False
    expression = match_expression(flt.text)
    if expression is not None:
        where.append("c.seq IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)")
        params.append(expression)
    if flt.phase == "open":
        where.append("c.phase != 'abschluss'")
    elif flt.phase:
        where.append("c.phase = ?")
        params.append(flt.phase)
    if flt.rechtskreis:
        where.append("EXISTS (SELECT 1 FROM json_each(c.rechtskreise) WHERE value = ?)")
        params.append(flt.rechtskreis)
    if flt.handlungsfeld:
        where.append("EXISTS (SELECT 1 FROM json_each(c.handlungsfelder) WHERE value = ?)")
        params.append(flt.handlungsfeld)
    if flt.scope == "mine":
        where.append("c.owner = ?")
        params.append(flt.me)
    elif flt.scope == "team":
        where.append("c.team = ?")
        params.append(flt.team)
    if flt.needs_review:
        where.append("c.phase != 'abschluss' AND c.review_on IS NOT NULL AND c.review_on <= ?")
        params.append(flt.today.isoformat())
    if 0 <= flt.sort_column < len(COLUMNS):
        direction = " DESC" if flt.descending else ""
        key, expr = COLUMNS[flt.sort_column]
        order = ", ".join(part.strip() + direction for part in expr.split(","))
        join_person = key.startswith("name")
        order += ", c.seq DESC"
    else:
        order = "c.seq DESC"
        if expression is not None and len(where) == 2:
            # Text search alone, newest first: the full-text index answers by itself (it holds
            # no deleted cases), twice as fast as joining it back to the cases table.
            return ("SELECT rowid FROM case_search WHERE case_search MATCH ? ORDER BY rowid DESC",
                    [expression])
    source = "cases c JOIN persons p ON p.id = c.person_id" if join_person else "cases c"
    sql = f"SELECT c.seq FROM {source} WHERE {' AND '.join(where)} ORDER BY {order}"
    return sql, params


def matching_seqs(conn: Any, flt: CaseFilter) -> array[int]:
    """Every matching case's ``seq``, in display order."""
    sql, params = build_sql(flt)
    return array("q", (row[0] for row in conn.execute(sql, params)))


def fetch_rows(conn: Any, seqs: list[int]) -> dict[int, CaseRow]:
    """The rows for some ``seq`` numbers (one page), keyed by ``seq``."""
    if not seqs:
        return {}
    marks = ",".join("?" * len(seqs))
    rows = conn.execute(f"{ROW_SQL} WHERE c.seq IN ({marks})", seqs).fetchall()
    return {row[0]: CaseSummary(*row[1:]) for row in rows}


def total_cases(conn: Any) -> int:
    return int(conn.execute("SELECT count(*) FROM cases WHERE deleted = 0").fetchone()[0])
