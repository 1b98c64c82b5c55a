"""The bundled Noto fonts and the choice of font for every character.

Handouts must print the same on every counselor's laptop, with no system font installed (Debian
ships only DejaVu; Windows has no Ethiopic font). So the TTFs live in ``resources/fonts/`` (SIL
OFL, see ``OFL.txt``) and are used both here (PDF) and by the GUI (``QFontDatabase``). Besides
the scripts of the 16 handout languages, Georgian, Armenian and Hebrew are bundled (small faces,
27-55 KB), because counselors type clients' names, places and goals in them; Chinese, Japanese
and Korean are not (10-20 MB a font): a typed value prints "[…]" there
(:func:`without_uncovered`), a name its Latin form.

One paragraph mixes scripts: Arabic text with a German office name, Tigrinya with Latin digits
(Noto Sans Ethiopic has no digits). :func:`font_key_for` picks the font per character: the script's
own font for its letters, Noto Sans for Latin, Cyrillic and digits, and neutral characters (spaces,
punctuation, marks) stay in the font of the character before them when that font has a glyph, so
shaping runs are not cut in the middle of a word.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kimdesk.i18n import N_, resources_dir

#: Font families by role; each has a regular and a bold file in resources/fonts/.
FAMILIES: dict[str, str] = {
    "latin": "NotoSans",  # Latin, Cyrillic, Greek, digits, general punctuation
    "arabic": "NotoNaskhArabic",  # Arabic, Persian, Pashto (Naskh: the print style of letters)
    "ethiopic": "NotoSansEthiopic",  # Ge'ez script for Tigrinya
    # Names, places and goals typed by the counselor: Georgia and Armenia are frequent countries
    # of origin among KIM clients; Hebrew for Israeli clients and Hebrew place names.
    "georgian": "NotoSansGeorgian",  # Mkhedruli, Mtavruli, Asomtavruli, Nuskhuri
    "armenian": "NotoSansArmenian",
    "hebrew": "NotoSansHebrew",  # right to left, laid out like Arabic (layout.py)
}
WEIGHTS = ("Regular", "Bold")
FALLBACK_ORDER = ("latin", "arabic", "ethiopic", "georgian", "armenian", "hebrew")
#: What a typed value prints where it has letters no bundled font draws (Chinese, Japanese,
#: Korean: a CJK font would add 10-20 MB): the sign of an omission, not a row of empty boxes.
PLACEHOLDER = "[\u2026]"
#: Said (translated) by the CLI and the dialog when a handout prints :data:`PLACEHOLDER`.
UNPRINTABLE_NOTE = N_("Some text has characters the handout fonts lack (for example Chinese, "
                      "Japanese or Korean letters, or emoji): it prints as […]. Type it in "
                      "Latin letters to print it.")


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def font_files() -> list[Path]:
    """Every bundled TTF (the GUI registers these with QFontDatabase)."""
    return [fonts_dir() / f"{fam}-{w}.ttf" for fam in FAMILIES.values() for w in WEIGHTS]


def font_path(role: str, bold: bool = False) -> Path:
    return fonts_dir() / f"{FAMILIES[role]}-{WEIGHTS[bool(bold)]}.ttf"


def script_role(ch: str) -> str | None:
    """The font role a character's script demands, or None for a neutral character."""
    cp = ord(ch)
    if (
        0x0600 <= cp <= 0x06FF
        or 0x0750 <= cp <= 0x077F
        or 0x08A0 <= cp <= 0x08FF
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFF
    ):
        # U+060C Arabic comma etc. are in the block: Arabic font. ZWNBSP (FEFF) is neutral.
        return None if cp == 0xFEFF else "arabic"
    if 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
        return "ethiopic"
    if 0x10A0 <= cp <= 0x10FF or 0x1C90 <= cp <= 0x1CBF or 0x2D00 <= cp <= 0x2D2F:
        return "georgian"
    if 0x0530 <= cp <= 0x058F or 0xFB13 <= cp <= 0xFB17:
        return "armenian"
    if 0x0590 <= cp <= 0x05FF or 0xFB1D <= cp <= 0xFB4F:
        # letters, niqqud and punctuation (maqaf, geresh) alike: the Hebrew font has them all
        return "hebrew"
    if ch.isalpha():
        return "latin"
    return None


class FontSet:
    """The reportlab fonts of one weight; each is parsed and registered on first use (a German
    and Arabic handout never loads the Ethiopic font: ~15 ms saved per font at start-up)."""

    def __init__(self, bold: bool) -> None:
        self.bold = bold
        self.names = {role: f"KD-{fam}-{WEIGHTS[bool(bold)]}" for role, fam in FAMILIES.items()}
        self._fonts: dict[str, Any] = {}
        self._cmaps: dict[str, frozenset[int]] = {}
        self._lock = threading.RLock()  # registering the Arabic font loads the Latin one

    def font(self, role: str) -> Any:
        """The registered :class:`~kimdesk.handouts.pdffont.HandoutFont` of ``role``."""
        font = self._fonts.get(role)
        if font is None:
            with self._lock:
                font = self._fonts.get(role)
                if font is None:
                    font = self._fonts[role] = _register(self.names[role], role, self.bold)
                    self._cmaps[role] = frozenset(font.original_cmap)
        return font

    def covers(self, role: str, ch: str) -> bool:
        cmap = self._cmaps.get(role)
        if cmap is None:
            self.font(role)
            cmap = self._cmaps[role]
        return ord(ch) in cmap


#: Letters without ascenders, the ones whose height the eye compares across scripts: Latin
#: x-height letters, and the Arabic, Persian and Pashto letters other than alef, lam, kaf, gaf,
#: keheh, tah and zah (hamza and tatweel left out). Dots are part of a letter's height.
LATIN_BODY_LETTERS = "acegijmnopqrsuvwxyz"
ARABIC_BODY_LETTERS = "بتثجحخدذرزسشصضعغفقمنهوىيپچژیټډړږښګڼېځڅۍةئؤ"
_TATWEEL = "\u0640"


def body_height(font: Any, letters: str, joining: bool) -> float:
    """The height of a script's typical letters, in 1/1000 em, measured on the font file: the
    median top of the glyphs of ``letters`` (for a joining script in all four forms, isolated,
    initial, medial and final, joined by tatweels), as HarfBuzz shapes them.

    Naskh has no x-height in its OS/2 table, and its bodies alone (357 units: ه م و ر) would ask
    for a scale of 1.5, which prints Arabic visibly larger than the German beside it: dots
    count for the eye. Measured the same way for both scripts (dots included, ascenders left
    out), Noto Sans has 546 (Regular) and 556 (Bold), Noto Naskh Arabic 430 and 477."""
    import statistics

    import uharfbuzz as hb

    hb_font = font.hb_font
    forms = [f"{t1}{letter}{t2}" for letter in letters
             for t1, t2 in ((("", ""), (_TATWEEL, ""), ("", _TATWEEL), (_TATWEEL, _TATWEEL))
                            if joining else (("", ""),))]
    buf = hb.Buffer()
    buf.add_str(" ".join(forms))
    buf.guess_segment_properties()
    hb.shape(hb_font, buf)
    skip = {hb_font.get_nominal_glyph(ord(_TATWEEL)), hb_font.get_nominal_glyph(ord(" "))}
    tops = []
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        if info.codepoint in skip or pos.x_advance == 0:
            continue
        extents = hb_font.get_glyph_extents(info.codepoint)
        if extents is not None and extents.height != 0:
            tops.append(extents.y_bearing + pos.y_offset)
    return float(statistics.median(tops)) * 1000.0 / font.units_per_em


def arabic_scale(bold: bool) -> float:
    """How much larger than the Latin text's size the Arabic-script font is drawn: the ratio of
    the two :func:`body_height` (1.27 Regular, 1.17 Bold), so that typical Arabic letters are
    as high as typical Latin ones."""
    fonts = font_set(bold)
    return (body_height(fonts.font("latin"), LATIN_BODY_LETTERS, False)
            / body_height(fonts.font("arabic"), ARABIC_BODY_LETTERS, True))


def _register(name: str, role: str, bold: bool) -> Any:
    from reportlab.pdfbase import pdfmetrics

    from kimdesk.handouts.pdffont import HandoutFont

    # (not getFont + KeyError: an unknown name makes reportlab parse every AFM file it can find
    # first, ~240 ms)
    if name in pdfmetrics.getRegisteredFontNames():
        return pdfmetrics.getFont(name)
    font = HandoutFont(name, str(font_path(role, bold)))
    pdfmetrics.registerFont(font)
    if role == "arabic":
        # Naskh at the point size of the Latin text beside it reads visibly smaller
        font.scale = arabic_scale(bold)
    return font


_SETS = {False: FontSet(False), True: FontSet(True)}


def font_set(bold: bool = False) -> FontSet:
    return _SETS[bool(bold)]


def font_key_for(ch: str, previous: str | None, fonts: FontSet) -> str | None:
    """The role of the font that draws ``ch``; None when no bundled font has it.

    ``previous`` is the role chosen for the character before (neutral characters keep it)."""
    role = script_role(ch)
    if role is not None and fonts.covers(role, ch):
        return role
    if role is None and previous is not None and fonts.covers(previous, ch):
        return previous
    for candidate in FALLBACK_ORDER:
        if fonts.covers(candidate, ch):
            return candidate
    if ch in "\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069":  # joiners, marks, isolates:
        # no glyph needed (an isolate's marks are taken out before layout: layout.py)
        return previous or "latin"
    return None


def script_runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """``text`` cut into runs of one font role each, ``(role, run)``, chosen per character by
    :func:`font_key_for` (characters no bundled font draws first become :data:`PLACEHOLDER`).
    For text laid out by reportlab's own paragraphs (the statistics PDF), which need a font
    per run rather than per glyph: the same choice as the handouts, so a Georgian municipality
    prints in Noto Sans Georgian there too."""
    fonts = font_set(bold)
    runs: list[tuple[str, str]] = []
    prev: str | None = None
    for ch in without_uncovered(text, bold):
        role = font_key_for(ch, prev, fonts) or prev or "latin"
        if runs and runs[-1][0] == role:
            runs[-1] = (role, runs[-1][1] + ch)
        else:
            runs.append((role, ch))
        prev = role
    return runs


def without_uncovered(text: str, bold: bool = False) -> str:
    """``text`` with every run of characters no bundled font draws replaced by
    :data:`PLACEHOLDER` (characters of one run may be separated by spaces: "北京 上海" is one
    placeholder, "北京, 上海" two). Typed values pass through this before layout, so a Chinese
    place prints "[…]" instead of .notdef boxes; names never get here with such letters
    (:func:`~kimdesk.handouts.data.printable_name` prints their Latin form)."""
    fonts = font_set(bold)
    out: list[str] = []
    spaces = ""  # spaces after a placeholder: dropped if another run of the gap follows
    in_gap = False
    prev: str | None = None
    for ch in text:
        role = font_key_for(ch, prev, fonts)
        if role is None:
            if not in_gap:
                out.append(PLACEHOLDER)
                in_gap = True
            spaces = ""
            continue
        prev = role
        if in_gap and ch.isspace():
            spaces += ch
            continue
        in_gap = False
        out.append(spaces + ch)
        spaces = ""
    return "".join(out) + spaces


def uncovered(text: str, bold: bool = False) -> list[str]:
    """Characters of ``text`` that no bundled font of that weight can draw (tests use this)."""
    fonts = font_set(bold)
    missing: list[str] = []
    prev: str | None = None
    for ch in text:
        if ch in "\n\t":
            continue
        role = font_key_for(ch, prev, fonts)
        if role is None:
            missing.append(ch)
        prev = role or prev
    return missing
