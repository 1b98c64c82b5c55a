"""Shared helpers: text extraction with poppler's pdftotext and normalisation for comparisons."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

# Bidi controls pdftotext wraps right-to-left lines in, and the Arabic harakat (checked apart).
_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (scripts/setup does)")
    return path


def pdftotext(pdf: Path, *extra: str) -> str:
    res = subprocess.run([need("pdftotext"), *extra, str(pdf), "-"], capture_output=True,
                         text=True, timeout=60, check=True)
    return res.stdout


def norm(text: str, harakat: bool = False) -> str:
    """Comparable text: no bidi controls, optionally no harakat, one space between words."""
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", text))
    if not harakat:
        text = _HARAKAT.sub("", text)
    return " ".join(text.split())


def pdffonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of ``pdf``, from poppler's ``pdffonts``."""
    res = subprocess.run([need("pdffonts"), str(pdf)], capture_output=True, text=True,
                         timeout=60, check=True)
    fonts = []
    for line in res.stdout.splitlines()[2:]:  # a header line and a rule
        fields = line.split()
        # name type (one or two words) encoding emb sub uni object-id generation
        fonts.append((fields[0], fields[-5] == "yes"))
    return fonts


def client_with_case(vault: Any, given: str, family: str, latin: str) -> Any:
    """A Russian-speaking client whose name is written ``given family`` with the Latin form
    ``latin`` ("First Last"), and a case of theirs (returned)."""
    from kimdesk.domain.models import Person

    first, last = latin.split()
    person = vault.people.add(Person(given_name=given, family_name=family, given_name_latin=first,
                                     family_name_latin=last, languages=["ru"],
                                     preferred_language="ru"))
    return vault.cases.open_case(person.id)
