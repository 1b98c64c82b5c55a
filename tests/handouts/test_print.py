"""What a print shop's preflight and a reader of the printed sheet check: every font embedded,
signatures on the page of the text they sign, Arabic script as large as the Latin beside it,
and the client's name found by a PDF search."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.handouts.render import PAGE_H, prepare, render_handout
from kimdesk.handouts.templates import (
    LANGUAGES,
    form_text,
    load_template,
    load_texts,
    template_names,
)
from tests.handouts.helpers import client_with_case, pdffonts, pdftotext
from tests.handouts.test_extract import letters


def _second(lang: str) -> str:
    return "de" if lang != "de" else "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_font_is_embedded(tmp_path: Path, lang: str) -> None:
    """No Helvetica (reportlab's initial font) or any other font the PDF only names."""
    for second, layout in ((None, "side"), (_second(lang), "side"), (_second(lang), "stacked")):
        out = tmp_path / f"{lang}-{second}-{layout}.pdf"
        render_handout("consent", lang, second, out=out, layout=layout)
        fonts = pdffonts(out)
        assert fonts, out.name
        assert [name for name, embedded in fonts if not embedded] == [], out.name


@pytest.mark.parametrize("lang", ["ar", "de"])
def test_auskunft_embeds_every_font(demo_vault: object, tmp_path: Path, lang: str) -> None:
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    person = next(iter(demo_vault.people.where()))  # type: ignore[attr-defined]
    out = tmp_path / "auskunft.pdf"
    out.write_bytes(render_auskunft(collect(demo_vault, person.id), lang))  # type: ignore[arg-type]
    fonts = pdffonts(out)
    assert fonts
    assert [name for name, embedded in fonts if not embedded] == []


SIGNED = [name for name in template_names()
          if any(block.type == "signature" for block in load_template(name).blocks)]


def _signed_end(template: str, lang: str) -> tuple[str, str]:
    """(the last paragraph a template's signatures sign, the last signature's label) in ``lang``:
    the block before the first signature block and the label of the last one."""
    blocks = load_template(template).blocks
    first = next(i for i, b in enumerate(blocks) if b.type == "signature")
    signed, texts = blocks[first - 1], load_texts(lang).texts
    label = texts[blocks[-1].keys["label"]]
    if signed.type == "paragraph":
        return texts[signed.keys["text"]], label
    if signed.type == "form_text":
        return form_text(signed.form, signed.name, lang) or texts[signed.keys["fallback"]], label
    if signed.type == "goals":  # blank: the last empty record, numbered
        return f"{signed.blank}. {texts[signed.keys['goal']]}", label
    raise AssertionError(f"{template}: teach this test what a {signed.type} block prints")


def _pages(pdf: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(pdf).pages)


@pytest.mark.parametrize("template", SIGNED)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_signatures_share_the_page_of_the_text_they_sign(tmp_path: Path, lang: str,
                                                        template: str) -> None:
    """The signature lines never start a page alone: the page (and language column) with the
    last signature line also holds the whole last paragraph of the signed text."""
    second = _second(lang)
    checked = 0
    for pair, layout in (((lang,), "side"), ((lang, second), "side"), ((lang, second), "stacked")):
        out = tmp_path / f"{template}-{'-'.join(pair)}-{layout}.pdf"
        render_handout(template, lang, pair[1] if len(pair) > 1 else None, out=out,
                       layout=layout)
        columns = prepare(template, lang, pair[1] if len(pair) > 1 else None,
                          layout=layout).columns
        for which in pair:
            column = next(c for c in columns if c.lang == which)
            # one column at a time (pdftotext then reads an Arabic column right to left)
            area = ["-x", str(int(column.x) - 2), "-y", "0", "-W", str(int(column.width) + 4),
                    "-H", str(int(PAGE_H))]
            signed, label = (letters(t) for t in _signed_end(template, which))
            pages = [letters(pdftotext(out, "-f", str(n), "-l", str(n), *area))
                     for n in range(1, _pages(out) + 1)]
            with_label = [n for n, text in enumerate(pages, 1) if label in text]
            assert with_label, (out.name, which, "no signature label")
            assert signed in pages[with_label[-1] - 1], (
                f"{out.name} ({which}): page {with_label[-1]} has the last signature but not "
                f"the end of the text it signs")
            checked += 1
    assert checked == 5


@pytest.mark.parametrize("words", [150, 330, 520, 700, 1100])
def test_signatures_follow_the_end_of_a_record_taller_than_a_page(tmp_path: Path,
                                                                  words: int) -> None:
    """A goal record longer than a page is cut between lines so that its last lines, not
    nothing, share the page with the signatures (whatever the length); with a blank field
    last, its label goes with its fill-in line."""
    from kimdesk.handouts.data import GoalRow, HandoutData

    steps = " ".join(f"Schritt{i}" for i in range(words))
    for review, last_line in (("1.3.2027", "132027"), ("", "Überprüfungam")):
        data = HandoutData({"client_name": "Amna Mohammed"},
                           goals=(GoalRow("Deutschkurs", "Anmeldung", "Klientin", "1.3.2027"),
                                  GoalRow("Wohnung", steps, "Klientin", review)))
        out = tmp_path / "goals.pdf"
        render_handout("goals", "de", data=data, out=out)
        pages = [letters(pdftotext(out, "-f", str(n), "-l", str(n)))
                 for n in range(1, _pages(out) + 1)]
        label = letters(load_texts("de").texts["consent.sig_counselor"])
        with_label = [n for n, text in enumerate(pages) if label in text]
        assert with_label == [len(pages) - 1], (words, review)
        assert last_line in pages[-1], (words, review)
        if words < 330:
            assert f"Schritt{words - 1}" in pages[-1], (words, review)


NAMES = ["مَحْمُود عَلِيّ", "محمود علي", "يُوسُف عَبْدُالله", "زَهرا نوروزی\u200cپور", "مُحَمَّد خان"]


@pytest.mark.parametrize("lang", ["ar", "fa", "ps"])
def test_client_name_is_found_by_a_pdf_search(tmp_path: Path, lang: str) -> None:
    """The client's name, with harakat or without, comes out of pdftotext and pypdf exactly as
    typed (only whitespace normalised): each harakah after its letter, not before it."""
    import pypdf

    from kimdesk.handouts.data import HandoutData

    def squash(text: str) -> str:
        return " ".join(text.split())

    for name in NAMES:
        data = HandoutData({"client_name": name, "case_number": "2026-CFD5-000018"})
        for second in (None, "de"):
            out = tmp_path / f"consent-{lang}-{second}.pdf"
            render_handout("consent", lang, second, data, out=out)
            for column in prepare("consent", lang, second, data).columns:
                area = ["-x", str(int(column.x) - 2), "-y", "0",
                        "-W", str(int(column.width) + 4), "-H", str(int(PAGE_H))]
                text = squash(pdftotext(out, "-l", "1", *area))
                assert squash(name) in text, (name, second, column.lang, text[:300])
            assert squash(name) in squash(pdftotext(out, "-l", "1")), (name, second)
            pages = pypdf.PdfReader(out).pages
            assert squash(name) in squash(pages[0].extract_text()), (name, second, "pypdf")


def _word_boxes(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) in points of every word on page 1 (pdftotext -bbox)."""
    import html
    import re

    page = pdftotext(pdf, "-bbox", "-f", "1", "-l", "1")
    pattern = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">([^<]*)</word>')
    return [(html.unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4]))
            for m in pattern.finditer(page)]


def test_arabic_letters_print_as_high_as_the_latin_x_height(tmp_path: Path) -> None:
    """Every Arabic, Persian and Pashto letter without an ascender, in its four joining forms,
    printed beside a Latin "x" on the same line of a real handout: the median height of the
    Arabic letters above the baseline is the x-height, within 10 % (unscaled Naskh: 80 %)."""
    import statistics
    import subprocess

    from PIL import Image

    from kimdesk.handouts.data import HandoutData
    from kimdesk.handouts.fonts import ARABIC_BODY_LETTERS
    from tests.handouts.helpers import need

    tatweel = "\u0640"
    forms = [form for letter in ARABIC_BODY_LETTERS for form in (
        letter, letter + tatweel, tatweel + letter + tatweel, tatweel + letter)]
    pdf = tmp_path / "letters.pdf"
    render_handout("consent", "de", out=pdf,
                   data=HandoutData({"client_name": " ".join(f"x {f}" for f in forms)}))
    boxes = [b for b in _word_boxes(pdf) if b[0] == "x" or b[0] in forms]
    top = min(b[2] for b in boxes) - 10  # points; the image starts here
    px = 600 / 72  # pixels per point
    out = tmp_path / "letters"
    subprocess.run([need("pdftoppm"), "-r", "600", "-gray", "-singlefile", "-f", "1", "-y",
                    str(int(top * px)), "-H", str(int((max(b[4] for b in boxes) + 10 - top) * px)),
                    str(pdf), str(out)], check=True, timeout=60)
    ink = Image.open(out.with_suffix(".pgm")).convert("L").point(lambda v: 255 if v < 128 else 0)

    def ink_rows(x0: float, x1: float, row0: float, row1: float) -> tuple[int, int]:
        """Top and bottom ink rows (image pixels) between x0 and x1 (points), row0 and row1."""
        found = ink.crop((int(x0 * px) + 1, int(row0), int(x1 * px) - 1, int(row1))).getbbox()
        assert found is not None
        return int(row0) + found[1], int(row0) + found[3]

    ratios = []
    xs = [b for b in boxes if b[0] == "x"]
    for line in sorted({round(b[2]) for b in xs}):  # one line per top of the x's boxes
        on_line = [b for b in xs if round(b[2]) == line]
        rows = [ink_rows(b[1], b[3], (b[2] - top) * px, (b[4] - top) * px) for b in on_line]
        x_top = statistics.median(r[0] for r in rows)
        baseline = statistics.median(r[1] for r in rows)
        x_height = baseline - x_top
        middle = (on_line[0][2] + on_line[0][4]) / 2
        for _, x0, y0, x1, y1 in boxes:
            if _ in forms and abs((y0 + y1) / 2 - middle) < 4:
                # from the baseline up 1.8 x-heights: above any letter, below the line before
                arabic_top, _bottom = ink_rows(x0, x1, baseline - 1.8 * x_height, baseline)
                ratios.append((baseline - arabic_top) / x_height)
    assert len(ratios) == len(forms)
    assert 0.9 <= statistics.median(ratios) <= 1.1, statistics.median(ratios)


def test_the_arabic_scale_comes_from_the_font_files() -> None:
    """The factor is the ratio of the two scripts' typical letter heights, measured on the TTFs
    (not a constant): typical Arabic letters, scaled, stand within 10 % of the x-height in the
    OS/2 table of Noto Sans, in both weights."""
    import uharfbuzz as hb

    from kimdesk.handouts.fonts import ARABIC_BODY_LETTERS, body_height, font_set

    for bold in (False, True):
        fonts = font_set(bold)
        arabic, latin = fonts.font("arabic"), fonts.font("latin")
        x_height = latin.hb_font.get_metric_position(hb.OTMetricsTag.X_HEIGHT)
        scaled = arabic.scale * body_height(arabic, ARABIC_BODY_LETTERS, True)
        assert 1.1 < arabic.scale < 1.4, arabic.scale
        assert abs(scaled / x_height - 1.0) <= 0.1, (bold, scaled, x_height)


@pytest.mark.parametrize(("given", "family", "latin"), [
    ("小明", "王", "Xiaoming Wang"),  # Chinese
    ("さくら", "山田", "Sakura Yamada"),  # Japanese
    ("지민", "김", "Jimin Kim"),  # Korean
])
def test_a_name_in_a_script_without_a_font_prints_in_latin_letters(
        make_vault: object, tmp_path: Path, given: str, family: str, latin: str) -> None:
    """The bundled fonts have no Chinese, Japanese or Korean (a CJK font is 10-20 MB): the written
    name would print as a row of empty boxes (.notdef) before its Latin form, so the handout and
    the Auskunft print the Latin form alone. (Georgian, Armenian and Hebrew printed so until
    their fonts were bundled: tests/handouts/test_scripts.py.)"""
    from kimdesk.domain.models import Person
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.handouts.data import load_case_data
    from kimdesk.handouts.fonts import uncovered
    from kimdesk.vault.subject_access import collect

    vault = make_vault()  # type: ignore[operator]
    case = client_with_case(vault, given, family, latin)
    handout = tmp_path / "handout.pdf"
    render_handout("appointment", "ru", "de", load_case_data(vault, case.id), handout)
    auskunft = tmp_path / "auskunft.pdf"
    auskunft.write_bytes(render_auskunft(collect(vault, case.person_id)))
    for pdf in (handout, auskunft):
        text = pdftotext(pdf)
        assert latin in text, pdf.name
        assert given not in text and uncovered("".join(text.split())) == [], pdf.name
    # a name the fonts draw keeps both forms
    for written, (first_latin, last_latin) in (("نور مصطفى", ("Nour", "Mustafa")),
                                               ("ნინო ბერიძე", ("Nino", "Beridze"))):
        first_written, last_written = written.split()
        other = vault.people.add(Person(given_name=first_written, family_name=last_written,
                                        given_name_latin=first_latin,
                                        family_name_latin=last_latin))
        data = load_case_data(vault, vault.cases.open_case(other.id).id)
        assert data.values["client_name"] == f"{written} ({first_latin} {last_latin})"
