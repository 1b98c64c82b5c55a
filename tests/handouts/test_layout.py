"""The bidi line layout: logical wrapping, per-line reordering, shaping, mixed scripts."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kimdesk.handouts.layout import Style, layout_paragraph, resolve_levels, shape

ARABIC = (
    "يُرجى إحضار جواز السفر وشهادة التسجيل Meldebescheinigung إلى مكتب الأجانب في الساعة "
    "10:30، شكراً لكم. السطر الثاني يبدأ هنا ويستمر حتى نهاية الفقرة الطويلة."
)
STYLE = Style(10.0)


def visual_texts(line):
    return [s.text for s in line.segments if not s.is_space]


def test_wrapped_rtl_paragraph_keeps_line_order() -> None:
    lines = layout_paragraph(ARABIC, 150.0, STYLE, "ar", True)
    assert len(lines) >= 4
    # Lines come in reading order: the first line starts the text, joined they give it back.
    assert ARABIC.startswith(lines[0].logical_text)
    assert " ".join(ln.logical_text for ln in lines) == ARABIC
    assert all(ln.width <= 150.0 + 0.01 for ln in lines)


def test_each_line_is_reordered_on_its_own() -> None:
    lines = layout_paragraph("مرحبا Berlin عالم", 400.0, STYLE, "ar", True)
    assert len(lines) == 1
    # drawn left to right: the last Arabic word first, the German word in the middle
    assert visual_texts(lines[0]) == ["عالم", "Berlin", "مرحبا"]


def test_numbers_in_rtl_text_stay_left_to_right() -> None:
    (line,) = layout_paragraph("الساعة 10:30", 400.0, STYLE, "ar", True)
    assert visual_texts(line) == ["10:30", "الساعة"]
    digits = next(s for s in line.segments if s.text == "10:30")
    assert not digits.rtl and digits.level == 2


def test_rtl_word_in_ltr_paragraph() -> None:
    (line,) = layout_paragraph("Name: محمد أحمد, Köln", 400.0, STYLE, "de", False)
    # the two Arabic words form one RTL run: "أحمد" is drawn left of "محمد"
    assert visual_texts(line) == ["Name:", "أحمد", "محمد", ",", "Köln"] or visual_texts(line)[
        :3
    ] == ["Name:", "أحمد", "محمد"]


def test_arabic_is_shaped_and_joined() -> None:
    glyphs = shape("سلام", "arabic", False, True, "ar")
    # joined forms are glyphs without a character of their own: private keys
    assert any(0xE000 <= ord(g.key) <= 0xF8FF for g in glyphs)
    # visual order: the first glyph drawn is the last letter (mim)

    from kimdesk.handouts.fonts import font_set

    font = font_set(False).font("arabic")
    assert font.text_of.get(ord(glyphs[0].key), glyphs[0].key) == "م"


def test_harakat_are_kept_and_carried_by_their_letter() -> None:

    from kimdesk.handouts.fonts import font_set

    font = font_set(False).font("arabic")
    glyphs = shape("شكراً", "arabic", False, True, "ar")
    texts = [font.text_of.get(ord(g.key), g.key) for g in glyphs]
    assert "".join(reversed(texts)) == "شكراً"  # letter + tanwin on one glyph, mark glyph empty
    marks = [g for g, t in zip(glyphs, texts, strict=True) if t == ""]
    assert marks and all(g.advance == 0 for g in marks)


def test_persian_zwnj_is_kept() -> None:
    text = "می‌توانید با مشاور تماس بگیرید"
    lines = layout_paragraph(text, 400.0, STYLE, "fa", True)
    assert "\u200c" in lines[0].logical_text
    # ZWNJ keeps "می" unjoined: shaped separately it gives a different first glyph than joined
    joined = shape("میتوانید", "arabic", False, True, "fa")
    apart = shape("می\u200cتوانید", "arabic", False, True, "fa")
    assert [g.key for g in joined] != [g.key for g in apart]


def test_levels_skip_boundary_neutrals() -> None:
    levels = resolve_levels("می\u200cتوانید", True)
    assert len(levels) == len("می\u200cتوانید") and set(levels) == {1}


def test_ethiopic_cyrillic_turkish_have_no_missing_glyphs() -> None:

    from kimdesk.handouts.fonts import font_set

    for text, lang in (("ብኽብረትኩም ፓስፖርትኹም ኣምጽኡ። 10:30", "ti"),
                       ("Будь ласка, принесіть паспорт", "uk"), ("İş Merkezi sığınma ılık", "tr")):
        for line in layout_paragraph(text, 400.0, STYLE, lang, False):
            for seg in line.segments:
                font = font_set(False).font(seg.role)
                assert all(font.face.charToGlyph.get(ord(g.key), 0) != 0 for g in seg.glyphs), (
                    text, seg.text)


def test_overlong_word_is_cut() -> None:
    lines = layout_paragraph("x" * 300, 100.0, STYLE, "de", False)
    assert len(lines) > 1 and "".join(ln.logical_text for ln in lines) == "x" * 300
    assert all(ln.width <= 100.01 for ln in lines)


WORDS = st.sampled_from(["سلام", "عليكم", "Berlin", "Köln", "10:30", "(KIM)", "کتاب‌ها", "ደብዳቤ",
                         "Привіт", "،", "2026-04-01", "يُرجى"])


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=40), st.booleans(),
       st.floats(min_value=40, max_value=300))
def test_wrapping_never_loses_or_reorders_text(words, rtl, width) -> None:
    text = " ".join(words)
    lines = layout_paragraph(text, width, STYLE, "ar" if rtl else "de", rtl)
    # (a word wider than the line is cut, so compare without the spaces between lines)
    assert "".join(ln.logical_text for ln in lines).replace(" ", "") == text.replace(" ", "")
    assert all(ln.width <= width + 0.01 for ln in lines)
    for line in lines:
        # every segment of the logical line is drawn exactly once
        assert sorted(map(id, line.segments)) == sorted(map(id, line.logical))
        assert all(unicodedata.category(s.text[0]) != "Zs" or s.is_space for s in line.segments)


def test_line_breaks_and_control_characters_in_data() -> None:
    lines = layout_paragraph("Am Hoppenhof 33\r\n33104 Paderborn\x0c\x1b", 400.0, STYLE, "de",
                             False)
    assert [ln.logical_text for ln in lines] == ["Am Hoppenhof 33", "33104 Paderborn"]
