"""Every character of every shipped translation is drawn by a bundled font that has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.handouts.fonts import font_files, fonts_dir, uncovered
from kimdesk.handouts.layout import Style, layout_paragraph
from kimdesk.handouts.templates import (
    LANGUAGES,
    form_text,
    load_template,
    load_texts,
    template_names,
)
from kimdesk.i18n import is_rtl


def all_texts() -> list[tuple[str, str, str]]:
    """(language, key, text) for every translation and every form text a template pulls in."""
    out = []
    for lang in LANGUAGES:
        texts = load_texts(lang)
        out += [(lang, key, text) for key, text in texts.texts.items()]
        out.append((lang, "name", texts.name))
        for name in template_names():
            for block in load_template(name).blocks:
                if block.type == "form_text":
                    text = form_text(block.form, block.name, lang)
                    if text:
                        out.append((lang, f"{block.form}.{block.name}", text))
    return out


def test_fonts_are_bundled_with_their_licence() -> None:
    files = font_files()
    # the Georgian, Armenian and Hebrew faces are small (27-55 KB): a handful of letters each
    assert len(files) == 12 and all(f.is_file() and f.stat().st_size > 20_000 for f in files)
    licence = (fonts_dir() / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    families = licence.splitlines()[0]  # the first line names every bundled family
    for name in ("Noto Sans", "Noto Naskh Arabic", "Noto Sans Ethiopic", "Noto Sans Georgian",
                 "Noto Sans Armenian", "Noto Sans Hebrew"):
        assert name in families, name


@pytest.mark.parametrize("bold", [False, True], ids=["regular", "bold"])
def test_every_character_is_covered(bold: bool) -> None:
    missing = {}
    for lang, key, text in all_texts():
        gaps = uncovered(text, bold=bold)
        if gaps:
            missing[f"{lang}:{key}"] = "".join(sorted(set(gaps)))
    assert not missing, missing


def test_every_translation_shapes_without_notdef() -> None:
    """Stronger than the cmap check: HarfBuzz output for the real strings has no glyph 0."""

    from kimdesk.handouts.fonts import font_set

    bad = []
    for lang, key, text in all_texts():
        for bold in (False, True):
            style = Style(10.0, bold=bold)
            for line in layout_paragraph(text, 240.0, style, lang, is_rtl(lang)):
                for seg in line.segments:
                    font = font_set(bold).font(seg.role)
                    if any(font.face.charToGlyph.get(ord(g.key), 0) == 0 for g in seg.glyphs):
                        bad.append((lang, key, seg.text))
    assert not bad, bad[:20]


def test_uncovered_reports_what_no_font_has() -> None:
    assert uncovered("Hallo 你好") == ["你", "好"]
    for bold in (False, True):
        assert uncovered("ნინო ბერიძე, Անի Հակոբյան, נועה כהן, מֹשֶׁה", bold=bold) == []


def test_uncovered_letters_become_one_placeholder_per_run() -> None:
    from kimdesk.handouts.fonts import without_uncovered

    assert without_uncovered("Zeugnis aus 北京 übersetzen") == "Zeugnis aus […] übersetzen"
    assert without_uncovered("北京 上海 und 東京, 서울") == "[…] und […], […]"
    assert without_uncovered("ნინო (Nino) 王") == "ნინო (Nino) […]"
    assert without_uncovered("東京  ") == "[…]  "


def test_languages_have_native_names_and_status() -> None:
    for lang in LANGUAGES:
        texts = load_texts(lang)
        assert texts.status == ("source" if lang in ("de", "en") else "draft"), lang
        assert texts.name and texts.path == Path(texts.path)
