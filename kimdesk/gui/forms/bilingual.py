"""Two languages side by side: text direction, alignment, colours and the label cells.

Each of the two text columns (counselor's language, client's language) has its own layout
direction, German left-to-right beside Arabic right-to-left, and each label aligns to its own
language's reading start whatever script its text is in. The title header and the client-language
picker live here too: they are the form's bilingual frame around the rows.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kimdesk.forms.definition import Field, Form
from kimdesk.i18n import N_, gettext, is_rtl, language

#: Text colours by label role. Set through palettes: style sheets (per widget or one on the
#: form) made building the Erstgespräch 2-3x slower, as Qt then polishes every child widget.
COLOURS = {"hint": "#666666", "message": "#b00020", "client-message": "#b00020",
           "client-choice": "#555555", "client-value": "#555555", "legal-unreviewed": "#a15c00"}

MSG_ADD = N_("Add")
MSG_REMOVE = N_("Remove")
MSG_UNREVIEWED = N_("Translation not legally reviewed")
MSG_DRAFT_LEGAL = N_("Draft text, not legally reviewed")
MSG_FILTER = N_("Filter")
MSG_NO_ANSWER = N_("(no answer)")
MSG_CLIENT_LANGUAGE = N_("Client language:")
MSG_NO_CLIENT_COLUMN = N_("(none)")


def tinted(label: QLabel, role: str) -> QLabel:
    label.setObjectName(role)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(COLOURS[role]))
    label.setPalette(palette)
    return label


def tr(msgid: str, lang: str) -> str:
    """A UI message in a given language (the client column speaks the client's language)."""
    with language(lang):
        return gettext(msgid)


def direction(lang: str) -> Qt.LayoutDirection:
    return Qt.LayoutDirection.RightToLeft if is_rtl(lang) else Qt.LayoutDirection.LeftToRight


def aligned(label: QLabel, lang: str) -> QLabel:
    """Align a label to its language's reading start, whatever script the text itself is in
    (a Latin "A1" in an Arabic column still sits on the right), and set its text direction."""
    label.setLayoutDirection(direction(lang))
    side = Qt.AlignmentFlag.AlignRight if is_rtl(lang) else Qt.AlignmentFlag.AlignLeft
    label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop)
    return label


def set_text(label: QLabel, text: str) -> None:
    """Long text in a right-to-left column goes through Qt's rich-text layout (QTextDocument),
    which wraps mixed Arabic/Latin lines within the label's width; plain QLabel layout let the
    first line overflow in grid cells."""
    if is_rtl_direction(label):
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'<div dir="rtl" align="right">{html.escape(text)}</div>')
    else:
        label.setText(text)


def is_rtl_direction(label: QLabel) -> bool:
    return label.layoutDirection() == Qt.LayoutDirection.RightToLeft


def bold(label: QLabel) -> None:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)


class Cell(QWidget):
    """A label column cell (label and hint in one language); keeps its label in Python.

    (QObject.property() is avoided on purpose: in PySide6 6.12, reading an unset property
    returns None with a reference-count error that crashes the interpreter after a few thousand
    calls, which live validation reaches quickly.)"""

    def __init__(self, label: QLabel) -> None:
        super().__init__()
        self.label = label
        self.hint: QLabel | None = None


def text_cell(form: Form, f: Field, lang: str, name: str, required: bool = False) -> Cell:
    """A field's label (with ``*`` when required) and hint in one language."""
    text = form.label(f, lang)
    label = aligned(QLabel(text + (" *" if required else "")), lang)
    cell = Cell(label)
    cell.setObjectName(name)
    cell.setLayoutDirection(direction(lang))
    col = QVBoxLayout(cell)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(2)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if f.kind in {"group", "repeat"}:
        bold(label)
    col.addWidget(label)
    hint = form.hint(f, lang)
    if hint:
        h = aligned(QLabel(hint), lang)
        h.setWordWrap(True)
        tinted(h, "hint")
        col.addWidget(h)
        cell.hint = h
    col.addStretch(1)  # keep texts at the top of tall rows (radio lists)
    cell.setMinimumWidth(120)
    return cell


def header(form: Form, ui_language: str, client_language: str | None,
           picker: QWidget | None = None) -> QWidget:
    """The form's title in both languages, with a legal-review warning where one is due."""
    outer = QWidget()
    stack = QVBoxLayout(outer)
    stack.setContentsMargins(0, 0, 0, 6)
    if picker is not None:
        stack.addWidget(picker)
    box = QWidget()
    stack.addWidget(box)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for lang, name in ((ui_language, "title-counselor"), (client_language, "title-client")):
        if lang is not None:
            row.addWidget(_title_cell(form, lang, name), 1)
    return outer


def _title_cell(form: Form, lang: str, name: str) -> QWidget:
    cell = QWidget()
    cell.setObjectName(name)
    cell.setLayoutDirection(direction(lang))
    col = QVBoxLayout(cell)
    col.setContentsMargins(0, 0, 0, 0)
    title = aligned(QLabel(form.title(lang)), lang)
    font = QFont(title.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    title.setFont(font)
    title.setWordWrap(True)
    col.addWidget(title)
    if form.legal_unreviewed(lang):
        msg = MSG_DRAFT_LEGAL if lang == form.default_language else MSG_UNREVIEWED
        warn = aligned(QLabel(tr(msg, lang)), lang)
        tinted(warn, "legal-unreviewed")
        bold(warn)
        col.addWidget(warn)
    return cell


def language_name(lang: str) -> str:
    """A language named in itself ("العربية"), so the client finds theirs in a list."""
    from babel import Locale

    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except (ValueError, LookupError):
        return lang
    return name[:1].upper() + name[1:]  # "українська" starts a list entry: "Українська"


def language_picker(ui_language: str, languages: list[str], current: str | None,
                    choose: Callable[[str | None], None]) -> QWidget:
    """'Client language: [...]': each language named in itself, so the client finds theirs.

    ``choose`` runs after the slot has returned: it rebuilds the form, picker included."""
    box = QWidget()
    line = QHBoxLayout(box)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(QLabel(tr(MSG_CLIENT_LANGUAGE, ui_language)))
    combo = QComboBox()
    combo.setObjectName("client-language-picker")
    combo.addItem(tr(MSG_NO_CLIENT_COLUMN, ui_language), None)
    for lang in languages:
        combo.addItem(language_name(lang), lang)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)

    def picked(i: int) -> None:
        lang = combo.itemData(i)
        if lang != current:
            QTimer.singleShot(0, lambda: choose(lang))  # not in the slot

    combo.currentIndexChanged.connect(picked)
    line.addWidget(combo)
    line.addStretch(1)
    return box
