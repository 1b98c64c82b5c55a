"""Spelling variants of transliterated names: ``muhammad`` finds Mohammed and Mohamad, ``hussein``
finds Husain and Hüseyin, ``yusuf`` finds Youssef and Jusuf, ``oleksandr`` finds Aleksandr and
Alexander (issue 18).

A counselor types a name as they heard it; the name was written down by someone else, in
another transliteration (English, French, German or Turkish conventions for Arabic and Persian,
Ukrainian or Russian ones for Cyrillic). Each name word of a case gets one extra search token,
its *variant key*, and a query word matches either its own spelling or the same key. The search
ranks those hits after the exact ones (kimdesk/vault/vault.py, caselist.py).

The key is a consonant skeleton with the class of the first vowel after the first consonant:

- Cyrillic is transliterated first (one table for Ukrainian and Russian);
- spellings of one sound become one letter (``kh ch tsch`` -> ``h``, ``sh sch`` -> ``s``, ``j`` ->
  ``y``, ``x`` -> ``ks``, ``w`` -> ``v``, ``q c ck`` -> ``k``, ``ph`` -> ``f``, ``th`` -> ``t``,
  ``ou oo`` -> ``u``, ``ee`` -> ``i``); a final ``h`` after a vowel goes (Fatemeh, Fatma);
- vowels go (a ``y`` too, unless it starts the word), doubled consonants become one;
- the first vowel after the first consonant is kept as its class, ``a/e``, ``o/u`` or ``i/y``:
  Muhammad and Mohammed share ``u``, Mahmoud has ``a``, so they stay apart;
- a final ``-i``/``-y`` after a consonant stays as ``i`` (Mohammadi is not Mohammad).

``muhammad`` -> ``umhmd``, ``hüseyin`` -> ``uhsn``, ``youssef`` -> ``uysf``, ``alexander`` ->
``alksndr``.

Why not a library: the phonetic codes of the maintained ones (Soundex, Metaphone, NYSIIS, MRA in
``jellyfish``) are tuned for English names; they keep ``j``/``y``, ``x``/``ks`` and Turkish or
Ukrainian spellings apart (MRA: Jusuf ``JSF`` against Yusuf ``YSF``, Hüseyin ``HSYN`` against
Hussein ``HSN``).
"""

from __future__ import annotations

import functools
import re

from kimdesk.vault.memory import holds_personal_data

#: Marks a variant key in the search index (a word no text holds; the tokenizer keeps letters).
PREFIX = "zzv"

#: Shortest query word that also searches by variant (shorter prefixes match too many names).
MIN_QUERY = 4

_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
})
# Longest first: ``sch`` before ``ch`` and ``sh``.
_SOUNDS = (("shch", "s"), ("tsch", "h"), ("dsch", "y"), ("sch", "s"), ("tch", "h"),
           ("kh", "h"), ("ch", "h"), ("sh", "s"), ("zh", "y"), ("dj", "y"), ("ph", "f"),
           ("th", "t"), ("dh", "d"), ("gh", "g"), ("ck", "k"), ("ou", "u"), ("oo", "u"),
           ("ee", "i"), ("j", "y"), ("x", "ks"), ("w", "v"), ("q", "k"), ("c", "k"))
_SOUND = re.compile("|".join(s for s, _ in _SOUNDS))
_REPLACE = dict(_SOUNDS)
_VOWELS = frozenset("aeiouy")
_CLASS = {"a": "a", "e": "a", "o": "u", "u": "u", "i": "i", "y": "i"}
_LATIN = re.compile(r"[a-z]+")
_WORDS = re.compile(r"\w+")


@holds_personal_data
@functools.lru_cache(maxsize=65536)
def variant_key(word: str) -> str | None:
    """The variant key of one folded name word (lower case, diacritics stripped, as
    :func:`kimdesk.vault.search.fold` gives it), or None for a word too short or not in a
    Latin or Cyrillic spelling (Arabic-script names are matched through their Latin fields)."""
    latin = word.translate(_CYRILLIC)
    if not _LATIN.fullmatch(latin) or len(latin) < 3:
        return None
    sounds = _SOUND.sub(lambda m: _REPLACE[m.group(0)], latin)
    if len(sounds) > 2 and sounds.endswith("h") and sounds[-2] in _VOWELS:
        sounds = sounds[:-1]
    skeleton: list[str] = []
    vowel = ""
    for i, ch in enumerate(sounds):
        if ch in _VOWELS and not (ch == "y" and i == 0):
            if skeleton and not vowel:
                vowel = _CLASS[ch]
            continue
        if not skeleton or skeleton[-1] != ch:
            skeleton.append(ch)
    if len(skeleton) < 2:
        return None
    # a final -i/-y is a suffix of its own (Mohammadi is not Mohammad; Oleksii is Oleksiy)
    suffix = "i" if sounds[-1] in "iy" and sounds[-2] not in _VOWELS else ""
    return f"{PREFIX}{vowel or '-'}{''.join(skeleton)}{suffix}"


def name_keys(*names: str) -> list[str]:
    """The variant keys of every word of these (folded) names, each once."""
    return list(dict.fromkeys(k for name in names for k in name_keys_of(name)))


@holds_personal_data
@functools.lru_cache(maxsize=65536)
def name_keys_of(name: str) -> tuple[str, ...]:
    """The variant keys of one folded name, each once. Cached like :func:`variant_key`: given
    and family names repeat across a team's cases, and a first sync indexes every case (the
    words split and looked up once per name, not once per case). Like :func:`variant_key`,
    emptied when a vault is locked (:mod:`kimdesk.vault.memory`)."""
    return tuple(dict.fromkeys(k for w in _WORDS.findall(name) if (k := variant_key(w))))
