"""``kimdesk handout``: the contract of its options, real vault, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from kimdesk.cli import main
from tests.conftest import PASSPHRASE


def test_blank_handout_needs_no_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIMDESK_PASSPHRASE", raising=False)
    out = tmp_path / "blank.pdf"
    assert main(["handout", "documents", "--lang", "ti", "--second-lang", "de", "-o",
                 str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "Ausländerbehörde" in text


def test_filled_from_a_case(tmp_path: Path, demo_vault_file: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kimdesk.vault import Vault

    with Vault.open(demo_vault_file, PASSPHRASE) as vault:
        case = next(c for c in vault.cases.where() if vault.goals.for_case(c.id))
        goal = vault.goals.for_case(case.id)[0].goal
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "goals.pdf"
    rc = main(["handout", "goals", "--lang", "ar", "--second-lang", "de", "--case",
               case.case_number, "--vault", str(demo_vault_file), "-o", str(out)])
    assert rc == 0
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert case.case_number in text and goal.split()[0] in text


def test_handout_language_is_not_the_interface_language(tmp_path: Path) -> None:
    """--lang after the subcommand picks the handout's language, even one the UI lacks."""
    out = tmp_path / "ps.pdf"
    assert main(["--lang", "en", "handout", "contact", "--lang", "ps", "-o", str(out)]) == 0
    assert out.is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["handout", "poster", "--lang", "de"], "Unknown handout template poster"),
        (["handout", "consent", "--lang", "xx"], "No handout text in language xx"),
    ],
)
def test_errors_are_one_line_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               argv: list[str], message: str) -> None:
    out = tmp_path / "x.pdf"
    assert main(["--lang", "en", *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_unknown_case(tmp_path: Path, demo_vault_file: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "x.pdf"
    rc = main(["--lang", "en", "handout", "goals", "--lang", "fa", "--case", "no-such-case",
               "--vault", str(demo_vault_file), "-o", str(out)])
    assert rc != 0 and not out.exists()
    assert "no-such-case" in capsys.readouterr().err
