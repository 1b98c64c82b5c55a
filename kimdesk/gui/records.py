"""What each record editor asks for, and how each record list shows a record.

Field labels are English msgids (translated when shown); the models in
:mod:`kimdesk.domain.models` validate what the forms collect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from kimdesk.domain import codes
from kimdesk.domain.models import (
    Consent,
    Consultation,
    Goal,
    Note,
    Record,
    Referral,
    StructuralGap,
)
from kimdesk.gui.fields import Field, FieldForm, field_errors
from kimdesk.gui.labels import ConsentForm, code_label
from kimdesk.gui.lang import format_date, format_int, own_direction
from kimdesk.i18n import N_, gettext

PERSON_FIELDS = [
    Field("given_name", N_("Given name")),
    Field("family_name", N_("Family name")),
    Field("given_name_latin", N_("Given name (Latin script)")),
    Field("family_name_latin", N_("Family name (Latin script)")),
    Field("birth_date", N_("Date of birth"), "date", extra={"years": "past"}),
    Field("gender", N_("Gender"), "choice", codes.Gender, optional=False),
    Field("nationalities", N_("Nationalities"), "countries", hint=N_(
        "Type part of a name and choose it from the list; separate several with ;")),
    Field("languages", N_("Languages"), "languages", hint=N_(
        "Type part of a name and choose it from the list; separate several with ;")),
    Field("preferred_language", N_("Preferred language"), "language",
          hint=N_("Type part of a name and choose it from the list")),
    Field("residence_status", N_("Residence status"), "choice", codes.ResidenceStatus,
          optional=False),
    Field("phone", N_("Phone")),
    Field("email", N_("E-mail")),
    Field("address", N_("Address"), "multiline"),
    Field("municipality", N_("Municipality")),
]

CASE_FIELDS = [
    Field("rechtskreise", N_("Legal domains (Rechtskreise)"), "multi", codes.Rechtskreis),
    Field("handlungsfelder", N_("Fields of action (Handlungsfelder)"), "multi",
          codes.Handlungsfeld),
    Field("review_on", N_("Review on"), "date", extra={"years": "future"}),
    Field("referral_source", N_("Referred by")),
    # The next appointment (issue 18; docs/gui.md, "Appointments").
    Field("next_appointment_on", N_("Next appointment"), "date", extra={"years": "future"}),
    Field("next_appointment_time", N_("Appointment time"), hint=N_("e.g. 09:30")),
    Field("next_appointment_place", N_("Appointment place")),
]


@dataclass(frozen=True)
class RecordKind:
    """A kind of record listed in a tab of the case view."""

    key: str  # repository attribute on the vault
    model: type[Record]
    title: str  # tab title (msgid)
    singular: str  # dialog title (msgid)
    fields: list[Field]
    columns: list[str]  # column titles (msgids)
    row: Callable[[Any], list[str]]
    order: str = "seq"


def form_id_as_name(form_id: str) -> str:
    """The default reading of a form id where a form's name is unknown (no registry loaded)."""
    return form_id


def consultation_title(c: Consultation, form_name: Callable[[str], str] = form_id_as_name
                       ) -> str:
    """The title shown for a consultation: its own; else, for one recorded with a form before
    consultations had titles, the form's name (``form_name`` looks it up); else nothing (the
    date stands beside it in every list)."""
    if c.title:
        return c.title
    return form_name(c.form_id) if c.form_id else ""


def consultation_duration(minutes: int | None) -> str:
    """"45 min", or a dash where the duration was not recorded (None; no assumed hour)."""
    return "—" if minutes is None else gettext("{minutes} min").format(
        minutes=format_int(minutes))


def consultation_row(c: Consultation, form_name: Callable[[str], str] = form_id_as_name
                     ) -> list[str]:
    interpreter = gettext("interpreter") if c.interpreter_used else ""
    return [format_date(c.date), own_direction(consultation_title(c, form_name)),
            code_label(codes.ConsultationPlace, c.place), consultation_duration(c.duration_minutes),
            " · ".join(p for p in (interpreter, own_direction(c.summary)) if p)]


KINDS: list[RecordKind] = [
    RecordKind(
        "consultations", Consultation, N_("Consultations"), N_("Consultation"),
        [
            Field("date", N_("Date"), "date", optional=False),
            Field("title", N_("Title"), hint=N_("e.g. Erstgespräch")),
            Field("duration_minutes", N_("Duration (minutes)"), "optint", minimum=1, maximum=720,
                  hint=N_("Empty if not recorded")),
            Field("place", N_("Place"), "choice", codes.ConsultationPlace, optional=False),
            Field("place_detail", N_("Place details")),
            Field("interpreter_used", N_("Interpreter present"), "bool"),
            # chosen by name like the person's languages, stored as ISO codes: typed as codes
            # until 2026-12-07 ("fa" in every interface language; a walk through the GUI)
            Field("interpreter_language", N_("Interpreter language"), "language",
                  hint=N_("Type part of a name and choose it from the list")),
            Field("language", N_("Language of the consultation"), "language",
                  hint=N_("Type part of a name and choose it from the list")),
            Field("summary", N_("Summary"), "multiline"),
        ],
        [N_("Date"), N_("Title"), N_("Place"), N_("Duration"), N_("Summary")],
        consultation_row,
        order="date DESC, seq DESC",
    ),
    RecordKind(
        "goals", Goal, N_("Goals"), N_("Goal"),
        [
            Field("goal", N_("Goal"), "multiline"),
            Field("steps", N_("Steps"), "multiline"),
            Field("responsible", N_("Who does what")),
            Field("handlungsfeld", N_("Field of action"), "choice", codes.Handlungsfeld),
            Field("review_on", N_("Review on"), "date", extra={"years": "future"}),
            Field("status", N_("Status"), "choice", codes.GoalStatus, optional=False),
        ],
        [N_("Goal"), N_("Status"), N_("Review on"), N_("Who does what")],
        lambda g: [g.goal, code_label(codes.GoalStatus, g.status), format_date(g.review_on),
                   g.responsible],
    ),
    RecordKind(
        "referrals", Referral, N_("Referrals"), N_("Referral"),
        [
            Field("agency_name", N_("Agency")),
            Field("agency_type", N_("Type of agency"), "choice", codes.AgencyType,
                  optional=False),
            Field("rechtskreis", N_("Legal domain"), "choice", codes.Rechtskreis),
            Field("status", N_("Status"), "choice", codes.ReferralStatus, optional=False),
            Field("referred_on", N_("Referred on"), "date", optional=False),
            Field("note", N_("Note"), "multiline"),
        ],
        [N_("Referred on"), N_("Agency"), N_("Status"), N_("Note")],
        lambda r: [format_date(r.referred_on), r.agency_name,
                   code_label(codes.ReferralStatus, r.status), r.note],
    ),
    RecordKind(
        "consents", Consent, N_("Consents"), N_("Consent"),
        [
            Field("purposes", N_("Purposes"), "multi", codes.ConsentPurpose),
            Field("recipients", N_("Recipients"), "list",
                  hint=N_("Named recipients, separated by semicolons")),
            Field("special_categories", N_("Covers special categories of data"), "bool"),
            Field("given_on", N_("Given on"), "date", optional=False),
            Field("form", N_("Form"), "choice", ConsentForm, optional=False),
            Field("language", N_("Language of the consent text"), hint=N_("ISO language code")),
            Field("withdrawn_on", N_("Withdrawn on"), "date"),
        ],
        [N_("Given on"), N_("Purposes"), N_("Recipients"), N_("Withdrawn on")],
        lambda c: [format_date(c.given_on),
                   ", ".join(code_label(codes.ConsentPurpose, p) for p in c.purposes),
                   "; ".join(c.recipients), format_date(c.withdrawn_on)],
    ),
    RecordKind(
        "gaps", StructuralGap, N_("Structural gaps"), N_("Structural gap"),
        [
            Field("category", N_("Category"), "choice", codes.GapCategory, optional=False),
            Field("agencies", N_("Agencies involved"), "multi", codes.AgencyType),
            Field("rechtskreise", N_("Legal domains (Rechtskreise)"), "multi", codes.Rechtskreis),
            Field("description", N_("Description"), "multiline"),
            Field("observed_on", N_("Observed on"), "date", optional=False),
        ],
        [N_("Observed on"), N_("Category"), N_("Description")],
        lambda g: [format_date(g.observed_on), code_label(codes.GapCategory, g.category),
                   g.description],
    ),
    RecordKind(
        "notes", Note, N_("Notes"), N_("Note"),
        [Field("text", N_("Note"), "multiline")],
        [N_("Created"), N_("Note")],
        lambda n: [format_date(n.created_at.date()), n.text],
    ),
]
KIND_BY_KEY = {kind.key: kind for kind in KINDS}


class RecordDialog(QDialog):
    """Create or edit one record; validation messages appear beside the fields."""

    def __init__(self, kind: RecordKind, base: dict[str, Any], parent: QWidget | None = None,
                 *, existing: Record | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.base = base
        self.existing = existing
        self.record: Record | None = None
        self.setObjectName(f"dialog_{kind.key}")
        title = gettext(kind.singular)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.form = FieldForm(kind.fields, self)
        layout.addWidget(self.form)
        self.general = QLabel()
        self.general.setObjectName("formError")
        self.general.setWordWrap(True)
        layout.addWidget(self.general)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if existing is not None:
            self.form.set_values(existing.model_dump())
        else:
            self.form.set_values(base)

    def accept(self) -> None:
        """Validate with the domain model; stay open and show messages when it refuses."""
        unreadable = self.form.input_errors()  # a date that is no date: the model never sees it
        values = self.form.values()
        data = (self.existing.model_dump() if self.existing is not None else dict(self.base))
        data.update(values)
        fields: dict[str, str] = {}
        general = ""
        try:
            self.record = self.kind.model.model_validate(data)
        except Exception as exc:  # pydantic or domain validation
            fields, general = field_errors(exc)
        if unreadable or fields or general:
            fields.update(unreadable)
            unplaced = [m for f, m in fields.items() if f not in self.form.inputs]
            self.form.show_errors(fields)
            self.general.setText(" ".join([general, *unplaced]).strip())
            self.record = None
            return
        super().accept()
