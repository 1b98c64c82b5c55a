"""The case list's query: filters, sort order and search turned into SQL.

The list view must scroll 200,000 cases without loading them, yet stay sortable by any column and
filterable. So a query runs in two steps (on the GUI's database worker):

1. :meth:`CaseList.matching_seqs` returns only the ``seq`` numbers of every matching case, in
   display order (a few milliseconds even for 200k rows: integers, no row decoding);
2. :meth:`CaseList.page` fetches one visible page's rows by ``seq`` when the view asks for them.

The view keeps the ``seq`` list (about 8 bytes per case), so scrolling anywhere costs one indexed
lookup of one page; ``OFFSET`` paging would re-scan from the top on every page. The queries only
read, on the vault's own connection (the worker runs one job at a time).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlcipher3 import OperationalError

from kimdesk.domain.codes import Phase
from kimdesk.vault.search import RANKED_HITS_SQL, match_expression, variant_expression
from kimdesk.vault.summary import SUMMARY_SQL, CaseSummary

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


def _phase_order_sql(column: str) -> str:
    """The phases' working order (the order of :class:`~kimdesk.domain.codes.Phase`) as a SQL
    ``CASE``: sorting by phase means sorting by step in the case, not alphabetically. An unknown
    value sorts with the last phase."""
    phases = list(Phase)
    whens = " ".join(f"WHEN '{p.value}' THEN {i}" for i, p in enumerate(phases[:-1]))
    return f"CASE {column} {whens} ELSE {len(phases) - 1} END"


#: Columns of the case list, in display order: the sort key and its SQL sort expression.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_number", "c.case_number"),
    ("name", "p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE"),
    ("name_latin", "p.family_name_latin COLLATE NOCASE, p.given_name_latin COLLATE NOCASE"),
    ("phase", _phase_order_sql("c.phase")),
    ("owner", "c.owner COLLATE NOCASE"),
    ("opened_on", "c.opened_on"),
    ("review_on", "c.review_on IS NULL, c.review_on"),
)

#: The sort keys, in display order (the index of a key is its column in the list).
SORT_KEYS: tuple[str, ...] = tuple(key for key, _expr in COLUMNS)

#: How often (in SQLite virtual-machine steps, about 0.1 ms) a long list query asks whether to stop.
STOP_CHECK_STEPS = 20_000

#: A closed case: the "open" filter and the review reminder leave it out.
_CLOSED = Phase.ABSCHLUSS.value

ROW_SQL = SUMMARY_SQL.replace("SELECT ", "SELECT c.seq, ", 1)

#: One displayed line of the case list: the vault's own search summary.
CaseRow = CaseSummary


@dataclass(frozen=True)
class CaseFilter:
    """What the user asked the list to show.

    ``phase``: a phase code, ``"open"`` (every phase but the closing one) or empty (all);
    ``scope``: ``all``, ``mine`` (owner ``me``) or ``team`` (team ``team``);
    ``sort_column``: an index into :data:`COLUMNS`, -1 for newest first."""

    text: str = ""
    phase: str = ""
    rechtskreis: str = ""
    handlungsfeld: str = ""
    scope: str = "all"
    needs_review: bool = False
    sort_column: int = -1
    descending: bool = False
    me: str = ""
    team: str = ""
    today: date = field(default_factory=date.today)

    @property
    def sort_key(self) -> str | None:
        """The sort key of :attr:`sort_column`, or None for newest first."""
        return SORT_KEYS[self.sort_column] if 0 <= self.sort_column < len(SORT_KEYS) else None

    @property
    def unfiltered(self) -> bool:
        """True when the filter lets every case through (any sort order)."""
        return self.text.strip() == "" and not (
            self.phase or self.rechtskreis or self.handlungsfeld or self.needs_review
            or self.scope != "all")


def _conditions(flt: CaseFilter, expression: str | None) -> tuple[list[str], list[Any]]:
    """The WHERE conditions of a filter and their parameters."""
    where = ["c.deleted = 0"]
    params: list[Any] = []
    if expression is not None:
        where.append("c.seq IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)")
        params.append(expression)
    if flt.phase == "open":
        where.append(f"c.phase != '{_CLOSED}'")
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
        where.append(f"c.phase != '{_CLOSED}' AND c.review_on IS NOT NULL AND c.review_on <= ?")
        params.append(flt.today.isoformat())
    return where, params


def build_sql(flt: CaseFilter) -> tuple[str, list[Any]]:
    """The ``SELECT c.seq ...`` statement and its parameters for a filter. Hits by name variant
    alone (:mod:`kimdesk.vault.namevariants`) come after the exact ones, in the same order."""
    exact = match_expression(flt.text)
    variants = variant_expression(flt.text)
    expression = exact if variants is None else f"({exact}) OR ({variants})"
    where, params = _conditions(flt, expression)
    join_person = False
    order = ""
    if variants is not None:
        order = "c.seq NOT IN (SELECT rowid FROM case_search WHERE case_search MATCH ?), "
        params.append(exact)
    if flt.sort_key is not None:
        direction = " DESC" if flt.descending else ""
        key, expr = COLUMNS[flt.sort_column]
        order += ", ".join(part.strip() + direction for part in expr.split(","))
        join_person = key.startswith("name")
        order += ", c.seq DESC"
    else:
        order += "c.seq DESC"
        if expression is not None and len(where) == 2:
            # Text search alone, newest first: the full-text index answers by itself (it holds
            # no deleted cases), twice as fast as joining it back to the cases table.
            if variants is None:
                return ("SELECT rowid FROM case_search WHERE case_search MATCH ?"
                        " ORDER BY rowid DESC", [expression])
            return f"SELECT hit FROM ({RANKED_HITS_SQL})", [exact, variants]
    source = "cases c JOIN persons p ON p.id = c.person_id" if join_person else "cases c"
    sql = f"SELECT c.seq FROM {source} WHERE {' AND '.join(where)} ORDER BY {order}"
    return sql, params


class CaseList:
    """The case list's read-only queries on one vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def first_seqs(self, flt: CaseFilter, limit: int) -> array[int]:
        """The first ``limit`` matching cases' ``seq``, in display order: the list's first screen.

        A one-letter search matches up to every case; reading all their numbers takes 30-120 ms
        at 200,000 cases, and the first 256 of them (the full-text index and the ``cases_live``
        index both yield rows in display order) well under a millisecond."""
        sql, params = build_sql(flt)
        rows = self._vault.conn.execute(f"{sql} LIMIT ?", [*params, limit])
        return array("q", (row[0] for row in rows))

    def matching_seqs(self, flt: CaseFilter) -> array[int]:
        """Every matching case's ``seq``, in display order."""
        sql, params = build_sql(flt)
        return array("q", (row[0] for row in self._vault.conn.execute(sql, params)))

    def matching_seqs_unless(self, flt: CaseFilter, stop: Callable[[], bool],
                             check_steps: int = STOP_CHECK_STEPS) -> array[int] | None:
        """:meth:`matching_seqs`, or None as soon as ``stop()`` turns true while the query runs
        (the user typed on: a newer search wants the connection); asked every ``check_steps``
        steps of SQLite's virtual machine."""
        conn = self._vault.conn
        # SQLite calls the handler every check_steps virtual-machine steps; a true answer
        # ends the statement with "interrupted" (a sort runs before the first row comes back,
        # so checking between fetched rows alone would not stop it).
        conn.set_progress_handler(stop, check_steps)
        try:
            return self.matching_seqs(flt)
        except OperationalError:
            if stop():
                return None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def page(self, seqs: Sequence[int]) -> dict[int, CaseRow]:
        """The rows for some ``seq`` numbers (one page), keyed by ``seq``."""
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        rows = self._vault.conn.execute(f"{ROW_SQL} WHERE c.seq IN ({marks})",
                                        list(seqs)).fetchall()
        return {row[0]: CaseSummary(*row[1:]) for row in rows}

    def total(self) -> int:
        """The number of cases (tombstones left out), whatever the filter."""
        return self._vault.cases.count()
