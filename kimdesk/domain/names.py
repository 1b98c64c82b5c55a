"""How a person's name is written out: "Family, Given", with the comma of the name's script.

Every list, header, agenda, calendar entry and command-line line shows a client as "Family,
Given". A name written in Arabic script (Arabic, Persian, Dari, Pashto, Urdu, Sorani) takes the
Arabic comma "،" (U+060C) between its parts, as these languages write it; until 2026-12-07 it
got the Latin ", ", which a reader of the script sees as a stray mark on the wrong side of the
word. A name with any Latin letter, or in another script (Cyrillic, Georgian, Tigrinya ...),
keeps ", ": those scripts use it. Unicode's bidi algorithm places the Arabic comma within the
right-to-left run, so no isolating marks are needed.

The Latin check of the transliteration lives here too: it decides whether a name typed in
Latin letters is its own transliteration (:class:`kimdesk.domain.models.Person`).
"""

from __future__ import annotations

import re

#: A name in Latin letters (with the accented ones of the Latin Unicode blocks): its own
#: transliteration.
LATIN = re.compile(r"^[\sA-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.\-]*$")
#: A letter of the Arabic script (Arabic, its supplement and extended blocks, presentation forms).
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
#: A Latin letter: with one, the name is written out the Latin way.
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
ARABIC_COMMA = "\u060c"


def joined(family: str, given: str) -> str:
    """"Family, Given" (either part may be empty: then the other alone), with the Arabic
    comma when the name is written in Arabic script."""
    family, given = family.strip(), given.strip()
    if not family or not given:
        return family or given
    both = family + given
    arabic = bool(_ARABIC_SCRIPT.search(both)) and not _LATIN_LETTER.search(both)
    return f"{family}{ARABIC_COMMA} {given}" if arabic else f"{family}, {given}"
