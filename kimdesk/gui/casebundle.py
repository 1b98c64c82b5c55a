"""Everything the case view shows about one case, loaded in one job on the database worker.

Kept apart from the widgets (:mod:`kimdesk.gui.caseview`) because it runs on the worker thread and
touches no Qt object: the view asks for a :class:`CaseBundle` and paints whatever comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kimdesk.domain.models import AuditEvent, Case, Person, PhaseTransition, Record
from kimdesk.gui.records import KINDS
from kimdesk.gui.worker import DbWorker
from kimdesk.vault.drafts import kept_for


@dataclass
class CaseBundle:
    """Everything the case view shows, loaded in one worker job."""

    case: Case
    person: Person
    records: dict[str, list[Record]] = field(default_factory=dict)
    transitions: list[PhaseTransition] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    #: Her entries kept in the vault for this case (a refused save's, a lock's draft), as
    #: ``(key, document)``: read in the same job, so they come back with the case they belong to
    #: (:class:`kimdesk.gui.keptedits.KeptEdits`).
    kept: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def load_bundle(worker: DbWorker, case_id: str) -> CaseBundle:
    """Runs on the worker thread. Opening a case is an audited read (the repositories log it)."""
    vault = worker.require_vault()
    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    bundle = CaseBundle(case=case, person=person)
    for kind in KINDS:
        repo = getattr(vault, kind.key)
        if kind.key == "consents":
            rows = repo.where("person_id = ?", (person.id,), order=kind.order)
        else:
            rows = repo.where("case_id = ?", (case.id,), order=kind.order)
        bundle.records[kind.key] = rows
    bundle.transitions = vault.transitions.where("case_id = ?", (case.id,), order="seq DESC")
    ids = [case.id, person.id, *(r.id for rows in bundle.records.values() for r in rows),
           *(t.id for t in bundle.transitions)]
    marks = ",".join("?" * len(ids))
    bundle.audit = vault.audit.where(f"subject_id IN ({marks})", ids, order="seq DESC LIMIT 500")
    bundle.kept = kept_for(vault, case.id)
    return bundle
