"""A purge run killed between its purges and the search index's merge (review, 2026-12): the
purged names stay in the index pages (FTS5 keeps deleted terms until a merge). The purge marks
the merge due in its own transaction; ``kimdesk check`` reports the mark, and the next purge run
or unlock (``merge_search_if_due``) merges and clears it. The kill is simulated here by purging
without the merge; tests/vault/test_review_crash_siblings.py kills a real process."""

from __future__ import annotations

from datetime import date
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.domain.models import Person
from kimdesk.vault import Vault
from kimdesk.vault.intake import open_case_for_new_person
from kimdesk.vault.purge import (
    SEARCH_MERGE_DUE,
    PurgeOrder,
    merge_search_if_due,
    purge_cases,
    purge_deleted_targets,
)

ORDER = PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna", on=date(2026, 12, 1))
#: The tail of the purged family name: FTS5 stores a term after the prefix it shares with the
#: term before it on the page, so the full word need not be there in one piece.
TERM = b"vorguntlieb"


def _index_pages(vault: Vault) -> bytes:
    return b"".join(bytes(r[0]) for r in vault.conn.execute(
        "SELECT block FROM case_search_data") if r[0])


def _purged_without_merge(vault: Vault) -> None:
    """150 cases around one of a person named with :data:`TERM`, which is then purged the way
    a run killed before its merge leaves it."""
    fill(vault, 100, seed=41)
    case = open_case_for_new_person(vault, Person(
        given_name="Edda", family_name="Qx" + TERM.decode(), given_name_latin="Edda",
        family_name_latin="Qx" + TERM.decode()), {"opened_on": date(2024, 3, 4)})
    fill(vault, 50, seed=42)
    assert TERM in _index_pages(vault)
    purge_cases(vault, [case.id], ORDER)  # killed here, before optimize_search


def test_integrity_check_reports_a_merge_left_due(make_vault: Any) -> None:
    vault = make_vault()
    _purged_without_merge(vault)
    problems = vault.integrity_check()
    assert len(problems) == 1 and "still in the index pages" in problems[0], problems
    assert vault.get_meta(SEARCH_MERGE_DUE), "the purge's transaction set the mark"


def test_merge_search_if_due_merges_and_clears_the_mark(make_vault: Any) -> None:
    vault = make_vault()
    _purged_without_merge(vault)
    assert TERM in _index_pages(vault), "the purged name waits for the merge"
    assert merge_search_if_due(vault) is True
    assert TERM not in _index_pages(vault)
    assert vault.get_meta(SEARCH_MERGE_DUE) == ""
    assert vault.integrity_check() == []
    assert merge_search_if_due(vault) is False, "nothing due: no second merge"


def test_a_purge_run_with_nothing_to_purge_merges_a_merge_left_due(make_vault: Any) -> None:
    """The deletions pulled by sync run through ``purge_deleted_targets`` after every page that
    brought one: finding nothing left to purge, it still merges what a killed run left."""
    vault = make_vault()
    _purged_without_merge(vault)
    report = purge_deleted_targets(vault)
    assert report.cases == 0
    assert TERM not in _index_pages(vault)
    assert vault.integrity_check() == []
