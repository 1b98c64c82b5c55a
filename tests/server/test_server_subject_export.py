"""``kimdesk server subject-export``: the Auskunft (Art. 15 DSGVO) of what the server holds.

The server holds more about a person than any device: every earlier version of each record,
the conflicts with their losing values, the stored push receipts, which device wrote what.
Two real devices of a team sync a person with a case, a note, a consultation and a file through
a real server on 127.0.0.1 (SQLite and PostgreSQL); the person's address is edited twice and a
field is changed on both devices (a conflict); a second person of the same team has markers of
their own. The real command, in its own process, must write every marker of the first person
(the earlier addresses and the losing value too, the file as a copy) into a 0600 file, none of
the second, none to the terminal, find the person by case number, case id and person id, refuse
an unknown one and another team in one line, say that a purged one was deleted, speak German,
and change nothing in the database but its one audit row (kimdesk/server/audit_trail.py).
"""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kimdesk.domain.models import Consultation, Note, Person
from kimdesk.server import db
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.vault.purge import PurgeOrder, purge_person
from tests.sync.helpers import Device
from tests.test_cli import run

#: The first person's markers, each in one place on the server.
HERS = {"name": "Ylvarosa", "first_address": "Birkenweg-Quastel 1",
        "second_address": "Ahornplatz-Quastel 2", "address": "Zedernhof-Quastel 3",
        "note": "Notiz-Quastel-Wasserhahn", "consultation": "Beratung-Quastel-Mietvertrag",
        "phone": "0521-4711-Quastel", "losing_phone": "0521-0815-Verliert",
        "moved_away": "Wegnotiz-Quastel-Irrtum", "moved_in": "Angekommen-Quastel-Notiz"}
FILE = b"%PDF-1.4 Bescheid-Quastel-Jobcenter"
#: The second person's, of the same team.
OTHERS = {"name": "Fremdulf", "first_address": "Fremdgasse-Kennwort 9",
          "address": "Fremdgasse-Kennwort 10", "note": "Fremdnotiz-Kennwort",
          "moved_away": "Fremd-Irrtum-Kennwort", "moved_in": "Fremd-Angekommen-Kennwort"}
GONE = "Geloescht-Quastel-Person"


def _record(alice: Device, markers: dict[str, str]) -> tuple[str, str, str]:
    """A person with a case, a note and a consultation on Alice's device: (person, case id,
    case number)."""
    vault = alice.vault
    person = vault.people.add(Person(given_name=markers["name"], family_name="Testperson",
                                     address=markers["first_address"]))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 3, 2))
    vault.notes.add(Note(case_id=case.id, text=markers["note"]))
    if "moved_away" in markers:
        vault.notes.add(Note(case_id=case.id, text=markers["moved_away"]))
    if "consultation" in markers:
        consultation = vault.consultations.add(Consultation(
            case_id=case.id, date=date(2026, 3, 9), summary=markers["consultation"]))
        vault.attachments.store(case_id=case.id, consultation_id=consultation.id,
                                question="doc", file_name="bescheid.pdf",
                                media_type="application/pdf", content=FILE)
    return person.id, case.id, case.case_number


def _move(device: Device, case_id: str, text: str, to: str, new_text: str) -> None:
    """The note ``text`` of ``case_id`` put onto case ``to`` and rewritten (typed into the
    wrong case): its first version stays in the server's history, on the first case."""
    [note] = [n for n in device.vault.notes.where("case_id = ?", (case_id,)) if n.text == text]
    device.vault.notes.update(note.model_copy(update={"case_id": to, "text": new_text}))
    device.sync()


def _edit(device: Device, person_id: str, **fields: str) -> None:
    person = device.vault.people.get(person_id)
    device.vault.people.update(person.model_copy(update=fields))
    device.sync()


def _stored(server: EmbeddedServer) -> Any:
    """What a write would change, but for the audit trail: every row of every other table
    (SQLite: with its ``rowid``; PostgreSQL: with its row version ``xmin``, which an UPDATE to
    the same values changes too), and the trail's rows apart. Until the audit trail (revision
    0006) the SQLite file's bytes were compared: each export now writes its one row."""
    pg = server.db_url.startswith("postgresql")
    with server.service.engine.connect() as conn:
        tables = {table: sorted(map(str, conn.execute(text(
                      f"SELECT {'xmin::text' if pg else 'rowid'}, t.* FROM {table} t")).all()))
                  for table in (*db.metadata.tables, "alembic_version")
                  if table != db.audit_trail.name}
        trail = [tuple(r) for r in conn.execute(text("SELECT * FROM audit_trail ORDER BY seq"))]
    return tables, trail


def test_the_server_auskunft_holds_everything_of_the_person_and_nothing_of_another(
        server: EmbeddedServer, make_device: Callable[..., Device], tmp_path: Path) -> None:
    alice = make_device(server, "alice")
    bob = make_device(server, "bob")
    make_device(server, "carol", team="Team Süd")
    person, case_id, number = _record(alice, HERS)
    other, other_case, _ = _record(alice, OTHERS)
    gone, _gone_case, _ = _record(alice, {"name": GONE, "first_address": GONE, "note": GONE})
    alice.sync()
    bob.sync()
    _edit(alice, person, address=HERS["second_address"])
    _edit(alice, person, address=HERS["address"], phone=HERS["phone"])
    _edit(alice, other, address=OTHERS["address"])
    # a note of hers moved to his case, and one of his to hers: each version is whose case
    # it hung on then (the purge decides alike)
    _move(alice, case_id, HERS["moved_away"], other_case, OTHERS["moved_in"])
    _move(alice, other_case, OTHERS["moved_away"], case_id, HERS["moved_in"])
    _edit(bob, person, phone=HERS["losing_phone"])  # from the first version: a conflict
    purge_person(alice.vault, gone, PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="alice",
                                               reason="subject_request", on=date(2026, 4, 1)))
    alice.sync()
    with server.service.engine.connect() as conn:
        [(mine,)] = conn.execute(text("SELECT mine FROM conflicts")).all()
    assert json.loads(mine) == HERS["losing_phone"]
    before = _stored(server)

    out = tmp_path / "dsb" / "auskunft"
    res = run("server", "subject-export", number, "-o", str(out), "--db", server.db_url)
    assert res.returncode == 0, res.stderr
    path = out / f"server-auskunft-{number}.json"
    assert str(path) in res.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    told = res.stdout + res.stderr
    assert [m for m in (*HERS.values(), *OTHERS.values()) if m in told] == []
    assert "Team: Team Nord" in res.stdout and "Earlier versions: " in res.stdout

    written = path.read_text(encoding="utf-8")
    assert [m for m in HERS.values() if m not in written] == []
    assert [m for m in (*OTHERS.values(), GONE) if m in written] == []
    data = json.loads(written)
    assert data["auskunft"]["legal_basis"] == "Art. 15 DSGVO, § 83 SGB X"
    assert data["auskunft"]["team"] == "Team Nord" and data["auskunft"]["server_id"]
    # every earlier version, by whom; the conflict with its losing value; the devices by name
    versions = data["person"]["earlier_versions"]
    assert [v["data"]["address"] for v in versions][:2] == [HERS["first_address"],
                                                            HERS["second_address"]]
    assert {v["written_by"]["device_name"] for v in versions} == {"alice"}
    assert data["person"]["written_by"]["device_name"] == "bob"  # the merged version
    [conflict] = data["conflicts"]
    assert (conflict["field"], conflict["theirs"], conflict["mine"]) == (
        "phone", HERS["phone"], HERS["losing_phone"])
    assert conflict["mine_from"]["device_name"] == "bob"
    assert any(c["mine"] == HERS["losing_phone"] for r in data["receipts"]
               for c in r["conflicts"])
    assert {d["device_name"] for d in data["recipients"]} == {"alice", "bob"}
    [case] = data["cases"]
    assert case["id"] == case_id and case["retention"]["months"] == 36
    [attachment] = case["attachments"]
    assert base64.b64decode(attachment["data"]["content"]) == FILE  # a copy (Art. 15 (3))
    assert sorted(n["data"]["text"] for n in case["notes"]) == sorted([HERS["note"],
                                                                       HERS["moved_in"]])
    [moved] = data["versions_moved_away"]
    assert (moved["data"]["text"], moved["data"]["case_id"]) == (HERS["moved_away"], case_id)
    assert data["versions_left_out"] == 1  # the first version of the note moved in: his

    # the case id and the person id find the same; German; unknown, purged, another team
    for ident in (case_id, person):
        again = run("server", "subject-export", ident, "-o", str(tmp_path / ident),
                    "--db", server.db_url)
        assert again.returncode == 0, again.stderr
        [found] = (tmp_path / ident).iterdir()
        same = json.loads(found.read_text(encoding="utf-8"))
        assert (same["person"], same["cases"]) == (data["person"], data["cases"])
    german = run("server", "subject-export", number, "-o", str(tmp_path / "de"),
                 "--db", server.db_url, lang="de")
    assert german.returncode == 0, german.stderr
    assert "Auskunft vom Server geschrieben" in german.stdout
    assert "Frühere Fassungen: " in german.stdout
    refusals = {
        "unknown": (["2026-XX-000099"], "Nothing on the server matches \"2026-XX-000099\""),
        "other team": ([number, "--team", "Team Süd"], "Nothing of team Team Süd"),
        "no database": (["x", "--db", f"sqlite:///{tmp_path / 'none.db'}"],
                        "No server database at"),
    }
    for what, (args, said) in refusals.items():
        refused = run("server", "subject-export", *args[:1], "-o", str(tmp_path / "no"),
                      *(args[1:] if "--db" in args else [*args[1:], "--db", server.db_url]))
        assert refused.returncode != 0, what
        assert said in refused.stderr and refused.stderr.count("\n") == 1, (what, refused.stderr)
        assert refused.stdout == "" and "Traceback" not in refused.stderr
    assert not (tmp_path / "no").exists() and not (tmp_path / "none.db").exists()
    not_a_folder = run("server", "subject-export", number, "-o", str(path), "--db",
                       server.db_url)  # -o names the file written before
    assert not_a_folder.returncode != 0 and "Cannot write" in not_a_folder.stderr
    assert "Traceback" not in not_a_folder.stderr and not_a_folder.stderr.count("\n") == 1
    # the purged person is found, and the file says so (tests/server/
    # test_server_subject_export_deleted.py; refused with one line until 2026-12-07)
    purged = run("server", "subject-export", gone, "-o", str(tmp_path / "gone"), "--db",
                 server.db_url)
    assert purged.returncode == 0 and "deleted on 2026-04-01 (Art. 17 DSGVO)" in purged.stdout
    german_refusal = run("server", "subject-export", "2026-XX-000099", "-o", str(tmp_path / "no"),
                         "--db", server.db_url, lang="de")
    assert "Nichts auf dem Server passt zu" in german_refusal.stderr

    tables, trail = _stored(server)
    assert tables == before[0]  # read only: not a row, not a row version changed
    # but the trail: one row per export that read (four, the one whose file could not be
    # written, and the purged person's), before it read; none for a refused one
    assert trail[:len(before[1])] == before[1]
    assert [r[4] for r in trail[len(before[1]):]] == ["subject_export"] * 6
