"""Drawing laid-out lines onto a reportlab canvas as PDF text operators.

Each segment becomes one ``Tm`` (absolute start point) and a ``TJ`` array whose numbers move every
glyph to HarfBuzz's position (the PDF advances by the glyph's own width; HarfBuzz's advance and
offset differ for kerning, joining and marks). Glyphs lifted or lowered by HarfBuzz (harakat above
or below a letter) are drawn with a text rise (``Ts``).

Not used, on purpose: an ``/ActualText`` span with the line's logical text. poppler reverses
right-to-left runs itself, so the span came out backwards in pdftotext; visual order plus a
ToUnicode map to the original text is what extractors read correctly.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.rl_accel import escapePDF

from kimdesk.handouts.fonts import font_set
from kimdesk.handouts.layout import Line

#: Every byte as it goes into a PDF string literal (escaping once, not per glyph).
_ESCAPED: tuple[str, ...] = tuple(escapePDF(bytes((b,))) for b in range(256))


def fp_str(value: float) -> str:
    """A PDF number with at most 3 decimals (reportlab's pure-Python fp_str costs ~20 ms a page
    here: the C accelerator is not in the wheel)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def draw_line(canvas: Any, line: Line, x: float, y: float) -> None:
    """Draw ``line`` with its left edge at ``x`` and baseline at ``y`` (points).

    Glyphs go into the content stream in visual order, the order PDF extractors expect (they
    turn right-to-left runs back into reading order); each glyph's key maps to its original text
    through the font's ToUnicode CMap (see :mod:`.pdffont`)."""
    if not line.segments:
        return
    code: list[str] = []
    add = code.append
    doc = canvas._doc
    size = line.size
    add("BT")
    pen = x
    current_font = None
    for seg in line.segments:
        font: Any = font_set(seg.bold).font(seg.role)
        scale = font.scale  # glyph positions are in 1/1000 em of ``size``, TJ's of size * scale
        font_size = size * scale
        add(f"1 0 0 1 {fp_str(pen)} {fp_str(y)} Tm")
        glyphs = seg.glyphs
        index = 0
        cursor = 0.0  # where HarfBuzz puts the pen (1/1000 em from the segment start)
        cur = 0.0  # where the PDF pen is
        rise = 0.0
        for subset, chunk in font.splitString("".join(g.key for g in glyphs), doc):
            name = font.getSubsetInternalName(subset, doc)
            if (name, font_size) != current_font:
                add(f"{name} {fp_str(font_size)} Tf")
                current_font = (name, font_size)
            parts: list[str] = []
            literal: list[str] = []
            for byte in chunk:
                glyph = glyphs[index]
                index += 1
                target = cursor + glyph.x_offset
                cursor += glyph.advance
                want_rise = glyph.y_offset * size / 1000.0
                if want_rise != rise:
                    if literal:
                        parts.append("(" + "".join(literal) + ")")
                        literal = []
                    if parts:
                        add(f"[{' '.join(parts)}] TJ")
                        parts = []
                    add(f"{fp_str(want_rise)} Ts")
                    rise = want_rise
                if abs(cur - target) > 0.01:
                    if literal:
                        parts.append("(" + "".join(literal) + ")")
                        literal = []
                    parts.append(fp_str((cur - target) / scale))
                literal.append(_ESCAPED[byte])
                cur = target + glyph.width
            if literal:
                parts.append("(" + "".join(literal) + ")")
            if parts:
                add(f"[{' '.join(parts)}] TJ")
        if rise:
            add("0 Ts")
        pen += seg.width * size / 1000.0
    add("ET")
    canvas._code.append("\n".join(code))
