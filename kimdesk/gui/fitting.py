"""Texts that fit their place at the default window size (issue 18.10: "Name (lateinische
Schrift" and the history's timestamps were cut; "Phase wechseln", whose menu arrow covered its
last letter, gets its room in ``ui/kimdesk.qss``).

Column widths were fixed numbers chosen for English; German, Turkish, Ukrainian and Russian
headers are up to 50 % longer. These helpers widen what is too narrow for its text, after every
language switch, and never narrow anything (a width the user dragged stays).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTreeWidget


def fit_header(header: QHeaderView) -> None:
    """Every interactive section at least as wide as its header text (the style's margins and
    the sort arrow's room included: :meth:`QHeaderView.sectionSizeHint`)."""
    last = header.count() - 1
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        if header.sectionResizeMode(section) != QHeaderView.ResizeMode.Interactive:
            continue
        if section == last and header.stretchLastSection():
            continue  # it takes the rest of the width: fit_stretched_last
        hint = header.sectionSizeHint(section)
        if header.sectionSize(section) < hint:
            header.resizeSection(section, hint)
    fit_stretched_last(header)


def fit_stretched_last(header: QHeaderView) -> None:
    """The stretched last section falls back to the default section size (100 px) when the
    others leave it no room ("Geri çekilme tarihi" needs 114): that default becomes at least
    as wide as its header text."""
    last = header.count() - 1
    if last < 0 or not header.stretchLastSection() or header.isSectionHidden(last):
        return
    hint = header.sectionSizeHint(last)
    # Sized to its contents, a stretched last section ignores both; Interactive (stretched all
    # the same while there is room) keeps the size given here when there is none.
    header.setSectionResizeMode(last, QHeaderView.ResizeMode.Interactive)
    if header.defaultSectionSize() < hint:
        header.setDefaultSectionSize(hint)
    header.resizeSection(last, hint)  # its size when the others leave no room to stretch


def fit_columns_to_contents(tree: QTreeWidget) -> None:
    """Every column but the last as wide as its widest entry or its header (a history line's
    date and time, "09.04.2024 14:35", was cut at the default 100 px); the last takes the rest."""
    header = tree.header()
    header.setStretchLastSection(True)
    for section in range(header.count() - 1):
        header.setSectionResizeMode(section, QHeaderView.ResizeMode.ResizeToContents)
    fit_stretched_last(header)

