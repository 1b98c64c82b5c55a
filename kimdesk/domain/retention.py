"""Löschfristen: when a case's personal data must be deleted, and what stops it.

KIM has no deletion period of its own (docs/privacy.md). Art. 17 DSGVO and § 84 Abs. 2 SGB X
require deletion once the data is no longer needed for the task; a Hessian migration-counselling
provider deletes 12 months after counselling ends. KIMdesk's default is **36 months after the
case's closure**, set per municipality by the coordination office, which publishes its policy
through the sync server's reference data.

- ``RetentionPolicy``: the period in months and the start event (the case's closure, or the last
  contact: the latest consultation, phase change or the opening day), per municipality.
- A **legal hold** (``Case.legal_hold``, the reason as text) is § 84 Abs. 3 SGB X "restrict
  instead of delete": while it is set, a case is never deleted, and the plan says why. Setting and
  lifting it are audited.
- :func:`plan` decides, for cases described by :class:`CaseFacts`, which are due. It knows no
  storage and no clock: the caller passes ``today``, so ``--today`` in the CLI and the tests can
  look into the future.

A person is deleted together with their last remaining case; a person with another case that is
not due stays (the case's own records go).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kimdesk.i18n import N_

DEFAULT_MONTHS = 36
DEFAULT_LEGAL_BASIS = "Art. 17 Abs. 1 lit. a DSGVO, § 84 Abs. 2 SGB X"
#: The policy key that applies where a municipality has none of its own.
ANY_MUNICIPALITY = "*"


class StartEvent(StrEnum):
    """From when the period runs."""

    CLOSURE = "closure"  # the day the case was closed (open cases are never due)
    LAST_CONTACT = "last_contact"  # the latest consultation, phase change or opening day


class RetentionPolicy(BaseModel):
    """One municipality's Löschfrist (``municipality="*"``: the default for all others)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str = ANY_MUNICIPALITY
    months: int = Field(default=DEFAULT_MONTHS, ge=1, le=600)
    start: StartEvent = StartEvent.CLOSURE
    legal_basis: str = Field(default=DEFAULT_LEGAL_BASIS, max_length=200)


class Action(StrEnum):
    DELETE = "delete"
    HOLD = "hold"  # due, but a legal hold restricts instead of deleting


@dataclass(frozen=True)
class CaseFacts:
    """What the plan needs to know about one case (no personal data)."""

    case_id: str
    case_number: str
    person_id: str
    municipality: str
    opened_on: date
    closed_on: date | None = None
    last_contact: date | None = None
    legal_hold: str = ""


@dataclass(frozen=True)
class Verdict:
    """A case that is due: delete it, or (under a legal hold) keep it restricted."""

    case_id: str
    case_number: str
    person_id: str
    municipality: str
    due_on: date
    action: Action
    reason: str  # a msgid (N_) to translate, with ``months``, ``start`` and ``hold`` to fill in
    months: int
    start: StartEvent
    legal_basis: str
    hold: str = ""
    #: True when the person has no other case left after this plan: the person goes too.
    person_goes: bool = False

    def reason_text(self) -> str:
        """The reason in the current UI language (CLI, GUI and server say it alike)."""
        from kimdesk.i18n import gettext

        return gettext(self.reason).format(months=self.months, hold=self.hold)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 31st becomes the month's last day. Past the calendar's
    end it is :data:`datetime.date.max` (never due): one record dated 9999 stopped every team's
    Löschfristen on the server before (found by a review)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def policy_for(municipality: str, policies: Mapping[str, RetentionPolicy]) -> RetentionPolicy:
    return policies.get(municipality) or policies.get(ANY_MUNICIPALITY) or RetentionPolicy()


def due_date(facts: CaseFacts, policy: RetentionPolicy) -> date | None:
    """The first day on which the case may be deleted, or None (an open case under CLOSURE)."""
    if policy.start is StartEvent.CLOSURE:
        start = facts.closed_on
    else:
        start = max(d for d in (facts.last_contact, facts.closed_on, facts.opened_on) if d)
    return add_months(start, policy.months) if start is not None else None


def plan(cases: Iterable[CaseFacts], policies: Mapping[str, RetentionPolicy],
         today: date) -> list[Verdict]:
    """Every case due on ``today``, with its action and reason, ordered by due date."""
    all_cases = list(cases)
    verdicts: list[Verdict] = []
    for facts in all_cases:
        policy = policy_for(facts.municipality, policies)
        due = due_date(facts, policy)
        if due is None or due > today:
            continue
        held = bool(facts.legal_hold.strip())
        verdicts.append(Verdict(
            case_id=facts.case_id, case_number=facts.case_number, person_id=facts.person_id,
            municipality=facts.municipality, due_on=due,
            action=Action.HOLD if held else Action.DELETE,
            reason=(N_("legal hold: {hold}") if held else
                    N_("{months} months after closure") if policy.start is StartEvent.CLOSURE
                    else N_("{months} months after the last contact")),
            months=policy.months, start=policy.start, legal_basis=policy.legal_basis,
            hold=facts.legal_hold.strip(),
        ))
    going = {v.case_id for v in verdicts if v.action is Action.DELETE}
    staying_people = {c.person_id for c in all_cases if c.case_id not in going}
    verdicts = [
        v if v.action is Action.HOLD or v.person_id in staying_people
        else replace(v, person_goes=True) for v in verdicts
    ]
    return sorted(verdicts, key=lambda v: (v.due_on, v.case_number))
