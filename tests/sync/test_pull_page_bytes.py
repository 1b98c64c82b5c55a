"""A review of the pull page's byte bound for every kind (2026-12-06): pages cut at their bytes
skip and repeat nothing, notes and attachments mixed, for the team's pull and the device's own
(full resync) pull, at several page sizes; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import text

from kimdesk.domain.models import Consultation, Note, Person
from kimdesk.server import pull
from kimdesk.server.embedded import EmbeddedServer
from tests.sync.helpers import Device, pull_pages, snapshot

BOUND = 60_000


def _walk(server: EmbeddedServer, device: Device, limit: int, own: bool
          ) -> tuple[list[tuple[str, str, int]], list[str], int]:
    """Every page from cursor 0: the records, the conflicts' ids, the pages."""
    records: list[tuple[str, str, int]] = []
    conflicts: list[str] = []
    pages = pull_pages(server, device, limit, own=own)
    for _since, page in pages:
        size = sum(len(json.dumps(r["data"])) for r in page["records"])
        assert len(page["records"]) == 1 or size <= BOUND * 1.1, size
        records += [(r["kind"], r["id"], r["seq"]) for r in page["records"]]
        conflicts += [c["id"] for c in page["conflicts"]]
    return records, conflicts, len(pages)


def test_cut_pages_skip_and_repeat_nothing(server: EmbeddedServer,
                                           make_device: Callable[..., Device],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull, "PULL_PAGE_BYTES", BOUND)
    a = make_device(server, "alice")
    b = make_device(server, "bob")
    person = a.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = a.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    cons = a.vault.consultations.add(Consultation(case_id=case.id, date=date(2026, 2, 3)))
    notes = []
    for i in range(40):
        size = [300, 9_000, 25_000, 63_000, 59_000][i % 5]  # some alone over the bound
        notes.append(a.vault.notes.add(Note(case_id=case.id, text=f"{i}, [x] " + "y" * size)))
        if i % 4 == 0:
            a.vault.attachments.store(case_id=case.id, consultation_id=cons.id,
                                      question="pic", file_name=f"f{i}.jpg",
                                      media_type="image/jpeg", content=bytes([i]) * (i * 1500))
    assert not a.sync().results.get("rejected")
    b.sync()
    for i, n in enumerate(notes):  # both write after: the team's pull leaves each's own out
        dev = a if i % 2 else b
        rec = dev.vault.notes.get(n.id)
        dev.vault.notes.update(rec.model_copy(update={"text": rec.text + " (ergänzt)"}))
        dev.sync()
    for n in notes[:6]:  # the same notes on both, unsynced: conflicts in the pages' ranges
        for dev in (a, b):
            rec = dev.vault.notes.get(n.id)
            side = "A" if dev is a else "B"
            dev.vault.notes.update(rec.model_copy(update={"text": f"geändert auf {side}"}))
    for _ in range(2):
        a.sync()
        b.sync()
    assert snapshot(a) == snapshot(b)

    with server.service.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, id, seq, updated_by FROM records")).all()
        n_conflicts = conn.execute(text("SELECT count(*) FROM conflicts")).scalar()
    assert n_conflicts == 6
    for device in (a, b):
        me = server.service.authenticate(device.store.get("token")).id
        for own in (True, False):
            want = sorted((k, i, s) for k, i, s, by in rows if own or by != me)
            for limit in (1, 2, 7, 5000):
                got, conflicts, pages = _walk(server, device, limit, own)
                assert max(Counter(got).values()) == 1
                assert sorted(got) == want, (own, limit)
                assert [s for _, _, s in got] == sorted(s for _, _, s in got)
                assert len(conflicts) == len(set(conflicts)) == n_conflicts
                if limit == 5000:
                    assert pages > 10, pages
