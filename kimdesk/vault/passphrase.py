"""How strong a new vault passphrase is, and the minimum the app asks for.

The passphrase is the only key to the vault: nobody, not even the municipality's IT, can recover a
vault whose passphrase is forgotten or guessed. So the rule for "strong enough" is part of the
core, not of one screen: the new-vault screen shows the score as a bar and refuses below
:data:`MIN_SCORE`, and any other place that sets a passphrase can ask the same question and get
the same translated answer. Qt-free and tested in ``tests/vault/test_passphrase.py``.
"""

from __future__ import annotations

import math
import re

from kimdesk.i18n import N_, gettext

#: The lowest score a new passphrase may have: 2, "fair".
MIN_SCORE = 2
#: The words for the scores 0..4, as msgids (translate them when shown).
STRENGTH_LABELS = (N_("very weak"), N_("weak"), N_("fair"), N_("strong"), N_("very strong"))
#: Why a passphrase below :data:`MIN_SCORE` is refused, as a msgid.
TOO_WEAK = N_("Choose a stronger passphrase: several words or at least 12 characters.")

#: Guessing-entropy thresholds in bits for the scores 1, 2, 3 and 4.
_THRESHOLDS = (28, 45, 60, 80)
#: Character classes and how many characters each adds to the guesser's alphabet.
_CLASSES = ((r"[a-z]", 26), (r"[A-Z]", 26), (r"[0-9]", 10), (r"[^A-Za-z0-9]", 33))
#: Fragments every guessing list tries first.
_COMMON = re.compile(r"(passwor|passwort|1234|qwert|asdf|kimdesk|letmein|geheim|abc)", re.I)


def passphrase_score(text: str) -> int:
    """0 (very weak) .. 4 (very strong), from an estimate of the guessing entropy in bits.

    Not zxcvbn, but honest about the usual traps: repeated characters, keyboard runs and common
    words count for little; length counts most (a long passphrase of words is the advice we give).
    """
    if not text:
        return 0
    pool = sum(size for pattern, size in _CLASSES if re.search(pattern, text))
    distinct = len(set(text))
    effective = min(len(text), distinct * 2)
    bits = effective * math.log2(max(pool, 2))
    if _COMMON.search(text):
        bits -= 20
    if len(text) < 8:
        bits = min(bits, 27)
    return sum(bits >= t for t in _THRESHOLDS)


def strength_label(score: int) -> str:
    """The translated word for a score ("weak", "strong", ...)."""
    return gettext(STRENGTH_LABELS[score])


def is_strong_enough(text: str) -> bool:
    """True when ``text`` reaches :data:`MIN_SCORE`."""
    return passphrase_score(text) >= MIN_SCORE


def weakness(text: str) -> str:
    """The translated reason to refuse ``text`` as a new passphrase; '' when it is strong enough."""
    return "" if is_strong_enough(text) else gettext(TOO_WEAK)
