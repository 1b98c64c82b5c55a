"""Löschfristen on the device: which cases are due (the plan), and deleting them (apply).

The rule is :mod:`kimdesk.domain.retention`; this module reads the facts it needs from the
vault and the municipality's policy from the reference data the server publishes (kind
``retention_policy``, one item per municipality, ``*`` for all others; with none, the default of
36 months after closure applies). ``apply`` purges each due case in its own transaction
(:func:`kimdesk.vault.purge.purge_cases`), so a crash leaves every case whole or gone, and
merges the search index once at the end (or whenever an earlier run was killed before its
merge: :data:`kimdesk.vault.purge.SEARCH_MERGE_DUE`). It runs after every unlock and by
``kimdesk retention apply``; the deletion records it writes sync like any record.

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kimdesk.domain.retention import (
    Action,
    CaseFacts,
    RetentionPolicy,
    Verdict,
    add_months,
    plan,
)
from kimdesk.vault.purge import (
    PurgeOrder,
    PurgeReport,
    optimize_search,
    purge_cases,
    purge_deleted_targets,
    search_merge_due,
)

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

POLICY_KIND = "retention_policy"


@dataclass
class RetentionResult:
    """What an ``apply`` did."""

    deleted_cases: int = 0
    deleted_persons: int = 0
    held: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, report: PurgeReport) -> None:
        self.deleted_cases += report.cases
        self.deleted_persons += report.persons
        for table, count in report.rows.items():
            self.rows[table] = self.rows.get(table, 0) + count


def policies(vault: Vault) -> dict[str, RetentionPolicy]:
    """The published policies by municipality (items that fail validation are skipped: the
    default then applies; the server validates what it publishes)."""
    from kimdesk.vault.sync.reference import ReferenceData

    found: dict[str, RetentionPolicy] = {}
    for item in ReferenceData(vault).items(POLICY_KIND):
        try:
            policy = RetentionPolicy.model_validate(item["data"] | {"municipality": item["key"]})
        except (ValueError, TypeError):
            continue
        found[item["key"]] = policy
    return found


def case_facts(vault: Vault, *, opened_by: date | None = None) -> list[CaseFacts]:
    """Every case with its dates and legal hold, tombstones included (a tombstone keeps every
    field, so it needs its Löschfrist too); the last contact is its latest consultation or
    phase change. ``opened_by``: only the cases opened on or before that day."""
    # ``deleted >= 0`` (always true) is the condition of the partial index ``cases_retention``
    # (schema step 10), which the case list's ``deleted = 0`` does not imply: its sort by
    # opening date must not use that index (2 s -> 10 s at 200,000 cases), this query does
    # (0.6 s -> milliseconds: it reads only the old cases' rows).
    where, params = (("WHERE c.opened_on <= ? AND c.deleted >= 0", [opened_by.isoformat()])
                     if opened_by else ("", []))
    rows = vault.conn.execute(
        "SELECT c.id, c.case_number, c.person_id, c.municipality, c.opened_on, c.closed_on,"
        " c.legal_hold,"
        " max(coalesce((SELECT max(date) FROM consultations WHERE case_id = c.id"
        "   AND deleted = 0), ''),"
        "   coalesce((SELECT max(substr(at, 1, 10)) FROM phase_transitions"
        "   WHERE case_id = c.id AND deleted = 0), ''))"
        f" FROM cases c {where}", params
    )
    return [
        CaseFacts(case_id=r[0], case_number=r[1], person_id=r[2], municipality=r[3],
                  opened_on=date.fromisoformat(r[4]),
                  closed_on=date.fromisoformat(r[5]) if r[5] else None,
                  last_contact=date.fromisoformat(r[7]) if r[7] else None,
                  legal_hold=r[6] or "")
        for r in rows
    ]


def opened_by(found: Mapping[str, RetentionPolicy], today: date) -> date:
    """The latest opening day a case due on ``today`` can have, under any of the policies (the
    default among them).

    A Löschfrist runs from the closure or the last contact, both on or after the opening day, and
    ``add_months`` only moves forward: a due case has ``add_months(start, months) <= today``, so
    its start, and its opening, lie at most a few days (a clamped month end) after
    ``add_months(today, -months)``. Four days of margin make the set a sure superset; the rule
    then decides case by case. Only those cases are read: after every unlock, reading all
    200,000 cases of a large vault with their last contact took 24 s (issue 18), and the list
    waited for it."""
    latest = max(add_months(today, -p.months) for p in [*found.values(), RetentionPolicy()])
    return latest + timedelta(days=4)


def retention_plan(vault: Vault, today: date) -> list[Verdict]:
    """The due cases (:func:`kimdesk.domain.retention.plan`), read from the candidates only
    (:func:`opened_by`). Whether a person goes with their due cases is then decided against all
    of their cases, candidates or not."""
    found = policies(vault)
    verdicts = plan(case_facts(vault, opened_by=opened_by(found, today)), found, today)
    going = [v.case_id for v in verdicts if v.action is Action.DELETE]
    asked = sorted({v.person_id for v in verdicts if v.person_goes})
    if not asked:
        return verdicts
    staying = _people_with_other_cases(vault, asked, set(going))
    return [replace(v, person_goes=False) if v.person_id in staying else v for v in verdicts]


def _people_with_other_cases(vault: Vault, people: list[str], going: set[str]) -> set[str]:
    """Those of ``people`` with a case (tombstones included) that is not in ``going``."""
    staying: set[str] = set()
    for start in range(0, len(people), 500):
        chunk = people[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for person_id, case_id in vault.conn.execute(
                f"SELECT person_id, id FROM cases WHERE person_id IN ({marks})", chunk):
            if case_id not in going:
                staying.add(person_id)
    return staying


def apply_retention(vault: Vault, today: date, *, ordered_by: str) -> RetentionResult:
    """Delete every due case without a legal hold; returns the counts. Deletions that arrived
    by sync and were not carried out yet (a crash in between) are carried out first."""
    result = RetentionResult()
    result.add(purge_deleted_targets(vault))
    for verdict in retention_plan(vault, today):
        if verdict.action is Action.HOLD:
            result.held += 1
            continue
        order = PurgeOrder(legal_basis=verdict.legal_basis, ordered_by=ordered_by,
                           reason="retention", on=today)
        result.add(purge_cases(vault, [verdict.case_id], order))
    if result.deleted_cases or search_merge_due(vault):  # also a merge a killed run left due
        optimize_search(vault)
    return result


def set_legal_hold(vault: Vault, case_id: str, reason: str) -> None:
    """Set (non-empty ``reason``) or lift (empty) a case's legal hold; audited."""
    with vault.transaction():
        case = vault.cases.get(case_id)
        vault.cases.update(case.model_copy(update={"legal_hold": reason.strip()}))
        vault.audit.record("update", "cases", case_id,
                           detail="legal hold set" if reason.strip() else "legal hold lifted")

