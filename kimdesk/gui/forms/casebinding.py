"""The Forms tab's side of bindings (kimdesk/forms/binding.py): prefill a form from its case,
show the first invalid question on a refused save, and say what saving changed in the case.

Kept out of ``formstab.py`` so the tab only calls three functions; the vault is read on the
database worker (:func:`case_facts`), the widgets are touched on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from kimdesk.i18n import gettext as _

if TYPE_CHECKING:
    from kimdesk.domain.models import Case, Person
    from kimdesk.forms.binding import Applied
    from kimdesk.forms.engine import Issue
    from kimdesk.gui.forms.widget import FormWidget
    from kimdesk.vault.vault import Vault


@dataclass(frozen=True)
class CaseFacts:
    """What a form is prefilled from (read on the worker, used on the GUI thread)."""

    person: Person
    case: Case
    consent_on_file: bool


def case_facts(vault: Vault, case_id: str) -> CaseFacts:
    """Read the case, its person and whether a consent is in force (on the worker)."""
    from kimdesk.forms.binding import consent_on_file

    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    return CaseFacts(person, case, consent_on_file(vault, person.id))


def prefill_widget(widget: FormWidget, facts: CaseFacts | None) -> None:
    """Fill the bound questions the draft (or the defaults) left empty; no draft is written
    until the counselor edits something."""
    from kimdesk.forms.binding import prefill

    if facts is None:
        return
    answers = widget.answers()
    filled = prefill(widget.form, answers, facts.person, facts.case, facts.consent_on_file)
    if filled != answers:
        widget.set_answers(filled)


def show_first_issue(widget: FormWidget, issues: list[Issue]) -> str:
    """Scroll to the first invalid question (in form order), focus its input and return the
    status line naming it and its message."""
    order = {f.name: f.index for f in widget.form.walk()}
    first = min(issues, key=lambda i: (order.get(i.field, 0), i.path))
    editor = widget.editor(first.path)
    if editor is not None:
        _reveal(editor)
    field = widget.form.by_name.get(first.field)
    question = widget.form.label(field, widget.ui_language) if field else first.field
    message = widget.message(first.path)
    return _("Not saved: please correct the marked fields. First: {question} ({message})"
             ).format(question=question.strip(), message=message) if message else \
        _("Not saved: please correct the marked fields.")


def _reveal(editor: QWidget) -> None:
    """Scroll every enclosing scroll area to the editor, then focus it (a group of radio
    buttons or check boxes: its first button, as Tab would)."""
    node: Any = editor.parentWidget()
    while node is not None:
        inner = node.widget() if isinstance(node, QScrollArea) else None
        if inner is not None and inner.isAncestorOf(editor):
            node.ensureWidgetVisible(editor, 40, 80)
        node = node.parentWidget()
    target = editor.focusProxy() or editor
    if target.focusPolicy() == Qt.FocusPolicy.NoFocus:
        target = next((c for c in target.findChildren(QWidget)
                       if c.focusPolicy() & Qt.FocusPolicy.TabFocus), target)
    target.setFocus(Qt.FocusReason.OtherFocusReason)


def saved_message(applied: Applied | None) -> str:
    """The status after a save: what else changed, and what is still to do."""
    parts = [_("Consultation saved.")]
    if applied is not None:
        if applied.case or applied.person:
            parts.append(_("The case data were updated from the form."))
        if applied.consent is not None:
            parts.append(_("The consent was recorded."))
        if applied.closed:
            parts.append(_("The case was closed."))
        if applied.followup == "einwilligung":
            parts.append(_("No consent is recorded yet: please fill in the consent form."))
    return " ".join(parts)
