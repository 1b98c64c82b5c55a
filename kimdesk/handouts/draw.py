"""Drawing laid-out lines onto a reportlab canvas as PDF text operators.

Each segment becomes one ``Tm`` (absolute start point) and a ``TJ`` array whose numbers move every
glyph to HarfBuzz's position (the PDF advances by the glyph's own width; HarfBuzz's advance and
offset differ for kerning, joining and marks). Glyphs lifted or lowered by HarfBuzz (harakat above
or below a letter) are drawn with a text rise (``Ts``).

A line is wrapped in a marked-content span whose ``/ActualText`` is the line's logical text, so PDF
readers that honour it (poppler's pdftotext, Acrobat) copy right-to-left lines in reading order
whatever order the glyphs are drawn in.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase import pdfmetrics

from kimdesk.handouts.fonts import font_set
from kimdesk.handouts.layout import Line


def fp_str(value: float) -> str:
    """A PDF number with at most 3 decimals (reportlab's pure-Python fp_str costs ~20 ms a page
    here: the C accelerator is not in the wheel)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _pdf_text_string(text: str) -> str:
    """A PDF text string in UTF-16BE with BOM, as a hex string."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def draw_line(
    canvas: Any,
    line: Line,
    x: float,
    y: float,
    actual_text: bool = False,
    visual_order: bool = True,
) -> None:
    """Draw ``line`` with its left edge at ``x`` and baseline at ``y`` (points)."""
    if not line.segments:
        return
    code: list[str] = []
    add = code.append
    doc = canvas._doc
    escape = canvas._escape
    size = line.size
    if actual_text:
        add(f"/Span << /ActualText {_pdf_text_string(line.logical_text)} >> BDC")
    add("BT")
    pen = x
    current_font = None
    # Segments are written in logical order, each at its visual position: the content stream
    # then reads in reading order for extractors that follow it (pypdf, pdftotext -raw).
    visual_x: dict[int, float] = {}
    for seg in line.segments:
        visual_x[id(seg)] = pen
        pen += seg.width * size / 1000.0
    for seg in line.segments if visual_order else (line.logical or line.segments):
        font: Any = pdfmetrics.getFont(font_set(seg.bold).names[seg.role])
        add(f"1 0 0 1 {fp_str(visual_x[id(seg)])} {fp_str(y)} Tm")
        # target x of every glyph (1/1000 em from the segment start), visual order
        targets = []
        cursor = 0.0
        for glyph in seg.glyphs:
            targets.append((glyph, cursor + glyph.x_offset))
            cursor += glyph.advance
        if seg.rtl and not visual_order:
            targets.reverse()  # RTL glyphs back into logical order
        keys = "".join(g.key for g, _ in targets)
        index = 0
        cur = 0.0
        rise = 0.0
        for subset, chunk in font.splitString(keys, doc):
            name = font.getSubsetInternalName(subset, doc)
            if (name, size) != current_font:
                add(f"{name} {fp_str(size)} Tf")
                current_font = (name, size)
            parts: list[str] = []
            for byte in chunk:
                glyph, target = targets[index]
                index += 1
                want_rise = glyph.y_offset * size / 1000.0
                if want_rise != rise:
                    if parts:
                        add(f"[{' '.join(parts)}] TJ")
                        parts = []
                    add(f"{fp_str(want_rise)} Ts")
                    rise = want_rise
                if abs(cur - target) > 0.01:
                    parts.append(fp_str(cur - target))
                parts.append(f"({escape(bytes((byte,)))})")
                cur = target + font.face.getCharWidth(ord(glyph.key))
            if parts:
                add(f"[{' '.join(parts)}] TJ")
        if rise:
            add("0 Ts")
    add("ET")
    if actual_text:
        add("EMC")
    canvas._code.append("\n".join(code))
