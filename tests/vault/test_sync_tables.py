"""The vault's sync tables (kimdesk.vault.sync): the SQL behind the sync store, tested directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.domain.models import Case, Note, Person
from kimdesk.vault import Vault
from kimdesk.vault.sync import SyncTables
from kimdesk.vault.sync.inbox import FEW


@dataclass(frozen=True)
class _Remote:
    kind: str
    id: str
    rev: int
    data: dict[str, Any]


@dataclass(frozen=True)
class _Conflict:
    id: str
    kind: str
    record_id: str
    field: str
    base: Any
    theirs: Any
    mine: Any
    device_id: str = "dev"
    status: str = "open"
    created_at: str = "2025-01-01T00:00:00Z"


def _remote(record: Any, rev: int = 1) -> _Remote:
    return _Remote(record.KIND, record.id, rev,
                   record.model_dump(mode="json", exclude={"revision", "pending"}))


def _search_rows(vault: Vault) -> list[tuple[int, str]]:
    return vault.conn.execute("SELECT rowid, text FROM case_search ORDER BY rowid").fetchall()


def test_every_kind_the_protocol_syncs_has_its_repository_parents_first(vault: Vault) -> None:
    from kimdesk.sync.protocol import SYNC_KINDS

    assert tuple(SyncTables(vault).repos) == SYNC_KINDS


def test_row_as_json_equals_the_models_json(vault: Vault) -> None:
    fill(vault, 15, seed=2)
    tables = SyncTables(vault)
    for kind, repo in tables.repos.items():
        for row in vault.conn.execute(f"{repo.select_sql} ORDER BY seq"):
            assert repo.row_as_json(row) == repo.from_row(row).model_dump(mode="json"), kind


def test_pending_rows_and_marks(vault: Vault) -> None:
    person = vault.people.add(Person(given_name="Amina", family_name="Haddad"))
    tables = SyncTables(vault)
    [row] = tables.records.pending_rows("persons", 0, 10)
    assert (row.id, row.revision, row.data["family_name"]) == (person.id, 1, "Haddad")
    assert tables.records.pending_rows("persons", row.seq, 10) == []
    with vault.transaction():
        tables.records.mark_clean("persons", [(person.id, 2)])  # an older revision: stays
    assert tables.records.pending_count() == 1
    with vault.transaction():
        tables.records.mark_clean("persons", [(person.id, 1)])
    assert tables.records.pending_count() == 0
    assert tables.records.revisions("persons", [person.id, "nope"]) == {person.id: 1}


def test_received_records_feed_the_search_index_like_a_rebuild(vault: Vault) -> None:
    """Few received records refresh their entries one by one, many in bulk; either way the
    index ends up as a full rebuild makes it."""
    tables = SyncTables(vault)
    for count in (3, FEW + 10):
        persons = [Person(given_name=f"Ömer{i}", family_name=f"Yıldız{count}",
                          family_name_latin=f"Yildiz{count}") for i in range(count)]
        cases = [Case(case_number=f"2025-R-{count}{i:04d}", person_id=p.id, owner="o")
                 for i, p in enumerate(persons)]
        notes = [Note(case_id=c.id, text=f"Wohnung {count}") for c in cases]
        with vault.transaction(), tables.inbox.receiving():
            for kind, records in (("persons", persons), ("cases", cases), ("notes", notes)):
                assert tables.inbox.apply(kind, [_remote(r) for r in records]) == count
        assert len(vault.search(f"yildiz{count}")) == count
        received = _search_rows(vault)
        with vault.transaction():
            vault.rebuild_search_index()
        assert received == _search_rows(vault)
    assert tables.records.pending_count() == 0


def test_a_record_without_its_parent_waits_parked(vault: Vault) -> None:
    tables = SyncTables(vault)
    person = Person(given_name="Omid", family_name="Rahimi")
    case = Case(case_number="2025-P-0001", person_id=person.id, owner="o")
    with vault.transaction(), tables.inbox.receiving():
        assert tables.inbox.apply("cases", [_remote(case)]) == 0
    assert tables.inbox.parked_count() == 1
    with vault.transaction(), tables.inbox.receiving():
        assert tables.inbox.apply("persons", [_remote(person)]) == 1
        assert tables.inbox.retry_parked() == 1
    assert tables.inbox.parked_count() == 0
    assert vault.search("rahimi")[0].case_id == case.id


def test_outbox_keeps_the_batch_until_removed(vault: Vault) -> None:
    tables = SyncTables(vault)
    assert tables.outbox.first() is None
    with vault.transaction():
        tables.outbox.add("b1", 1, b"one", {("cases", "x"): 3})
        tables.outbox.add("b2", 2, b"two", {})
    stored = tables.outbox.first()
    assert stored is not None and (stored.payload, stored.sent) == (b"one", {("cases", "x"): 3})
    with vault.transaction():
        tables.outbox.renumber("b1", "b9", 7, b"nine")  # drops the later batch
    stored = tables.outbox.first()
    assert stored is not None and stored.payload == b"nine"
    with vault.transaction():
        tables.outbox.remove("b9")
    assert tables.outbox.first() is None


def test_conflicts_move_from_open_to_resolving_to_resolved(vault: Vault) -> None:
    tables = SyncTables(vault)
    conflict = _Conflict("c1", "cases", "r1", "phone", base="1", theirs="2", mine="3")
    with vault.transaction():
        tables.conflicts.store([conflict])
    [stored] = tables.conflicts.by_status("open")
    assert (stored.base, stored.theirs, stored.mine) == ("1", "2", "3")
    assert tables.conflicts.target("c1") == ("cases", "r1", "phone")
    assert tables.conflicts.target("nope") is None
    with vault.transaction():
        tables.conflicts.mark_resolving("c1", "4")
        tables.conflicts.store([conflict])  # reported open again: stays resolving
    assert tables.conflicts.resolving() == {"r1": ["c1"]}
    with vault.transaction():
        tables.conflicts.mark_resolved("c1")
    assert [c.status for c in tables.conflicts.by_status(None)] == ["resolved"]


def test_forget_unseen_and_forget_server(vault: Vault) -> None:
    tables = SyncTables(vault)
    a = Person(given_name="A", family_name="Seen")
    b = Person(given_name="B", family_name="Unseen")
    with vault.transaction(), tables.inbox.receiving():
        tables.inbox.apply("persons", [_remote(a), _remote(b)])
        tables.state.put("token", "t")
    assert tables.forget_unseen({("persons", a.id)}) == 1
    assert tables.records.pending_ids("persons", [a.id, b.id]) == {b.id}
    assert tables.bases.record_keys() == [("persons", a.id)]
    tables.forget_server()
    assert tables.state.get("token") == ""
    assert tables.bases.record_keys() == []
    assert tables.records.pending_count() == 2
