"""Texts that fit their place at the default window size (issue 18.10: "Name (lateinische
Schrift" and the history's timestamps were cut; "Phase wechseln", whose menu arrow covered its
last letter, gets its room in ``ui/kimdesk.qss``).

Column widths were fixed numbers chosen for English; German, Turkish, Ukrainian and Russian
headers are up to 50 % longer. These helpers widen what is too narrow for its text, after every
language switch, and never narrow anything (a width the user dragged stays).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHeaderView, QStyle, QTreeWidget


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


def item_text_width(tree: QTreeWidget, font: QFont, text: str) -> int:
    """The width a cell needs to draw ``text`` in ``font`` uncut: the style draws it inside a
    margin of ``PM_FocusFrameHMargin + 1`` on each side, and the advance is rounded up from
    the fractional one the text layout uses (QFontMetrics rounds it to nearest, and a layout
    wider by a fraction of a pixel is elided: "Überprüfung fällig" lost its "g")."""
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    return math.ceil(QFontMetricsF(font).horizontalAdvance(text)) + 2 * margin + 1


def fit_columns_to_items(tree: QTreeWidget, columns: range | list[int]) -> None:
    """``columns`` exactly as wide as their widest entry (in that entry's own font: the agenda's
    bold appointments) or their header. Unlike :meth:`QTreeView.resizeColumnToContents` it
    measures every row, not only those in the viewport, with the view's font where an item has
    none of its own (``QTreeWidgetItem.font`` then answers the application's default font, not
    the view's), and it is called again after a language switch rewrote the texts."""
    header = tree.header()
    for column in columns:
        widest = header.sectionSizeHint(column)
        for row in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(row)
            text = item.text(column) if item is not None else ""
            if not text or item is None:
                continue
            own = item.data(column, Qt.ItemDataRole.FontRole)
            font = own if isinstance(own, QFont) else tree.font()
            widest = max(widest, item_text_width(tree, font, text))
        tree.setColumnWidth(column, widest)


POPUP_SLACK = 24  # the open list's scroll bar and margins beside its widest entry


def fit_filter_combo(combo: QComboBox) -> None:
    """A filter list as wide as its first entry ("Alle Rechtskreise"), not as its longest.

    Qt's default sizes a combo box to its longest entry when first shown: the legal-domain filter
    in Russian ("AufenthG (ведомство по делам иностранцев – Ausländerbehörde)") then needed
    446 px and the field-of-action filter 305 px; the case list's side could not be narrower
    than 757 px, and a window started in Russian was 1498 px wide instead of 1280 (Ukrainian
    1410, Turkish 1352), its right edge with the case view off a 1280 px screen. Now the open
    list shows every entry whole, and the chosen one, where the box cuts it, is its tooltip.
    Called after every (re)fill, so the width follows the language."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    # counted in widths of "X", wider than most letters: the first entry always fits
    combo.setMinimumContentsLength(len(combo.itemText(0)) if combo.count() else 0)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + POPUP_SLACK)
    combo.setToolTip(combo.currentText())
