"""The forms the Forms tab cannot offer, and why, under its list of forms.

A definition that fails the checks (a form received by sync that this version cannot read, a
file edited by hand) is left out of the list
(:attr:`kimdesk.forms.registry.FormRegistry.unavailable`); before, the counselor saw only that a
form was missing. The line names each file and its reason,
which she can pass on to whoever looks after the forms. Written from the registry each time the
language changes: the reasons are kept untranslated and read in the language of that moment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kimdesk.gui.lang import ltr
from kimdesk.i18n import current_language, is_rtl, ngettext

RLM = "\u200f"

if TYPE_CHECKING:
    from kimdesk.forms.registry import FormRegistry


def unusable_label() -> QLabel:
    label = QLabel()
    label.setObjectName("unusableForms")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # a reason may hold "<": never markup
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def unusable_text(registry: FormRegistry | None) -> str:
    """"1 form cannot be used:" and a line per file with its reason; "" when all can."""
    items = registry.unavailable if registry is not None else []
    if not items:
        return ""
    head = ngettext("{count} form cannot be used:", "{count} forms cannot be used:",
                    len(items)).format(count=len(items))
    # a line starts with the file's (Latin) name: in Arabic and Persian a right-to-left mark
    # keeps the line right to left (file, field, reason from the right), as the heading is
    start = RLM if is_rtl(current_language()) else ""
    return "\n".join([head, *(f"{start}{ltr(item.path.name)}: {item.reason}" for item in items)])


def show_unusable(label: QLabel, registry: FormRegistry | None) -> None:
    text = unusable_text(registry)
    label.setText(text)
    label.setVisible(bool(text))
