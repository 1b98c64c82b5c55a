"""Nationalities grouped into world regions (UN M49, the grouping CLDR's territory containment
uses), with the EU-27 and Germany as groups of their own, because KIM reporting distinguishes
free movement from third countries.

Babel 2.18 does not ship CLDR's containment table, so the grouping is data in
``resources/stats/regions.json`` (source named there); a test checks that it covers every country
code Babel knows.
"""

from __future__ import annotations

import functools
import json

from kimdesk.i18n import N_, resources_dir

UNKNOWN = "unknown"

LABELS: dict[str, str] = {
    "germany": N_("Germany"),
    "eu": N_("other EU countries"),
    "europe_other": N_("other Europe"),
    "western_asia": N_("Western Asia (incl. Turkey)"),
    "southern_asia": N_("Southern Asia (incl. Afghanistan, Iran)"),
    "other_asia": N_("other Asia"),
    "northern_africa": N_("Northern Africa"),
    "subsaharan_africa": N_("Sub-Saharan Africa"),
    "americas": N_("Americas"),
    "oceania": N_("Oceania"),
    "stateless": N_("stateless"),
    "unknown": N_("unknown"),
}


@functools.lru_cache(maxsize=1)
def _data() -> tuple[tuple[str, ...], dict[str, str]]:
    raw = json.loads((resources_dir() / "stats" / "regions.json").read_text("utf-8"))
    by_country = {code: region for region, codes in raw["regions"].items() for code in codes}
    return tuple(raw["order"]), by_country


def order() -> tuple[str, ...]:
    return _data()[0]


def region_of(country: str | None) -> str:
    """The region code of an ISO 3166 country code (``XX`` stateless, anything else unknown)."""
    if not country:
        return UNKNOWN
    return _data()[1].get(country.upper(), UNKNOWN)


def region_map() -> dict[str, str]:
    """Country code -> region code; a region code maps to itself (the statistical remains of a
    purged case keep the region alone, kimdesk/vault/statsremains.py)."""
    order_, by_country = _data()
    return {**by_country, **{region: region for region in order_}}
