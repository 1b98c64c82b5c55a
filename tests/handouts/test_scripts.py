"""Georgian, Armenian and Hebrew typed by a counselor print in their own script, and a script no
bundled font has (Chinese, Japanese, Korean) prints a placeholder, never empty boxes.

Georgia and Armenia are frequent countries of origin among KIM clients: before the fonts were
bundled, a Georgian place or goal printed as a row of .notdef boxes and a Georgian name in its
Latin form only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdf
import pytest

from kimdesk.handouts.render import render_handout
from tests.handouts.helpers import client_with_case, norm, pdffonts, pdftotext

#: (given name, family name, Latin form, appointment place, goal, font family, letters' range)
CASES = [
    ("ნინო", "ბერიძე", "Nino Beridze", "თბილისი, რუსთაველის გამზირი",
     "ქართული დიპლომის აღიარება", "NotoSansGeorgian", (0x10A0, 0x10FF)),
    ("Անի", "Հակոբյան", "Ani Hakobyan", "Երևան, Աբովյան փողոց",
     "Հայկական դիպլոմի ճանաչում", "NotoSansArmenian", (0x0530, 0x058F)),
    ("נועה", "כהן", "Noa Cohen", "רחוב הרצל תל אביב",
     "הכרה בתעודת אחות", "NotoSansHebrew", (0x0590, 0x05FF)),
]


def fonts_of_letters(pdf: Path, first: int, last: int) -> set[str]:
    """The base fonts (subset prefix dropped) that draw the letters ``first``-``last`` in ``pdf``,
    read from the text operators by pypdf (a letter drawn in Noto Sans is a .notdef box)."""
    used: set[str] = set()

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if font is not None and any(first <= ord(ch) <= last for ch in text):
            used.add(str(font["/BaseFont"]).split("+", 1)[-1])  # type: ignore[index]

    for page in pypdf.PdfReader(str(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return used


@pytest.mark.parametrize(("given", "family", "latin", "place", "goal", "font", "letters"), CASES,
                         ids=["georgian", "armenian", "hebrew"])
def test_names_and_typed_values_print_in_their_script(
        make_vault: object, tmp_path: Path, given: str, family: str, latin: str, place: str,
        goal: str, font: str, letters: tuple[int, int]) -> None:
    from kimdesk.domain.models import Goal
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.handouts.data import load_case_data
    from kimdesk.vault.appointments import set_next_appointment
    from kimdesk.vault.subject_access import collect

    vault = make_vault()  # type: ignore[operator]
    case = client_with_case(vault, given, family, latin)
    set_next_appointment(vault, case.id, date(2026, 12, 14), "10:30", place)
    vault.goals.add(Goal(case_id=case.id, goal=goal, steps=place))
    data = load_case_data(vault, case.id)
    name = f"{given} {family} ({latin})"
    assert data.values["client_name"] == name  # as written, with the Latin form beside it

    pdfs = {}
    for template, lang, second in (("appointment", "ru", "de"), ("goals", "de", None),
                                   ("goals", "ru", "de")):
        out = pdfs[f"{template}-{lang}-{second}"] = tmp_path / f"{template}-{lang}-{second}.pdf"
        render_handout(template, lang, second, data, out)
    auskunft = pdfs["auskunft"] = tmp_path / "auskunft.pdf"
    auskunft.write_bytes(render_auskunft(collect(vault, case.person_id)))

    rtl = font == "NotoSansHebrew"
    for key, pdf in pdfs.items():
        text = norm(pdftotext(pdf))
        if rtl:  # pdftotext reads a mixed right-to-left line of a German page in left-to-right
            # runs: ")Noa Cohen( נועה כהן", as it does the Arabic names (docs/handouts.md)
            assert f"{given} {family}" in text and latin in text, (key, text)
        else:
            assert name in text, (key, text)
        if key.startswith("appointment"):
            assert place in text, (key, text)
        if key.startswith("goals"):
            assert goal in text and place in text, (key, text)
        embedded = pdffonts(pdf)
        assert [n for n, emb in embedded if not emb] == [], key
        assert any(font in n for n, _emb in embedded), (key, embedded)
        # every letter of the script is drawn by its own font, none by Noto Sans (a box)
        assert {f.rsplit("-", 1)[0] for f in fonts_of_letters(pdf, *letters)} == {font}, key


def test_hebrew_with_niqqud_extracts_in_logical_order(tmp_path: Path) -> None:
    """Pointed Hebrew (niqqud) is laid out right to left like Arabic with harakat: each mark on
    a blank glyph of its own, so pdftotext gives the letters and marks in the typed order,
    beside German and alone."""
    from kimdesk.handouts.data import HandoutData

    name = "מֹשֶׁה לֵוִי"
    data = HandoutData({"client_name": name, "case_number": "2026-CFD5-000018"})
    for second in (None, "de"):
        out = tmp_path / f"consent-{second}.pdf"
        render_handout("consent", "de", second, data, out)
        text = " ".join(pdftotext(out, "-l", "1").split())
        assert name in text, (second, text[:400])
        page = pypdf.PdfReader(out).pages[0]
        assert name in " ".join(page.extract_text().split()), (second, "pypdf")


def test_a_script_without_a_font_prints_a_placeholder(make_vault: object, tmp_path: Path) -> None:
    """Chinese, Japanese and Korean are not bundled (a CJK font is 10-20 MB): the name prints in
    its Latin form, a typed value prints "[…]" where those letters stand; no .notdef box."""
    from kimdesk.domain.models import Goal, Person
    from kimdesk.handouts.data import load_case_data
    from kimdesk.handouts.fonts import font_set
    from kimdesk.handouts.layout import Style, layout_paragraph
    from kimdesk.vault.appointments import set_next_appointment

    vault = make_vault()  # type: ignore[operator]
    person = vault.people.add(Person(given_name="小明", family_name="王",
                                     given_name_latin="Xiaoming", family_name_latin="Wang",
                                     languages=["de"]))
    case = vault.cases.open_case(person.id)
    set_next_appointment(vault, case.id, date(2026, 12, 14), "10:30", "東京 渋谷区 Büro 3")
    vault.goals.add(Goal(case_id=case.id, goal="Zeugnis aus 北京 und 서울 übersetzen lassen"))
    data = load_case_data(vault, case.id)
    assert data.values["client_name"] == "Xiaoming Wang"
    for template in ("appointment", "goals"):
        out = tmp_path / f"{template}.pdf"
        render_handout(template, "ar", "de", data, out)
        text = norm(pdftotext(out))
        assert "Xiaoming Wang" in text and "小明" not in text
        if template == "appointment":
            assert "[…] Büro 3" in text, text
        else:
            assert "Zeugnis aus […] und […] übersetzen lassen" in text, text
        assert not any(0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF for ch in text)
    for bold in (False, True):
        style = Style(10.0, bold=bold)
        for line in layout_paragraph("北京 und 東京, 서울", 200.0, style, "de", None):
            for seg in line.segments:
                face = font_set(bold).font(seg.role).face
                assert all(face.charToGlyph.get(ord(g.key), 0) != 0 for g in seg.glyphs), seg.text



def test_the_cli_says_when_a_placeholder_prints(make_vault: object, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """One translated line on stderr, after the file is written (exit 0): the counselor may
    type the Latin form instead. A handout that prints no such value says nothing."""
    from kimdesk.cli import main
    from kimdesk.domain.models import Person
    from kimdesk.vault.appointments import set_next_appointment
    from tests.conftest import PASSPHRASE

    vault = make_vault()  # type: ignore[operator]
    person = vault.people.add(Person(given_name="小明", family_name="王",
                                     given_name_latin="Xiaoming", family_name_latin="Wang"))
    case = vault.cases.open_case(person.id)
    set_next_appointment(vault, case.id, date(2026, 12, 14), "10:30", "東京 渋谷区")
    path = vault.path
    vault.close()
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    for template, note in (("appointment", True), ("consent", False)):
        out = tmp_path / f"{template}.pdf"
        assert main(["--lang", "de", "handout", template, "--lang", "tr", "--second-lang", "de",
                     "--case", case.case_number, "--vault", str(path), "-o", str(out)]) == 0
        captured = capsys.readouterr()
        assert captured.out.strip() == str(out) and out.stat().st_size > 1000
        if note:
            assert captured.err == ("Ein Text enthält Zeichen, die den Schriftarten des "
                                    "Merkblatts fehlen (zum Beispiel chinesische, japanische "
                                    "oder koreanische Schriftzeichen oder Emojis): Sie werden "
                                    "als […] gedruckt. Geben Sie den Text in lateinischen "
                                    "Buchstaben ein, um ihn zu drucken.\n")
        else:
            assert captured.err == ""
