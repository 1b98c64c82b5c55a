"""Code lists of the KIM domain, with stable codes that go into storage, sync and statistics.

Codes are short English identifiers, stable for ever: a Land indicator set or the server maps them,
so renaming one is a migration. Human labels (German terms such as *Rechtskreis*, *Handlungsfeld*,
*Duldung* are the precise legal words and are kept as the German labels) are translated by the
catalog via :data:`LABELS`.
"""

from __future__ import annotations

from enum import StrEnum

from kimdesk.i18n import N_


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    DIVERSE = "diverse"
    NOT_STATED = "not_stated"


class ResidenceStatus(StrEnum):
    """Residence-status groups (Aufenthaltsstatus), grouped as KIM reporting needs them."""

    GESTATTUNG = "gestattung"  # Aufenthaltsgestattung: asylum procedure running
    DULDUNG = "duldung"  # temporary suspension of deportation
    HUMANITARIAN = "humanitarian"  # humanitarian residence permit (§§ 22-26 AufenthG, not § 24)
    TEMPORARY_PROTECTION = "par24"  # § 24 AufenthG temporary protection (Ukraine)
    WORK_STUDY = "work_study"  # permit for work, training or study
    SETTLEMENT = "settlement"  # Niederlassungserlaubnis / Daueraufenthalt-EU
    EU_FREE_MOVEMENT = "eu"  # EU/EEA/Swiss free movement
    GERMAN = "german"  # German citizen
    OTHER = "other"
    UNKNOWN = "unknown"


class Phase(StrEnum):
    """Case-management phases after the DGCC model, in their German working names."""

    ERSTKONTAKT = "erstkontakt"  # Erstkontakt / Clearing
    ASSESSMENT = "assessment"
    HILFEPLANUNG = "hilfeplanung"  # goal agreement (Zielvereinbarung)
    UMSETZUNG = "umsetzung"  # Umsetzung / Monitoring
    ABSCHLUSS = "abschluss"  # closed, with a closure reason


class ClosureReason(StrEnum):
    GOAL_REACHED = "goal_reached"
    HANDED_OVER = "handed_over"  # to regular services (Regelsysteme)
    DROPPED_OUT = "dropped_out"
    MOVED_AWAY = "moved_away"
    OTHER = "other"


class Rechtskreis(StrEnum):
    """Legal domains (Rechtskreise) whose agencies take part in a case."""

    SGB_II = "sgb2"  # Jobcenter
    SGB_III = "sgb3"  # Agentur für Arbeit
    SGB_VIII = "sgb8"  # Jugendamt
    SGB_XII = "sgb12"  # Sozialamt
    ASYLBLG = "asylblg"
    AUFENTHG = "aufenthg"  # Ausländerbehörde
    STAG = "stag"  # Einbürgerungsbehörde


class Handlungsfeld(StrEnum):
    """Fields of action (Handlungsfelder) a case works on."""

    RESIDENCE = "residence"
    ORIENTATION = "orientation"
    LANGUAGE = "language"
    WORK_TRAINING = "work_training"
    RECOGNITION = "recognition"
    EDUCATION = "education"
    HOUSING = "housing"
    HEALTH = "health"
    KITA_SCHOOL = "kita_school"
    FAMILY = "family"
    DEBTS_BENEFITS = "debts_benefits"


class ConsultationPlace(StrEnum):
    OFFICE = "office"
    OUTREACH_SHELTER = "shelter"  # outreach: accommodation / shelter
    OUTREACH_HOME = "home"  # outreach: home visit
    OUTREACH_PUBLIC = "public"  # outreach: café, community centre, other public place
    PARTNER_AGENCY = "partner"  # at a partner agency's premises
    PHONE_VIDEO = "remote"

    @property
    def is_outreach(self) -> bool:
        return self in {self.OUTREACH_SHELTER, self.OUTREACH_HOME, self.OUTREACH_PUBLIC}


class GoalStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    PARTLY_REACHED = "partly_reached"
    NOT_REACHED = "not_reached"
    DROPPED = "dropped"


class ReferralStatus(StrEnum):
    PLANNED = "planned"
    SENT = "sent"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"


class AgencyType(StrEnum):
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    YOUTH_OFFICE = "youth_office"
    SOCIAL_OFFICE = "social_office"
    FOREIGNERS_OFFICE = "foreigners_office"
    NATURALISATION_OFFICE = "naturalisation_office"
    INTEGRATION_COURSE = "integration_course"
    RECOGNITION_COUNSELLING = "recognition_counselling"
    MIGRATION_COUNSELLING = "migration_counselling"  # MBE / JMD
    HEALTH = "health"
    SCHOOL_KITA = "school_kita"
    HOUSING = "housing"
    DEBT_COUNSELLING = "debt_counselling"
    OTHER = "other"


class ConsentPurpose(StrEnum):
    """Purposes a consent names one by one (§ 67b Abs. 2 SGB X: no blanket consent)."""

    CASE_MANAGEMENT = "case_management"  # record and process data for the case itself
    SHARE_WITH_AGENCY = "share_with_agency"  # pass named data to a named recipient
    CASE_CONFERENCE = "case_conference"  # discuss the case in a Fallkonferenz
    SPECIAL_CATEGORIES = "special_categories"  # Art. 9 DSGVO data (health, religion, origin)
    CONTACT = "contact"  # contact by phone / messenger
    STATISTICS = "statistics"  # anonymised reporting needs no consent; kept for transparency


class GapCategory(StrEnum):
    """Categories of structural gaps (Bruchstellen) reported to the Lenkungsgruppe."""

    WAITING_TIME = "waiting_time"
    UNCLEAR_RESPONSIBILITY = "unclear_responsibility"
    MISSING_SERVICE = "missing_service"
    LANGUAGE_BARRIER = "language_barrier"
    DIGITAL_ACCESS = "digital_access"
    INFORMATION_FLOW = "information_flow"
    LEGAL_OBSTACLE = "legal_obstacle"
    OTHER = "other"


class AuditAction(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"
    PHASE = "phase"


LABELS: dict[str, str] = {
    # Gender
    "female": N_("female"),
    "male": N_("male"),
    "diverse": N_("diverse"),
    "not_stated": N_("not stated"),
    # Phase
    "erstkontakt": N_("Initial contact / clearing"),
    "assessment": N_("Assessment"),
    "hilfeplanung": N_("Goal agreement"),
    "umsetzung": N_("Implementation / monitoring"),
    "abschluss": N_("Closed"),
    # Rechtskreise
    "sgb2": N_("SGB II (Jobcenter)"),
    "sgb3": N_("SGB III (employment agency)"),
    "sgb8": N_("SGB VIII (youth office)"),
    "sgb12": N_("SGB XII (social office)"),
    "asylblg": N_("AsylbLG (asylum seekers' benefits)"),
    "aufenthg": N_("AufenthG (foreigners' office)"),
    "stag": N_("StAG (naturalisation)"),
    # Handlungsfelder
    "residence": N_("Residence"),
    "orientation": N_("Initial orientation"),
    "language": N_("Language / integration course"),
    "work_training": N_("Work and training"),
    "recognition": N_("Recognition of qualifications"),
    "education": N_("Education"),
    "housing": N_("Housing"),
    "health": N_("Health"),
    "kita_school": N_("Kita / school"),
    "family": N_("Family"),
    "debts_benefits": N_("Debts and benefits"),
    # Residence status
    "gestattung": N_("Permission to stay (asylum procedure)"),
    "duldung": N_("Toleration (Duldung)"),
    "humanitarian": N_("Humanitarian residence permit"),
    "par24": N_("Temporary protection (§ 24 AufenthG)"),
    "work_study": N_("Work or study permit"),
    "settlement": N_("Settlement permit"),
    "eu": N_("EU free movement"),
    "german": N_("German citizen"),
    "other": N_("other"),
    "unknown": N_("unknown"),
    # Closure reasons
    "goal_reached": N_("goal reached"),
    "handed_over": N_("handed over to regular services"),
    "dropped_out": N_("dropped out"),
    "moved_away": N_("moved away"),
}


def label(code: str) -> str:
    """The translated label of a code, or the code itself where none is defined."""
    from kimdesk.i18n import gettext

    text = LABELS.get(str(code))
    return gettext(text) if text else str(code)


class ConsentForm(StrEnum):
    """How a consent was given (the model keeps it as a plain string)."""

    WRITTEN = "written"
    ELECTRONIC = "electronic"


#: Labels of the code lists that :data:`LABELS` does not cover, keyed by code list (codes such as
#: ``other`` or ``health`` occur in several lists): the app shows them and the Auskunft prints them.
LIST_LABELS: dict[type[StrEnum], dict[str, str]] = {
    ConsentForm: {"written": N_("written"), "electronic": N_("electronic")},
    ConsultationPlace: {
        "office": N_("Office"),
        "shelter": N_("Outreach: accommodation"),
        "home": N_("Outreach: home visit"),
        "public": N_("Outreach: public place"),
        "partner": N_("At a partner agency"),
        "remote": N_("Phone or video"),
    },
    GoalStatus: {
        "open": N_("open"),
        "in_progress": N_("in progress"),
        "reached": N_("reached"),
        "partly_reached": N_("partly reached"),
        "not_reached": N_("not reached"),
        "dropped": N_("dropped"),
    },
    ReferralStatus: {
        "planned": N_("planned"),
        "sent": N_("sent"),
        "accepted": N_("accepted"),
        "completed": N_("completed"),
        "declined": N_("declined"),
    },
    AgencyType: {
        "jobcenter": N_("Jobcenter"),
        "employment_agency": N_("Employment agency"),
        "youth_office": N_("Youth office"),
        "social_office": N_("Social welfare office"),
        "foreigners_office": N_("Foreigners' office"),
        "naturalisation_office": N_("Naturalisation office"),
        "integration_course": N_("Integration course provider"),
        "recognition_counselling": N_("Recognition counselling"),
        "migration_counselling": N_("Migration counselling (MBE/JMD)"),
        "health": N_("Health services"),
        "school_kita": N_("School or Kita"),
        "housing": N_("Housing office"),
        "debt_counselling": N_("Debt counselling"),
        "other": N_("other"),
    },
    ConsentPurpose: {
        "case_management": N_("Case management"),
        "share_with_agency": N_("Share data with a named agency"),
        "case_conference": N_("Case conference"),
        "special_categories": N_("Special categories (Art. 9 GDPR)"),
        "contact": N_("Contact by phone or messenger"),
        "statistics": N_("Anonymised statistics"),
    },
    GapCategory: {
        "waiting_time": N_("Waiting time"),
        "unclear_responsibility": N_("Unclear responsibility"),
        "missing_service": N_("Missing service"),
        "language_barrier": N_("Language barrier"),
        "digital_access": N_("Digital access"),
        "information_flow": N_("Information flow"),
        "legal_obstacle": N_("Legal obstacle"),
        "other": N_("other"),
    },
    AuditAction: {
        "create": N_("created"),
        "read": N_("opened"),
        "update": N_("changed"),
        "delete": N_("deleted"),
        "search": N_("searched"),
        "export": N_("exported"),
        "phase": N_("phase changed"),
    },
}


def list_label(enum: type[StrEnum], value: object) -> str:
    """The translated label of ``value`` in the code list ``enum`` (:data:`LIST_LABELS`, else
    :data:`LABELS`), or the code itself where neither has one."""
    from kimdesk.i18n import gettext

    if value is None or value == "":
        return ""
    code = str(getattr(value, "value", value))
    text = LIST_LABELS.get(enum, {}).get(code)
    return gettext(text) if text else label(code)
