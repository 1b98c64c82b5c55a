"""The "New case" dialog: the person and the first case data, validated before anything is saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kimdesk.domain.models import Case, Person
from kimdesk.gui.fields import FieldForm, field_errors
from kimdesk.gui.records import CASE_FIELDS, PERSON_FIELDS
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext
from kimdesk.vault.intake import SimilarCase, open_case_for_new_person
from kimdesk.vault.intake import similar_cases as find_similar_cases

_ = gettext


class NewCaseDialog(QDialog):
    """On accept, ``person`` and ``case_fields`` hold validated input for :func:`create_case`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCaseDialog")
        self.setWindowTitle(_("New case"))
        self.person: Person | None = None
        self.case_fields: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.person_box = QGroupBox(_("Person"))
        self.person_form = FieldForm(PERSON_FIELDS)
        self.case_box = QGroupBox(_("Case"))
        self.case_form = FieldForm(CASE_FIELDS)
        for box, form in ((self.person_box, self.person_form), (self.case_box, self.case_form)):
            column = QVBoxLayout(box)
            column.addWidget(form)
            column.addStretch(1)  # rows stay together at the top, however tall the dialog
        row.addWidget(self.person_box, 3)
        row.addWidget(self.case_box, 2)
        layout.addLayout(row)
        self.general = QLabel()
        self.general.setObjectName("formError")
        self.general.setWordWrap(True)
        layout.addWidget(self.general)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.person_form.set_values({"gender": "not_stated", "residence_status": "unknown"})
        self.case_form.set_values({})

    def accept(self) -> None:
        unreadable = self.person_form.input_errors() | self.case_form.input_errors()
        errors: dict[str, str] = {}
        general = ""
        person = None
        try:
            person = Person.model_validate(self.person_form.values())
        except Exception as exc:
            errors, general = field_errors(exc)
        values = self.case_form.values()
        try:
            Case.model_validate({"case_number": "new", "person_id": "x", "owner": "x"} | values)
        except Exception as exc:
            more, extra = field_errors(exc)
            errors.update(more)
            general = " ".join(p for p in (general, extra) if p)
        errors.update(unreadable)
        self.person_form.show_errors(errors)
        self.case_form.show_errors(errors)
        self.general.setText(general)
        if person is None or errors or general:
            return
        self.person = person
        self.case_fields = values
        super().accept()


def create_case(worker: DbWorker, person: Person, fields: dict[str, Any]) -> str:
    """Worker job: store the person and open the case in one transaction; returns the case id."""
    return open_case_for_new_person(worker.require_vault(), person, fields).id


def similar_cases(worker: DbWorker, person: Person) -> list[SimilarCase]:
    """Worker job: cases of people who may be this client coming back
    (:func:`kimdesk.vault.intake.similar_cases`)."""
    return find_similar_cases(worker.require_vault(), person)
