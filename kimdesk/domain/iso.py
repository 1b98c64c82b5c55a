"""ISO 3166 country and ISO 639 language codes, checked against Babel's CLDR data.

CLDR is the source of the code lists (never a hand-typed list); it is loaded lazily because Babel's
locale data costs start-up time the unlock screen should not pay.
"""

from __future__ import annotations

import functools

#: Codes CLDR lacks that KIM needs: stateless (XX, as in ICAO's XXA) and unknown (ZZ is CLDR's).
EXTRA_COUNTRIES = {"XX": "stateless", "ZZ": "unknown"}


@functools.lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    from babel import Locale

    codes = {
        c for c in Locale("en").territories if isinstance(c, str) and len(c) == 2 and c.isalpha()
    }
    return frozenset(codes | set(EXTRA_COUNTRIES))


@functools.lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(c for c in Locale("en").languages if isinstance(c, str) and "_" not in c)


def check_country(code: str) -> str:
    code = code.strip().upper()
    if code not in country_codes():
        raise ValueError(f"unknown ISO 3166 country code: {code}")
    return code


def check_language(code: str) -> str:
    code = code.strip()
    if code not in language_codes():
        raise ValueError(f"unknown ISO 639 language code: {code}")
    return code


def country_name(code: str, locale: str) -> str:
    from babel import Locale

    return Locale.parse(locale).territories.get(code, EXTRA_COUNTRIES.get(code, code))


def language_name(code: str, locale: str) -> str:
    from babel import Locale

    return Locale.parse(locale).languages.get(code, code)
