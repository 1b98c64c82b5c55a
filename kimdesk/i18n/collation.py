"""Sorting names for people to read: "Dänisch" before "Deutsch" and "Dzongkha", not after them.

Python sorts by code point, which puts every accented letter after "z" (issue 18: the language
list showed "Dänisch" after "Dzongkha"). The key here compares the letters without their marks
first, as German dictionaries do (DIN 5007-1: ä as a, ß as ss), then the marks, then case; the
Persian letters پ چ ژ گ come right after ب ج ز ك as in the Persian alphabet, and Arabic and
Cyrillic sort in their Unicode order, which is their alphabetical order.

Why not full CLDR collation: it needs ICU (PyICU has no wheels and needs a compiler and
``libicu-dev``). The one difference a user of the 7 UI languages meets is Turkish, where ç, ğ, ı,
ö, ş, ü are letters of their own after c, g, h, o, s, u; here they sort with their base letter.
"""

from __future__ import annotations

import unicodedata

_LETTERS = str.maketrans({"پ": "ب\uffff", "چ": "ج\uffff", "ژ": "ز\uffff", "گ": "ك\uffff",
                          "ک": "ك", "ی": "ي", "ß": "ss"})


def sort_key(text: str) -> tuple[str, str, str]:
    """A key that sorts ``text`` as a reader expects (see the module's docstring)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return base, text.casefold(), text


def fold(text: str) -> str:
    """``text`` for matching as a reader types: without case and accents ("Türkei" -> "turkei",
    "Côte" -> "cote"), so a counselor on a German or English keyboard finds names spelt with
    letters they cannot type quickly. NFKD splits a letter from its marks; the marks go."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
