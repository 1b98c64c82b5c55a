"""The KIM domain records, validated on construction and on every assignment.

Every record shares :class:`Record`'s metadata: a UUID that stays the same on every device and on
the server, UTC timestamps, a revision counter bumped on every local change, and ``pending``, the
marker that the record has local changes the server has not yet acknowledged (sync builds on it).
``deleted`` is a tombstone, so a deletion can travel to the server like any other change.

Pydantic is used (not plain dataclasses) because the same models validate user input, rows read
back from the vault and payloads from the network, and the server shares them.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kimdesk.domain.attachment_bytes import check_content
from kimdesk.domain.codes import (
    AgencyType,
    AuditAction,
    ClosureReason,
    ConsentPurpose,
    ConsultationPlace,
    GapCategory,
    Gender,
    GoalStatus,
    Handlungsfeld,
    Phase,
    Rechtskreis,
    ReferralStatus,
    ResidenceStatus,
)
from kimdesk.domain.iso import check_country, check_language
from kimdesk.domain.names import LATIN, joined

_CLOCK = re.compile(r"(\d{1,2})(?::?(\d{2}))?")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def _no_blank(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


class Record(BaseModel):
    """Metadata every stored record carries (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)

    #: Table name in the vault and record kind in the sync protocol.
    KIND: ClassVar[str] = ""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    revision: int = Field(default=0, ge=0)
    pending: bool = True
    deleted: bool = False

    @field_validator("id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        # The canonical form is its own normal form: a regex match is 50x cheaper than parsing,
        # and the server validates every record of a batch with this model.
        if _CANONICAL_UUID.fullmatch(value):
            return value
        return str(uuid.UUID(value))

    @field_validator("created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # A UTC stamp (every device writes one) stays as parsed (converting was a third of this
        # validation); past the last UTC instant: a reason, not OverflowError (a review: 500).
        offset = value.utcoffset()
        if offset is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC) if offset else value
        except OverflowError:
            raise ValueError("timestamp out of range") from None


class Person(Record):
    """A client. Names are kept as written (any script) and in a Latin transliteration, because
    offices and their letters use the Latin form while the person recognises the original."""

    KIND: ClassVar[str] = "persons"

    given_name: str
    family_name: str
    given_name_latin: str = ""
    family_name_latin: str = ""
    birth_date: date | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: Gender = Gender.NOT_STATED
    nationalities: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    preferred_language: str | None = None
    residence_status: ResidenceStatus = ResidenceStatus.UNKNOWN
    phone: str = ""
    email: str = ""
    address: str = ""
    municipality: str = ""

    @field_validator("family_name")
    @classmethod
    def _family(cls, value: str) -> str:
        return _no_blank(value, "family name")

    @field_validator("nationalities")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return [check_country(code) for code in dict.fromkeys(value)]

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        return [check_language(code) for code in dict.fromkeys(value)]

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("not an e-mail address")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Person:
        if self.preferred_language:
            check_language(self.preferred_language)
            if self.languages and self.preferred_language not in self.languages:
                raise ValueError("the preferred language must be one of the person's languages")
        if self.birth_date is not None:
            if self.birth_date > date.today():
                raise ValueError("the birth date lies in the future")
            if self.birth_year is None:
                object.__setattr__(self, "birth_year", self.birth_date.year)
            elif self.birth_year != self.birth_date.year:
                raise ValueError("birth year and birth date disagree")
        for name in ("given_name", "family_name"):
            latin = f"{name}_latin"
            if not getattr(self, latin) and LATIN.match(getattr(self, name)):
                object.__setattr__(self, latin, getattr(self, name))
        if not self.family_name_latin:
            raise ValueError("a family name in non-Latin script needs a Latin transliteration")
        return self

    @property
    def display_name(self) -> str:
        return joined(self.family_name, self.given_name)


class Case(Record):
    """A KIM case: one person, one owner counselor, one phase at a time.

    *Rechtskreise* (legal domains) and *Handlungsfelder* (fields of action) are the programme's
    German terms. Case management is open to every immigrant regardless of residence status, so no
    status is required here."""

    KIND: ClassVar[str] = "cases"

    case_number: str
    person_id: str
    owner: str
    team: str = ""
    municipality: str = ""
    phase: Phase = Phase.ERSTKONTAKT
    opened_on: date = Field(default_factory=date.today)
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    rechtskreise: list[Rechtskreis] = Field(default_factory=list)
    handlungsfelder: list[Handlungsfeld] = Field(default_factory=list)
    review_on: date | None = None
    referral_source: str = ""
    #: A legal hold (§ 84 Abs. 3 SGB X, "restrict instead of delete"): the reason, e.g. a pending
    #: court case; while set, no Löschfrist deletes the case (kimdesk/domain/retention.py).
    legal_hold: str = Field(default="", max_length=500)
    #: The next appointment with the client (issue 18): a field set on the case, not records of
    #: their own, because the counselor plans one next meeting per case; past meetings are
    #: consultations. The time is local wall-clock time "HH:MM" (empty: no time agreed yet), the
    #: place free text ("Büro Zimmer 3", "Jobcenter"); both only together with a date
    #: (docs/vault.md, "Appointments").
    next_appointment_on: date | None = None
    next_appointment_time: str = Field(default="", pattern=r"^(|([01]\d|2[0-3]):[0-5]\d)$")
    next_appointment_place: str = Field(default="", max_length=200)

    @field_validator("next_appointment_time", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        """"9:30", "9.30", "0930" and "9" become "09:30", "09:30", "09:30", "09:00": what a
        counselor types; anything else is left for the pattern to refuse."""
        if not isinstance(value, str):
            return value
        if not value:  # no time agreed: most cases; the server validates every one it receives
            return value
        text = value.strip().replace(".", ":")
        found = _CLOCK.fullmatch(text)
        if found is None:
            if text:
                raise ValueError("not a time of day")
            return text
        hours, minutes = int(found.group(1)), int(found.group(2) or 0)
        if hours > 23 or minutes > 59:
            raise ValueError("not a time of day")
        return f"{hours:02d}:{minutes:02d}"

    @field_validator("case_number", "owner")
    @classmethod
    def _required(cls, value: str) -> str:
        return _no_blank(value, "field")

    @field_validator("rechtskreise", "handlungsfelder")
    @classmethod
    def _unique(cls, value: list[Any]) -> list[Any]:
        return value if len(value) < 2 else list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _closure(self) -> Case:
        closed = self.phase is Phase.ABSCHLUSS
        if closed and (self.closure_reason is None or self.closed_on is None):
            raise ValueError("a closed case needs a closure reason and a closing date")
        if not closed and (self.closure_reason is not None or self.closed_on is not None):
            raise ValueError("only a closed case has a closure reason or closing date")
        if self.closed_on and self.closed_on < self.opened_on:
            raise ValueError("a case cannot close before it opened")
        if self.next_appointment_on is None and (self.next_appointment_time
                                                 or self.next_appointment_place):
            raise ValueError("an appointment's time and place need its date")
        return self


class PhaseTransition(Record):
    """One recorded phase change: when, by whom, from which phase to which."""

    KIND: ClassVar[str] = "phase_transitions"

    case_id: str
    from_phase: Phase | None = None
    to_phase: Phase
    at: datetime = Field(default_factory=utcnow)
    by: str
    closure_reason: ClosureReason | None = None
    comment: str = ""


#: A consultation title's longest form (characters): a line like "Termin Jobcenter vorbereitet",
#: not a text; the summary holds the text (docs/vault.md, "Consultation title and duration").
TITLE_MAX = 200


class Consultation(Record):
    """A Beratungskontakt (consultation). ``title`` is a short line naming it ("Erstgespräch"),
    empty when none was given; ``duration_minutes`` is None when the duration was not recorded
    (older versions assumed 60 instead; a statistic of minutes must leave it out of sums and
    count it as "not recorded", never as an hour: docs/statistics.md)."""

    KIND: ClassVar[str] = "consultations"

    case_id: str
    date: date
    title: str = Field(default="", max_length=TITLE_MAX)
    duration_minutes: int | None = Field(default=None, ge=1, le=720)
    place: ConsultationPlace = ConsultationPlace.OFFICE
    place_detail: str = ""
    interpreter_used: bool = False
    interpreter_language: str | None = None
    language: str = "de"
    form_id: str | None = None
    form_version: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""
    counselor: str = ""

    @field_validator("title", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        # A line in lists and handouts: pasted line breaks and runs of spaces become one space
        # (before the length check, which then counts what is kept).
        return " ".join(value.split()) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> Consultation:
        check_language(self.language)
        if self.interpreter_language:
            check_language(self.interpreter_language)
        if (self.form_id is None) != (self.form_version is None):
            raise ValueError("form id and form version go together")
        if self.answers and self.form_id is None:
            raise ValueError("answers need the form id and version they were recorded with")
        return self


class Goal(Record):
    """A goal of the Zielvereinbarung (goal agreement): not legally binding, reviewed on a date."""

    KIND: ClassVar[str] = "goals"

    case_id: str
    goal: str
    steps: str = ""
    responsible: str = ""
    handlungsfeld: Handlungsfeld | None = None
    review_on: date | None = None
    status: GoalStatus = GoalStatus.OPEN

    @field_validator("goal")
    @classmethod
    def _goal(cls, value: str) -> str:
        return _no_blank(value, "goal")


class Agency(Record):
    """An entry of the agency directory (reference data; the server distributes it)."""

    KIND: ClassVar[str] = "agencies"

    name: str
    agency_type: AgencyType
    rechtskreis: Rechtskreis | None = None
    address: str = ""
    opening_hours: str = ""
    phone: str = ""
    what_to_bring: str = ""
    municipality: str = ""


class Referral(Record):
    KIND: ClassVar[str] = "referrals"

    case_id: str
    agency_id: str | None = None
    agency_name: str
    agency_type: AgencyType
    rechtskreis: Rechtskreis | None = None
    status: ReferralStatus = ReferralStatus.PLANNED
    referred_on: date = Field(default_factory=date.today)
    note: str = ""


class Consent(Record):
    """An *Einwilligung* (consent) under § 67b Abs. 2 SGB X / Art. 7 DSGVO: specific purposes and
    recipients, the language and text version shown, and a withdrawal date once withdrawn."""

    KIND: ClassVar[str] = "consents"

    person_id: str
    case_id: str | None = None
    purposes: list[ConsentPurpose]
    recipients: list[str] = Field(default_factory=list)
    data_categories: list[str] = Field(default_factory=list)
    special_categories: bool = False
    given_on: date
    form: str = "written"
    language: str = "de"
    text_id: str = "einwilligung"
    text_version: str = "1"
    withdrawn_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Consent:
        if not self.purposes:
            raise ValueError("a consent names at least one purpose (no blanket consent)")
        if ConsentPurpose.SHARE_WITH_AGENCY in self.purposes and not self.recipients:
            raise ValueError("sharing data needs the named recipients")
        if self.form not in {"written", "electronic"}:
            raise ValueError("consent is given in written or electronic form")
        if self.withdrawn_on and self.withdrawn_on < self.given_on:
            raise ValueError("a consent cannot be withdrawn before it was given")
        check_language(self.language)
        return self

    def active_on(self, day: date) -> bool:
        return self.given_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


class StructuralGap(Record):
    """A *Bruchstelle*: a structural gap between agencies. ``case_id`` links it locally; every
    export drops the link and the person, so the gap can go to the Lenkungsgruppe on its own."""

    KIND: ClassVar[str] = "structural_gaps"

    case_id: str | None = None
    category: GapCategory
    agencies: list[AgencyType] = Field(default_factory=list)
    rechtskreise: list[Rechtskreis] = Field(default_factory=list)
    description: str = ""
    observed_on: date = Field(default_factory=date.today)
    municipality: str = ""


class Note(Record):
    KIND: ClassVar[str] = "notes"

    case_id: str
    text: str
    author: str = ""

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _no_blank(value, "note")


class AuditEvent(Record):
    """One read or write of a person's data. ``prev_hash``/``hash`` chain the events so that a
    removed or altered event is detectable (the privacy roadmap builds on this)."""

    KIND: ClassVar[str] = "audit_events"

    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: AuditAction
    subject_kind: str
    subject_id: str = ""
    detail: str = ""
    prev_hash: str = ""
    hash: str = ""


class Deletion(Record):
    """What stays of a deleted (purged) case or person: no personal data, only which record went,
    when, on what legal basis and by whose order. It syncs like any record, so every device and
    the server purge the same records, and the server refuses the purged ids from then on
    (docs/privacy.md). Its id is derived from the target, so two devices deleting the same case
    write the same deletion record."""

    KIND: ClassVar[str] = "deletions"

    target_kind: str = Field(pattern="^(cases|persons)$")
    target_id: str = Field(min_length=1, max_length=64)
    deleted_on: date
    legal_basis: str = Field(max_length=200)
    ordered_by: str = Field(max_length=200)
    reason: str = Field(pattern="^(retention|counselor|subject_request)$")


class Attachment(Record):
    """A file a form question asked for (issue 16: ``image``/``photo``/``file``), kept in the
    vault with the consultation that holds the answers. ``content`` is the file as base64 (how
    it travels in the sync protocol's JSON; the vault stores the bytes as a BLOB,
    :mod:`kimdesk.vault.attachments_store`). A removed attachment is a tombstone whose content
    is empty: its bytes leave the vault and the server, only the name stays."""

    KIND: ClassVar[str] = "attachments"
    MAX_BYTES: ClassVar[int] = 10 * 1024 * 1024

    case_id: str
    consultation_id: str = Field(min_length=1, max_length=64)
    question: str = Field(max_length=200)
    file_name: str = Field(min_length=1, max_length=255)
    media_type: str = Field(max_length=200)
    size: int = Field(ge=0, le=MAX_BYTES)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    content: str = ""

    @model_validator(mode="after")
    def _check(self) -> Attachment:
        check_content(self.content, self.size, self.sha256, removed=self.deleted)
        return self


DELETION_NAMESPACE = uuid.UUID("6f1b8a2e-0c5d-4f57-9a61-8f0e4a7d2c11")


def deletion_id(target_kind: str, target_id: str) -> str:
    """The deletion record's id for a target: the same on every device."""
    return str(uuid.uuid5(DELETION_NAMESPACE, f"{target_kind}/{target_id}"))


#: Every record type stored in the vault, in dependency order (parents first).
RECORD_TYPES: tuple[type[Record], ...] = (
    Person,
    Case,
    PhaseTransition,
    Consultation,
    Goal,
    Agency,
    Referral,
    Consent,
    StructuralGap,
    Note,
    AuditEvent,
    Deletion,
    Attachment,
)
RECORD_BY_KIND: dict[str, type[Record]] = {cls.KIND: cls for cls in RECORD_TYPES}
