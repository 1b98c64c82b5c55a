"""A client's name written out as "Family, Given" with the comma of its script
(kimdesk/domain/names.py): the Arabic comma for a name in Arabic script, where the Latin one
stood before 2026-12-07 on every list, header and agenda line."""

from __future__ import annotations

import pytest

from kimdesk.domain.models import Person
from kimdesk.domain.names import ARABIC_COMMA, joined


@pytest.mark.parametrize(("family", "given", "shown"), [
    ("Demir", "Ayşe", "Demir, Ayşe"),
    ("الحسن", "علي", "الحسن، علي"),  # Arabic
    ("رضایی", "مریم", "رضایی، مریم"),  # Persian
    ("احمدزی", "ګل", "احمدزی، ګل"),  # Pashto (its own letters, Arabic block)
    ("Шевченко", "Олена", "Шевченко, Олена"),  # Cyrillic keeps the Latin comma
    ("ბერიძე", "ნინო", "ბერიძე, ნინო"),  # Georgian too
    ("الحسن", "Ali", "الحسن, Ali"),  # mixed: a Latin letter, the Latin way
    ("الحسن", "", "الحسن"),
    ("", "علي", "علي"),
    (" Demir ", "", "Demir"),
])
def test_joined(family: str, given: str, shown: str) -> None:
    assert joined(family, given) == shown


def test_a_person_in_arabic_script_is_shown_with_the_arabic_comma() -> None:
    person = Person(family_name="الحسن", given_name="علي", family_name_latin="Al-Hassan",
                    given_name_latin="Ali")
    assert person.display_name == f"الحسن{ARABIC_COMMA} علي"
    assert ", " not in person.display_name
    assert Person(family_name="Demir", given_name="Ayşe").display_name == "Demir, Ayşe"
