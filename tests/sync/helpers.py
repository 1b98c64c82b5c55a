"""Shared fixtures for the sync and server tests: real servers on 127.0.0.1, real vaults.

``db_url`` is SQLite always and PostgreSQL too when ``KIMDESK_TEST_PG_URL`` is set; with
``KIMDESK_REQUIRE_PG=1`` a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update

from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, enroll
from kimdesk.sync.store import SyncStore

PG_URL = os.environ.get("KIMDESK_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("KIMDESK_REQUIRE_PG") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def reset_pg(url: str) -> None:
    """Empty the test database (tables of an earlier test, the alembic version)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def backend_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("KIMDESK_REQUIRE_PG=1 but KIMDESK_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL (set KIMDESK_TEST_PG_URL)")
    reset_pg(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


@pytest.fixture
def server(db_url: str) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(db_url).start()
    yield srv
    srv.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(f"sqlite:///{tmp_path / 'server.db'}").start()
    yield srv
    srv.stop()


class Device:
    """A vault enrolled with a server, and its engine."""

    def __init__(self, vault: Any, engine: SyncEngine) -> None:
        self.vault = vault
        self.engine = engine
        self.store: SyncStore = engine.store

    def sync(self) -> Any:
        return self.engine.sync()


@pytest.fixture
def make_device(make_vault: Callable[..., Any]) -> Iterator[Callable[..., Device]]:
    made: list[Device] = []

    def factory(srv: EmbeddedServer, name: str, team: str = "Team Nord", **kw: Any) -> Device:
        vault = make_vault(f"{name}.kdb", counselor=name, team=team)
        code = srv.service.create_enroll_code(team)
        enroll(vault, srv.url, code, device_name=name)
        device = Device(vault, SyncEngine(vault, **kw))
        made.append(device)
        return device

    yield factory
    for d in made:
        d.engine.close()


def enrolled_then_offline(make_vault: Callable[..., Any], tmp_path: Path) -> tuple[Any, int]:
    """A vault enrolled with a server that is gone since (its port closed): the vault and the
    port it had."""
    server = EmbeddedServer(tmp_path / "srv.db").start()
    vault = make_vault("o.kdb")
    enroll(vault, server.url, server.service.create_enroll_code("Team Nord"))
    port = server.port
    server.stop()
    return vault, port


def snapshot(device: Device) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record of a vault without local metadata (revision, pending)."""
    return {(k, i): d for k, i, d in device.store.iter_records()}


def pushed(server: EmbeddedServer, device: Device,
           changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Push raw ``changes`` as the device's next batch (its own numbering), gzip-compressed as
    the app sends them; the receipt's results."""
    seq = int(device.store.get("batch_seq", "0")) + 1
    device.store.set_many({"batch_seq": seq})
    body = gzip.compress(json.dumps(
        {"batch_id": uuid.uuid4().hex, "batch_seq": seq, "changes": changes}).encode())
    r = httpx.post(server.url + "/v1/push", content=body, timeout=60, headers={
        "Authorization": f"Bearer {device.store.get('token')}", "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def service_push(service: Any, device: Any, seq: int, changes: list[Any]) -> Any:
    """A batch of ``changes`` straight to a ``SyncService`` (no HTTP), as batch ``seq``."""
    import hashlib

    from kimdesk.sync.protocol import PushRequest

    request = PushRequest(batch_id=uuid.uuid4().hex, batch_seq=seq, changes=changes)
    return service.push(device, request, hashlib.sha256(request.batch_id.encode()).hexdigest())


def case_changes(case_id: str, person_id: str = "") -> list[Any]:
    """A new person and a new case ``case_id`` on them, to go first in a batch with records of
    the case: the server refuses a record whose case (a case whose person) it does not hold
    (``kimdesk.server.plausibility.PARENTS``)."""
    from kimdesk.sync.protocol import Change

    person_id = person_id or str(uuid.uuid4())
    return [Change(kind="persons", id=person_id, base_rev=0,
                   changed={"given_name": "Ayse", "family_name": "Demir"}),
            Change(kind="cases", id=case_id, base_rev=0, changed={
                "case_number": f"K-{case_id[:8]}", "person_id": person_id, "owner": "anna",
                "opened_on": "2025-01-01"})]


def person_change(rid: str, base_rev: int, phone: str) -> Any:
    """A person's change from ``base_rev``, the phone number telling the versions apart."""
    from kimdesk.sync.protocol import Change

    return Change(kind="persons", id=rid, base_rev=base_rev,
                  changed={"given_name": "Ayse", "family_name": "Demir", "phone": phone})


def migrate_to(conn: Any, revision: str, *, down: bool = False) -> None:
    """The server database on ``conn`` upgraded (or ``down``-graded) to an Alembic revision."""
    from alembic import command

    from kimdesk.server.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)
    conn.commit()


def pull_pages(server: EmbeddedServer, device: Device, limit: int, *, own: bool = False
               ) -> list[tuple[int, dict[str, Any]]]:
    """Every pull page from cursor 0 as the server builds it for ``device`` (its JSON parsed),
    each with the cursor it was asked from."""
    dev = server.service.authenticate(device.store.get("token"))
    pages: list[tuple[int, dict[str, Any]]] = []
    since = 0
    while True:
        page = json.loads(server.service.pull_json(dev, since, limit, own=own))
        pages.append((since, page))
        assert page["next_cursor"] > since or not page["more"], (since, page["next_cursor"])
        since = page["next_cursor"]
        if not page["more"]:
            return pages


def form_answers(i: int, side: str) -> dict[str, Any]:
    """A consultation's answers to the first interview and the help plan as the shipped forms
    record them (resources/forms/): some tens of questions, lists of codes, a repeat of four
    goals; about 75 JSON items. ``side`` tells two devices' versions apart."""
    goals = [{"field": f, "goal_text": f"Ziel {n} ({side}): Unterlagen, Termin, Rückmeldung",
              "steps": f"Antrag stellen, Bescheid prüfen ({side})", "responsible": "person",
              "review_date": f"2027-0{n + 1}-15", "status": "open"}
             for n, f in enumerate(["arbeit", "wohnen", "gesundheit", "sprache"])]
    return {
        "consultation_date": "2026-11-23", "duration": 45 + i % 60,
        "contact_source": "jobcenter", "place": "office", "interpreter": "yes",
        "interpreter_language": "ar", "origin_country": "SY", "arrival_date": "2019-05-01",
        "residence_status": "aufenthaltserlaubnis", "residence_until": "2027-04-30",
        "household_size": 4, "children_count": 2, "housing": "shared",
        "health_insurance": "gkv", "income": "sgb2", "school_degree": "secondary",
        "vocational_training": "none", "recognition": "pending", "german_level": "b1",
        "employment": "seeking", "debts": "no", "kim_eligible": "yes",
        "handlungsfelder": ["arbeit", "wohnen", "gesundheit", "sprache"],
        "rechtskreise": ["sgb2", "sgb12", "aufenthg"],
        "languages_spoken": ["ar", "de", "en"], "urgent": "no",
        "next_appointment": "2026-12-14", "plan_date": "2026-11-23",
        "goals": goals, "summary": f"Erstgespräch {i} ({side}): Lage besprochen, Ziele vereinbart.",
    }


def conflicting_consultations(server: EmbeddedServer, a: Device, b: Device, count: int, *,
                              moved: int = 1) -> list[str]:
    """``count`` consultations of one case that ``a`` and ``b`` both changed from the same
    version, pushed raw (:func:`pushed`): the server holds one conflict on the form answers for
    each, and one on the summary for every third. Then ``a`` changes every ``moved``-th once
    more, as a team works on: those records move past their conflicts, which stay at their
    change numbers (with ``moved=1`` a range of numbers holds thousands of conflicts and no
    record). The consultations' ids."""
    from datetime import date

    from kimdesk.domain.models import Person
    from kimdesk.server.common import now_iso

    person = a.vault.people.add(Person(given_name="Olena", family_name="Kovalenko"))
    case = a.vault.cases.open_case(person.id, opened_on=date(2026, 1, 5))
    a.sync()
    stamp = now_iso()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    chunks = [range(n, min(n + 5000, count)) for n in range(0, count, 5000)]
    for part in chunks:
        pushed(server, a, [{
            "kind": "consultations", "id": ids[i], "base_rev": 0, "created_at": stamp,
            "updated_at": stamp, "changed": {
                "case_id": case.id, "date": "2026-11-23", "form_id": "erstgespraech",
                "form_version": "2", "answers": form_answers(i, "base"), "summary": "base"}}
            for i in part])
    for dev, side in ((a, "A"), (b, "B")):
        for part in chunks:
            results = pushed(server, dev, [{
                "kind": "consultations", "id": ids[i], "base_rev": 1, "updated_at": stamp,
                "changed": {"answers": form_answers(i, side)}
                | ({"summary": side} if i % 3 == 0 else {})} for i in part])
            assert all(r["status"] == ("applied" if dev is a else "conflict")
                       for r in results), results[:1]
    for part in chunks:
        results = pushed(server, a, [{
            "kind": "consultations", "id": ids[i], "base_rev": 3, "updated_at": stamp,
            "changed": {"title": f"Erstgespräch {i}"}} for i in part if i % moved == 0])
        assert {r["status"] for r in results} <= {"applied"}, results[:1]
    return ids


def stored_behind_the_checks(server: EmbeddedServer, record: Any, *, rev: int = 1,
                             team: str = "Team Nord", **extra: Any) -> None:
    """Store ``record`` for ``team`` as a server of before 2026-12-06 did without checking its
    parent, or a newer one with a field this version does not know (``extra``): the team's next
    change number (the team must exist: a device of it enrolled)."""
    data = record.model_dump(mode="json", exclude={"revision", "pending"}) | extra
    stamp = datetime.now(UTC).isoformat()
    with server.service.engine.begin() as conn:
        seq = int(conn.execute(select(db.teams.c.change_seq)
                               .where(db.teams.c.name == team)).scalar_one()) + 1
        values = dict(team=team, rev=rev, seq=seq, deleted=False, data=json.dumps(data),
                      updated_at=data["updated_at"], updated_by="older-server",
                      batch_id="", written_at=stamp)
        exists = conn.execute(select(db.records.c.rev).where(
            db.records.c.kind == record.KIND, db.records.c.id == record.id)).first()
        if exists is None:
            conn.execute(insert(db.records).values(kind=record.KIND, id=record.id, **values))
        else:
            conn.execute(update(db.records).where(
                db.records.c.kind == record.KIND, db.records.c.id == record.id).values(**values))
        conn.execute(update(db.teams).where(db.teams.c.name == team)
                     .values(change_seq=seq))


def removed_on_server(server: EmbeddedServer, record: Any) -> None:
    """Delete ``record`` on the server behind its back (an administrator's cleanup)."""
    with server.service.engine.begin() as conn:
        conn.execute(db.records.delete().where(db.records.c.kind == record.KIND,
                                               db.records.c.id == record.id))


def backup_copy(path: Path, backup: Path) -> None:
    """A backup program's copy of a vault: the file, and its log and shared memory where they
    lie beside it (a vault copied while open)."""
    shutil.copy(path, backup)
    for suffix in ("-wal", "-shm"):
        if path.with_name(path.name + suffix).exists():
            shutil.copy(path.with_name(path.name + suffix), backup.with_name(backup.name + suffix))
