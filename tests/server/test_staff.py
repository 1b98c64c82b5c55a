"""Staff on the server (revision 0011; docs/deployment.md, "Staff"): ``kimdesk server staff
add | list | deactivate`` and ``enroll-code --staff`` end to end, as municipal IT scripts them
(the real command in its own process), with a real server on 127.0.0.1 and real vaults, on
SQLite and PostgreSQL. None of it existed before: every test here failed on the code before
(no such command, no such option, no column ``staff_id``)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.server import audit_trail
from kimdesk.server.db import make_engine
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import DeviceRevoked, SyncEngine, enroll


def kimdesk(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kimdesk.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "KIMDESK_LANG": lang}, timeout=120)


def ok(*args: str) -> str:
    out = kimdesk(*args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def add_staff(db: str, team: str, name: str) -> str:
    new = ok("server", "staff", "add", "--team", team, "--name", name, "--db", db).strip()
    assert str(uuid.UUID(new)) == new  # the id alone on its line: ID=$(kimdesk ...)
    return new


def code_for(db: str, team: str, member: str) -> str:
    out = ok("server", "enroll-code", "--team", team, "--staff", member, "--db", db)
    assert member in out.splitlines()[0]
    return out.strip().splitlines()[-1]


def devices(db: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ok("server", "devices", "--db", db).splitlines()]


def audit_rows(db: str) -> list[Any]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            assert audit_trail.verify(conn).broken is None
            return list(conn.execute(text("SELECT * FROM audit_trail ORDER BY seq")))
    finally:
        engine.dispose()


def test_a_staff_bound_code_enrolls_their_device_and_deactivation_revokes_it(
        db_url: str, make_vault: Any) -> None:
    anna = add_staff(db_url, "Team Nord", "Anna Beispiel")
    ben = add_staff(db_url, "Team Nord", "Ben Probe")
    listed = [json.loads(line) for line in
              ok("server", "staff", "list", "--team", "Team Nord", "--db", db_url).splitlines()]
    assert [(r["id"], r["display_name"], r["active"], r["devices"]) for r in listed] == [
        (anna, "Anna Beispiel", True, 0), (ben, "Ben Probe", True, 0)]
    assert ok("server", "staff", "list", "--team", "Team Süd", "--db", db_url) == ""
    plain = ok("server", "enroll-code", "--team", "Team Nord", "--db", db_url)  # as before
    vaults = {name: make_vault(f"{name}.kdb", counselor=f"c-{name}") for name in
              ("anna", "ben", "old")}
    with EmbeddedServer(db_url) as server:
        enroll(vaults["anna"], server.url, code_for(db_url, "Team Nord", anna),
               device_name="Laptop A")
        enroll(vaults["ben"], server.url, code_for(db_url, "Team Nord", ben),
               device_name="Laptop B")
        enroll(vaults["old"], server.url, plain.strip().splitlines()[-1], device_name="Laptop C")
        for name, v in vaults.items():
            v.people.add(Person(given_name=f"Klient {name}", family_name="Test"))
        engines = {name: SyncEngine(v) for name, v in vaults.items()}
        try:
            for _ in range(2):  # the second run pulls the colleagues' records
                for engine in engines.values():
                    engine.sync()
            by_name = {d["name"]: d for d in devices(db_url)}
            assert {n: (d["staff_id"], d["staff_name"]) for n, d in by_name.items()} == {
                "Laptop A": (anna, "Anna Beispiel"), "Laptop B": (ben, "Ben Probe"),
                "Laptop C": (None, None)}  # a device without one stays without
            # the audit rows of a device's enrollment, push and pull name its staff member
            named = {(r.actor_id, r.action): json.loads(r.detail).get("staff")
                     for r in audit_rows(db_url) if r.actor_kind == "device"}
            assert named[(by_name["Laptop A"]["id"], "enroll")] == anna
            assert named[(by_name["Laptop B"]["id"], "push")] == ben
            assert named[(by_name["Laptop C"]["id"], "push")] is None
            pulls = {k[0]: v for k, v in named.items() if k[1] == "pull"}
            assert pulls[by_name["Laptop A"]["id"]] == anna  # the colleagues' records
            out = ok("server", "staff", "deactivate", anna.upper(), "--db", db_url)
            assert out.splitlines()[:2] == [
                f"Staff member {anna} deactivated.",
                "1 device of theirs revoked: it deletes its vault at its next contact with the "
                "server."]
            assert out.splitlines()[2:] == [by_name["Laptop A"]["id"]]
            with pytest.raises(DeviceRevoked):
                engines["anna"].sync()  # wiped, as after kimdesk server revoke
            assert engines["anna"].wiped and not vaults["anna"].path.exists()
            engines["ben"].sync()  # the colleague's device is untouched
            after = {d["name"]: d["revoked_at"] for d in devices(db_url)}
            assert after["Laptop A"] and not after["Laptop B"] and not after["Laptop C"]
        finally:
            for engine in engines.values():
                engine.close()
    listed = [json.loads(line) for line in
              ok("server", "staff", "list", "--db", db_url).splitlines()]
    assert [(r["id"], r["active"], r["devices"]) for r in listed] == [
        (anna, False, 0), (ben, True, 1)]
    rows = audit_rows(db_url)
    admin = [(r.action, json.loads(r.subjects)) for r in rows if r.actor_kind == "admin"]
    assert [a for a, _ in admin] == ["staff_add", "staff_add", "enroll_code", "enroll_code",
                                     "enroll_code", "revoke", "staff_deactivate"]
    assert admin[-1][1] == {"devices": [by_name["Laptop A"]["id"]], "staff": [anna]}


def test_a_code_whose_staff_member_was_deactivated_enrolls_nobody(db_url: str) -> None:
    member = add_staff(db_url, "Team Nord", "Anna Beispiel")
    code = code_for(db_url, "Team Nord", member)
    ok("server", "staff", "deactivate", member, "--db", db_url)
    with EmbeddedServer(db_url) as server:
        answer = httpx.post(server.url + "/v1/enroll", json={"code": code}, timeout=30)
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_code"
        assert server.service.list_devices() == []


def test_refused_staff_input_is_one_translated_line(db_url: str) -> None:
    nord = add_staff(db_url, "Team Nord", "Anna Beispiel")
    gone = add_staff(db_url, "Team Nord", "Ben Probe")
    ok("server", "staff", "deactivate", gone, "--db", db_url)
    unknown = str(uuid.uuid4())
    cases = [
        (["enroll-code", "--team", "Team Süd", "--staff", nord], nord),  # other team
        (["enroll-code", "--team", "Team Nord", "--staff", gone], gone),  # inactive
        (["enroll-code", "--team", "Team Nord", "--staff", unknown], unknown),
        (["enroll-code", "--team", "Team Nord", "--staff", "Anna"], "Anna"),  # no id
        (["staff", "deactivate", unknown], unknown),
        (["staff", "deactivate", gone], gone),  # already inactive
        (["staff", "deactivate", "12"], "12"),
        (["staff", "add", "--team", "Team Nord", "--name", " "], None),
        (["staff", "add", "--team", "Team Nord", "--name", "a\nb"], None),
        (["staff", "add", "--team", "Team Nord", "--name", "x" * 201], "200"),
        # a team longer than its column: a traceback of the SQL on PostgreSQL, stored whole on
        # SQLite, before (a review, 2026-12-07)
        (["staff", "add", "--team", "t" * 201, "--name", "Anna"], "200"),
        (["enroll-code", "--team", "t" * 201], "200"),
        (["enroll-code", "--team", "Team\nNord"], "200"),
    ]
    before = audit_rows(db_url)
    for args, named in cases:
        out = kimdesk("server", *args, "--db", db_url, lang="de")
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and out.stdout == "", (args, out)
        assert len(lines) == 1 and lines[0].startswith("kimdesk: "), (args, out.stderr)
        assert "Traceback" not in out.stderr
        if named is not None:
            assert named in lines[0]
        english = kimdesk("server", *args, "--db", db_url, lang="en")
        assert english.returncode == 2 and lines[0] != english.stderr.strip(), lines[0]
    # nothing was changed: no code, no staff member, no audit row
    assert len(audit_rows(db_url)) == len(before)
    assert len(ok("server", "staff", "list", "--db", db_url).splitlines()) == 2


def test_every_refusal_and_the_deactivation_are_said_in_the_seven_languages(
        tmp_path: Path) -> None:
    from kimdesk.i18n import ngettext, set_language
    from kimdesk.server import staff
    from kimdesk.server.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    member = staff.add(engine, "Team Nord", "Anna Beispiel")
    refused: list[staff.StaffRefused] = []
    for attempt in (lambda: staff.staff_id("Anna"), lambda: staff.display_name(" "),
                    lambda: staff.display_name("a\tb"), lambda: staff.display_name("x" * 201),
                    lambda: staff.add(engine, " ", "Anna"),
                    lambda: staff.deactivate(engine, str(uuid.uuid4())),
                    lambda: _code(engine, "Team Süd", member)):
        with pytest.raises(staff.StaffRefused) as caught:
            attempt()
        refused.append(caught.value)
    staff.deactivate(engine, member)
    for attempt in (lambda: staff.deactivate(engine, member),
                    lambda: _code(engine, "Team Nord", member)):
        with pytest.raises(staff.StaffRefused) as caught:
            attempt()
        refused.append(caught.value)
    engine.dispose()
    said = "{n} device of theirs revoked: it deletes its vault at its next contact with the server."
    plural = ("{n} devices of theirs revoked: each deletes its vault at its next contact with the "
              "server.")
    try:
        set_language("en")
        english = [e.translated() for e in refused] + [ngettext(said, plural, 2)]
        for lang in ("de", "ar", "fa", "tr", "uk", "ru"):
            set_language(lang)
            texts = [e.translated() for e in refused] + [ngettext(said, plural, 2)]
            assert all(t != e for t, e in zip(texts, english, strict=True)), (lang, texts)
            assert all(member in t for t in texts[-3:-1]), texts
    finally:
        set_language("en")
    assert len(refused) == 9 and all(e.exit_code == 2 for e in refused)


def _code(engine: Any, team: str, member: str) -> str:
    from kimdesk.server.devices import create_enroll_code

    return create_enroll_code(engine, team, staff_id=member)


def test_names_of_staff_stay_out_of_log_and_audit_trail(db_url: str, make_vault: Any,
                                                        tmp_path: Path) -> None:
    """A byte scan: the staff member's name is in the ``staff`` table and in the two
    listings, nowhere else: not in the server's log of a day's work, not in any other
    table (the audit trail's rows included), not in the other commands' output."""
    from tests.server.test_log_time import _free_port

    name = "Zofia Wiśniewska-Staffprobe"
    forms = [name.encode(), json.dumps(name).encode(), b"Staffprobe",
             "Wiśniewska".encode(), name.encode("utf-16-le")]
    outputs: list[str] = []

    def run(*args: str) -> str:
        out = kimdesk("server", *args, "--db", db_url)
        assert out.returncode == 0, out.stderr
        outputs.extend([out.stdout, out.stderr])
        return out.stdout

    member = run("staff", "add", "--team", "Team Nord", "--name", name).strip()
    code = run("enroll-code", "--team", "Team Nord", "--staff", member).splitlines()[-1]
    log = tmp_path / "server.log"
    port = _free_port()
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "kimdesk.cli", "server", "run", "--db",
                                 db_url, "--port", str(port)], stdout=err, stderr=err,
                                env={**os.environ, "KIMDESK_LANG": "en"})
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):  # until it answers (counted, not timed: 600 tries of 0.1 s)
                try:
                    httpx.get(url + "/v1/hello", timeout=1)
                    break
                except httpx.HTTPError:
                    assert proc.poll() is None, log.read_text()
                    proc_wait(proc)
            vault = make_vault("z.kdb", counselor="c-z")
            enroll(vault, url, code, device_name="Laptop Z")
            vault.people.add(Person(given_name="Klient", family_name="Test"))
            syncing = SyncEngine(vault)
            try:
                syncing.sync()
                run("staff", "deactivate", member)
                with pytest.raises(DeviceRevoked):
                    syncing.sync()
            finally:
                syncing.close()
        finally:
            proc.terminate()
            proc.wait(20)
    run("audit")
    run("audit", "verify")
    assert name in ok("server", "staff", "list", "--db", db_url)  # the listing needs it
    assert name in ok("server", "devices", "--db", db_url)
    scanned = [log.read_bytes(), *(o.encode() for o in outputs)]
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = [t for t in conn.dialect.get_table_names(conn) if t != "staff"]
            assert "audit_trail" in tables and "devices" in tables
            for table in tables:
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    scanned.append(repr(tuple(row)).encode())
                    scanned.append(" ".join(str(v) for v in row).encode())
            trail = conn.execute(text("SELECT count(*) FROM audit_trail WHERE detail LIKE"
                                      " :m OR subjects LIKE :m"), {"m": f"%{member}%"}).scalar_one()
            assert trail >= 5  # add, code, enroll, push/pull, deactivate name the id
    finally:
        engine.dispose()
    assert b"Laptop Z" in b"".join(scanned)  # the scan reads what it should
    for blob in scanned:
        for form in forms:
            assert form not in blob


def proc_wait(proc: subprocess.Popen[bytes]) -> None:
    """Wait a tenth of a second for the server process (it is starting)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(0.1)


def test_a_device_enrolled_before_gets_its_staff_member_by_enrolling_again(
        db_url: str, make_vault: Any) -> None:
    """What docs/deployment.md, "Staff", tells administrators: a device enrolled without a
    staff member enrolls again with a staff member's code (same server: it keeps its state),
    then its old id is revoked; nothing is wiped and nothing sent twice."""
    plain = ok("server", "enroll-code", "--team", "Team Nord", "--db", db_url)
    vault = make_vault("v.kdb", counselor="c-v")
    vault.people.add(Person(given_name="Klient", family_name="Test"))
    with EmbeddedServer(db_url) as server:
        enroll(vault, server.url, plain.strip().splitlines()[-1], device_name="Laptop V")
        SyncEngine(vault).sync()
        old = devices(db_url)[0]["id"]
        member = add_staff(db_url, "Team Nord", "Anna Beispiel")
        enroll(vault, server.url, code_for(db_url, "Team Nord", member), device_name="Laptop V")
        ok("server", "revoke", old, "--db", db_url)
        vault.people.add(Person(given_name="Klientin", family_name="Test"))
        engine = SyncEngine(vault)
        try:
            report = engine.sync()
        finally:
            engine.close()
        assert not engine.wiped and vault.path.exists()
        assert report.pushed == 1, report  # the new person only: the state was kept
    now = {d["id"]: (d["staff_id"], d["revoked_at"] is None) for d in devices(db_url)}
    assert now[old] == (None, False) and list(now.values()).count((member, True)) == 1
    assert len(now) == 2


def test_a_name_with_bidi_controls_is_refused_and_persian_joiners_are_kept() -> None:
    """An override (U+202E) or isolate in a display name reorders the rest of its listing line;
    refused like a line break. The zero-width non-joiner of Persian names stays allowed."""
    from kimdesk.server import staff as staff_module

    for control in ("\u202e", "\u202d", "\u2066", "\u2069"):
        with pytest.raises(staff_module.StaffRefused):
            staff_module.display_name(f"Ada{control} Demir")
    assert staff_module.display_name("مهر\u200cناز") == "مهر\u200cناز"
