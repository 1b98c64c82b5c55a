"""The translated labels of the statistics tables' rows and columns: the codes the indicator set
adds (bands, event columns, gap categories, agency types) here, the domain's codes through
:func:`kimdesk.domain.codes.label`, the world regions through :mod:`kimdesk.stats.regions`."""

from __future__ import annotations

from kimdesk.i18n import N_
from kimdesk.stats import regions
from kimdesk.stats.tables import TOTAL

#: Labels of the codes the indicator set adds (the domain's codes use :func:`codes.label`).
LABELS: dict[str, str] = {
    "opened": N_("opened"),
    "active": N_("active"),
    "closed": N_("closed"),
    "under_18": N_("under 18"),
    "18_26": N_("18-26"),
    "27_44": N_("27-44"),
    "45_64": N_("45-64"),
    "65_plus": N_("65 and over"),
    "under_3m": N_("under 3 months"),
    "3_6m": N_("3 to under 6 months"),
    "6_12m": N_("6 to under 12 months"),
    "12m_plus": N_("12 months and more"),
    "outreach": N_("outreach"),
    "not_outreach": N_("office, partner agency, phone"),
    "outreach_share_pct": N_("outreach share (%)"),
    "with_interpreter": N_("with interpreter"),
    "without_interpreter": N_("without interpreter"),
    "interpreter_share_pct": N_("interpreter share (%)"),
    TOTAL: N_("total"),
    # structural-gap categories (no labels in the domain's code list yet)
    "waiting_time": N_("waiting times"),
    "unclear_responsibility": N_("unclear responsibility"),
    "missing_service": N_("missing service"),
    "language_barrier": N_("language barrier"),
    "digital_access": N_("digital access"),
    "information_flow": N_("information flow between agencies"),
    "legal_obstacle": N_("legal obstacle"),
    # receiving agency types
    "jobcenter": N_("Jobcenter"),
    "employment_agency": N_("employment agency"),
    "youth_office": N_("youth office"),
    "social_office": N_("social welfare office"),
    "foreigners_office": N_("foreigners' office"),
    "naturalisation_office": N_("naturalisation office"),
    "integration_course": N_("integration course provider"),
    "recognition_counselling": N_("recognition counselling"),
    "migration_counselling": N_("migration counselling (MBE/JMD)"),
    "school_kita": N_("school / Kita"),
    "debt_counselling": N_("debt counselling"),
}


def column_label(code: str) -> str:
    """The translated label of a column or row code of any table."""
    from kimdesk.domain.codes import label
    from kimdesk.i18n import gettext

    if code in LABELS:
        return gettext(LABELS[code])
    if code in regions.LABELS:
        return gettext(regions.LABELS[code])
    return label(code)


def row_label(code: str) -> str:
    from kimdesk.i18n import gettext

    if code == TOTAL:
        return gettext(N_("Kreis total"))
    return code or gettext(N_("(municipality not stated)"))

