"""What a print shop's preflight and a reader of the printed sheet check: every font embedded,
signatures on the page of the text they sign, Arabic script as large as the Latin beside it,
and the client's name found by a PDF search."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.handouts.render import render_handout
from kimdesk.handouts.templates import LANGUAGES
from tests.handouts.helpers import pdffonts


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
