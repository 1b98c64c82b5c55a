"""Pulled records are validated on the thread that fetched their page (kimdesk.sync.received),
so the vault's fast path, which writes a record without pydantic, stays fast and safe.

A review (2026-12-06) moved validation onto the applying thread for every record, which would
have cost about 13-21 us a record there, a sixth of a 10k pull; these tests hold the check on the
fetching thread and the fast path for records that passed it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.sync import received
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.protocol import PullPage, RemoteRecord
from kimdesk.vault.sync.rows import ReceivedRows


def test_a_real_pull_checks_on_the_fetching_thread_and_writes_by_the_fast_path(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a = make_vault("a.kdb", counselor="a")
    b = make_vault("b.kdb", counselor="b")
    for v, name in ((a, "a"), (b, "b")):
        enroll(v, sqlite_server.url, sqlite_server.service.create_enroll_code("Team Nord"),
               device_name=name)
    for i in range(30):
        suffix = chr(97 + i % 26) + chr(97 + i // 26)  # letters: a name needs Latin script
        a.people.add(Person(given_name="Test", family_name="Demir" + suffix))
    SyncEngine(a).sync()

    threads: list[int] = []
    checked = received.check_page

    def spy(page: PullPage) -> PullPage:
        threads.append(threading.get_ident())
        return checked(page)

    validated: list[str] = []
    original = ReceivedRows.validated

    def counting(self: ReceivedRows, data: dict[str, Any], *, pending: bool) -> Any:
        validated.append(str(data.get("id")))
        return original(self, data, pending=pending)

    monkeypatch.setattr("kimdesk.sync.transport.check_page", spy)
    monkeypatch.setattr(ReceivedRows, "validated", counting)
    report = SyncEngine(b).sync()
    assert report.pulled == 30
    assert threads and threading.get_ident() not in threads  # the fetching thread
    assert validated == []  # every record took the fast path, validated once, on that thread
    assert len(b.people.where("1 = 1", ())) == 30


def test_a_record_the_model_refuses_or_naming_another_id_is_not_marked() -> None:
    person = Person(given_name="Test", family_name="Demir").model_dump(
        mode="json", exclude={"revision", "pending"})
    good = RemoteRecord(kind="persons", id=person["id"], rev=1, seq=1, deleted=False,
                        data=person)
    bad = RemoteRecord(kind="persons", id=person["id"], rev=1, seq=2, deleted=False,
                       data=person | {"birth_date": "not a date"})
    other = RemoteRecord(kind="persons", id="0" * 32, rev=1, seq=3, deleted=False, data=person)
    unknown = RemoteRecord(kind="nonsense", id=person["id"], rev=1, seq=4, deleted=False,
                           data=person)
    def noted(*records: RemoteRecord) -> dict[str, set[str]]:
        return received.check_page(PullPage(records=list(records), next_cursor=9,
                                            more=False)).checked

    assert noted(good) == {"persons": {good.id}}
    assert noted(bad) == {"persons": set()}
    assert noted(other) == {"persons": set()}
    assert noted(unknown) == {"nonsense": set()}
    # a record sent twice counts as its last copy, the one the vault keeps
    assert noted(good, bad) == {"persons": set()}
    assert noted(bad, good) == {"persons": {good.id}}
