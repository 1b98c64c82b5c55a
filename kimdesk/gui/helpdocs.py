"""The manual's pages: Markdown files under ``resources/help/<lang>/``, one per screen.

Plain files, not Qt resources or translation-catalog entries, because a page is prose that a
counselor or trainer edits as a whole, and a new language is a folder of copies. A page starts
with ``# Title``; a section a screen can jump to carries an id, ``## Goals {#goals}``, which is
taken out of the text here (Qt's Markdown reader keeps no anchors, so the window finds the
section by its heading). A language without its own pages shows the English ones, and the window
says so (:attr:`HelpPage.fallback`). Nothing here imports Qt.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from kimdesk.i18n import resources_dir

#: Every page of the manual; a screen names one of them (kimdesk.gui.help.topic_for).
PAGES = ("index", "unlock", "create", "cases", "case", "newcase", "forms", "handouts",
         "statistics", "sync", "settings", "retention", "auskunft")
#: The language whose pages every other language falls back to.
FALLBACK = "en"
_SECTION = re.compile(r"^(#{2,6}\s+)(.*?)\s*\{#([\w-]+)\}\s*$")


@dataclass(frozen=True)
class HelpPage:
    """One page, ready for ``QTextBrowser.setMarkdown``."""

    name: str
    lang: str  # the language the text is in
    title: str
    markdown: str
    sections: dict[str, str] = field(default_factory=dict)  # id -> heading text
    fallback: bool = False  # shown in English because the UI language has no page


def help_dir() -> Path:
    return resources_dir() / "help"


def languages() -> tuple[str, ...]:
    """The languages that have pages of their own."""
    return tuple(sorted(p.name for p in help_dir().iterdir() if p.is_dir()))


def parse(name: str, lang: str, text: str, *, fallback: bool = False) -> HelpPage:
    """Title from the first ``# `` line; ``{#id}`` marks taken off the headings."""
    title = name
    sections: dict[str, str] = {}
    lines = []
    for line in text.splitlines():
        if title == name and line.startswith("# "):
            title = line[2:].strip()
        found = _SECTION.match(line)
        if found:
            sections[found.group(3)] = found.group(2)
            line = found.group(1) + found.group(2)
        lines.append(line)
    return HelpPage(name, lang, title, "\n".join(lines) + "\n", sections, fallback)


@functools.lru_cache(maxsize=64)
def load_page(name: str, lang: str) -> HelpPage:
    """The page ``name`` in ``lang``, else in English (marked as a fallback); an unknown name
    gives the index."""
    if name not in PAGES:
        name = "index"
    path = help_dir() / lang / f"{name}.md"
    fallback = not path.is_file()
    if fallback:
        path = help_dir() / FALLBACK / f"{name}.md"
    return parse(name, FALLBACK if fallback else lang, path.read_text(encoding="utf-8"),
                 fallback=fallback and lang != FALLBACK)
