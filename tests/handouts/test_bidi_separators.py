"""The ``: ``, ``; ``, ``, `` and `` · `` between the Auskunft's labels and values follow the
column's direction, wherever a line breaks: each term and value is a bidi isolate
(:func:`kimdesk.handouts.auskunft_terms.say`, :func:`kimdesk.handouts.layout.resolve_levels`).

Before (2026-12-07): a separator between two Arabic values in the German column took their
direction, so it was drawn inside the Arabic run, on the wrong side of the value before it; the
consent's recipients "مكتب الهجرة في حلب, جمعية الرعاية ..." printed, on the first line, the
second recipient's first word left of the first recipient, the comma between them glued to the
left of "حلب", and on the next line the third recipient left of the second (measured with
pdftotext -bbox: "جمعية" at x 405 pt, "حلب," at 437 pt). Laid out at every width from 40 to
400 pt, 110 of 275 lines (Arabic recipients, German column) and 141 of 276 (German recipients,
Arabic column) were not drawn as the column's reader expects.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kimdesk.handouts.auskunft_terms import say
from kimdesk.handouts.layout import Line, Style, has_rtl, layout_paragraph
from kimdesk.handouts.templates import load_texts
from tests.handouts.helpers import need
from tests.rawscan import files_holding

ARABIC_RECIPIENTS = ["مكتب الهجرة في حلب", "جمعية الرعاية الاجتماعية في دمشق",
                     "مركز الاستشارة في حمص", "Jobcenter Gütersloh"]
GERMAN_RECIPIENTS = ["Jobcenter Gütersloh", "Ausländerbehörde Kreis Gütersloh",
                     "Caritas Verl", "Diakonie Rheda-Wiedenbrück"]
_SEP = re.compile(r"(,|;|:|·)")


def _phrase(items: list[str]) -> tuple[str, ...]:
    out: list[str] = ["12.01.2026", " · "]
    for i, item in enumerate(items):
        out += [", "] * bool(i) + [item]
    return tuple(out)


def _visual(line: Line) -> str:
    """The line's characters left to right, as drawn (a right-to-left segment reversed)."""
    return "".join(s.text[::-1] if s.rtl else s.text for s in line.segments).replace(" ", "")


def _expected(line: Line) -> str:
    """The line as a reader of the column expects it: its values in the column's order, each
    drawn in its own direction, every separator right after the value before it."""
    pieces = [p.strip() for p in _SEP.split(line.logical_text) if p.strip()]
    drawn = [p[::-1] if has_rtl(p) else p for p in pieces]
    return "".join(drawn[::-1] if line.rtl else drawn).replace(" ", "")


@pytest.mark.parametrize(("items", "lang", "rtl"), [
    (ARABIC_RECIPIENTS, "de", False), (GERMAN_RECIPIENTS, "ar", True),
    (ARABIC_RECIPIENTS, "ar", True)], ids=["arabic-in-german", "german-in-arabic", "arabic"])
def test_separators_follow_the_column_at_every_width(items: list[str], lang: str,
                                                     rtl: bool) -> None:
    """Laid out at every width from 40 to 400 pt (so every break falls somewhere): each line
    is drawn as its reader expects it."""
    text = say(_phrase(items), load_texts(lang))
    wrong = []
    for width in range(40, 401, 6):
        for line in layout_paragraph(text, float(width), Style(10.0), lang, rtl):
            if _visual(line) != _expected(line):
                wrong.append((width, line.logical_text))
    assert wrong == []


def test_the_auskunft_prints_arabic_recipients_in_the_german_column_in_order(
        make_vault: Any, tmp_path: Path) -> None:
    """A real Auskunft, German alone: the recipients left to right, each comma after its own
    recipient (pdftotext -bbox gives each word's place; poppler writes an Arabic word's letters
    in drawing order), on both lines of the paragraph; rendered to PNG for a look."""
    from kimdesk.domain.codes import ConsentPurpose
    from kimdesk.domain.models import Consent, Person
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    person = vault.people.add(Person(given_name="Lejla", family_name="Quorvandt",
                                     languages=["ar"]))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 12))
    vault.consents.add(Consent(person_id=person.id, case_id=case.id,
                               given_on=date(2026, 1, 12),
                               purposes=[ConsentPurpose.SHARE_WITH_AGENCY],
                               recipients=ARABIC_RECIPIENTS))
    out = tmp_path / "out"
    out.mkdir()
    pdf = out / "auskunft-de.pdf"
    pdf.write_bytes(render_auskunft(collect(vault, person.id), "de"))
    subprocess.run([need("pdftoppm"), "-r", "100", "-png", "-f", "2", "-l", "2",
                    "-singlefile", str(pdf), str(out / "page2")], check=True)

    html = subprocess.run([need("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    raw = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html)
    words = [(w.strip(","), float(x), round(float(y))) for x, y, w in raw]

    def at(word: str) -> tuple[float, int]:
        return next((x, y) for w, x, y in words if w == word[::-1])

    (halab, y1), (jamia, y1b) = at("حلب"), at("جمعية")
    (dimashq, y2), (markaz, y2b) = at("دمشق"), at("مركز")
    assert y1 == y1b and y2 == y2b and y2 > y1  # the first break is after "جمعية"
    assert halab < jamia  # the first recipient left of the second
    assert dimashq < markaz  # the second left of the third
    # the comma after the first recipient: glued to its last letters drawn, "مكتب" (rightmost)
    assert "بتكم," in [w for _x, _y, w in raw]
    assert files_holding(out, [b"Lejla", b"Quorvandt"]) == []
