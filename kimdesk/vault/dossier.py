"""One case with everything recorded for it, as ``kimdesk show`` prints it.

Kept in the vault package because it reads the vault's tables (the rule: only
:mod:`kimdesk.vault` holds SQL); the command line only formats the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from kimdesk.domain.models import Case
from kimdesk.vault.vault import Vault


def find_case(vault: Vault, ident: str) -> Case:
    """The live case with this id or case number (both are accepted wherever a user names a
    case); :class:`~kimdesk.vault.errors.CaseNotFound` otherwise."""
    from kimdesk.vault.casefile import case_id_of

    return vault.cases.get(case_id_of(vault, ident))


def case_dossier(vault: Vault, case: Case) -> dict[str, Any]:
    """Everything recorded for one case, as JSON-ready data."""

    def dump(records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in records]

    return {
        "case": case.model_dump(mode="json"),
        "person": vault.people.get(case.person_id).model_dump(mode="json"),
        "phase_transitions": dump(vault.transitions.for_case(case.id)),
        "consultations": dump(vault.consultations.where("case_id = ?", (case.id,), order="date")),
        "goals": dump(vault.goals.for_case(case.id)),
        "referrals": dump(vault.referrals.for_case(case.id)),
        "consents": dump(vault.consents.where("person_id = ?", (case.person_id,))),
        "structural_gaps": dump(vault.gaps.for_case(case.id)),
        "notes": dump(vault.notes.for_case(case.id)),
        # named, not carried: the files stay in the vault (``kimdesk subject-export`` has them)
        "attachments": [asdict(a) for a in vault.attachments.for_case_infos(case.id)],
    }
