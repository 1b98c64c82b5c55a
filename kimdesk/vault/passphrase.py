"""How strong a new vault passphrase is, and the minimum the app asks for.

The passphrase is the only key to the vault: nobody, not even the municipality's IT, can recover a
vault whose passphrase is forgotten or guessed. So the rule for "strong enough" is part of the
core, not of one screen: the new-vault screen shows the score as a bar and refuses below
:data:`MIN_SCORE`, and any other place that sets a passphrase can ask the same question and get
the same translated answer. Qt-free and tested in ``tests/vault/test_passphrase.py``.

The estimate is zxcvbn's (Dropbox's guess-counting model, the Python port), with a list of German
words added: an own entropy formula rated "Sommer2024!" strong.
"""

from __future__ import annotations

import functools

from kimdesk.i18n import N_, gettext, resources_dir

#: The lowest score a new passphrase may have: 2, "fair".
MIN_SCORE = 2
#: The words for the scores 0..4, as msgids (translate them when shown).
STRENGTH_LABELS = (N_("very weak"), N_("weak"), N_("fair"), N_("strong"), N_("very strong"))
#: Why a passphrase below :data:`MIN_SCORE` is refused, as a msgid.
TOO_WEAK = N_("Choose a stronger passphrase: several words or at least 12 characters.")

#: log10 of the guesses (zxcvbn's estimate) for the scores 1, 2, 3 and 4. The vault is attacked
#: offline: whoever holds the file (a stolen laptop, a copied backup) tries passphrases against
#: PBKDF2-SHA512 with 256,000 iterations. This machine's CPU does about 10 such guesses a second
#: per core; a few GPUs do thousands. 1e10 guesses ("fair", the minimum) are weeks of such a rig;
#: 1e6 would be hours, and that is what a season, a year and a "!" are worth.
_THRESHOLDS = (6.0, 10.0, 12.0, 15.0)
#: zxcvbn refuses longer input; a longer passphrase is judged by its first 72 characters (a
#: strong one is strong there already, and 80 times "x" stays weak).
_ZXCVBN_MAX = 72


@functools.lru_cache(maxsize=1)
def _with_german_words() -> None:
    """Add the German (and clients' languages') words of ``resources/passphrase`` to zxcvbn's
    ranked lists, once per process: its own lists are English, so "Sommer2024!" scored "strong"
    (issue 18)."""
    from zxcvbn import matching

    text = (resources_dir() / "passphrase" / "common-de.txt").read_text("utf-8")
    words = [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]
    matching.add_frequency_lists({"kimdesk_de": words})


def passphrase_score(text: str) -> int:
    """0 (very weak) .. 4 (very strong), from zxcvbn's estimate of the guesses an attacker
    needs (dictionary words in German and English, names, years, dates, keyboard runs,
    repetitions and l33t spellings are what it knows to try first)."""
    if not text:
        return 0  # zxcvbn 4.5 fails on an empty string
    from zxcvbn import zxcvbn

    _with_german_words()
    guesses = float(zxcvbn(text[:_ZXCVBN_MAX])["guesses_log10"])
    return sum(guesses >= t for t in _THRESHOLDS)


def strength_label(score: int) -> str:
    """The translated word for a score ("weak", "strong", ...)."""
    return gettext(STRENGTH_LABELS[score])


def is_strong_enough(text: str) -> bool:
    """True when ``text`` reaches :data:`MIN_SCORE`."""
    return passphrase_score(text) >= MIN_SCORE


def weakness(text: str) -> str:
    """The translated reason to refuse ``text`` as a new passphrase; '' when it is strong enough."""
    return "" if is_strong_enough(text) else gettext(TOO_WEAK)
