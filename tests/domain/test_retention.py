"""Löschfristen as a pure rule: due dates, start events, legal holds, persons with other cases."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kimdesk.domain.retention import (
    Action,
    CaseFacts,
    RetentionPolicy,
    StartEvent,
    add_months,
    due_date,
    plan,
)


def facts(case: str, person: str = "p1", **kw: object) -> CaseFacts:
    base: dict[str, object] = {"case_id": case, "case_number": f"N-{case}", "person_id": person,
                               "municipality": "Gütersloh", "opened_on": date(2020, 1, 10)}
    return CaseFacts(**(base | kw))  # type: ignore[arg-type]


def test_add_months_keeps_the_month_end() -> None:
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 3, 15), 36) == date(2026, 3, 15)
    assert add_months(date(2023, 11, 30), 14) == date(2025, 1, 30)


def test_default_is_36_months_after_closure_and_open_cases_never_go() -> None:
    policy = RetentionPolicy()
    assert policy.months == 36 and policy.start is StartEvent.CLOSURE
    assert due_date(facts("a", closed_on=date(2022, 6, 30)), policy) == date(2025, 6, 30)
    assert due_date(facts("b"), policy) is None


def test_plan_on_the_due_day_and_not_before() -> None:
    cases = [facts("a", closed_on=date(2022, 6, 30))]
    assert plan(cases, {}, date(2025, 6, 29)) == []
    [verdict] = plan(cases, {}, date(2025, 6, 30))
    assert verdict.action is Action.DELETE and verdict.person_goes
    assert verdict.reason == "{months} months after closure" and verdict.months == 36


def test_per_municipality_policy_and_last_contact() -> None:
    policies = {"Gütersloh": RetentionPolicy(municipality="Gütersloh", months=12,
                                            start=StartEvent.LAST_CONTACT),
                "*": RetentionPolicy(months=60)}
    here = facts("a", last_contact=date(2024, 2, 1))  # open, but no contact for a year
    there = facts("b", person="p2", municipality="Verl", closed_on=date(2022, 1, 1))
    verdicts = plan([here, there], policies, date(2025, 2, 1))
    assert [v.case_id for v in verdicts] == ["a"]
    assert verdicts[0].due_on == date(2025, 2, 1)
    assert [v.case_id for v in plan([there], policies, date(2027, 1, 1))] == ["b"]


def test_legal_hold_blocks_deletion_and_says_why() -> None:
    [verdict] = plan([facts("a", closed_on=date(2020, 1, 1), legal_hold="Klage VG Minden")],
                     {}, date(2030, 1, 1))
    assert verdict.action is Action.HOLD
    assert verdict.hold == "Klage VG Minden" and not verdict.person_goes


def test_person_with_another_case_stays() -> None:
    cases = [facts("a", closed_on=date(2020, 1, 1)), facts("b", opened_on=date(2024, 1, 1))]
    [verdict] = plan(cases, {}, date(2025, 1, 1))
    assert verdict.case_id == "a" and not verdict.person_goes
    both = plan([cases[0], facts("c", closed_on=date(2021, 1, 1))], {}, date(2030, 1, 1))
    assert [v.person_goes for v in both] == [True, True]
    held = plan([cases[0], facts("c", closed_on=date(2021, 1, 1), legal_hold="x")],
                {}, date(2030, 1, 1))
    assert [(v.action, v.person_goes) for v in held] == [(Action.DELETE, False),
                                                         (Action.HOLD, False)]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValidationError):
        RetentionPolicy(months=0)
    with pytest.raises(ValidationError):
        RetentionPolicy(start="never")
