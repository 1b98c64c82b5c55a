"""Taking in a client: the person and their first case stored together, and the cases of
people who may be the same client coming back (asked before a second record is made)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from kimdesk.domain.models import Case, Person
from kimdesk.vault.search import fold

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


class SimilarCase(NamedTuple):
    """A case of someone who may be the person being taken in."""

    case_id: str
    case_number: str
    name: str  # "family name, given name" as written


def open_case_for_new_person(vault: Vault, person: Person, fields: dict[str, Any]) -> Case:
    """Store the person and open their case in one transaction: a half-made intake (a person
    without a case) never stays behind."""
    with vault.transaction():
        stored = vault.people.add(person)
        return vault.cases.open_case(stored.id, **fields)


def similar_cases(vault: Vault, person: Person) -> list[SimilarCase]:
    """Cases of people with the same Latin name (folded) and no conflicting birth date: likely
    the same client coming back. The folded comparison runs in Python (SQLite's ``lower`` folds
    ASCII only); SQL narrows the rows down by family name first."""
    family, given = fold(person.family_name_latin), fold(person.given_name_latin)
    rows = vault.conn.execute(
        "SELECT c.id, c.case_number, p.family_name, p.given_name, p.family_name_latin,"
        " p.given_name_latin, p.birth_date, p.birth_year FROM cases c"
        " JOIN persons p ON p.id = c.person_id"
        " WHERE c.deleted = 0 AND p.deleted = 0 AND lower(p.family_name_latin) = lower(?)",
        (person.family_name_latin,),
    ).fetchall()
    found = []
    for case_id, number, fam, giv, fam_l, giv_l, birth_date, birth_year in rows:
        if fold(fam_l) != family or fold(giv_l) != given:
            continue
        if person.birth_date and birth_date and birth_date != person.birth_date.isoformat():
            continue
        if person.birth_year and birth_year and int(birth_year) != person.birth_year:
            continue
        found.append(SimilarCase(case_id, number, f"{fam}, {giv}"))
    return found
