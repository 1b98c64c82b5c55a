"""The browser console's first slice (docs/deployment.md, "Browser console (first slice)"):
a real uvicorn on 127.0.0.1 and httpx, on SQLite and PostgreSQL. None of it existed before
(no kimdesk.server.console, no revision 0013): every test here failed on the code before."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from kimdesk.server import audit_trail, devices
from kimdesk.server.console import sessions
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.service import SyncService
from kimdesk.sync.protocol import Change
from tests.server.console_helpers import (
    PASSWORD,
    SESSION_COOKIE,
    Browser,
    Clock,
    ConsoleServer,
    parse,
    set_cookies,
    with_accounts,
    words,
)

#: Synthetic clients of the database: no console page for IT may show any of these.
CLIENT_WORDS = ("Zeynepqa", "Probekundinxy", "K-CONSOLE-4711", "Sozialhilfeantragqq")
HEADERS = {"content-security-policy": "default-src 'self'", "x-frame-options": "DENY",
           "referrer-policy": "no-referrer", "cache-control": "no-store"}


@pytest.fixture
def console(head_engine: Engine) -> Iterator[ConsoleServer]:
    yield from with_accounts(head_engine, Clock())


def enrolled(engine: Engine, team: str = "Team Nord") -> tuple[str, str]:
    """A device of ``team`` with a client, a case and a note on the server: its id and token."""
    service = SyncService(engine)
    answer = service.enroll(devices.create_enroll_code(engine, team), device_name="Laptop 3")
    device = service.authenticate(answer.token)
    person, case = str(uuid.uuid4()), str(uuid.uuid4())
    changes = [
        Change(kind="persons", id=person, base_rev=0,
               changed={"given_name": CLIENT_WORDS[0], "family_name": CLIENT_WORDS[1]}),
        Change(kind="cases", id=case, base_rev=0, changed={
            "case_number": CLIENT_WORDS[2], "person_id": person, "owner": "anna",
            "opened_on": "2025-01-01"})]
    from tests.sync.helpers import service_push

    service_push(service, device, 1, changes)
    return answer.device_id, answer.token


def audit(console: ConsoleServer, action: str) -> list[Any]:
    return console.rows(f"SELECT * FROM audit_trail WHERE action = '{action}' ORDER BY seq")


def test_every_route_for_every_role_and_without_a_session(console: ConsoleServer) -> None:
    device, _token = enrolled(console.engine)
    other, _ = enrolled(console.engine, "Team Süd")
    codes = len(console.rows("SELECT * FROM enroll_codes"))
    for role in ("dpo", "coordination"):
        browser = Browser(console)
        assert browser.sign_in(role).status_code == 303
        home = browser.get("/")
        assert home.status_code == 200 and "not built yet" in words(home.text)
        token = browser.token("/")
        assert browser.get("/devices").status_code == 403
        assert browser.post("/devices/revoke", {"device": device,
                                                "csrf_token": token}).status_code == 403
        assert browser.post("/enroll-code", {"team": "Team Nord",
                                             "csrf_token": token}).status_code == 403
        assert browser.post("/logout", {"csrf_token": token}).status_code == 303
    assert len(console.rows("SELECT * FROM enroll_codes")) == codes  # nothing done for them
    assert console.rows("SELECT revoked_at FROM devices WHERE revoked_at IS NOT NULL") == []
    it = Browser(console)
    assert it.sign_in("it").headers["location"] == "/"
    assert it.get("/").headers["location"] == "/devices"
    assert it.get("/devices").status_code == 200
    token = it.token()
    assert it.post("/devices/revoke", {"device": other, "csrf_token": token}).status_code == 200
    assert it.post("/devices/revoke", {"device": other, "csrf_token": token}).status_code == 404
    made = it.post("/enroll-code", {"team": "Team West", "csrf_token": token})
    assert made.status_code == 200
    assert it.post("/enroll-code", {"team": "  ", "csrf_token": token}).status_code == 400
    assert it.post("/logout", {"csrf_token": token}).headers["location"] == "/login"
    assert it.get("/devices").headers["location"] == "/login"  # the session ended
    nobody = Browser(console)
    for path in ("/", "/devices"):
        answer = nobody.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    for path in ("/devices/revoke", "/enroll-code", "/logout"):
        assert nobody.post(path, {"device": device, "team": "Team Nord"}).status_code == 401
    assert nobody.get("/nowhere").status_code == 404
    for browser in (it, nobody):
        for answer in browser.seen:
            for key, value in HEADERS.items():
                assert answer.headers[key] == value, (answer.url, key)


def test_a_form_without_its_csrf_token_is_refused(console: ConsoleServer) -> None:
    device, _token = enrolled(console.engine)
    it, other = Browser(console), Browser(console)
    it.sign_in("it")
    other.sign_in("it")
    codes = len(console.rows("SELECT * FROM enroll_codes"))
    for token in (None, "", "0" * 64, other.token()):  # missing, empty, made up, another's
        form = {"device": device, "team": "Team Nord"}
        if token is not None:
            form["csrf_token"] = token
        assert it.post("/devices/revoke", form).status_code == 403
        assert it.post("/enroll-code", form).status_code == 403
        assert it.post("/logout", form).status_code == 403
    assert console.rows("SELECT revoked_at FROM devices WHERE revoked_at IS NOT NULL") == []
    assert len(console.rows("SELECT * FROM enroll_codes")) == codes
    assert it.get("/devices").status_code == 200  # still signed in
    # the sign-in form too: without its token nothing is checked and no session made
    fresh = Browser(console)
    fresh.get("/login")
    refused = fresh.post("/login", {"name": "it", "password": PASSWORD,
                                    "totp": console.code("it")})
    assert refused.status_code == 403 and not fresh.session


def test_a_wrong_password_or_code_is_refused_and_audited(console: ConsoleServer) -> None:
    browser = Browser(console)
    wrong_password = "Falsch-und-geheim-12345"
    assert browser.sign_in("it", password=wrong_password).status_code == 401
    assert browser.sign_in("it", code="914273").status_code == 401
    used = console.code("it")
    assert browser.sign_in("it", code=used).status_code == 303  # right
    assert browser.post("/logout", {"csrf_token": browser.token()}).status_code == 303
    assert browser.sign_in("it", code=used).status_code == 401  # the same code again
    assert browser.sign_in("nobody-here", password=wrong_password).status_code == 401
    assert browser.sign_in(wrong_password).status_code == 401  # a password typed as a name
    assert not browser.session
    failed = audit(console, "console_login_failed")
    assert [(r.actor_kind, r.actor_id, json.loads(r.detail)["reason"]) for r in failed] == [
        ("console", "it", "password"), ("console", "it", "totp"), ("console", "it", "totp"),
        ("console", "", "unknown_account"), ("console", "", "unknown_account")]
    assert all(json.loads(r.detail)["address"] == "127.0.0.1" for r in failed)
    assert [r.actor_id for r in audit(console, "console_login")] == ["it"]
    assert [r.actor_id for r in audit(console, "console_logout")] == ["it"]
    trail = json.dumps([list(r) for r in console.rows("SELECT * FROM audit_trail")])
    for secret in (wrong_password, PASSWORD, used, "914273", console.secrets["it"]):
        assert secret not in trail
    with console.engine.connect() as conn:
        assert audit_trail.verify(conn).broken is None


def test_failed_sign_ins_are_slowed_per_name_and_per_address(console: ConsoleServer) -> None:
    browser = Browser(console)
    right = console.code("it")
    for _ in range(5):  # the clock stands still: the wait is counted from the last failure
        assert browser.sign_in("it", password="not-the-password-1",
                               code="914273").status_code == 401
    slowed = browser.sign_in("it", code=right)  # the right password and code: not checked
    assert slowed.status_code == 429 and "Try again in 30 seconds" in words(slowed.text)
    console.clock.advance(seconds=29)
    assert browser.sign_in("it", code=right).status_code == 429
    console.clock.advance(seconds=1)
    assert browser.sign_in("it", code=right).status_code == 303  # 30 s after the last failure
    # per address: five names, each failing once, slow down a sixth from the same address
    console.clock.advance(minutes=15)  # (once the first five have left the window)
    dpo_code = console.code("dpo")
    for name in ("dpo", "coordination", "a1", "a2", "a3"):
        assert browser.sign_in(name, password="not-the-password-1",
                               code="914273").status_code == 401
    assert browser.sign_in("dpo", code=dpo_code).status_code == 429
    reasons = [json.loads(r.detail)["reason"] for r in audit(console, "console_login_failed")]
    assert reasons.count("throttled") == 3


def test_a_session_ends_after_30_idle_minutes_and_after_8_hours(console: ConsoleServer) -> None:
    browser = Browser(console)
    browser.sign_in("it")
    for _ in range(3):
        console.clock.advance(minutes=29, seconds=59)
        assert browser.get("/devices").status_code == 200  # each request: idle from now on
    console.clock.advance(minutes=30)
    assert browser.get("/devices").headers["location"] == "/login"
    assert console.rows("SELECT * FROM console_sessions") == []  # deleted when presented
    browser.sign_in("it")
    started = console.clock()
    while console.clock() - started < sessions.LONGEST - sessions.IDLE:
        console.clock.advance(minutes=25)
        assert browser.get("/devices").status_code == 200
    console.clock.at = started + sessions.LONGEST
    assert browser.get("/devices").headers["location"] == "/login"


def test_a_device_revoked_in_the_console_is_refused_at_its_next_request(
        db_url: str, head_engine: Engine, console: ConsoleServer) -> None:
    device, token = enrolled(head_engine)
    with EmbeddedServer(db_url) as sync:
        asked = {"Authorization": f"Bearer {token}"}
        assert httpx.get(sync.url + "/v1/whoami", headers=asked).status_code == 200
        it = Browser(console)
        it.sign_in("it")
        revoked = it.post("/devices/revoke", {"device": device, "csrf_token": it.token()})
        assert f"Device {device} revoked" in words(revoked.text)
        refused = httpx.get(sync.url + "/v1/whoami", headers=asked)
        assert (refused.status_code, refused.json()["error"]) == (401, "device_revoked")
        # the console's pages are not on the devices' port, nor the devices' API on its port
        assert httpx.get(sync.url + "/login").status_code == 404
        assert httpx.get(sync.url + "/devices").status_code == 404
        assert httpx.get(console.url + "/v1/hello").status_code == 404
    rows = audit(console, "revoke")
    assert [(r.actor_kind, r.actor_id, r.team, json.loads(r.subjects)) for r in rows] == [
        ("console", "it", "Team Nord", {"devices": [device]})]
    code_rows = audit(console, "enroll_code")
    it.post("/enroll-code", {"team": "Team Nord", "csrf_token": it.token()})
    new = audit(console, "enroll_code")[len(code_rows):]
    assert [(r.actor_kind, r.actor_id, r.team) for r in new] == [("console", "it", "Team Nord")]


def test_no_page_it_saw_shows_a_client(console: ConsoleServer) -> None:
    """A byte scan of every answer the IT role got, for the clients in the database."""
    device, _token = enrolled(console.engine)
    it = Browser(console)
    it.sign_in("it")
    it.get("/")
    it.get("/devices")
    token = it.token()
    it.post("/enroll-code", {"team": "Team Nord", "csrf_token": token})
    it.post("/devices/revoke", {"device": device, "csrf_token": token})
    it.post("/devices/revoke", {"device": "no-such-device", "csrf_token": token})
    it.get("/console.css")
    it.post("/logout", {"csrf_token": token})
    assert len(it.seen) >= 10
    stored = json.dumps([list(r) for r in console.rows("SELECT * FROM records")])
    assert all(word in stored for word in CLIENT_WORDS[:3])  # the scan looks for what is there
    for answer in it.seen:
        raw = answer.content + b"".join(k + b": " + v for k, v in answer.headers.raw)
        for word in CLIENT_WORDS:
            for encoded in (word.encode(), word.encode("utf-16-le")):
                assert encoded not in raw, (answer.url, word)


def test_the_session_id_is_in_no_url_and_its_cookie_has_the_flags(
        console: ConsoleServer) -> None:
    browser = Browser(console)
    answer = browser.sign_in("it")
    cookie = set_cookies(answer)[SESSION_COOKIE]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    assert not any(part.startswith("domain") for part in flags)
    session = browser.session
    assert len(session) >= 43  # 32 random bytes, base64
    stored = console.rows("SELECT id_hash FROM console_sessions")
    assert [r.id_hash for r in stored] == [sessions.id_hash(session)]  # only its hash
    browser.get("/")
    browser.get("/devices")
    browser.post("/devices/revoke", {"device": "x", "csrf_token": browser.token()})
    for seen in browser.seen:
        assert session not in str(seen.url) and session not in seen.headers.get("location", "")
        assert session not in seen.text
        for link in parse(seen.text).links:
            assert session not in link
    trail = json.dumps([list(r) for r in console.rows("SELECT * FROM audit_trail")])
    assert session not in trail and sessions.id_hash(session) not in trail


def test_the_pages_are_in_german_or_english_as_the_browser_asks(console: ConsoleServer) -> None:
    german, english = Browser(console, "de-DE,de;q=0.9,en;q=0.5"), Browser(console, "fr, en")
    assert "Anmelden" in words(german.get("/login").text)
    assert "Anmeldung abgelehnt" in words(german.sign_in("it", password="falsch-falsch-1").text)
    german.sign_in("it")
    page = words(german.get("/devices").text)
    assert "Geräte" in page and "Registrierungscode" in page and 'lang="de"' in german.seen[-1].text
    english.sign_in("it")
    assert "Devices" in words(english.get("/devices").text)


def test_a_locked_database_is_a_503_page_not_a_500(tmp_path: Any, monkeypatch: Any) -> None:
    """SQLite's write lock held by another process's transaction (a forgotten administrator's
    shell): the console says the database is unavailable, as the sync server does."""
    from kimdesk.server import db
    from tests.server.console_helpers import Clock

    monkeypatch.setattr(db, "SQLITE_BUSY_MS", 100)  # read at connect: no 20 s wait here
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = db.make_engine(url)
    from kimdesk.server.migrate import upgrade

    upgrade(engine)
    for server in with_accounts(engine, Clock()):
        browser = Browser(server)
        browser.sign_in("it")
        again = browser.session
        browser.sign_in("it")  # signing in again ends the browser's session before
        assert [r.id_hash for r in server.rows("SELECT id_hash FROM console_sessions")] == [
            sessions.id_hash(browser.session)] and browser.session != again
        holder = db.make_engine(url)
        with holder.connect() as conn:
            held = conn.begin()  # make_engine's BEGIN IMMEDIATE: the write lock
            try:
                locked = browser.get("/devices")
            finally:
                held.rollback()
        holder.dispose()
        assert locked.status_code == 503 and "unavailable" in words(locked.text)
        assert locked.headers["content-security-policy"] == "default-src 'self'"
        assert browser.get("/devices").status_code == 200
    engine.dispose()


def test_a_large_or_unmeasured_form_is_refused_before_it_is_read(console: ConsoleServer) -> None:
    it = Browser(console)
    it.sign_in("it")
    token = it.token()
    big = it.post("/enroll-code", {"team": "T" * 20_000, "csrf_token": token})
    assert big.status_code == 413
    cookie = "; ".join(f"{k}={v}" for k, v in it.cookies.items())
    chunked = it.http.post("/enroll-code", content=iter([b"team=T&csrf_token=" + token.encode()]),
                           headers={"Cookie": cookie,
                                    "Content-Type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413
    assert console.rows("SELECT * FROM audit_trail WHERE action = 'enroll_code'") == []
    assert it.post("/enroll-code", {"team": "T", "csrf_token": token}).status_code == 200


def test_what_others_typed_is_shown_as_text_never_as_markup(console: ConsoleServer) -> None:
    """A device's name (typed on the laptop), a team and a device id typed into a form: in the
    page as escaped text; the page holds no script at all."""
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    service = SyncService(console.engine)
    service.enroll(devices.create_enroll_code(console.engine, "<b>Team</b>"),
                   device_name=hostile)
    it = Browser(console)
    it.sign_in("it")
    token = it.token()
    pages = [it.get("/devices").text,
             it.post("/devices/revoke", {"device": hostile, "csrf_token": token}).text,
             it.post("/enroll-code", {"team": hostile[:100], "csrf_token": token}).text]
    for page in pages:
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert "&lt;script&gt;" in page


def test_a_disabled_account_is_refused_and_its_session_ends(console: ConsoleServer) -> None:
    """Until the console can disable an account (not built), docs/deployment.md says how by
    hand: ``disabled_at`` set ends the account's sessions at their next request."""
    it = Browser(console)
    it.sign_in("it")
    assert it.get("/devices").status_code == 200
    with console.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE console_accounts SET disabled_at = 'x' WHERE name = 'it'")
    assert it.get("/devices").headers["location"] == "/login"
    assert console.rows("SELECT * FROM console_sessions") == []
    assert Browser(console).sign_in("it").status_code == 401
    reasons = [json.loads(r.detail)["reason"] for r in audit(console, "console_login_failed")]
    assert reasons == ["disabled"]
