"""The record types with behaviour beyond storage: persons, cases and notes.

Persons, cases and notes feed the case search index (:mod:`kimdesk.vault.searchentries`), so
their repositories refresh it after every write; cases also carry the phase workflow (opening a
case, moving it to another phase, each step recorded as a :class:`PhaseTransition`). Every other
record type is stored by the generic :class:`Repository`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Case, Note, Person, PhaseTransition
from kimdesk.domain.phases import check_transition
from kimdesk.vault.repository import Repository
from kimdesk.vault.searchentries import SearchEntries


class PersonRepository(Repository[Person]):
    """Persons: a changed name changes the search entries of all their cases."""

    def update_derived(self, record: Person) -> None:
        SearchEntries(self._vault).refresh_person(record.id)


class CaseRepository(Repository[Case]):
    """Cases: numbered per device, opened and moved through their phases with a recorded
    transition each time."""

    def update_derived(self, record: Case) -> None:
        SearchEntries(self._vault).refresh_case(record.id)

    def next_case_number(self, year: int) -> str:
        """Unique across devices without a network: year, device tag, local counter."""
        counter = int(self._vault.get_meta("case_counter", "0")) + 1
        self._vault.set_meta("case_counter", str(counter))
        return f"{year}-{self._vault.meta.device_tag}-{counter:06d}"

    def open_case(self, person_id: str, **fields: Any) -> Case:
        """Create a case in phase Erstkontakt and record that first transition."""
        with self._vault.transaction():
            opened = fields.pop("opened_on", None) or date.today()
            case = Case(
                case_number=self.next_case_number(opened.year),
                person_id=person_id,
                owner=fields.pop("owner", self._vault.meta.counselor),
                team=fields.pop("team", self._vault.meta.team),
                municipality=fields.pop("municipality", self._vault.meta.municipality),
                opened_on=opened,
                **fields,
            )
            case = self.add(case)
            self._vault.transitions.add(
                PhaseTransition(
                    case_id=case.id, from_phase=None, to_phase=case.phase, by=case.owner
                )
            )
        return case

    def transition(
        self,
        case_id: str,
        target: Phase,
        *,
        by: str | None = None,
        closure_reason: ClosureReason | None = None,
        comment: str = "",
        on: date | None = None,
    ) -> Case:
        """Move a case to another phase (validated by :mod:`kimdesk.domain.phases`)."""
        with self._vault.transaction():
            case = self.get(case_id)
            check_transition(case.phase, target, closure_reason)
            closing = target is Phase.ABSCHLUSS
            updated = self.update(
                case.model_copy(
                    update={
                        "phase": target,
                        "closure_reason": closure_reason if closing else None,
                        "closed_on": (on or date.today()) if closing else None,
                    }
                )
            )
            self._vault.transitions.add(
                PhaseTransition(
                    case_id=case_id,
                    from_phase=case.phase,
                    to_phase=target,
                    by=by or self._vault.meta.counselor,
                    closure_reason=closure_reason,
                    comment=comment,
                )
            )
        return updated


class NoteRepository(Repository[Note]):
    """Notes: their text is searchable through their case's entry."""

    def update_derived(self, record: Note) -> None:
        SearchEntries(self._vault).refresh_case(record.case_id)
