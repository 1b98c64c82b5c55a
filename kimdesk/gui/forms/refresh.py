"""Showing the engine's verdict on the rendered rows: skip logic, note texts, messages.

A required answer is flagged once its field has been touched (or once every issue is to be
shown, before saving); a broken constraint or a wrong format at once. Messages appear in both
language columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kimdesk.forms.cascade import available_choices
from kimdesk.forms.engine import FormState, Issue, Scope
from kimdesk.forms.expressions import ExpressionError, to_string
from kimdesk.forms.expressions.syntax import REF_IN_TEXT
from kimdesk.gui.datefield import MSG_NOT_A_DATE, DateField
from kimdesk.gui.forms.bilingual import set_text, tr
from kimdesk.gui.forms.rows import Row
from kimdesk.i18n import current_language


def apply_state(rows: Mapping[str, Row], state: FormState, issues: list[Issue],
                touched: set[str], show_all: bool, ui_language: str,
                client_language: str | None) -> None:
    """Apply skip logic, note texts and validation messages to the rendered rows."""
    by_path: dict[str, Issue] = {}
    for issue in issues:
        by_path.setdefault(issue.path, issue)
    for key, row in rows.items():
        row.set_visible(state.relevant(row.field, row.scope))
        if row.filter_options is not None and row.field.row.choice_filter:
            offered = {id(c) for c in available_choices(state, row.field, row.scope)}
            if offered != row.offered:
                row.offered = offered
                row.filter_options(offered)
        for note in row.note_labels:
            text = interpolate(note.template, state, row.scope)
            if text != note.shown:
                note.shown = text
                set_text(note.label, text)
        if row.message is None:
            continue
        found = by_path.get(key)
        shown = found is not None and (
            show_all or key in touched or found.kind != "required")
        for lbl, lang in ((row.message, ui_language), (row.client_message, client_language)):
            if lang is not None:
                row.show_message(lbl, _message(row, found, lang) if shown and found else "")


def _message(row: Row, issue: Issue, lang: str) -> str:
    """The issue's message; a date typed that is no date gets the date field's own, which
    shows how to type one (the engine only knows "the wrong format")."""
    if issue.kind == "type" and isinstance(row.editor, DateField):
        message = row.editor.problem()
        if message:
            return message if lang == current_language() else tr(MSG_NOT_A_DATE, lang)
    return issue.message(lang)


def interpolate(template: str, state: FormState, scope: Scope) -> str:
    """A note's text with ``${field}`` replaced by the answer (left as written if unknown)."""
    if "${" not in template:
        return template

    def sub(m: re.Match[str]) -> str:
        try:
            return to_string(state.lookup(m.group(1), scope))
        except ExpressionError:
            return m.group(0)

    return REF_IN_TEXT.sub(sub, template)
