"""``kimdesk server console-user add`` and ``kimdesk server console`` as municipal IT scripts
them (the real command in its own process), and revision 0013 down and up again, on SQLite and
PostgreSQL. Neither command nor revision existed before: each test failed on the code before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import Engine, inspect, text

from kimdesk.cli import server_console
from kimdesk.server import audit_trail
from kimdesk.server.console import accounts
from tests.sync.helpers import migrate_to

PASSWORD = "Ein-langes-Passwort-42"


def kimdesk(*args: str, stdin: str = "", lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kimdesk.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KIMDESK_LANG": lang,
                               "KIMDESK_BEHIND_TLS_PROXY": ""})


def test_console_user_add_reads_the_password_from_a_pipe_and_prints_the_secret_once(
        db_url: str, head_engine: Engine) -> None:
    out = kimdesk("server", "console-user", "add", "ines", "--role", "it", "--db", db_url,
                  stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    secret, uri = lines[-2], lines[-1]
    assert uri == pyotp.TOTP(secret).provisioning_uri(name="ines",
                                                      issuer_name="KIMdesk console")
    assert uri.startswith("otpauth://totp/") and PASSWORD not in out.stdout + out.stderr
    now = datetime.now(UTC)
    signed = accounts.sign_in(head_engine, "ines", PASSWORD, pyotp.TOTP(secret).now(), now)
    assert signed == accounts.Account("ines", frozenset({accounts.Role.IT}))
    with head_engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM console_accounts")).one()
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
        added = conn.execute(text("SELECT * FROM audit_trail WHERE action = "
                                  "'console_account_add'")).one()
        assert (added.actor_kind, json.loads(added.subjects), json.loads(added.detail)) == (
            "admin", {"console_accounts": ["ines"]}, {"roles": ["it"]})
        trail = json.dumps([list(r) for r in conn.execute(text("SELECT * FROM audit_trail"))])
        assert PASSWORD not in trail and secret not in trail
        assert audit_trail.verify(conn).broken is None


@pytest.mark.parametrize("args, stdin, said", [
    (("ines", "--role", "it"), "kurz\n", "The password is too short: at least 12 characters."),
    (("in es", "--role", "it"), PASSWORD + "\n", "Not a console account name: in es."),
    (("ines", "--role", "admin"), PASSWORD + "\n", "invalid choice: 'admin'"),
])
def test_a_refused_account_is_one_line_and_exit_code_2(
        tmp_path: object, args: tuple[str, ...], stdin: str, said: str) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    out = kimdesk("server", "console-user", "add", *args, "--db", db, stdin=stdin)
    assert out.returncode == 2 and said in out.stderr and "Traceback" not in out.stderr


def test_a_taken_name_is_refused_in_german_too(tmp_path: object) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    assert kimdesk("server", "console-user", "add", "ines", "--role", "dpo", "--db", db,
                   stdin=PASSWORD + "\n").returncode == 0
    again = kimdesk("server", "console-user", "add", "ines", "--role", "it", "--db", db,
                    stdin=PASSWORD + "\n", lang="de")
    assert again.returncode == 2
    assert again.stderr.strip() == "kimdesk: Ein Konsolenkonto ines gibt es bereits."


def test_the_console_refuses_plain_http_off_loopback(tmp_path: object) -> None:
    out = kimdesk("server", "console", "--host", "10.0.0.1", "--db", f"sqlite:///{tmp_path}/s.db")
    assert out.returncode == 2 and "KIMDESK_BEHIND_TLS_PROXY=1" in out.stderr


def test_the_commands_roles_are_the_accounts_roles() -> None:
    assert tuple(r.value for r in accounts.Role) == server_console.ROLES


def test_revision_0013_goes_down_and_up_again(head_engine: Engine) -> None:
    accounts.add(head_engine, "ines", accounts.Role.IT, PASSWORD, actor="test")
    with head_engine.connect() as conn:
        migrate_to(conn, "0012", down=True)
        tables = inspect(conn).get_table_names()
        assert "console_accounts" not in tables and "console_sessions" not in tables
        migrate_to(conn, "head")
        assert conn.execute(text("SELECT count(*) FROM console_accounts")).scalar_one() == 0
        assert [i["name"] for i in inspect(conn).get_indexes("console_sessions")] == [
            "console_sessions_account"]
        assert audit_trail.verify(conn).broken is None
        conn.commit()


def test_kimdesk_server_console_serves_the_sign_in_on_its_port(tmp_path: object) -> None:
    """The command itself, in its own process: it migrates, says where it listens, and
    answers the sign-in page with its headers; stopped by the test (its pid)."""
    import socket

    import httpx

    with socket.socket() as probe:  # a free port (the default 8780 may be taken here)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "kimdesk.cli", "server", "console", "--port", str(port), "--db",
         f"sqlite:///{tmp_path}/s.db"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "KIMDESK_LANG": "en"})
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"KIMdesk console on http://127.0.0.1:{port}"
        page = None
        for _ in range(1200):  # printed just before uvicorn listens: up to a minute's tries
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert page is not None and page.status_code == 200
        assert page.headers["x-frame-options"] == "DENY" and "csrf_token" in page.text
    finally:
        process.terminate()
        process.wait(20)


def _on_a_terminal(db: str, answers: tuple[str, ...]) -> tuple[int, str]:
    """``console-user add ines`` on a pseudo-terminal of its own (its controlling terminal, which
    getpass reads): each answer typed after the prompt before it; the exit code and everything
    the terminal showed."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, nothing else (never the rest of pytest)
        try:
            os.execve(sys.executable, [sys.executable, "-m", "kimdesk.cli", "server",
                                       "console-user", "add", "ines", "--role", "it", "--db",
                                       db], {**os.environ, "KIMDESK_LANG": "en"})
        finally:
            os._exit(127)
    shown = b""
    pending = list(answers)
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child has closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        prompt = (b"Password: ", b"The password again: ")[len(answers) - len(pending)] \
            if pending else None
        if prompt is not None and shown.endswith(prompt):  # its own prompt, nothing else
            os.write(fd, pending.pop(0).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


def test_on_a_terminal_the_password_is_asked_twice_without_echo(tmp_path: object) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    code, shown = _on_a_terminal(db, (PASSWORD, PASSWORD + "x"))
    assert code == 2 and "The two passwords differ. Nothing was changed." in shown
    code, shown = _on_a_terminal(db, (PASSWORD, PASSWORD))
    assert code == 0, shown
    assert "Password: " in shown and "The password again: " in shown
    assert PASSWORD not in shown  # not echoed
    assert "otpauth://totp/KIMdesk%20console:ines?secret=" in shown
