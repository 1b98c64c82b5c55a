"""Text extracted from the PDFs (poppler's pdftotext) reads in logical order, line after line.

For de, ar, fa, ti and uk every paragraph of the handout must come out as the translator wrote it:
same words, same order, across wrapped lines; harakat and the Persian ZWNJ must survive; Turkish
dotted and dotless i must not be folded.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from kimdesk.handouts.render import PAGE_H, prepare, render_handout
from kimdesk.handouts.templates import form_text, load_template, load_texts
from tests.handouts.helpers import norm, pdftotext

LANGS = ["de", "ar", "fa", "ti", "uk"]


def words(text: str) -> str:
    """Words only: punctuation differs in where extractors put it around mirrored brackets."""
    text = norm(text)
    kept = "".join(ch if not unicodedata.category(ch).startswith("P") else " " for ch in text)
    return " ".join(kept.split())


def letters(text: str) -> str:
    """Letters and digits in order, nothing else. pdftotext infers spaces from gaps and loses one
    next to a mirrored bracket in mixed Arabic/Latin lines; the order of every letter is what
    the test is about."""
    return "".join(words(text).split())


def paragraphs(template: str, lang: str) -> list[str]:
    texts = load_texts(lang).texts
    out = []
    for block in load_template(template).blocks:
        if block.type in ("title", "heading", "paragraph"):
            out.append(texts[block.keys["text"]])
        elif block.type == "form_text":
            out.append(form_text(block.form, block.name, lang) or texts[block.keys["fallback"]])
        elif block.type in ("checklist", "bullets"):
            out += [texts[item] for item in block.items]
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("template", ["appointment", "consent", "documents"])
def test_paragraphs_extract_in_logical_order(tmp_path: Path, lang: str, template: str) -> None:
    out = tmp_path / f"{template}-{lang}.pdf"
    render_handout(template, lang, out=out)
    extracted = letters(pdftotext(out))
    position = 0
    for para in paragraphs(template, lang):
        expected = letters(para)
        found = extracted.find(expected, position)
        assert found >= 0, f"{lang}: not found in order:\n{expected}\n--- in ---\n{extracted}"
        position = found + len(expected)


@pytest.mark.parametrize("lang", ["ar", "fa", "ti", "uk"])
def test_bilingual_columns_extract_both_languages_in_order(tmp_path: Path, lang: str) -> None:
    """Side by side: each column's wrapped paragraphs still come out whole and in order."""
    out = tmp_path / f"appointment-{lang}-de.pdf"
    render_handout("appointment", lang, "de", out=out)
    for which in (lang, "de"):
        column = next(c for c in prepare("appointment", lang, "de").columns if c.lang == which)
        # Extract one column at a time: pdftotext picks the reading direction of a page (or of
        # the cropped area) by counting letters, so the Arabic column is read right to left.
        area = ["-x", str(int(column.x) - 2), "-y", "0", "-W", str(int(column.width) + 4),
                "-H", str(int(PAGE_H))]
        extracted = letters(pdftotext(out, *area))
        texts = load_texts(which).texts
        for key in ("appointment.intro", "appointment.bring", "appointment.cancel"):
            assert letters(texts[key]) in extracted, (which, key)


def test_arabic_harakat_survive_extraction(tmp_path: Path) -> None:
    out = tmp_path / "ar.pdf"
    render_handout("appointment", "ar", out=out)
    extracted = pdftotext(out)
    source = "".join(paragraphs("appointment", "ar"))
    harakat = re.compile("[\u064b-\u0652]")
    assert len(harakat.findall(source)) >= 3
    assert sorted(harakat.findall(extracted)) == sorted(harakat.findall(source))


def test_persian_zwnj_survives_extraction(tmp_path: Path) -> None:
    out = tmp_path / "fa.pdf"
    render_handout("appointment", "fa", out=out)
    extracted = norm(pdftotext(out))
    assert "نمی\u200cتوانید" in extracted and "نامه\u200cهایی" in extracted


def test_turkish_dotted_and_dotless_i(tmp_path: Path) -> None:
    out = tmp_path / "tr.pdf"
    render_handout("documents", "tr", out=out)
    extracted = norm(pdftotext(out))
    for word in ("İş", "sigortası", "Kimlik", "Yabancılar"):
        assert word in extracted


def test_pypdf_reads_pure_rtl_lines_in_order(tmp_path: Path) -> None:
    """pypdf (no layout analysis) also gets right-to-left lines without Latin words right."""
    import pypdf

    out = tmp_path / "fa.pdf"
    render_handout("contact", "fa", out=out)
    text = words(pypdf.PdfReader(out).pages[0].extract_text())
    assert words(load_texts("fa").texts["contact.interpreter"]) in text


@pytest.mark.parametrize("lang", ["ar", "fa", "ti", "uk"])
def test_stacked_layout_reads_whole_pages_in_order(tmp_path: Path, lang: str) -> None:
    """One after the other: the client's language first, then German from a new page."""
    import pypdf

    out = tmp_path / f"consent-{lang}-stacked.pdf"
    render_handout("consent", lang, "de", out=out, layout="stacked")
    pages = len(pypdf.PdfReader(out).pages)
    first_de = next(i for i in range(1, pages + 1)
                    if "Einwilligung" in pdftotext(out, "-f", str(i), "-l", str(i)))
    client = letters(pdftotext(out, "-l", str(first_de - 1)))
    german = letters(pdftotext(out, "-f", str(first_de)))
    for which, extracted in ((lang, client), ("de", german)):
        position = 0
        for para in paragraphs("consent", which):
            expected = letters(para)
            found = extracted.find(expected, position)
            assert found >= 0, (which, para)
            position = found + len(expected)
    assert letters(load_texts("de").texts["consent.title"]) not in client
