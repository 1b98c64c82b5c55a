"""The administrator's ``kimdesk server`` commands meet a stopped or wrong database, a taken
port, a bad file: one line that names the fix, a non-zero exit, never a traceback (a review of
2026-12-06 got tracebacks of 30-120 lines for each). Real processes, real sockets, real
PostgreSQL where the fault needs it."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.sync.helpers import PG_URL
from tests.test_cli import run


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_clear_line(res: subprocess.CompletedProcess[str], *words: str) -> str:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) <= 2, res.stderr  # argparse's usage line and its error, or ours alone
    for word in words:
        assert word in res.stderr, res.stderr
    return res.stderr


@pytest.mark.parametrize("command", [
    ["enroll-code", "--team", "Team Nord"], ["devices"], ["revoke", "abc"],
    ["retention", "plan"], ["run", "--port", "0"],
])
def test_a_stopped_database_is_one_line_without_the_password(command: list[str]) -> None:
    if command[-1] == "0":
        command[-1] = str(_closed_port())
    url = f"postgresql+psycopg://kimdesk:s3cret@127.0.0.1:{_closed_port()}/kimdesk"
    err = _one_clear_line(run("server", *command, "--db", url),
                          "Connection refused", "--db", "KIMDESK_SERVER_DB")
    assert "s3cret" not in err
    assert "KIMdesk sync server on" not in err


@pytest.mark.parametrize("url", ["kd2", "postgres+psycopg://kimdesk@127.0.0.1/kd2",
                                 "mysql://kimdesk@127.0.0.1/kd2"])
def test_a_url_that_is_no_database_url_names_the_forms(url: str) -> None:
    _one_clear_line(run("server", "devices", "--db", url), "postgresql+psycopg://", "sqlite:///")


@pytest.mark.postgres
def test_a_missing_database_on_a_running_postgresql_is_named() -> None:
    if not PG_URL:
        pytest.skip("no PostgreSQL (set KIMDESK_TEST_PG_URL)")
    url = PG_URL.rsplit("/", 1)[0] + "/kimdesk_review_no_such_database"
    _one_clear_line(run("server", "enroll-code", "--team", "Team Nord", "--db", url),
                    'database "kimdesk_review_no_such_database" does not exist')


def test_a_database_that_fails_midway_is_named_by_its_code(tmp_path: Path) -> None:
    db = tmp_path / "server.db"
    assert run("server", "devices", "--db", f"sqlite:///{db}").returncode == 0
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    _one_clear_line(run("server", "enroll-code", "--team", "Team Nord", "--db", read_only),
                    "SQLITE_READONLY")


def test_a_taken_port_is_said_before_the_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = run("server", "run", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", str(port))
    _one_clear_line(res, f"127.0.0.1:{port}", "--port")
    assert "KIMdesk sync server on" not in res.stdout


@pytest.mark.parametrize(("args", "word"), [
    (["run", "--port", "70000"], "70000"),
    (["enroll-code", "--team", " "], "--team"),
])
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], word: str) -> None:
    res = run("server", *args, "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert res.returncode == 2
    _one_clear_line(res, word)


@pytest.mark.parametrize(("content", "word"), [
    (None, "Cannot read"), (b"{bad", "line 1, column 2"), (b"\xff\xfe{}", "UTF-8"),
])
def test_publish_names_a_missing_or_broken_file(tmp_path: Path, content: bytes | None,
                                                 word: str) -> None:
    item = tmp_path / "item.json"
    if content is not None:
        item.write_bytes(content)
    res = run("server", "publish", "--kind", "codelist", "--key", "k", str(item),
              "--db", f"sqlite:///{tmp_path / 's.db'}")
    _one_clear_line(res, word, "item.json")


@pytest.mark.parametrize(("data", "german", "arabic"), [
    ('{"months": 0}', "months: muss mindestens 1 sein", "months: يجب أن يكون 1 على الأقل"),
    ('{"months": 12, "monate": 1}', "monate: ist kein bekannter Schlüssel",
     "monate: ليس مفتاحًا معروفًا"),
    ('{"start": "x"}', "start: muss eines davon sein: closure, last_contact",
     "start: يجب أن يكون واحدًا مما يلي: closure, last_contact"),
    ("[36]", "nicht veröffentlicht: muss ein JSON-Objekt sein", "يجب أن يكون كائن JSON"),
])
def test_a_wrong_retention_policy_is_said_in_the_users_language(
        tmp_path: Path, data: str, german: str, arabic: str) -> None:
    """pydantic's English ("Input should be greater than or equal to 1") under a German
    interface until 2026-12-07, and a list was a TypeError's traceback; nothing is published."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    codes = tmp_path / "codes.json"
    codes.write_text("[]")
    assert run("server", "publish", "--kind", "codelist", "--key", "k", str(codes),
               "--db", db).returncode == 0  # the schema is made: its log lines are not ours
    policy = tmp_path / "policy.json"
    policy.write_text(data)
    args = ("server", "publish", "--kind", "retention_policy", "--key", "*", str(policy),
            "--db", db)
    for lang, words in (("de", german), ("ar", arabic)):
        res = run(*args, lang=lang)
        assert res.returncode == 2
        line = _one_clear_line(res, words).strip()
        assert line.startswith(f"kimdesk: {policy}: ") and "\n" not in line, line
        assert "Input should" not in line and "Extra inputs" not in line
    policy.write_text('{"months": 24}')
    res = run(*args)
    assert res.returncode == 0 and "version 1." in res.stdout, res  # none before it


def test_a_pydantic_error_of_a_new_kind_keeps_its_own_text() -> None:
    """A type a newer pydantic brings has no translation: its English text, never nothing."""
    from kimdesk.errors import validation_text

    assert validation_text({"type": "new_kind", "loc": ("a", 0), "msg": "Input is odd"}) == \
        "a.0: Input is odd"
