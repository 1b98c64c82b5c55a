"""A received record becomes exactly the row the vault's repository would write for it."""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Case, Consultation, Person
from kimdesk.sync.store import SyncStore


def test_received_rows_equal_the_repositorys_rows(vault) -> None:
    store = SyncStore(vault)
    person = Person(given_name="Ayşe", family_name="Müller", nationalities=["TR", "DE"],
                    languages=["tr", "de"], revision=1)
    case = Case(case_number="2025-X-000001", person_id=person.id, owner="o",
                rechtskreise=["sgb2", "sgb8"], handlungsfelder=["housing"], revision=1,
                phase=Phase.ABSCHLUSS, opened_on=date(2025, 1, 2), closed_on=date(2025, 3, 4),
                closure_reason=ClosureReason.GOAL_REACHED)
    consultation = Consultation(case_id=case.id, date=date(2025, 2, 1), duration_minutes=45,
                                place="home", interpreter_used=True, language="ar",
                                deleted=True, revision=1)
    for record in (person, case, consultation):
        repo = store.repos[record.KIND]
        data = record.model_dump(mode="json", exclude={"revision", "pending"})
        expected = repo.to_row(record.model_copy(update={"revision": 1, "pending": False}))
        assert store._fast_row(repo, data) == expected, record.KIND
    # a record with another field set (another version) is not converted blindly
    data = person.model_dump(mode="json", exclude={"revision", "pending"}) | {"extra": 1}
    assert store._fast_row(store.repos["persons"], data) is None
