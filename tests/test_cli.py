"""The ``kimdesk`` command as municipal IT scripts it: real processes, real vault files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KIMDESK = [sys.executable, "-m", "kimdesk.cli"]


def run(
    *args: str, passphrase: str | None = "pw", lang: str = "en", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    environ["KIMDESK_LANG"] = lang
    if passphrase is not None:
        environ["KIMDESK_PASSPHRASE"] = passphrase
    environ.update(env)
    return subprocess.run(
        [*KIMDESK, *args],
        capture_output=True,
        text=True,
        env=environ,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "v.kdb"
    assert run("init", "--vault", str(path), "--counselor", "anna").returncode == 0
    res = run("demo", "--vault", str(path), "--cases", "300", "--seed", "7")
    assert res.returncode == 0, res.stderr
    return path


def test_search_lists_all_and_finds_family_names(demo_file: Path) -> None:
    res = run("search", "--vault", str(demo_file), "", "--json")
    assert res.returncode == 0, res.stderr
    everything = json.loads(res.stdout)
    assert len(everything) == 300
    family = everything[0]["family_name_latin"]
    res = run("search", "--vault", str(demo_file), family, "--json")
    found = json.loads(res.stdout)
    assert found and all(family.lower() in (h["family_name_latin"].lower()) for h in found)
    assert (
        len(found)
        == sum(
            1
            for h in everything
            if h["family_name_latin"].lower().split("-")[0].startswith(family.lower().split("-")[0])
        )
        or found
    )


def test_show_by_number_and_json(demo_file: Path) -> None:
    hits = json.loads(run("search", "--vault", str(demo_file), "", "--json").stdout)
    number = hits[5]["case_number"]
    res = run("show", "--vault", str(demo_file), number, "--json")
    assert res.returncode == 0, res.stderr
    dossier = json.loads(res.stdout)
    assert dossier["case"]["case_number"] == number
    assert dossier["person"]["id"] == dossier["case"]["person_id"]
    assert dossier["phase_transitions"][0]["from_phase"] is None
    assert dossier["attachments"] == []  # named there once a form asked for a file
    text = run("show", "--vault", str(demo_file), hits[5]["case_id"])
    assert number in text.stdout
    assert "Attachments (0):" in text.stdout


@pytest.mark.parametrize("lang", ["en", "de", "ar"])
def test_wrong_passphrase_one_line_no_traceback_file_unchanged(demo_file: Path, lang: str) -> None:
    before = hashlib.sha256(demo_file.read_bytes()).hexdigest()
    res = run("search", "--vault", str(demo_file), "a", passphrase="wrong", lang=lang)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(demo_file.read_bytes()).hexdigest() == before
    if lang == "en":
        assert "Wrong passphrase" in res.stderr


def test_user_mistakes_are_one_line(tmp_path: Path) -> None:
    for args in (
        ("search", "--vault", str(tmp_path / "missing.kdb"), "x"),
        ("show", "--vault", str(tmp_path / "missing.kdb"), "x"),
        ("--lang", "xx", "search", "x"),
    ):
        res = run(*args)
        assert res.returncode != 0 and "Traceback" not in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    path = tmp_path / "v.kdb"
    assert run("init", "--vault", str(path)).returncode == 0
    res = run("init", "--vault", str(path))
    assert res.returncode != 0 and "already exists" in res.stderr
    res = run("show", "--vault", str(path), "2026-XXXX-000001")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    res = run("demo", "--vault", str(path), "--cases", "-3")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    res = run("search", "--vault", str(path), "x", passphrase=None)
    assert res.returncode != 0 and "KIMDESK_PASSPHRASE" in res.stderr


def test_passwd_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    assert run("init", "--vault", str(path)).returncode == 0
    res = run("passwd", "--vault", str(path), KIMDESK_NEW_PASSPHRASE="second")
    assert res.returncode == 0, res.stderr
    assert run("search", "--vault", str(path), "").returncode != 0
    assert run("search", "--vault", str(path), "", passphrase="second").returncode == 0


def test_damaged_vault_reports_one_line(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    assert run("init", "--vault", str(path)).returncode == 0
    assert run("demo", "--vault", str(path), "--cases", "60", "--seed", "2").returncode == 0
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096 * 2):
        data[offset + 500] ^= 0xFF
    path.write_bytes(bytes(data))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for args in (("search", "--vault", str(path), ""), ("check", "--vault", str(path))):
        res = run(*args)
        assert res.returncode != 0, args
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_german_is_the_default_language(tmp_path: Path) -> None:
    res = run("search", "--vault", str(tmp_path / "none.kdb"), "x", lang="")
    assert "kimdesk init" in res.stderr and "No vault" not in res.stderr


def test_shared_contract_check_passes() -> None:
    """The black-box contract check that municipal IT relies on (shared/checks/cli-contract)."""
    check = ROOT.parent / "shared" / "checks" / "cli-contract"
    if not check.exists():
        pytest.skip("shared/checks is not beside this checkout")
    if not (ROOT / ".venv" / "bin" / "kimdesk").exists():
        pytest.skip("needs the .venv made by scripts/setup")
    res = subprocess.run([str(check)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ok:" in res.stdout


def test_demo_flag_creates_a_demo_vault_once(tmp_path: Path) -> None:
    from kimdesk.cli.demo import DEMO_CASES, DEMO_PASSPHRASE, ensure_demo_vault
    from kimdesk.vault import Vault

    path = tmp_path / "demo.kdb"
    ensure_demo_vault(path)
    with Vault.open(path, DEMO_PASSPHRASE) as v:
        assert v.cases.count() == DEMO_CASES
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    ensure_demo_vault(path)  # an existing vault is never replaced
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_vault_option_before_or_after_the_subcommand(tmp_path: Path) -> None:
    before, after = tmp_path / "before.kdb", tmp_path / "after.kdb"
    assert run("--vault", str(before), "init").returncode == 0
    assert run("init", "--vault", str(after)).returncode == 0
    assert before.exists() and after.exists()
    assert run("--vault", str(before), "search", "").returncode == 0


def test_lang_option_translates_help() -> None:
    german = run("--lang", "de", "search", "--help", lang="en")
    english = run("--lang", "en", "search", "--help", lang="de")
    assert german.stdout != english.stdout
    assert "JSON" in english.stdout and "print JSON" in english.stdout


@pytest.mark.parametrize("argv", [
    ("handout", "nosuch", "--lang", "ar", "-o", "x.pdf"),
    ("handout", "nosuch", "--lang=ar", "-o", "x.pdf"),
    ("--vault", "v.kdb", "handout", "nosuch", "--lang", "ar", "-o", "x.pdf"),
])
def test_a_documents_language_is_not_the_interfaces(argv: tuple[str, ...]) -> None:
    """``handout --lang ar`` (and ``subject-export --lang``) name the document's language; the
    command's own messages stay in the interface's (they switched to Arabic until 2026-12-06)."""
    result = run(*argv, lang="de", passphrase=None)
    assert result.returncode != 0
    assert result.stderr.startswith("kimdesk: Unbekannte Merkblattvorlage nosuch."), result.stderr
    german = run("--lang", "de", "handout", "nosuch", "--lang", "ar", "-o", "x.pdf", lang="en")
    assert german.stderr.startswith("kimdesk: Unbekannte Merkblattvorlage"), german.stderr


def test_a_case_that_is_not_there_is_said_in_words(demo_file: Path, tmp_path: Path) -> None:
    """``show`` and ``handout --case`` with a case number the vault does not hold said "No cases
    record with id 2026-X-1." (the table's name), exit 1; a wrong call is exit 2."""
    for lang, words in (("en", "No case with the number or id 2026-X-1 in this vault."),
                        ("de", "Kein Fall mit der Nummer oder ID 2026-X-1 in diesem Tresor.")):
        for args in (("show", "2026-X-1"),
                     ("handout", "contact", "--lang", "ar", "--case", "2026-X-1",
                      "-o", str(tmp_path / "x.pdf"))):
            res = run(*args, "--vault", str(demo_file), lang=lang)
            assert res.returncode == 2, res.stderr
            assert res.stderr.strip() == f"kimdesk: {words}", res.stderr
    assert not (tmp_path / "x.pdf").exists()
