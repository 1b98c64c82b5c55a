"""Which language are a form's untagged texts in? A small, explainable heuristic (issue 16).

An XLSForm column ``label`` without ``::Language (code)`` has no language; pyxform calls it
``default``. Tagging it German because KIMdesk's counselors speak German turned every English ODK
form into a "German" one. Unless ``--default-language`` says otherwise, the import now guesses from
the texts themselves:

* the script decides where it can: Arabic script is Persian (``fa``) when Persian-only letters
  (پ چ ژ گ ی ک) occur, else Arabic (``ar``); Cyrillic is Ukrainian (``uk``) with і ї є ґ, Russian
  (``ru``) with ы э ъ ё;
* Latin-script texts are scored by frequent short words (and ß, ğ/ş/ı) of German, English,
  Turkish, French, Spanish, Portuguese and Italian; a language wins with at least
  :data:`MIN_HITS` hits and clearly more than the runner-up.

Anything else gives no guess: the import then takes the form's one tagged language if it has
exactly one (pyxform's generated "Specify other." beside ``label::English``), else German, and
says so in a warning, so the author can rerun with ``--default-language``. No statistics library,
no model: a form's labels are few and short, and a wrong confident guess would be worse than the
fallback.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

MIN_HITS = 3

_WORDS = {
    "de": "der die das und ist nicht sie ein eine wie was wer wo wann ihr ihre sind haben hat mit"
          " für von zu im in auf bitte ja nein oder wie viele welche",
    "en": "the and is are not you your what who where when how many which of to in on with for"
          " please yes no or do does have has this that",
    "tr": "ve bir bu ne kim nerede nasıl kaç mı mi mu mü var yok evet hayır için ile veya lütfen"
          " sizin",
    "fr": "le la les et est sont vous votre quel quelle qui où quand comment combien de des du"
          " pour avec oui non ou un une",
    "es": "el la los las y es son usted su qué quién dónde cuándo cómo cuántos de del para con"
          " sí no o un una",
    "pt": "o a os as e é são você seu sua que quem onde quando como quantos de do da para com"
          " sim não ou um uma",
    "it": "il lo la gli le e è sono lei suo che chi dove quando come quanti di del per con sì"
          " no o un una",
}
#: One-letter words ("a", "o", "e", "y") are left out: "option a" is no Portuguese.
_VOCAB = {lang: frozenset(w for w in words.split() if len(w) > 1) for lang, words in _WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(texts: Iterable[str]) -> str | None:
    """The language code of ``texts`` (all in one language), or None when unsure."""
    text = " ".join(texts)
    if not text.strip():
        return None
    by_script = _by_script(text)
    if by_script is not None:
        return by_script or None
    scores: Counter[str] = Counter()
    for word in _WORD.findall(text.casefold()):
        for lang, vocab in _VOCAB.items():
            if word in vocab:
                scores[lang] += 1
    scores["de"] += 3 * text.count("ß")
    scores["tr"] += 3 * sum(text.count(c) for c in "ğşıİ")
    ranked = scores.most_common(2)
    if not ranked or ranked[0][1] < MIN_HITS:
        return None
    if len(ranked) > 1 and ranked[0][1] < 1.5 * ranked[1][1]:
        return None
    return ranked[0][0]


def _by_script(text: str) -> str | None:
    """A code when the script decides, "" when the script is known but undecided, None when
    the text is Latin (left to the word scores)."""
    arabic = sum("\u0600" <= c <= "\u06ff" for c in text)
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in text)
    latin = sum(c.isascii() and c.isalpha() for c in text)
    if arabic > latin and arabic >= cyrillic:
        return "fa" if any(c in text for c in "پچژگیک") else "ar"
    if cyrillic > latin:
        if any(c in text.casefold() for c in "іїєґ"):
            return "uk"
        if any(c in text.casefold() for c in "ыэъё"):
            return "ru"
        return ""
    letters = sum(c.isalpha() for c in text)
    if letters and latin < letters / 2:
        return ""  # another script (Tigrinya, Greek, ...): no guess
    return None


# -- where the texts are, in pyxform's JSON --------------------------------------------------
def tagged_headers(value: Any, text: bool = False) -> Iterator[str]:
    """The language headers of translated texts (``English (en)``), with repeats."""
    from kimdesk.forms.xlsform_quotes import TEXT_KEYS

    if isinstance(value, Mapping):
        for key, inner in value.items():
            if text and isinstance(inner, str) and key != "default":
                yield str(key)
            elif not isinstance(inner, str):
                yield from tagged_headers(inner, key in TEXT_KEYS)
    elif isinstance(value, list):
        for inner in value:
            yield from tagged_headers(inner, text)


def untagged_texts(value: Any, text: bool = False) -> Iterator[str]:
    """Labels, hints and messages without a language column (pyxform's ``default``)."""
    from kimdesk.forms.xlsform_quotes import TEXT_KEYS

    if isinstance(value, str):
        if text and value.strip():
            yield value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "title":
                continue  # the form's title defaults to its id: no language in it
            if text and isinstance(inner, str):
                if key == "default":
                    yield inner
                continue
            yield from untagged_texts(inner, key in TEXT_KEYS)
    elif isinstance(value, list):
        for inner in value:
            yield from untagged_texts(inner, text)
