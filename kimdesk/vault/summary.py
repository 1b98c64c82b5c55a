"""One line per case for the case list and search: :class:`CaseSummary` and the queries that
fill it.

Kept apart from :mod:`kimdesk.vault.vault` (which opens, locks and re-keys the file) because the
list and the search read rows and the index, nothing else; ``Vault.search`` and
``Vault.count_matches`` hand their connection to these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from kimdesk.domain.names import joined
from kimdesk.vault.connection import Connection
from kimdesk.vault.search import RANKED_HITS_SQL, match_expression, variant_expression


def joined_name(family: str, given: str) -> str:
    """"Family, Given" as every list shows a person (either part may be empty), with the
    comma of the name's script (:func:`kimdesk.domain.names.joined`)."""
    return joined(family, given)


@dataclass(frozen=True)
class CaseSummary:
    """One line of the case list: what search and the list view show, no more."""

    case_id: str
    case_number: str
    family_name: str
    given_name: str
    family_name_latin: str
    given_name_latin: str
    phase: str
    owner: str
    team: str
    opened_on: str
    review_on: str | None
    updated_at: str

    @property
    def display_name(self) -> str:
        return joined_name(self.family_name, self.given_name)

    @property
    def name_latin(self) -> str:
        return joined_name(self.family_name_latin, self.given_name_latin)


SUMMARY_SQL = (
    "SELECT c.id, c.case_number, p.family_name, p.given_name, p.family_name_latin,"
    " p.given_name_latin, c.phase, c.owner, c.team, c.opened_on, c.review_on, c.updated_at"
    " FROM cases c JOIN persons p ON p.id = c.person_id"
)



def search_cases(
    db: Connection, query: str, *, limit: int | None = None, offset: int = 0
) -> list[CaseSummary]:
    """Cases whose folded names, number or notes start with every word of ``query``; an
    empty query lists every case. Newest cases first."""
    expression = match_expression(query)
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    if expression is None:
        sql = f"{SUMMARY_SQL} WHERE c.deleted = 0 ORDER BY c.seq DESC{page}"
        rows = db.execute(sql).fetchall()
    else:
        variants = variant_expression(query)
        if variants is None:
            sql = (
                f"{SUMMARY_SQL} JOIN (SELECT rowid AS hit FROM case_search WHERE case_search"
                f" MATCH ? ORDER BY rowid DESC{page}) s ON s.hit = c.seq ORDER BY c.seq DESC"
            )
            rows = db.execute(sql, (expression,)).fetchall()
        else:  # exact hits first, then those by name variant alone
            sql = (f"{SUMMARY_SQL} JOIN ({RANKED_HITS_SQL}{page}) s ON s.hit = c.seq"
                   " ORDER BY s.rank, c.seq DESC")
            rows = db.execute(sql, (expression, variants)).fetchall()
    return [CaseSummary(*row) for row in rows]


def count_matches(db: Connection, query: str) -> int:
    """How many live cases an empty query lists, or how many index entries ``query`` and its
    name variants match (a case found both ways counts twice: the list pages by this bound)."""
    expression = match_expression(query)
    if expression is None:
        return int(db.execute("SELECT count(*) FROM cases WHERE deleted = 0").fetchone()[0])
    variants = variant_expression(query)
    return sum(
        int(db.execute("SELECT count(*) FROM case_search WHERE case_search MATCH ?",
                       (e,)).fetchone()[0])
        for e in (expression, variants) if e is not None)
