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
