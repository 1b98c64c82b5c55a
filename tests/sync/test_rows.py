"""A received record becomes exactly the row the vault's repository would write for it."""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Case, Consultation, Person, Record
from kimdesk.sync.protocol import PullPage, RemoteRecord
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
        assert store.tables.inbox.rows(record.KIND).fast_row(data) == expected, record.KIND
    # a record with another field set (another version) is not converted blindly
    data = person.model_dump(mode="json", exclude={"revision", "pending"}) | {"extra": 1}
    assert store.tables.inbox.rows("persons").fast_row(data) is None


def _page(*records: tuple[Record, int], cursor: int = 1) -> PullPage:
    return PullPage(
        records=[RemoteRecord(kind=r.KIND, id=r.id, rev=rev, seq=n + 1, deleted=r.deleted,
                              data=r.model_dump(mode="json", exclude={"revision", "pending"}))
                 for n, (r, rev) in enumerate(records)],
        next_cursor=cursor, more=False,
    )


def test_json_columns_are_written_as_the_repository_writes_them() -> None:
    """The fast encoding of a list of texts gives the standard library's text for every code
    point (a received row equal to the stored one is not written again); anything else, and a
    lone surrogate, which pydantic-core refuses, goes the standard library's way."""
    import json

    from kimdesk.vault.sync.rows import _encode_json

    def stdlib(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    for start in range(0, 0x110000, 4096):
        texts = [chr(c) for c in range(start, start + 4096) if not 0xD800 <= c <= 0xDFFF]
        assert _encode_json(texts) == stdlib(texts), hex(start)
        assert _encode_json(["x" + "".join(texts) + "y"]) == stdlib(["x" + "".join(texts) + "y"])
    for value in ([], ["\ud800"], [1.0, 1e16, "a"], {"b": [1, None, True]}, [["nested"]]):
        assert _encode_json(value) == stdlib(value), value


def test_a_received_change_updates_the_columns_that_differ(vault) -> None:
    """A changed record updates its row (only the differing columns are in the UPDATE); an
    identical one is not written; the local revision counts the real writes."""
    store = SyncStore(vault)
    person = Person(given_name="Ayşe", family_name="Müller", nationalities=["TR"])
    case = Case(case_number="2025-X-000002", person_id=person.id, owner="o",
                rechtskreise=["sgb2"], referral_source="Jobcenter")
    store.apply_page(_page((person, 1), (case, 1)))
    assert vault.cases.get(case.id).revision == 1
    statements: list[str] = []
    vault.conn.set_trace_callback(statements.append)
    changed = Case.model_validate(case.model_dump() | {"referral_source": "Sozialamt",
                                                       "handlungsfelder": ["housing"]})
    store.apply_page(_page((changed, 2), cursor=2))
    vault.conn.set_trace_callback(None)
    got = vault.cases.get(case.id)
    assert got.model_dump(exclude={"revision", "pending"}) == changed.model_dump(
        exclude={"revision", "pending"})
    assert (got.revision, got.pending) == (2, False)
    updates = [s for s in statements if s.startswith("UPDATE cases")]
    assert updates and all("handlungsfelder = " in s and "referral_source = " in s
                           and "case_number" not in s and "person_id" not in s
                           for s in updates), updates
    store.apply_page(_page((changed, 3), cursor=3))  # the same content again
    assert vault.cases.get(case.id).revision == 2
    assert store.tables.bases.get("cases", [case.id], data=False)[case.id][0] == 3
    assert vault.search("Müller")[0].case_id == case.id


def test_a_record_without_its_parent_is_parked_and_the_rest_of_the_page_applies(vault) -> None:
    store = SyncStore(vault)
    person = Person(given_name="Omid", family_name="Rahimi")
    orphan = Case(case_number="2025-X-000003", person_id=Person(given_name="X",
                                                                   family_name="Y").id, owner="o")
    fine = Case(case_number="2025-X-000004", person_id=person.id, owner="o")
    assert store.apply_page(_page((person, 1), (orphan, 1), (fine, 1))) == 2
    assert store.parked_count() == 1
    assert vault.cases.get(fine.id).case_number == "2025-X-000004"
    assert vault.conn.execute("SELECT count(*) FROM cases WHERE id = ?",
                              (orphan.id,)).fetchone()[0] == 0
