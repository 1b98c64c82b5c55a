"""Text folding for full-text search, done in Python because SQLite's tokenizer cannot.

FTS5's ``unicode61`` tokenizer removes Latin diacritics but treats Arabic harakat (combining marks)
as separators, which would split a vowelled name into fragments. So both the indexed text and the
query are folded here the same way before FTS5 sees them:

- NFKD, then every combining mark dropped: ``Müller`` -> ``muller``; ``مُحَمَّد`` -> ``محمد``;
  hamza carriers (``أ إ آ``) -> bare alif; Turkish ``İ`` -> ``i``;
- Arabic/Persian letter variants unified (``ي/ی/ى``, ``ك/ک``, ``ة``->``ه``); tatweel, ZWNJ removed
  (Persian half-spaces are typed inconsistently);
- case folded (``ß`` -> ``ss``), dotless ``ı`` -> ``i``;
- German umlauts are also indexed in their ``ae/oe/ue`` spelling, so ``mueller`` finds ``Müller``;
- Arabic words with the article ``ال`` are also indexed without it, so ``احمد`` finds ``الأحمد``
  (as ``ahmad`` finds ``Al-Ahmad`` through the hyphen).
"""

from __future__ import annotations

import re
import unicodedata

_VARIANTS = str.maketrans(
    {
        "ی": "ي",  # Persian yeh
        "ى": "ي",  # alef maksura
        "ک": "ك",  # Persian keheh
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",
        "ـ": None,  # tatweel
        "\u200c": None,  # ZWNJ
        "\u200d": None,  # ZWJ
        "ı": "i",
    }
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    if text.isascii():
        # Nothing to decompose, strip or unify: the common case of case numbers and Latin
        # names, 20x faster than the per-character path (a first sync indexes every case).
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_VARIANTS).casefold()


def index_text(*parts: str) -> str:
    """The folded text stored in the index, with German umlaut spellings added."""
    present = [p for p in parts if p]
    raw = " ".join(present)
    if raw.isascii():  # no article to strip, no umlaut to spell out (most case numbers, names)
        return raw.lower()
    folded = " ".join(fold(p) for p in present)  # folding is per character: same as fold(raw)
    extra = [w[2:] for w in _WORD.findall(folded) if w.startswith("ال") and len(w) > 4]
    if any(ch in raw for ch in "äöüÄÖÜ"):
        extra.append(fold(raw.translate(_UMLAUTS)))
    return " ".join([folded, *extra])


def tokens(query: str) -> list[str]:
    return _WORD.findall(fold(query))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every token a prefix, all required; None for an empty query."""
    words = tokens(query)
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)
