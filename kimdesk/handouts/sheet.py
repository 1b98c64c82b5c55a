"""The Auskunft sheet's building blocks: blocks and their values collected while its data is
walked, and recorded values as the sheet prints them (dates localized, sizes in kB; field
names and codes are phrases that each column words: :mod:`kimdesk.handouts.auskunft_terms`).
Shared by :mod:`kimdesk.handouts.auskunft` (the live records) and
:mod:`kimdesk.handouts.auskunft_places` (what lies elsewhere in the vault), which both add to
one sheet.
"""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import label
from kimdesk.handouts.auskunft_terms import Phrase
from kimdesk.handouts.data import format_date
from kimdesk.handouts.templates import SOURCE_LANGUAGE, Block
from kimdesk.i18n import language


def day(text: str | None) -> str:
    """An ISO date or timestamp as the sheet's date; text that is no date as it is."""
    if not text:
        return ""
    try:
        return format_date(date.fromisoformat(text[:10]))
    except ValueError:
        return text


def code(value: str | None) -> str:
    """A code of no known list as the office's German label (a field the sheet has no label
    for: :func:`kimdesk.handouts.auskunft_terms.value_phrase`)."""
    if not value:
        return ""
    with language(SOURCE_LANGUAGE):
        return label(value)


def size(size: int) -> str:
    """A file's size as the sheet names it (the file itself is in the JSON only)."""
    return f"{size / 1048576:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1000))} kB"


class Sheet:
    """Collects blocks and their values while walking the Auskunft."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.values: dict[str, str] = {}
        self.phrases: dict[str, Phrase] = {}

    def block(self, kind: str, key: str) -> None:
        field = "label" if kind == "field" else "text"
        self.blocks.append(Block(type=kind, keys={field: key}))

    def _value(self, value: str | Phrase) -> str:
        name = f"v{len(self.values) + len(self.phrases)}"
        if isinstance(value, str):
            self.values[name] = value
        else:  # worded by each column (field names, codes)
            self.phrases[name] = value
        return name

    def field(self, label: str, value: str | Phrase) -> None:
        """A translated label and a recorded value (an empty one draws a line to write on)."""
        self.blocks.append(Block(type="field", keys={"label": label}, value=self._value(value)))

    def line(self, text: str | Phrase) -> None:
        """Recorded data in both columns (its own writing direction); a phrase's field names and
        codes in each column's language."""
        self.blocks.append(Block(type="data", keys={}, value=self._value(text)))

    def section(self, heading: str, lines: list[str] | list[Phrase]) -> None:
        self.block("heading", heading)
        for text in lines or ["—"]:
            self.line(text)
