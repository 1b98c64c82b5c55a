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
  (as ``ahmad`` finds ``Al-Ahmad`` through the hyphen);
- every name word also gets its variant key (:mod:`kimdesk.vault.namevariants`), so ``muhammad``
  finds Mohammed too, after the exact hits.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from kimdesk.vault.memory import holds_personal_data
from kimdesk.vault.namevariants import MIN_QUERY, name_keys, variant_key

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


#: :func:`fold` for name fields, cached: names repeat across a team's cases, and a name in
#: another script took 1-2 us to fold each time (a first sync indexes every case). Emptied when
#: a vault is locked (:mod:`kimdesk.vault.memory`).
_fold_name = holds_personal_data(functools.lru_cache(maxsize=65536)(fold))


def index_text(number: str, given: str, family: str, given_latin: str, family_latin: str,
               notes: str = "") -> str:
    """The folded text stored in the index, with German umlaut spellings and the names' variant
    keys (:mod:`kimdesk.vault.namevariants`) added."""
    names = [p for p in (given, family, given_latin, family_latin) if p]
    present = [p for p in (number, *names, notes) if p]
    raw = " ".join(present)
    if raw.isascii():  # no article to strip, no umlaut to spell out (most case numbers, names)
        return " ".join([raw.lower(), *name_keys(*(n.lower() for n in names))])
    folded_names = [_fold_name(n) for n in names]
    # folding is per character: the same as fold(raw)
    folded = " ".join(p for p in (fold(number), *folded_names, fold(notes)) if p)
    extra = [w[2:] for w in _WORD.findall(folded) if w.startswith("ال") and len(w) > 4]
    if any(ch in raw for ch in "äöüÄÖÜ"):
        extra.append(fold(raw.translate(_UMLAUTS)))
    extra += name_keys(*folded_names)
    return " ".join([folded, *extra])


def tokens(query: str) -> list[str]:
    return _WORD.findall(fold(query))


def _western(word: str) -> str:
    """``word`` with every decimal digit in ASCII: "٠٠٠٢٩٦" (Arabic-Indic) or "۰۰۰۲۹۶" (Persian)
    -> "000296"."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in word)


def _prefix(word: str) -> str:
    """One word's FTS5 prefix query. An Arabic or Persian keyboard types a case number's digits
    in its own script, and case numbers are stored in ASCII (a walk through a counselor's day in
    Arabic, 2026-12-08: "٠٠٠٢٩٦" found nothing). A word with native digits also matches its ASCII
    spelling; it still matches as typed too, as a note written with native digits is indexed so.
    Only the query changes: no index is rebuilt, and an ASCII query is what it was."""
    western = _western(word) if not word.isascii() else word
    return f'"{word}"*' if western == word else f'("{word}"* OR "{western}"*)'


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every token a prefix, all required; None for an empty query."""
    words = tokens(query)
    if not words:
        return None
    return " AND ".join(_prefix(w) for w in words)


def variant_expression(query: str) -> str | None:
    """The MATCH expression of the hits by name variant alone: every word as typed or (from
    :data:`~kimdesk.vault.namevariants.MIN_QUERY` letters on) by its variant key, and not an exact
    hit; None when no word has a variant. Callers rank these after :func:`match_expression`'s."""
    words = tokens(query)
    keys = [variant_key(w) if len(w) >= MIN_QUERY else None for w in words]
    if not any(keys):
        return None
    either = " AND ".join(f'({_prefix(w)} OR "{k}"*)' if k else _prefix(w)
                          for w, k in zip(words, keys, strict=True))
    return f"({either}) NOT ({match_expression(query)})"


#: Matching cases' rows (``hit``) with their ``rank``: 0 for an exact hit (the first parameter,
#: :func:`match_expression`), 1 for a hit by name variant alone (the second,
#: :func:`variant_expression`); exact hits first, each part newest first.
RANKED_HITS_SQL = (
    "SELECT hit, rank FROM (SELECT rowid AS hit, 0 AS rank FROM case_search WHERE case_search"
    " MATCH ? UNION ALL SELECT rowid, 1 FROM case_search WHERE case_search MATCH ?)"
    " ORDER BY rank, hit DESC"
)
