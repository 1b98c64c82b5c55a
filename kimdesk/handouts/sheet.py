"""The Auskunft sheet's building blocks: blocks and their values collected while its data is
walked, and recorded values as the sheet prints them (dates localized, codes by their German
label, sizes in kB). Shared by :mod:`kimdesk.handouts.auskunft` (the live records) and
:mod:`kimdesk.handouts.auskunft_places` (what lies elsewhere in the vault), which both add to
one sheet.
"""

from __future__ import annotations

from datetime import date

from kimdesk.domain.codes import label
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
    """A code as the office's German label (recorded data is German in both columns)."""
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

    def block(self, kind: str, key: str) -> None:
        field = "label" if kind == "field" else "text"
        self.blocks.append(Block(type=kind, keys={field: key}))

    def _value(self, value: str) -> str:
        name = f"v{len(self.values)}"
        self.values[name] = value
        return name

    def field(self, label: str, value: str) -> None:
        """A translated label and a recorded value (an empty one draws a line to write on)."""
        self.blocks.append(Block(type="field", keys={"label": label}, value=self._value(value)))

    def line(self, text: str) -> None:
        """Recorded data, as recorded, in both columns (its own writing direction)."""
        self.blocks.append(Block(type="data", keys={}, value=self._value(text)))

    def section(self, heading: str, lines: list[str]) -> None:
        self.block("heading", heading)
        for text in lines or ["—"]:
            self.line(text)
