"""Where a handout or an Auskunft goes (review of 2026-12-07): ``-o`` naming the vault, another
file, a folder or a missing folder is one translated line, and nothing is lost or left behind."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kimdesk.cli import main
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(err: str) -> str:
    assert err.startswith("kimdesk: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_handout_never_replaces_the_vault(tmp_path: Path, demo_vault_file: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o`` naming the vault (the same path as ``--vault``) replaced every case of the vault
    with a one-page PDF, exit code 0."""
    vault = tmp_path / "vault.kdb"
    shutil.copy(demo_vault_file, vault)
    before = _digest(vault)
    with Vault.open(vault, PASSPHRASE) as v:
        number = v.cases.where(order="seq")[0].case_number
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    rc = main(["--lang", "de", "handout", "goals", "--lang", "ar", "--second-lang", "de",
               "--case", number, "--vault", str(vault), "-o", str(vault)])
    err = _one_line(capsys.readouterr().err)
    assert rc == 2 and str(vault) in err and "kein PDF" in err
    assert _digest(vault) == before
    with Vault.open(vault, PASSPHRASE) as v:  # still the vault, every case in it
        assert v.cases.count() == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault.kdb"]


def test_only_a_pdf_or_an_empty_file_is_replaced(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notizen.txt"
    notes.write_text("Termin mit Frau Haddad am Dienstag\n", encoding="utf-8")
    assert main(["--lang", "en", "handout", "contact", "--lang", "fa", "-o", str(notes)]) == 2
    assert "is not a PDF" in _one_line(capsys.readouterr().err)
    assert notes.read_text(encoding="utf-8") == "Termin mit Frau Haddad am Dienstag\n"
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.3\nold handout")
    empty = tmp_path / "empty.pdf"  # what `mktemp --suffix .pdf` hands a script
    empty.touch()
    for target in (old, empty):
        assert main(["handout", "contact", "--lang", "fa", "-o", str(target)]) == 0
        assert target.read_bytes().startswith(b"%PDF-") and target.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.pdf", "notizen.txt", "old.pdf"]


@pytest.mark.parametrize(
    ("where", "german"),
    [
        ("folder", "ist ein Ordner"),
        ("folder/", "ist ein Ordner"),
        ("new-folder/", "ist ein Ordner"),  # Path("new-folder/") wrote a file "new-folder"
        ("missing/x.pdf", "Der Ordner missing existiert nicht"),
    ],
)
def test_output_errors_are_translated_and_write_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        where: str, german: str) -> None:
    (tmp_path / "folder").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", "de", "handout", "consent", "--lang", "ar", "-o", where]) == 2
    err = _one_line(capsys.readouterr().err)
    assert german in err and "does not exist" not in err and "Is a directory" not in err
    assert [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")] == ["folder"]


def test_output_is_checked_before_the_passphrase(tmp_path: Path, demo_vault_file: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong ``-o`` is told before the vault is opened (no passphrase asked, nothing read)."""
    monkeypatch.delenv("KIMDESK_PASSPHRASE", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("passphrase asked"))
    rc = main(["--lang", "en", "handout", "goals", "--lang", "ar", "--case", "2026-X-1",
               "--vault", str(demo_vault_file), "-o", str(tmp_path / "no" / "x.pdf")])
    assert rc == 2 and "does not exist" in _one_line(capsys.readouterr().err)


def test_auskunft_into_a_file_or_an_unmakeable_folder(tmp_path: Path, demo_vault_file: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``subject-export -o auskunft.pdf`` (a file, where a folder is asked for) and a folder
    below a file ended in a Python traceback (NotADirectoryError, FileNotFoundError)."""
    vault = tmp_path / "vault.kdb"
    shutil.copy(demo_vault_file, vault)
    with Vault.open(vault, PASSPHRASE) as v:
        number = v.cases.where(order="seq")[0].case_number
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    existing = tmp_path / "auskunft.pdf"
    existing.write_bytes(b"%PDF-1.3\nan older one")
    # naming a file is a wrong call (2); a folder the file system cannot make is a failure (1)
    for output, message, code in ((existing, "is not a folder", 2),
                                  (existing / "sub", "Cannot write", 1)):
        rc = main(["--lang", "en", "subject-export", number, "--vault", str(vault),
                   "-o", str(output)])
        assert rc == code and message in _one_line(capsys.readouterr().err)
    assert existing.read_bytes() == b"%PDF-1.3\nan older one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auskunft.pdf", "vault.kdb",
                                                          "vault.kdb-wal"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["auskunft.pdf", "vault.kdb"]


def test_auskunft_in_an_unknown_language_leaves_no_folder(tmp_path: Path, demo_vault_file: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The language was checked after the vault was read and the (new) folder made."""
    monkeypatch.delenv("KIMDESK_PASSPHRASE", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("passphrase asked"))
    folder = tmp_path / "out"
    rc = main(["--lang", "en", "subject-export", "2026-X-1", "--vault", str(demo_vault_file),
               "-o", str(folder), "--lang", "xx"])
    assert rc == 2 and "No handout text in language xx" in _one_line(capsys.readouterr().err)
    assert not folder.exists()
