"""The work after every unlock reads indexes, not rows (kimdesk/vault/migration_unlock.py).

At 200,000 cases the review reminder read every case (0.6-0.9 s after every unlock and every
save) and the Löschfristen read the old cases' rows with their consultations (150 ms before the
list was shown). The plans are asserted, not timed; the answers are compared with plain Python
over the demo vault.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kimdesk.vault import Vault
from kimdesk.vault.appointments import due_today
from kimdesk.vault.caselist import SORT_KEYS, CaseFilter, build_sql
from kimdesk.vault.retention import case_facts
from tests.vault.test_live_index import _plan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REVIEW_COUNT = ("SELECT count(*) FROM cases WHERE deleted >= 0 AND deleted = 0"
                " AND review_on <= ? AND phase != 'abschluss'")


def test_an_upgraded_vault_answers_from_the_indexes(tmp_path: Path) -> None:
    copy = tmp_path / "v9.kdb"
    shutil.copy(FIXTURES / "vault_v9.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert "COVERING INDEX cases_review" in _plan(v, REVIEW_COUNT, ("2026-01-01",))
        facts = _plan(v, "SELECT c.id, c.case_number, c.person_id, c.municipality, c.opened_on,"
                         " c.closed_on, c.legal_hold, (SELECT max(date) FROM consultations"
                         " WHERE case_id = c.id AND deleted = 0), (SELECT max(substr(at, 1, 10))"
                         " FROM phase_transitions WHERE case_id = c.id AND deleted = 0)"
                         " FROM cases c WHERE c.opened_on <= ? AND c.deleted >= 0",
                      ("2026-01-01",))
        for index in ("cases_retention", "consultations_contact", "transitions_contact"):
            assert f"COVERING INDEX {index}" in facts
        # The case list's own plans are not taken over (docs/vault.md: its review filter and
        # its sorts got slower with plain indexes on these columns).
        for flt in (CaseFilter(needs_review=True),
                    CaseFilter(sort_column=SORT_KEYS.index("review_on")),
                    CaseFilter(sort_column=SORT_KEYS.index("opened_on"))):
            sql, params = build_sql(flt)
            plan = _plan(v, sql, params)
            assert "cases_review" not in plan and "cases_retention" not in plan
        assert v.integrity_check() == []


def test_due_reviews_and_last_contacts_match_python(demo_vault: Any) -> None:
    v = demo_vault
    due = [c for c in v.cases.where() if c.review_on and c.phase != "abschluss"]
    v.cases.delete(due[0].id)  # a tombstone with a due review counts no longer
    today = date.today()
    for day in (today - timedelta(days=400), today, today + timedelta(days=400)):
        live = v.cases.where()
        expected = sum(1 for c in live if c.review_on and c.review_on <= day
                       and c.phase != "abschluss")
        assert due_today(v, day).reviews == expected
    for facts in case_facts(v, opened_by=date(2200, 1, 1)):
        dates = [c.date for c in v.consultations.where("case_id = ?", (facts.case_id,))]
        dates += [t.at.date() for t in v.transitions.where("case_id = ?", (facts.case_id,))]
        assert facts.last_contact == (max(dates) if dates else None)

