"""Paragraph layout for every script: shaping, line wrapping and bidi reordering.

Why not reportlab's Paragraph: with ``shaping=1`` it joins Arabic letters but keeps words in
logical order, and ``get_display`` over a whole paragraph before wrapping puts the *lines* of a
wrapped right-to-left paragraph in the wrong order (the first line of the text ends up at the
bottom). The Unicode bidi algorithm (UAX #9) says: resolve embedding levels for the paragraph, wrap
in logical order, then reorder each line on its own (rules L1-L2). That is what this module does:

1. :func:`resolve_levels` - embedding levels per character from python-bidi's implementation of
   rules P-I (``bidi.algorithm``), skipped for paragraphs without any right-to-left character.
2. The text is cut into segments of one level and one font (:mod:`.fonts`) and every segment is
   shaped by HarfBuzz (uharfbuzz) in its own direction; an RTL segment's glyphs come back in visual
   order with joining forms, ligatures and positioned harakat.
3. Words are measured with their shaped widths and wrapped greedily in logical order.
4. Each line's segments are reordered by rule L2 (reverse every run at level >= k, from the highest
   level down to the lowest odd one).

Widths are kept in 1/1000 em (font-size independent, so shaping results can be cached across
documents and sizes) and multiplied by the font size when a line is measured or drawn.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kimdesk.handouts.fonts import FontSet, font_key_for, font_set, without_uncovered
from kimdesk.vault.memory import holds_personal_data

_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u200f\u202b\u202e\u2067]")
_X9_REMOVED = frozenset({"RLE", "LRE", "RLO", "LRO", "PDF", "BN"})
# Control characters typed or pasted into data (form feeds, escapes): nothing to draw.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")


@dataclass(frozen=True, slots=True)
class Glyph:
    """One glyph to draw: its key character in the font (see ``pdffont``) and HarfBuzz position,
    all in 1/1000 em."""

    key: str
    advance: float
    x_offset: float
    y_offset: float
    width: float  # the glyph's own advance, which the PDF viewer moves by


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive characters of one bidi level and one font, shaped."""

    text: str  # logical order
    role: str
    bold: bool
    level: int
    glyphs: tuple[Glyph, ...]  # visual order
    width: float  # 1/1000 em

    @property
    def rtl(self) -> bool:
        return bool(self.level & 1)

    @property
    def is_space(self) -> bool:
        return self.text == " "


@dataclass(frozen=True, slots=True)
class Line:
    """A laid-out line: segments in visual (left-to-right drawing) order."""

    segments: tuple[Segment, ...]
    width: float  # points
    size: float
    rtl: bool  # paragraph direction: decides alignment
    logical: tuple[Segment, ...] = ()  # the same segments in logical order
    scale: float = 1.0  # the largest font scale on the line: its height grows with it

    @property
    def logical_text(self) -> str:
        return "".join(s.text for s in self.logical)


def has_rtl(text: str) -> bool:
    return _RTL_CHARS.search(text) is not None


#: First strong isolate and pop directional isolate (UAX #9 6.3): a run between them is laid out
#: on its own and counts as one neutral character for the text around it.
FSI, PDI = "\u2068", "\u2069"
_ISOLATE = re.compile(f"{FSI}([^\u2066-\u2069]*){PDI}")
_ISOLATE_MARKS = re.compile("[\u2066-\u2069]")
_NEUTRAL = "\ufffc"  # OBJECT REPLACEMENT CHARACTER: bidi class ON, stands for an isolate


def isolate(text: str) -> str:
    """``text`` as a first-strong isolate (marks it already had taken out): its direction comes
    from its own first letter, and it does not decide the direction of the separators around
    it. The Auskunft isolates every worded term and recorded value between its ``: ``, ``; ``
    and ``, `` (:func:`~kimdesk.handouts.auskunft_terms.say`)."""
    return f"{FSI}{_ISOLATE_MARKS.sub('', text)}{PDI}"


def resolve_levels(text: str, rtl_base: bool) -> list[int]:
    """Embedding levels per character (UAX #9 rules P2-I2) using python-bidi, with isolates.

    python-bidi's rules (``bidi.algorithm``) predate isolates (Unicode 6.3), so they are done
    here (rules X5a-X5c, X6a, BD13 for non-nested FSI ... PDI): the text around is resolved
    with each isolate as one neutral character, so a separator between two isolates takes the
    paragraph's direction wherever the line breaks; each isolate's content is resolved as a
    paragraph of its own direction at the least level above the paragraph's of that parity;
    the FSI and PDI take the level of the neutral that stood for them."""
    if FSI not in text:
        return _levels(text, rtl_base)
    base = 1 if rtl_base else 0
    found = list(_ISOLATE.finditer(text))
    outer = _ISOLATE.sub(_NEUTRAL, text)
    outer_levels = _levels(outer, rtl_base)
    levels: list[int] = []
    pos = oi = 0
    for m in found:
        n = m.start() - pos
        levels += outer_levels[oi:oi + n]
        here = outer_levels[oi + n]
        oi += n + 1
        content = m.group(1)
        inner_rtl = first_strong_rtl(content)
        level = base + 1 if inner_rtl != bool(base) else base + 2
        shift = level - int(inner_rtl)
        levels += [here, *(lv + shift for lv in _levels(content, inner_rtl)), here]
        pos = m.end()
    return levels + outer_levels[oi:]


def _levels(text: str, rtl_base: bool) -> list[int]:
    """:func:`resolve_levels` of a text without isolates."""
    if not rtl_base and not has_rtl(text):
        return [0] * len(text)
    import unicodedata

    from bidi import algorithm as uax9

    # Rule X9 drops boundary-neutral characters (ZWNJ in Persian, ZWJ) and explicit embeddings;
    # they are taken out here and get the level of the character before them (as UAX #9 allows).
    kept = [i for i, ch in enumerate(text) if unicodedata.bidirectional(ch) not in _X9_REMOVED]
    storage = uax9.get_empty_storage()
    storage["base_level"] = 1 if rtl_base else 0
    storage["base_dir"] = "R" if rtl_base else "L"
    uax9.get_embedding_levels("".join(text[i] for i in kept), storage)
    uax9.explicit_embed_and_overrides(storage, False)
    uax9.resolve_weak_types(storage, False)
    uax9.resolve_neutral_types(storage, False)
    uax9.resolve_implicit_levels(storage, False)
    resolved = [int(ch["level"]) for ch in storage["chars"]]
    base = 1 if rtl_base else 0
    levels = [base] * len(text)
    for i, level in zip(kept, resolved, strict=True):
        levels[i] = level
    previous = base
    kept_set = set(kept)
    for i in range(len(text)):
        if i in kept_set:
            previous = levels[i]
        else:
            levels[i] = previous
    return levels


@holds_personal_data
@functools.lru_cache(maxsize=50_000)
def shape(text: str, role: str, bold: bool, rtl: bool, lang: str) -> tuple[Glyph, ...]:
    """HarfBuzz glyphs for ``text`` in one font and direction, visual order, 1/1000 em."""
    import uharfbuzz as hb
    font = font_set(bold).font(role)
    buf = hb.Buffer()
    buf.add_codepoints([ord(c) for c in text])
    # Grapheme clusters: a harakah belongs to its letter's cluster, so the letter's glyph carries
    # the text of both (see pdffont: the mark glyph itself extracts as nothing).
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_GRAPHEMES
    buf.direction = "rtl" if rtl else "ltr"
    if lang:
        buf.language = lang
    buf.guess_segment_properties()
    hb.shape(font.hb_font, buf, {"kern": True, "liga": True})
    # 1/1000 em of the text's size: a font drawn larger (font.scale) is larger here too
    scale = 1000.0 / font.units_per_em * font.scale
    infos, positions = buf.glyph_infos, buf.glyph_positions
    starts = sorted({info.cluster for info in infos})
    end_of = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    # The glyph that carries a cluster's text: one on the baseline (extractors put a raised glyph
    # on a line of its own), the widest of those (the letter, not its harakah).
    carrier: dict[int, int] = {}  # cluster -> glyph index
    for index, (info, pos) in enumerate(zip(infos, positions, strict=True)):
        best = carrier.get(info.cluster)
        rank = (pos.y_offset == 0, pos.x_advance)
        if best is None or rank > (positions[best].y_offset == 0, positions[best].x_advance):
            carrier[info.cluster] = index
    # Right to left, one character per glyph: poppler's pdftotext turns a right-to-left run
    # into reading order character by character, so a glyph whose ToUnicode
    # entry is "يُ" (ya, damma) came out as "ُي", the harakah before its letter, and a search
    # for the name failed. So the carrier keeps the cluster's first character and every further
    # one gets a blank glyph (no ink, no advance) on the baseline just before the carrier in
    # the content stream (visual order): reversed per character, that is logical order again,
    # and pypdf, which reads glyph by glyph, gets the same.
    blank = font.blank_gid if rtl else None
    glyphs = []
    for index, (info, pos) in enumerate(zip(infos, positions, strict=True)):
        cluster = info.cluster
        piece = text[cluster : end_of[cluster]] if carrier[cluster] == index else ""
        if blank is not None and len(piece) > 1:
            glyphs += [Glyph(font.key_for(blank, ch), 0.0, 0.0, 0.0, 0.0)
                       for ch in reversed(piece[1:])]
            piece = piece[0]
        key = font.key_for(info.codepoint, piece)
        glyphs.append(
            Glyph(
                key=key,
                advance=pos.x_advance * scale,
                x_offset=pos.x_offset * scale,
                y_offset=pos.y_offset * scale,
                width=font.face.getCharWidth(ord(key)) * font.scale,
            )
        )
    return tuple(glyphs)


def _segment(text: str, role: str, bold: bool, level: int, lang: str) -> Segment:
    glyphs = shape(text, role, bold, bool(level & 1), lang)
    return Segment(text, role, bold, level, glyphs, sum(g.advance for g in glyphs))


@dataclass(frozen=True, slots=True)
class Style:
    size: float = 10.0
    bold: bool = False
    leading: float = 1.35  # line height as a multiple of size


def _words(
    text: str, levels: Sequence[int], bold: bool, lang: str, fonts: FontSet
) -> list[list[Segment]]:
    """Words (lists of segments), each but the last followed by one space segment."""
    words: list[list[Segment]] = []
    current: list[Segment] = []
    prev_role: str | None = None
    start = 0
    n = len(text)
    roles: list[str] = []
    for ch in text:
        role = font_key_for(ch, prev_role, fonts) or prev_role or "latin"
        roles.append(role)
        prev_role = role
    i = 0
    while i < n:
        if text[i] == " ":
            if current:
                words.append(current)
                current = []
            role = roles[i - 1] if i else roles[i]
            words.append([_segment(" ", role, bold, levels[i], lang)])
            i += 1
            continue
        start = i
        while (
            i < n
            and text[i] != " "
            and levels[i] == levels[start]
            and roles[i] == roles[start]
        ):
            i += 1
        current.append(_segment(text[start:i], roles[start], bold, levels[start], lang))
    if current:
        words.append(current)
    return words


def _split_long(word: list[Segment], max_em: float, lang: str) -> list[list[Segment]]:
    """Cut a word wider than the line (a long e-mail address, an IBAN) into pieces that fit."""
    pieces: list[list[Segment]] = []
    current: list[Segment] = []
    used = 0.0
    for seg in word:
        rest = seg.text
        while rest:
            candidate = _segment(rest, seg.role, seg.bold, seg.level, lang)
            if used + candidate.width <= max_em or (not current and len(rest) == 1):
                current.append(candidate)
                used += candidate.width
                break
            lo, hi = 1, len(rest) - 1  # the longest prefix that fits
            best = 0
            while lo <= hi:
                mid = (lo + hi) // 2
                if used + _segment(rest[:mid], seg.role, seg.bold, seg.level, lang).width <= max_em:
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if best == 0 and not current:
                best = 1
            if best:
                current.append(_segment(rest[:best], seg.role, seg.bold, seg.level, lang))
                rest = rest[best:]
            pieces.append(current)
            current, used = [], 0.0
    if current:
        pieces.append(current)
    return pieces


def visual_order(levels: Sequence[int], base_level: int) -> list[int]:
    """Rule L2 of UAX #9: the indexes of items with these levels in visual (left-to-right)
    order (reverse every run at level >= k, from the highest level down to the lowest odd
    one). Items are whatever the caller reorders: a line's segments here, the statistics PDF's
    words (:mod:`kimdesk.stats.pdf`)."""
    if not levels:
        return []
    order = list(range(len(levels)))
    levels = list(levels)
    highest = max(levels)
    lowest_odd = min(lv for lv in [*levels, base_level] if lv & 1) if any(
        lv & 1 for lv in [*levels, base_level]
    ) else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[i] >= level:
                j = i
                while j < len(order) and levels[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def reorder(segments: Sequence[Segment], base_level: int) -> list[Segment]:
    """Rule L2 of UAX #9 on a line's segments (trailing spaces already dropped, rule L1)."""
    return [segments[i] for i in visual_order([s.level for s in segments], base_level)]


_RLM = "\u200f"


def _close_rtl_runs(visual: list[Segment]) -> list[Segment]:
    """End each right-to-left run whose last character is a combining mark (a harakah) or a
    joiner with a blank glyph that extracts as RLM (U+200F), at the run's left edge.

    Why: on a page or column read left to right, poppler starts a right-to-left section of a
    line at its leftmost right-to-left *letter*; a mark left of it, which is the run's last
    character in reading order, went to the left-to-right text before it ("ّعَلِي" for
    "عَلِيّ"). The RLM is such a letter, invisible, and does no harm where it extracts.
    (Punctuation at that edge is left alone: poppler counts "." and "," as parts of numbers,
    so an RLM would not move them, only add noise.)"""
    import unicodedata

    out = visual
    for index, seg in enumerate(visual):
        if not seg.rtl or (index and visual[index - 1].rtl) or not seg.text:
            continue
        if unicodedata.bidirectional(seg.text[-1]) not in ("NSM", "BN"):
            continue
        font = font_set(seg.bold).font(seg.role)
        if font.blank_gid is None:
            continue
        rlm = Glyph(font.key_for(font.blank_gid, _RLM), 0.0, 0.0, 0.0, 0.0)
        if out is visual:
            out = list(visual)
        out[index] = dataclasses.replace(seg, glyphs=(rlm, *seg.glyphs))
    return out  # ``visual`` itself when no run needed one


def first_strong_rtl(text: str) -> bool:
    """UAX #9 rules P2-P3: the direction of the first strong character (LTR when there is none),
    skipping what stands between an isolate's FSI and its PDI."""
    import unicodedata

    if FSI in text:
        text = _ISOLATE.sub(_NEUTRAL, text)
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def layout_paragraph(
    text: str, width: float, style: Style, lang: str, rtl: bool | None
) -> list[Line]:
    """Lines of ``text`` for a column ``width`` points wide, each already in visual order.

    ``rtl`` is the paragraph direction: the language's for translated text (so a German office
    name at the start of an Arabic sentence does not flip it), ``None`` for data such as a case
    number or a name, which takes the direction of its first strong character (so
    "2026-CFD5-000018" stays in one piece in an Arabic column)."""
    lines: list[Line] = []
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    for raw in text.split("\n"):
        clean = _SPACES.sub(" ", raw).strip()
        direction = first_strong_rtl(clean) if rtl is None else rtl
        lines.extend(_layout_one(clean, width, style, lang, direction))
    return lines


@holds_personal_data
@functools.lru_cache(maxsize=4096)
def _layout_one(text: str, width: float, style: Style, lang: str, rtl: bool) -> tuple[Line, ...]:
    """One paragraph's lines; cached, because the same labels recur in every handout. The
    paragraphs of a subject-access letter are personal data: emptied when a vault is locked
    (:mod:`kimdesk.vault.memory`), as :func:`shape`'s cache is."""
    return tuple(_layout_uncached(text, width, style, lang, rtl))


def _layout_uncached(text: str, width: float, style: Style, lang: str, rtl: bool) -> list[Line]:
    size = style.size
    if not text:
        return [Line((), 0.0, size, rtl, ())]
    fonts = font_set(style.bold)
    text = without_uncovered(text, style.bold)  # "[…]", not .notdef boxes (Chinese, ...)
    levels = resolve_levels(text, rtl)
    if _ISOLATE_MARKS.search(text):  # the isolates' marks have done their work: no glyph
        kept = [i for i, ch in enumerate(text) if not _ISOLATE_MARKS.match(ch)]
        text, levels = "".join(text[i] for i in kept), [levels[i] for i in kept]
        if not text:
            return [Line((), 0.0, size, rtl, ())]
    max_em = width * 1000.0 / size
    lines: list[list[Segment]] = []
    current: list[Segment] = []
    used = 0.0
    pending_space: Segment | None = None
    for word in _words(text, levels, style.bold, lang, fonts):
        if word[0].is_space:
            if current:
                pending_space = word[0]
            continue
        word_width = sum(s.width for s in word)
        space_width = pending_space.width if pending_space else 0.0
        if current and used + space_width + word_width > max_em:
            lines.append(current)
            current, used, pending_space, space_width = [], 0.0, None, 0.0
        if not current and word_width > max_em:
            pieces = _split_long(word, max_em, lang)
            for piece in pieces[:-1]:
                lines.append(piece)
            word = pieces[-1]
            word_width = sum(s.width for s in word)
        if pending_space is not None and current:
            current.append(pending_space)
            used += pending_space.width
        pending_space = None
        current.extend(word)
        used += word_width
    if current:
        lines.append(current)
    out = []
    base = 1 if rtl else 0
    for segs in lines:
        visual = reorder(segs, base)
        closed = _close_rtl_runs(visual)
        if closed is not visual:  # the same segments, now with an RLM glyph, in logical order too
            swap = {id(old): new for old, new in zip(visual, closed, strict=True)}
            visual, segs = closed, [swap[id(seg)] for seg in segs]
        width_pt = sum(s.width for s in segs) * size / 1000.0
        scale = max(font_set(s.bold).font(s.role).scale for s in segs)
        out.append(Line(tuple(visual), width_pt, size, rtl, tuple(segs), scale))
    return out
