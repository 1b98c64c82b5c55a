"""The retention plan reads only the cases that can be due (issue 18: after every unlock it read
all 200,000 cases of a large vault with their last contact, 24 s during which the case list
waited), and still decides exactly as the rule over every case does."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from kimdesk.domain.retention import RetentionPolicy, add_months, plan
from kimdesk.vault.retention import case_facts, opened_by, policies, retention_plan


def _policy(vault: Any, municipality: str, months: int, start: str) -> None:
    with vault.transaction():
        vault.conn.execute(
            "INSERT INTO sync_reference (kind, key, team, version, seq, deleted, data)"
            " VALUES ('retention_policy', ?, '', 1, 1, 0, ?)",
            (municipality, json.dumps({"months": months, "start": start})))


@pytest.mark.parametrize("months, start", [(36, "closure"), (6, "last_contact"), (1, "closure")])
def test_the_plan_from_candidates_equals_the_plan_over_every_case(make_vault: Any, months: int,
                                                                   start: str) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 120, seed=5)
    cases = vault.cases.where()
    _policy(vault, cases[0].municipality, months, start)
    found = policies(vault)
    days = sorted({c.opened_on for c in cases} | {c.closed_on for c in cases if c.closed_on})
    checked = due_somewhere = 0
    for day in [*days[:: max(1, len(days) // 12)], add_months(days[-1], 40)]:
        every = plan(case_facts(vault), found, day)  # the rule over every case, as before
        assert retention_plan(vault, day) == every
        candidates = case_facts(vault, opened_by=opened_by(found, day))
        assert {v.case_id for v in every} <= {f.case_id for f in candidates}
        checked += 1
        due_somewhere += bool(every)
    assert checked > 5 and due_somewhere > 0


def test_only_the_cases_that_can_be_due_are_read(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 120, seed=9)
    today = max(c.opened_on for c in vault.cases.where()) + timedelta(days=1)
    read = case_facts(vault, opened_by=opened_by(policies(vault), today))
    assert len(read) < vault.cases.count() // 2  # the default: 36 months after closure


def test_a_month_end_start_stays_a_candidate() -> None:
    """31 January + 1 month is 28 February: on that day the case is due, though 28 February
    minus a month is 28 January, before the start."""
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    cutoff = opened_by({"X": RetentionPolicy(municipality="X", months=1)}, date(2026, 2, 28))
    assert cutoff >= date(2026, 1, 31)


def test_a_person_with_a_recent_case_stays(make_vault: Any) -> None:
    """The person of a due case goes only when none of their cases stays, candidates or not."""
    from kimdesk.domain.codes import ClosureReason, Phase
    from kimdesk.domain.models import Case, Person

    reason = next(iter(ClosureReason))

    vault = make_vault()
    person = vault.people.add(Person(given_name="Lina", family_name="Haddad"))
    old = vault.cases.add(Case(case_number="2019-0001", person_id=person.id, owner="a",
                               team="T", opened_on=date(2019, 1, 10)))
    vault.cases.transition(old.id, Phase.ABSCHLUSS, closure_reason=reason,
                           on=date(2019, 6, 1))
    lone = vault.people.add(Person(given_name="Omar", family_name="Nasser"))
    gone = vault.cases.add(Case(case_number="2019-0002", person_id=lone.id, owner="a",
                                team="T", opened_on=date(2019, 1, 11)))
    vault.cases.transition(gone.id, Phase.ABSCHLUSS, closure_reason=reason,
                           on=date(2019, 6, 2))
    vault.cases.add(Case(case_number="2026-0001", person_id=person.id, owner="a", team="T",
                         opened_on=date(2026, 5, 1)))
    verdicts = {v.case_id: v for v in retention_plan(vault, date(2026, 6, 1))}
    assert set(verdicts) == {old.id, gone.id}
    assert not verdicts[old.id].person_goes and verdicts[gone.id].person_goes
