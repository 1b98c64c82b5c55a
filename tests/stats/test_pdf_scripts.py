"""A municipality typed in Georgian, Armenian or Hebrew prints in its script in the statistics
PDF, with the handouts' fonts and the handouts' choice of font per character (shared code:
:func:`kimdesk.handouts.fonts.script_runs`), never as empty boxes.

Before (2026-12-07): the statistics PDF registered Noto Sans and Noto Naskh Arabic only; the three
names were drawn in Noto Sans, whose .notdef glyph reportlab draws blank: three empty cells at
300 dpi (0 ink pixels), and pdftotext read nothing of them. A Hebrew (and Arabic) name of
two words printed its words in typed order, left to right.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from kimdesk.stats import Period, build_report
from kimdesk.stats.export import write
from kimdesk.vault.statsqueries import StatsQueries
from tests.handouts.helpers import need, pdffonts, pdftotext
from tests.handouts.test_scripts import fonts_of_letters
from tests.rawscan import files_holding

#: (municipality, font family, the script's letters) — no letter that is itself a box (ם, ס)
PLACES = [("თბილისი", "NotoSansGeorgian", (0x10A0, 0x10FF)),
          ("Երևան", "NotoSansArmenian", (0x0530, 0x058F)),
          ("תל אביב", "NotoSansHebrew", (0x0590, 0x05FF))]
DPI = 300


def _vault_with_places(make_vault: Any) -> tuple[Any, list[bytes]]:
    from kimdesk.domain.models import Person

    vault = make_vault()
    names = []
    for k, municipality in enumerate([p for p, _f, _r in PLACES] + ["Gütersloh"]):
        for j in range(4):
            given, family = f"Nadiya{k}{j}", "Kowalczyk"
            names += [given.encode(), family.encode()]
            person = vault.people.add(Person(
                given_name=given, family_name=family, gender="female", nationalities=["UA"],
                birth_year=1990, residence_status="par24", municipality=municipality))
            vault.cases.open_case(person.id, opened_on=date(2026, 1, 5),
                                  municipality=municipality, rechtskreise=["sgb2"],
                                  handlungsfelder=["language"])
    return vault, names


def _word_boxes(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x0, y0, x1, y1) in points, from ``pdftotext -bbox``."""
    html = subprocess.run([need("pdftotext"), "-bbox", "-f", str(page), "-l", str(page),
                           str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def _crop(pdf: Path, page: int, box: tuple[float, float, float, float], out: Path) -> Any:
    """The box (points) rendered at :data:`DPI` by pdftoppm, as a boolean ink array."""
    x0, y0, x1, y1 = (round(v * DPI / 72) for v in box)
    subprocess.run([need("pdftoppm"), "-r", str(DPI), "-f", str(page), "-l", str(page),
                    "-x", str(x0 - 2), "-y", str(y0 - 2), "-W", str(x1 - x0 + 4),
                    "-H", str(y1 - y0 + 4), "-png", "-singlefile", str(pdf),
                    str(out)], check=True)
    return np.asarray(Image.open(out.with_suffix(".png")).convert("L")) < 128


def boxes(ink: Any) -> int:
    """How many glyphs of the rendered word are empty rectangles (.notdef): glyphs are cut at
    empty columns; a box has its top and bottom row and its first and last column inked over
    at least 90 %."""
    cols = ink.any(axis=0)
    found, x = 0, 0
    while x < len(cols):
        if not cols[x]:
            x += 1
            continue
        end = x
        while end < len(cols) and cols[end]:
            end += 1
        glyph = ink[:, x:end]
        rows = np.flatnonzero(glyph.any(axis=1))
        g = glyph[rows[0]:rows[-1] + 1]
        if g.shape[0] > 4 and g.shape[1] > 4 and min(
                g[0].mean(), g[-1].mean(), g[:, 0].mean(), g[:, -1].mean()) >= 0.9:
            found += 1
        x = end
    return found


def test_municipalities_in_georgian_armenian_hebrew_print_in_their_script(
        make_vault: Any, tmp_path: Path) -> None:
    vault, names = _vault_with_places(make_vault)
    out = tmp_path / "out"
    out.mkdir()
    pdf = out / "stats.pdf"
    write(build_report(StatsQueries.of(vault), Period.month(2026, 2), 3), pdf, "pdf")

    text = " ".join(pdftotext(pdf).split())
    for place, _font, _letters in PLACES:
        # pdftotext reads a Hebrew line in visual order ("אביב תל"): the words, not their order
        assert all(word in text for word in place.split()), (place, text[:300])
    embedded = pdffonts(pdf)
    assert [n for n, emb in embedded if not emb] == []
    for _place, font, letters in PLACES:
        # every letter of the script drawn by its own font, none by Noto Sans (a box)
        used = fonts_of_letters(pdf, *letters)
        assert used and all(f.startswith(font + "-") for f in used), (font, used)

    # rendered: the name in the first table's cell is letters, not boxes
    words = _word_boxes(pdf, 2)
    for place, _font, _letters in PLACES:
        for word in place.split():
            # pdftotext -bbox gives a Hebrew word's letters left to right, as drawn
            x0, y0, x1, y1 = next(w[1:] for w in words if w[0] in (word, word[::-1]))
            ink = _crop(pdf, 2, (x0, y0, x1, y1), tmp_path / f"crop-{word}")
            # letters are drawn across the word (before: nothing at all, reportlab's .notdef of
            # Noto Sans is blank) and none is an empty rectangle
            assert ink.any(axis=0).mean() > 0.5, word
            assert boxes(ink) == 0, word
    # the Hebrew words right to left: "Aviv" left of "Tel", as on the handouts (before: the
    # words in typed order, "Tel" on the left)
    tel, aviv = (next(w[1] for w in words if w[0] == word[::-1]) for word in ("תל", "אביב"))
    assert aviv < tel
    # the measure sees boxes where there are boxes (a font whose .notdef is a rectangle)
    drawn = Image.new("L", (120, 30), 255)
    for k in range(7):
        ImageDraw.Draw(drawn).rectangle((4 + 16 * k, 5, 14 + 16 * k, 24), outline=0, width=2)
    assert boxes(np.asarray(drawn) < 128) == 7
    assert files_holding(out, names) == []


def test_right_to_left_words_in_visual_order() -> None:
    """Arabic municipalities of two words, and German around a right-to-left name: the words in
    visual order (reportlab then sets each word's letters right to left)."""
    from kimdesk.stats.pdf import _markup

    def plain(markup: str) -> str:
        return re.sub(r"<[^>]+>", "", markup)

    assert plain(_markup("حلب الجديدة")[0]) == "الجديدة حلب"
    assert _markup("حلب الجديدة")[1]
    assert plain(_markup("Stadt תל אביב, Israel")[0]) == "Stadt אביב תל, Israel"
    assert _markup("Gütersloh") == ("Gütersloh", False)
    assert plain(_markup("თბილისი 2")[0]) == "თბილისი 2"


def test_a_handout_after_a_statistics_pdf_in_one_process(make_vault: Any, tmp_path: Path) -> None:
    """The app prints a handout after exporting a statistics PDF (and the other way round):
    both work, and each keeps its own fonts. Before, reportlab gave the handout's font of
    Noto Sans the statistics PDF's font object of the same file: the handout failed with
    AttributeError 'original_cmap' (a subprocess: a fresh font registry)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kimdesk.handouts.data import HandoutData\n"
        "from kimdesk.handouts.render import render_handout\n"
        "from kimdesk.stats.pdf import _fonts, _markup\n"
        "from reportlab.pdfbase import pdfmetrics\n"
        "_fonts(); _markup('حلب')\n"
        "out = Path(sys.argv[1])\n"
        "render_handout('consent', 'ar', 'de', HandoutData({'client_name': 'نور مصطفى'}), out)\n"
        "assert pdfmetrics.getFont(_fonts()['arabic']).shapable\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "h.pdf")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-600:]
    assert "نور" in " ".join(pdftotext(tmp_path / "h.pdf").split())
