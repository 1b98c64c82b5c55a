"""A purge also removes the earlier versions of records that hung on the purged case or person
then and hang elsewhere now (a note moved to another case, a case moved to another person).

The purge finds what hangs on a case by where it hangs now; a note moved away from the case
kept its versions from its time there in ``record_history`` (a review, 2026-12-06, left open
then). Both backends; the record that moved stays, with its later versions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server.app import create_app
from kimdesk.sync.protocol import Change
from tests.sync.helpers import service_push as _push


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[Any, Any]]:
    app = create_app(db_url)
    yield app.state.service, app.state.engine
    app.state.engine.dispose()


def _device(service: Any) -> Any:
    return service.authenticate(service.enroll(service.create_enroll_code("Team Nord")).token)


def _rows(engine: Any) -> str:
    """Every record version and conflict value the server keeps, as one text."""
    with engine.connect() as conn:
        return "\n".join(str(r[0]) for r in conn.execute(text(
            "SELECT data FROM records UNION ALL SELECT data FROM record_history"
            " UNION ALL SELECT base || theirs || mine FROM conflicts")))


def _versions(engine: Any, rid: str) -> list[int]:
    with engine.connect() as conn:
        return sorted(int(r[0]) for r in conn.execute(text(
            "SELECT rev FROM records WHERE id = :i UNION ALL"
            " SELECT rev FROM record_history WHERE id = :i"), {"i": rid}))


def _person(pid: str, family: str) -> Change:
    return Change(kind="persons", id=pid, base_rev=0,
                  changed={"given_name": "Test", "family_name": family})


def _case(cid: str, person: str, number: str) -> Change:
    return Change(kind="cases", id=cid, base_rev=0, changed={
        "case_number": number, "person_id": person, "owner": "anna", "opened_on": "2020-01-01"})


def _deletion(kind: str, target: str) -> Change:
    return Change(kind="deletions", id=str(uuid.uuid4()), base_rev=0, changed={
        "target_kind": kind, "target_id": target, "deleted_on": "2026-01-01",
        "legal_basis": "Art. 17 DSGVO", "ordered_by": "anna", "reason": "subject_request"})


def test_a_note_moved_off_a_case_loses_its_versions_from_there(served: Any) -> None:
    service, engine = served
    device = _device(service)
    p1, p2, first, second, note = (str(uuid.uuid4()) for _ in range(5))
    secret = "Abschiebungsandrohung-" + uuid.uuid4().hex
    _push(service, device, 1, [
        _person(p1, "Demir"), _person(p2, "Kaya"),
        _case(first, p1, "K-1"), _case(second, p2, "K-2"),
        Change(kind="notes", id=note, base_rev=0, changed={"case_id": first, "text": secret}),
    ])
    # filed on the wrong case: moved to the other one, its text rewritten
    _push(service, device, 2, [Change(kind="notes", id=note, base_rev=1, changed={
        "case_id": second, "text": "Termin beim Jobcenter vereinbart"})])
    _push(service, device, 3, [Change(kind="notes", id=note, base_rev=2, changed={
        "text": "Termin beim Jobcenter wahrgenommen"})])
    assert secret in _rows(engine)

    _push(service, device, 4, [_deletion("cases", first)])

    assert secret not in _rows(engine)
    assert first not in _rows(engine).replace('"target_id":"' + first, "")
    # the note lives on in the other case, with the versions from its time there
    assert _versions(engine, note) == [2, 3]
    with engine.connect() as conn:
        current = conn.execute(text("SELECT data FROM records WHERE id = :i"),
                               {"i": note}).scalar_one()
    assert second in current and "wahrgenommen" in current


def test_a_case_moved_to_another_person_loses_its_versions_from_the_first(served: Any) -> None:
    service, engine = served
    device = _device(service)
    p1, p2, moved, kept = (str(uuid.uuid4()) for _ in range(4))
    secret = "Fluchtgeschichte-" + uuid.uuid4().hex
    _push(service, device, 1, [
        _person(p1, "Demir"), _person(p2, "Kaya"), _case(kept, p2, "K-2"),
        Change(kind="cases", id=moved, base_rev=0, changed={
            "case_number": "K-1", "person_id": p1, "owner": "anna", "opened_on": "2020-01-01",
            "referral_source": secret}),
    ])
    _push(service, device, 2, [Change(kind="cases", id=moved, base_rev=1, changed={
        "person_id": p2, "referral_source": "Jobcenter"})])

    _push(service, device, 3, [_deletion("persons", p1)])

    assert secret not in _rows(engine)
    assert _versions(engine, moved) == [2]
    assert _versions(engine, kept) == [1]


def test_versions_of_records_that_never_hung_there_stay(served: Any) -> None:
    """Only versions that named the purged case: another case's note, which merely mentions
    the purged case's id in its text, keeps every version."""
    service, engine = served
    device = _device(service)
    p1, p2, first, second, note = (str(uuid.uuid4()) for _ in range(5))
    _push(service, device, 1, [
        _person(p1, "Demir"), _person(p2, "Kaya"),
        _case(first, p1, "K-1"), _case(second, p2, "K-2"),
        Change(kind="notes", id=note, base_rev=0,
               changed={"case_id": second, "text": f"siehe Fall {first}"}),
    ])
    _push(service, device, 2, [Change(kind="notes", id=note, base_rev=1,
                                      changed={"text": f"siehe Fall {first}, erledigt"})])

    _push(service, device, 3, [_deletion("cases", first)])

    assert _versions(engine, note) == [1, 2]


def test_a_push_of_several_deletions_finds_every_moved_version(served: Any) -> None:
    """The history is scanned once for all the deletions of a push (a review: one scan per
    deletion doubled a push of 50 deletions); each target's moved records are still found."""
    service, engine = served
    device = _device(service)
    people = [str(uuid.uuid4()) for _ in range(3)]
    cases = [str(uuid.uuid4()) for _ in range(3)]
    notes = [str(uuid.uuid4()) for _ in range(2)]
    secrets = [f"Geheimnis-{i}-" + uuid.uuid4().hex for i in range(2)]
    _push(service, device, 1, [
        *(_person(p, "Demir") for p in people),
        *(_case(c, p, f"K-{i}") for i, (c, p) in enumerate(zip(cases, people, strict=True))),
        *(Change(kind="notes", id=n, base_rev=0, changed={"case_id": cases[i], "text": s})
          for i, (n, s) in enumerate(zip(notes, secrets, strict=True))),
    ])
    _push(service, device, 2, [Change(kind="notes", id=n, base_rev=1, changed={
        "case_id": cases[2], "text": "verschoben"}) for n in notes])

    _push(service, device, 3, [_deletion("cases", cases[0]), _deletion("cases", cases[1])])

    kept = _rows(engine)
    assert not [s for s in secrets if s in kept]
    assert [_versions(engine, n) for n in notes] == [[2], [2]]
