"""Two enrolled vaults in one team, a real server on 127.0.0.1: push, pull, converge, merge."""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import Phase
from kimdesk.domain.models import Note, Person
from tests.sync.helpers import snapshot


def _person(vault, family="Demir", given="Ayse"):
    return vault.people.add(Person(given_name=given, family_name=family))


def test_two_vaults_converge(server, make_device):
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    pa = _person(a.vault)
    case = a.vault.cases.open_case(pa.id, opened_on=date(2025, 3, 1))
    a.vault.notes.add(Note(case_id=case.id, text="first contact"))
    pb = _person(b.vault, "Kovalenko", "Olena")
    b.vault.cases.open_case(pb.id, opened_on=date(2025, 4, 1))

    ra = a.sync()
    rb = b.sync()
    a.sync()
    assert ra.pushed == 4 and rb.pushed == 3 and rb.pulled == 4
    assert snapshot(a) == snapshot(b)
    assert a.store.pending_count() == 0 and b.store.pending_count() == 0
    # the received case is findable by name on the other device
    assert [s.case_id for s in b.vault.search("Demir")] == [case.id]
    # a second run with nothing to do sends and receives nothing
    again = b.sync()
    assert again.pushed == 0 and again.pulled == 0 and not again.resynced


def test_different_fields_merge_same_field_conflicts(server, make_device):
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    p = _person(a.vault)
    case = a.vault.cases.open_case(p.id, opened_on=date(2025, 3, 1))
    a.sync()
    b.sync()
    # offline edits: different fields of the person merge; the same case field conflicts
    pa = a.vault.people.get(p.id)
    a.vault.people.update(pa.model_copy(update={"phone": "0201 111"}))
    pb = b.vault.people.get(p.id)
    b.vault.people.update(pb.model_copy(update={"address": "Ruhrallee 1, Essen"}))
    ca = a.vault.cases.get(case.id)
    a.vault.cases.update(ca.model_copy(update={"referral_source": "Jobcenter"}))
    cb = b.vault.cases.get(case.id)
    b.vault.cases.update(cb.model_copy(update={"referral_source": "Ausländerbehörde"}))

    a.sync()
    report = b.sync()
    a.sync()
    assert report.results.get("merged") == 1 and report.results.get("conflict") == 1
    for dev in (a, b):
        person = dev.vault.people.get(p.id)
        assert (person.phone, person.address) == ("0201 111", "Ruhrallee 1, Essen")
        assert dev.vault.cases.get(case.id).referral_source == "Jobcenter"  # first write stays
    # the conflict is shown on both devices, the losing value kept
    for dev in (a, b):
        [conflict] = dev.store.conflicts()
        assert (conflict.field, conflict.theirs, conflict.mine) == (
            "referral_source", "Jobcenter", "Ausländerbehörde")
    [kept] = server.service.conflict_history("Team Nord")
    assert kept.mine == "Ausländerbehörde"

    # bob resolves with a merged value; both devices end equal, the conflict closed everywhere
    conflict = b.store.conflicts()[0]
    b.store.resolve(conflict.id, "Jobcenter / Ausländerbehörde")
    b.sync()
    a.sync()
    assert a.vault.cases.get(case.id).referral_source == "Jobcenter / Ausländerbehörde"
    assert a.store.conflicts() == [] and b.store.conflicts() == []
    assert snapshot(a) == snapshot(b)


def test_phase_change_and_delete_travel(server, make_device):
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    p = _person(a.vault)
    case = a.vault.cases.open_case(p.id, opened_on=date(2025, 3, 1))
    note = a.vault.notes.add(Note(case_id=case.id, text="to be removed"))
    a.sync()
    b.sync()
    b.vault.cases.transition(case.id, Phase.ASSESSMENT)
    b.vault.notes.delete(note.id)
    b.sync()
    a.sync()
    assert a.vault.cases.get(case.id).phase is Phase.ASSESSMENT
    assert a.vault.notes.for_case(case.id) == []
    assert len(a.vault.transitions.for_case(case.id)) == 2
    assert snapshot(a) == snapshot(b)


def _found(vault, words):
    """The exact hits of each word (the search also lists name variants after them)."""
    from kimdesk.vault.search import match_expression

    return {w: sorted(r[0] for r in vault.conn.execute(
        "SELECT c.id FROM case_search s JOIN cases c ON c.seq = s.rowid"
        " WHERE case_search MATCH ?", (match_expression(w),))) for w in words}


def _searched(vault, words):
    """What the search lists for each word, name variants included, in its order."""
    return {w: [s.case_id for s in vault.search(w)] for w in words}


def test_search_follows_received_edits_and_skips_unchanged_ones(server, make_device):
    """Received renames, note moves and new cases update the search index on the other device
    (in bulk for many records, one by one for a few); edits of fields outside the index leave
    it as it was. Either way the index answers exactly like one rebuilt from scratch."""
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    cases = []
    for i in range(60):
        p = _person(a.vault, "Family" + chr(65 + i // 26) + chr(65 + i % 26), "Given")
        cases.append(a.vault.cases.open_case(p.id, opened_on=date(2025, 3, 1)))
    note = a.vault.notes.add(Note(case_id=cases[0].id, text="Wohnungsbesichtigung"))
    a.sync()
    b.sync()
    words = ["FamilyAA", "FamilyAH", "Renamed", "Wohnungsbesichtigung", "Given"]
    assert _found(b.vault, words)["FamilyAH"] == [cases[7].id]
    for small in (True, False):  # a few records (one by one), then many (in bulk)
        person = a.vault.people.get(cases[7].person_id)
        a.vault.people.update(person.model_copy(update={"family_name": f"Renamed{small}",
                                                        "family_name_latin": ""}))
        moved = a.vault.notes.get(note.id)
        target = cases[1] if small else cases[2]
        a.vault.notes.update(moved.model_copy(update={"case_id": target.id}))
        if not small:
            for case in cases:
                fresh = a.vault.cases.get(case.id)
                a.vault.cases.update(fresh.model_copy(update={"referral_source": "Kita"}))
        a.sync()
        b.sync()
        got = _found(b.vault, [*words, f"Renamed{small}"])
        assert got[f"Renamed{small}"] == [cases[7].id]
        assert got["FamilyAH"] == []
        assert got["Wohnungsbesichtigung"] == [target.id]
        listed = _searched(b.vault, [*words, f"Renamed{small}"])
        with b.vault.transaction():
            b.vault.rebuild_search_index()
        assert _found(b.vault, [*words, f"Renamed{small}"]) == got
        assert _searched(b.vault, [*words, f"Renamed{small}"]) == listed
