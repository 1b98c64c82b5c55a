"""Issue 18, item 6 over sync: a consultation's title and its unrecorded duration (None) travel
from one device through a real server to another and back, on SQLite and PostgreSQL; an older
client that knows neither (no ``title``, always a duration) still syncs, its consultation
arriving with the empty title; a title longer than the model allows is refused by the server
with a reason."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from kimdesk.domain.models import Consultation, Person, new_id
from kimdesk.server.db import records
from kimdesk.sync.protocol import Change, ChangeStatus, PushRequest
from kimdesk.sync.transport import Transport

TITLE = "Termin Jobcenter vorbereitet"


def _old_client_push(server: Any, case_id: str) -> tuple[str, Any]:
    """A consultation as a client from before step 11 sends it: every field but ``title``,
    with the 60 minutes it assumed."""
    code = server.service.create_enroll_code("Team Nord")
    token = Transport(server.url).enroll(code, "old", str(uuid.uuid4())).token
    rid = new_id()
    stamp = datetime.now(UTC).isoformat()
    changed = {"id": rid, "deleted": False, "case_id": case_id, "date": "2026-02-02",
               "duration_minutes": 60, "place": "office", "place_detail": "",
               "interpreter_used": False, "interpreter_language": None, "language": "de",
               "form_id": None, "form_version": None, "answers": {},
               "summary": "Old client", "counselor": "old"}
    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=1, changes=[Change(
        kind="consultations", id=rid, base_rev=0, changed=changed, updated_at=stamp,
        created_at=stamp)])
    return rid, Transport(server.url, token).push(request.model_dump_json().encode())


def test_title_and_unknown_duration_round_trip(server: Any, make_device: Any) -> None:
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    person = a.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = a.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    c = a.vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 3),
                                               title=TITLE, counselor="alice"))
    assert c.duration_minutes is None
    a.sync()
    b.sync()
    got = b.vault.consultations.get(c.id)
    assert (got.title, got.duration_minutes, got.pending) == (TITLE, None, False)
    # stored on the server as JSON with the title and a null duration
    with server.service.engine.connect() as conn:
        text = conn.execute(select(records.c.data).where(records.c.id == c.id)).scalar_one()
    assert json.loads(text)["title"] == TITLE and json.loads(text)["duration_minutes"] is None

    # the other device edits the title and records a duration; it comes back
    b.vault.consultations.update(got.model_copy(update={"title": "Folgetermin",
                                                        "duration_minutes": 45}))
    b.sync()
    a.sync()
    back = a.vault.consultations.get(c.id)
    assert (back.title, back.duration_minutes, back.pending) == ("Folgetermin", 45, False)
    # and clears the duration again (not recorded after all): None travels as a change too
    a.vault.consultations.update(back.model_copy(update={"duration_minutes": None}))
    a.sync()
    b.sync()
    assert b.vault.consultations.get(c.id).duration_minutes is None

    # an older client without the field still syncs; its consultation has the empty title
    rid, receipt = _old_client_push(server, case.id)
    assert [r.status for r in receipt.results] == [ChangeStatus.APPLIED]
    b.sync()
    old = b.vault.consultations.get(rid)
    assert (old.title, old.duration_minutes, old.summary) == ("", 60, "Old client")

    # a forged row with a title over 200 characters is refused by the server, with a reason
    forged = back.model_copy(update={"id": new_id(), "title": "x" * 201, "revision": 1,
                                     "pending": True})
    with a.vault.transaction():
        a.vault.consultations.insert_many([forged])
    report = a.sync()
    assert report.results.get("rejected") == 1
    b.sync()
    assert b.vault.consultations.where("id = ?", (forged.id,)) == []
