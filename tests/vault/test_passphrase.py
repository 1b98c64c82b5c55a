"""The passphrase strength rule of the core (kimdesk.vault.passphrase): the same scores and the
same translated refusal the new-vault screen shows, without Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kimdesk import i18n
from kimdesk.vault.passphrase import (
    MIN_SCORE,
    STRENGTH_LABELS,
    TOO_WEAK,
    is_strong_enough,
    passphrase_score,
    strength_label,
    weakness,
)


@pytest.mark.parametrize(("text", "score"), [
    ("", 0),
    ("pw", 0),
    ("short", 0),
    ("aaaaaaaaaaaaaaaaaaaaaaaa", 0),  # length without variety counts for little
    ("x" * 80, 0),  # longer than zxcvbn takes: judged by its first 72 characters
    ("abcdefghijkl", 0),  # a keyboard run
    ("password1234", 0),  # common words and runs
    ("passwort123", 0),  # German ones too
    ("sonnenblume", 0),
    ("Sommer2024!", 1),  # issue 18: a season, a year and a "!" were rated "strong"
    ("Winter2025!", 1),
    ("Gütersloh2026!", 1),
    ("Haus Baum", 1),  # two common words: hours for an offline attacker
    ("Tr0ub4dor&3", 2),
    ("K1m-Beratung!Verl", 3),
    ("Kaffee Fahrrad Wolke", 4),  # several words: the advice we give
    ("correct horse battery staple", 4),
    ("Mein Hund heißt Bello seit 2019", 4),
])
def test_scores(text: str, score: int) -> None:
    assert passphrase_score(text) == score
    assert is_strong_enough(text) is (score >= MIN_SCORE)


def test_minimum_is_fair() -> None:
    assert MIN_SCORE == 2 and STRENGTH_LABELS[MIN_SCORE] == "fair"


def test_short_passphrases_stay_weak_whatever_their_characters() -> None:
    assert passphrase_score("zK9#mQ2") < MIN_SCORE


def test_weakness_is_translated_and_empty_when_strong() -> None:
    with i18n.language("en"):
        assert weakness("pw") == TOO_WEAK
        assert weakness("Kaffee Fahrrad Wolke") == ""
        assert strength_label(0) == "very weak"
    with i18n.language("de"):
        assert weakness("pw") not in ("", TOO_WEAK)
        assert strength_label(4) != "very strong"


def test_rule_needs_no_qt() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'PySide6':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from kimdesk.vault.passphrase import passphrase_score\n"
        "print(passphrase_score('Kaffee Fahrrad Wolke'))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.stdout.strip() == "4", res.stderr
