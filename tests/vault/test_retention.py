"""Löschfristen on the device: the plan reads the vault and the published policy; apply deletes
exactly the due cases, a legal hold blocks and is audited."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kimdesk.domain.retention import Action, add_months
from kimdesk.vault.retention import apply_retention, retention_plan, set_legal_hold


def closed_cases(vault: Any) -> dict[str, date]:
    return {c.id: c.closed_on for c in vault.cases.where("closed_on IS NOT NULL")}


def test_plan_and_apply_delete_exactly_the_due_cases(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 80, seed=21)
    closed = closed_cases(vault)
    assert len(closed) >= 5
    cut = sorted(closed.values())[len(closed) // 2]
    today = add_months(cut, 36)
    due = {cid for cid, day in closed.items() if add_months(day, 36) <= today}
    assert 0 < len(due) < len(closed)
    held = sorted(due)[0]
    set_legal_hold(vault, held, "Klageverfahren VG Minden")

    verdicts = retention_plan(vault, today)
    assert {v.case_id for v in verdicts} == due
    assert [v.action for v in verdicts if v.case_id == held] == [Action.HOLD]
    before = vault.cases.count()
    result = apply_retention(vault, today, ordered_by="anna")
    assert result.deleted_cases == len(due) - 1 and result.held == 1
    assert vault.cases.count() == before - len(due) + 1
    remaining = {c.id for c in vault.cases.where()}
    assert held in remaining and not (due - {held}) & remaining
    assert retention_plan(vault, today)[0].case_id == held  # held stays in the plan, as held
    events = [e.detail for e in vault.audit.where("subject_id = ?", (held,))]
    assert "legal hold set" in events
    assert vault.integrity_check() == []


def test_published_policy_per_municipality(make_vault: Any) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 40, seed=8)
    cases = vault.cases.where("closed_on IS NOT NULL")
    municipality = cases[0].municipality
    latest = max(c.closed_on for c in cases if c.municipality == municipality)
    with vault.transaction():
        vault.conn.execute(
            "INSERT INTO sync_reference (kind, key, team, version, seq, deleted, data)"
            " VALUES ('retention_policy', ?, '', 1, 1, 0, ?)",
            (municipality, json.dumps({"months": 1, "start": "closure"})))
    today = add_months(latest, 1)
    planned = retention_plan(vault, today)
    assert {v.municipality for v in planned} == {municipality}
    assert {v.case_id for v in planned} == {c.id for c in cases if c.municipality == municipality}
