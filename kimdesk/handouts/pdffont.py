"""A reportlab TrueType font that draws HarfBuzz glyphs and still extracts as the original text.

reportlab subsets a TTF by *character*: every character drawn gets a one-byte code in a subset font
and the subset's ToUnicode CMap maps the code back to that character. Shaped Arabic is made of
glyphs that have no character of their own (initial, medial and final forms, lam-alef ligatures,
positioned harakat). :meth:`HandoutFont.key_for` gives each (glyph, original text) pair a private
key character (U+E000 upwards) mapped to the glyph, and :meth:`addObjects` writes a ToUnicode CMap
that maps each key to the *original* logical text of its cluster (for example the two letters
"لا" for the lam-alef ligature, "ی" and not Arabic "ي" for a Persian yeh that shares its medial
glyph). So copy-and-paste and ``pdftotext`` read the letters the counselor typed, not
presentation forms or private-use junk. In right-to-left text the cluster's further characters
(harakat, ZWNJ) go on blank glyphs of their own, one character per glyph (see
:func:`~kimdesk.handouts.layout.shape` and :attr:`HandoutFont.blank_gid`).
"""

from __future__ import annotations

import threading
from typing import Any

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

PRIVATE_START = 0xE000
PRIVATE_END = 0xF8FF


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def to_unicode_cmap(fontname: str, subset: list[int], text_of: dict[int, str]) -> str:
    """A ToUnicode CMap for one subset; ``text_of`` overrides the text of private keys."""
    entries = [
        f"<{code:02X}> <{_utf16_hex(text_of.get(cp, chr(cp)))}>" for code, cp in enumerate(subset)
    ]
    out = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({fontname}) /Ordering ({fontname}) /Supplement 0 >> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):  # at most 100 entries per section (PDF spec)
        chunk = entries[start : start + 100]
        out += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    out += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(out)


class HandoutFont(TTFont):
    """TTFont plus a HarfBuzz font and key characters for glyphs without a character."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, shapable=False)  # we shape ourselves
        face: Any = self.face
        self.original_cmap: frozenset[int] = frozenset(face.charToGlyph)
        self.glyph_char: dict[int, int] = {}
        for cp, gid in face.charToGlyph.items():
            self.glyph_char.setdefault(gid, cp)
        self.text_of: dict[int, str] = {}  # private key -> original text
        self._keys: dict[tuple[int, str], str] = {}
        self._next_private = PRIVATE_START
        self._key_lock = threading.Lock()
        self._hb: Any = None
        self._blank: int | bool | None = False  # False: not looked up yet
        self.units_per_em: int = int(face.unitsPerEm)
        #: drawn at the text's size times this (the Arabic font: see fonts._register)
        self.scale: float = 1.0
        self.ascent: float = float(face.ascent)  # in 1/1000 em
        self.descent: float = float(face.descent)

    @property
    def hb_font(self) -> Any:
        """A uharfbuzz Font at the font's own units per em (positions in font units)."""
        if self._hb is None:
            import uharfbuzz as hb

            face = hb.Face(hb.Blob(self.face._ttf_data))
            font = hb.Font(face)
            font.scale = (self.units_per_em, self.units_per_em)
            self._hb = font
        return self._hb

    @property
    def blank_gid(self) -> int | None:
        """A glyph that draws nothing and does not move the pen (zero width space), or None.

        It carries the second and further characters of a right-to-left cluster (a harakah,
        a ZWNJ) on the baseline, one character per glyph: see :func:`~.layout.shape`."""
        if self._blank is False:
            self._blank = None
            face: Any = self.face
            # The Hebrew font has no zero width space, but like every Noto font a NULL glyph
            # (U+0000) with no outline and no advance.
            for cp in (0x200B, 0xFEFF, 0x0000):
                gid = face.charToGlyph.get(cp)
                if gid is None or self.hb_font.get_glyph_h_advance(gid):
                    continue
                extents = self.hb_font.get_glyph_extents(gid)
                if extents is None or (extents.width == 0 and extents.height == 0):
                    self._blank = gid
                    break
        return self._blank

    def key_for(self, gid: int, text: str) -> str:
        """The character that stands for glyph ``gid`` drawn for the original ``text``."""
        key = self._keys.get((gid, text))
        if key is not None:
            return key
        with self._key_lock:
            key = self._keys.get((gid, text))
            if key is not None:
                return key
            face: Any = self.face
            natural = self.glyph_char.get(gid)
            if natural is not None and chr(natural) == text:
                key = text
            else:
                cp = self._next_private
                while cp in face.charToGlyph:
                    cp += 1
                if cp > PRIVATE_END:
                    raise RuntimeError("out of private key characters")
                self._next_private = cp + 1
                face.charToGlyph[cp] = gid
                advance = self.hb_font.get_glyph_h_advance(gid)
                face.charWidths[cp] = advance * 1000.0 / self.units_per_em
                self.text_of[cp] = text
                key = chr(cp)
            self._keys[(gid, text)] = key
            return key

    def addObjects(self, doc: Any) -> None:
        """As TTFont.addObjects, but with the ToUnicode CMap of :func:`to_unicode_cmap`."""
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = TTFont.State(self._asciiReadable)
        state.frozen = 1
        face: Any = self.face
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            base = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            pdf_font: Any = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal
            pdf_font.BaseFont = base
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = pdfdoc.PDFArray([face.getCharWidth(cp) for cp in subset])
            cmap: Any = pdfdoc.PDFStream()
            cmap.content = to_unicode_cmap(base, subset, self.text_of)
            if doc.compression:
                cmap.filters = [pdfdoc.PDFZCompress]
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base)
            pdf_font.FontDescriptor = face.addSubsetObjects(doc, base, subset)
            doc.Reference(pdf_font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = pdf_font
        del self.state[doc]
