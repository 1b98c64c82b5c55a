"""Column headers that break between words, or inside a word only with a hyphen.

reportlab's Paragraph splits a word that is wider than its cell wherever the cell ends, without a
hyphen ("employm|ent", "Джобцен|тр"). The report's headers are laid out here instead: words go on
a line while they fit; a word too wide for its column is hyphenated at a point from the
language's dictionary (pyphen: de, en, uk, ru; the reports in Arabic and Persian are German) or
broken after a hyphen or slash it already has. Words in parentheses, and Latin-script words in a
Cyrillic header, are the German official terms the labels quote ("(Ausländerbehörde)") and
hyphenate as German, in Turkish too. When no such point makes it fit, the header is set
smaller (7 pt down to 5 pt, the smallest a printed table stays legible at); only a word that fits
nowhere even then (a language without a dictionary, such as Turkish) is cut at the last letter
that fits, and that cut is marked with a hyphen too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

#: header sizes tried, largest first (points)
SIZES = (7.0, 6.5, 6.0, 5.5, 5.0)
#: characters a word may break after without an added hyphen
_BREAKS_AFTER = "-/–"
_PUNCT = "()[]{}\"'„“”«».,:;!?"

_CYRILLIC = frozenset({"uk", "ru"})

Measure = Callable[[str], float]


@functools.lru_cache(maxsize=16)
def _dictionary(lang: str) -> object | None:
    """pyphen's dictionary for ``lang`` (None when pyphen has none: then breaks come from the
    word's own hyphens only)."""
    import pyphen

    name = pyphen.language_fallback(lang)
    return pyphen.Pyphen(lang=name) if name else None


def _word_language(word: str, lang: str) -> str:
    """The dictionary for ``word``: a Latin-script word in a Cyrillic label is a German official
    term ("(Ausländerbehörde)") and hyphenates as German."""
    if lang in _CYRILLIC and not any("\u0400" <= ch <= "\u04ff" for ch in word):
        return "de"
    return lang


def break_points(word: str, lang: str) -> list[tuple[str, str]]:
    """Every (head, tail) a word may be broken into, the head as printed: with an added hyphen
    at a dictionary point, as it is after a hyphen or slash of the word. Longest head first."""
    points: dict[int, str] = {}
    for i, ch in enumerate(word[:-1]):
        if ch in _BREAKS_AFTER and i > 0:
            points[i + 1] = word[:i + 1]
    dic = _dictionary(_word_language(word, lang))
    if dic is not None:
        # hyphenate the letters only: "(Jobcenter)" breaks like "Jobcenter"
        start = len(word) - len(word.lstrip(_PUNCT))
        core = word.strip(_PUNCT)
        offset = start
        for part in core.split("-"):  # the parts of a compound with a hyphen, one by one
            for pos in dic.positions(part):  # type: ignore[attr-defined]
                cut = offset + pos
                if word[cut - 1] not in _BREAKS_AFTER and cut not in points:
                    points[cut] = word[:cut] + "-"
            offset += len(part) + 1
    return [(points[cut], word[cut:]) for cut in sorted(points, reverse=True)]


def _forced(word: str, room: float, measure: Measure) -> tuple[str, str] | None:
    """The last resort: the longest head (at least two letters) that fits with a hyphen."""
    for cut in range(len(word) - 2, 1, -1):
        if measure(word[:cut] + "-") <= room:
            return word[:cut] + "-", word[cut:]
    return None


def wrap(text: str, room: float, measure: Measure, lang: str,
         force: bool = False) -> list[str] | None:
    """``text`` as lines no wider than ``room``, broken between words or at a word's break
    points; None when a piece of a word fits nowhere (``force``: cut it with a hyphen)."""
    lines: list[str] = []
    cur = ""
    inside = False  # within parentheses: a German official term, "(Agentur für Arbeit)"
    for word in text.split():
        word_lang = "de" if inside or word.startswith("(") else lang
        inside = word.rfind("(") > word.rfind(")") or (inside and ")" not in word)
        joined = f"{cur} {word}" if cur else word
        if measure(joined) <= room:
            cur = joined
            continue
        if cur and measure(word) <= room:
            lines.append(cur)
            cur = word
            continue
        rest = word
        while measure(f"{cur} {rest}" if cur else rest) > room:
            free = room - measure(cur + " ") if cur else room
            fits = [(h, t) for h, t in break_points(rest, word_lang) if measure(h) <= free]
            if not fits and force and not cur:
                cut = _forced(rest, free, measure)
                fits = [cut] if cut else []
            if not fits:
                if not cur:
                    return None
                lines.append(cur)
                cur = ""
                continue
            head, rest = fits[0]
            lines.append(f"{cur} {head}" if cur else head)
            cur = ""
        cur = f"{cur} {rest}" if cur else rest
    if cur:
        lines.append(cur)
    return lines


def fit(texts: list[str], rooms: list[float], font: str,
        lang: str) -> tuple[list[list[str]], float]:
    """The lines of each header of a row and the one size they are all set in: the largest of
    :data:`SIZES` at which every header fits without a forced cut (see the module's docstring).
    One size keeps the header row even; a column never gets smaller type than it must."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for size in SIZES:
        measure: Measure = functools.partial(stringWidth, fontName=font, fontSize=size)
        rows = [wrap(text, room, measure, lang) for text, room in zip(texts, rooms, strict=True)]
        if all(lines is not None for lines in rows):
            return [lines or [] for lines in rows], size
    measure = functools.partial(stringWidth, fontName=font, fontSize=SIZES[-1])
    return [wrap(text, room, measure, lang, force=True) or [text]
            for text, room in zip(texts, rooms, strict=True)], SIZES[-1]
