"""Labels for code lists that :data:`kimdesk.domain.codes.LABELS` does not cover yet.

The domain's label table names phases, Rechtskreise, Handlungsfelder, residence status, gender and
closure reasons. The GUI also shows places, goal and referral states, agency types, consent
purposes, gap categories and audit actions; their labels live here, keyed by code list, until they
move into the domain table (codes such as ``other`` or ``health`` occur in several lists).
"""

from __future__ import annotations

from enum import StrEnum

from kimdesk.domain import codes
from kimdesk.i18n import N_, gettext
from kimdesk.i18n.kinds import KIND_LABELS, kind_label

__all__ = ["KIND_LABELS", "code_label", "kind_label"]


class ConsentForm(StrEnum):
    """How a consent was given (the model keeps it as a plain string)."""

    WRITTEN = "written"
    ELECTRONIC = "electronic"


_EXTRA: dict[type[StrEnum], dict[str, str]] = {
    ConsentForm: {"written": N_("written"), "electronic": N_("electronic")},
    codes.ConsultationPlace: {
        "office": N_("Office"),
        "shelter": N_("Outreach: accommodation"),
        "home": N_("Outreach: home visit"),
        "public": N_("Outreach: public place"),
        "partner": N_("At a partner agency"),
        "remote": N_("Phone or video"),
    },
    codes.GoalStatus: {
        "open": N_("open"),
        "in_progress": N_("in progress"),
        "reached": N_("reached"),
        "partly_reached": N_("partly reached"),
        "not_reached": N_("not reached"),
        "dropped": N_("dropped"),
    },
    codes.ReferralStatus: {
        "planned": N_("planned"),
        "sent": N_("sent"),
        "accepted": N_("accepted"),
        "completed": N_("completed"),
        "declined": N_("declined"),
    },
    codes.AgencyType: {
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
    codes.ConsentPurpose: {
        "case_management": N_("Case management"),
        "share_with_agency": N_("Share data with a named agency"),
        "case_conference": N_("Case conference"),
        "special_categories": N_("Special categories (Art. 9 GDPR)"),
        "contact": N_("Contact by phone or messenger"),
        "statistics": N_("Anonymised statistics"),
    },
    codes.GapCategory: {
        "waiting_time": N_("Waiting time"),
        "unclear_responsibility": N_("Unclear responsibility"),
        "missing_service": N_("Missing service"),
        "language_barrier": N_("Language barrier"),
        "digital_access": N_("Digital access"),
        "information_flow": N_("Information flow"),
        "legal_obstacle": N_("Legal obstacle"),
        "other": N_("other"),
    },
    codes.AuditAction: {
        "create": N_("created"),
        "read": N_("opened"),
        "update": N_("changed"),
        "delete": N_("deleted"),
        "search": N_("searched"),
        "export": N_("exported"),
        "phase": N_("phase changed"),
    },
}



def code_label(enum: type[StrEnum], value: object) -> str:
    """The translated label of ``value`` in the code list ``enum``."""
    if value is None or value == "":
        return ""
    code = str(getattr(value, "value", value))
    extra = _EXTRA.get(enum, {}).get(code)
    if extra:
        return gettext(extra)
    return codes.label(code)


