"""XLSForm language headers to language codes, through CLDR (Babel).

Real forms write a translated column in every way there is: ``label::German (de)`` (the
convention), a bare code (``label::en``, ``label::EN``, ``label::pt_BR``), an English name
(``label::French``), a native name (``label::العربية``, ``label::Français``) or a field name
(``Tigrigna``, ``Oromiffa``, ``Tetun``). :func:`header_code` maps all of these to a code; a header
that CLDR does not know is kept under its own name by the importer, with a warning (issue 16).
"""

from __future__ import annotations

import functools
import re

_CODE = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\s*\)\s*$")
_BARE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?$")

#: Names in use in the field that CLDR spells differently (its English and native names cover the
#: rest). Keys are casefolded.
ALIASES = {
    "tigrigna": "ti", "oromiffa": "om", "afaan oromoo": "om", "afan oromo": "om", "tetun": "tet",
    "farsi": "fa", "dari": "fa", "kurmanji": "kmr", "sorani": "ckb", "pushto": "ps",
    "bangla": "bn", "kiswahili": "sw", "swahili": "sw", "haitian creole": "ht",
    "myanmar": "my", "burmese": "my", "filipino": "fil", "tagalog": "fil",
}


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Casefolded English and native language names -> code, for base languages only."""
    from babel import Locale, UnknownLocaleError

    from kimdesk.domain.iso import language_codes

    names: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if "_" not in code:
            names.setdefault(name.casefold(), code)
    for code in sorted(language_codes()):
        try:
            native = Locale.parse(code).languages.get(code)
        except (UnknownLocaleError, ValueError):
            continue
        if native:
            names.setdefault(native.casefold(), code)
    return names


def _known(code: str) -> bool:
    from kimdesk.domain.iso import language_codes

    return code in language_codes()


def header_code(header: str) -> str | None:
    """The language code of a header, or None when neither a code nor a known name is in it."""
    head = " ".join(header.split())
    m = _CODE.search(head)
    if m:
        return m.group(1).replace("_", "-")
    m = _BARE.match(head)
    if m:
        base = m.group(1).lower()
        if _known(base):
            return base + (f"-{m.group(2)}" if m.group(2) else "")
    wanted = head.casefold()
    return ALIASES.get(wanted) or _names().get(wanted)
