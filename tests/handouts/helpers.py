"""Shared helpers: text extraction with poppler's pdftotext and normalisation for comparisons."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

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
