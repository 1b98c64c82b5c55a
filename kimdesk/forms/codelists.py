"""Code lists a form's choice list can name (``choices: {countries: {codelist: country}}``).

Countries and languages come from Babel's CLDR data, named in each form language (never a
hand-typed list); the KIM lists (Rechtskreise, Handlungsfelder, residence-status groups, closure
reasons, agency types, consent purposes, gender) use the stable codes of
:mod:`kimdesk.domain.codes` with labels from the gettext catalog; the agency directory comes
from the vault (the server distributes it later) or, until then, from the demo directory shipped in
``resources/forms/codelists/agencies.demo.yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from kimdesk.domain import codes
from kimdesk.i18n import N_, gettext, language, resources_dir

#: Labels the domain's LABELS table does not have (agency types, consent purposes).
EXTRA_LABELS: dict[str, str] = {
    "jobcenter": N_("Jobcenter"),
    "employment_agency": N_("Employment agency"),
    "youth_office": N_("Youth welfare office"),
    "social_office": N_("Social welfare office"),
    "foreigners_office": N_("Foreigners' office"),
    "naturalisation_office": N_("Naturalisation office"),
    "integration_course": N_("Integration course provider"),
    "recognition_counselling": N_("Recognition counselling"),
    "migration_counselling": N_("Migration counselling (MBE / JMD)"),
    "health": N_("Health services"),
    "school_kita": N_("School / Kita"),
    "housing": N_("Housing office"),
    "debt_counselling": N_("Debt counselling"),
    "other": N_("other"),
    "case_management": N_("Processing my data for my case management"),
    "share_with_agency": N_("Passing named data to the agencies named below"),
    "case_conference": N_("Discussing my case in a case conference"),
    "special_categories": N_("Processing special categories of data (e.g. health)"),
    "contact": N_("Contacting me by phone or messenger"),
    "statistics": N_("Anonymised statistics"),
}

#: Languages beyond ISO 639-1 that KIM's interpreter pools cover (CLDR names them too).
EXTRA_LANGUAGES = ("ckb", "prs", "kmr")


def _enum_list(enum: type[StrEnum], labels: dict[str, str], exclude: Iterable[str] = ()) -> Any:
    def build(langs: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for member in enum:
            if member.value in exclude:
                continue
            msg = labels.get(member.value, member.value)
            texts = {}
            for lang in langs:
                with language(lang):
                    texts[lang] = gettext(msg)
            out.append({"name": member.value, "label": texts})
        return out

    return build


def _babel(kind: str) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
    def build(langs: Sequence[str]) -> list[dict[str, Any]]:
        from babel import Locale

        from kimdesk.domain.iso import EXTRA_COUNTRIES
        from kimdesk.i18n.collation import sort_key

        english: Any = Locale("en")
        if kind == "country":
            names = sorted(c for c in english.territories if len(c) == 2 and c.isalpha())
            names += [c for c in EXTRA_COUNTRIES if c not in names]
        else:
            names = sorted(c for c in english.languages if len(c) == 2)
            names += [c for c in EXTRA_LANGUAGES if c in english.languages]
        locales = {lang: Locale.parse(lang) for lang in langs}
        out: list[dict[str, Any]] = []
        for code in names:
            texts = {}
            for lang, loc in locales.items():
                table = loc.territories if kind == "country" else loc.languages
                text = table.get(code)
                if text is None and code in EXTRA_COUNTRIES:
                    with language(lang):
                        text = gettext(EXTRA_COUNTRIES[code])
                texts[lang] = text or code
            out.append({"name": code, "label": texts})
        first = langs[0] if langs else "en"
        out.sort(key=lambda c: sort_key(c["label"].get(first, c["name"])))
        return out

    return build


def _agencies(langs: Sequence[str], agencies: Any = None) -> list[dict[str, Any]]:
    rows = agencies if agencies is not None else demo_agencies()
    out = []
    for a in rows:
        name = a["name"] if isinstance(a, dict) else a.name
        ident = a["id"] if isinstance(a, dict) else a.id
        out.append({"name": str(ident), "label": dict.fromkeys(langs, name)})
    return out


@functools.lru_cache(maxsize=1)
def demo_agencies() -> tuple[dict[str, Any], ...]:
    """The demo agency directory (used until the server's directory is in the vault)."""
    import yaml

    path = codelist_dir() / "agencies.demo.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(data["agencies"])


def codelist_dir() -> Path:
    return resources_dir() / "forms" / "codelists"


BUILDERS: dict[str, Callable[[Sequence[str]], list[dict[str, Any]]]] = {
    "country": _babel("country"),
    "language": _babel("language"),
    "rechtskreis": _enum_list(codes.Rechtskreis, codes.LABELS),
    "handlungsfeld": _enum_list(codes.Handlungsfeld, codes.LABELS),
    "residence_status": _enum_list(codes.ResidenceStatus, codes.LABELS),
    "closure_reason": _enum_list(codes.ClosureReason, codes.LABELS),
    "gender": _enum_list(codes.Gender, codes.LABELS),
    "agency_type": _enum_list(codes.AgencyType, EXTRA_LABELS),
    "consent_purpose": _enum_list(codes.ConsentPurpose, EXTRA_LABELS),
}
CODELISTS: tuple[str, ...] = (*BUILDERS, "agency")


@functools.lru_cache(maxsize=64)
def _cached(name: str, langs: tuple[str, ...]) -> tuple[Any, ...]:
    from kimdesk.forms.definition import Choice

    return tuple(Choice.model_validate(c) for c in BUILDERS[name](langs))


def resolve(name: str, langs: Sequence[str], *, agencies: Any = None) -> list[Any]:
    """The choices of a code list, labelled in each of ``langs``."""
    from kimdesk.forms.definition import Choice, FormError

    if name == "agency":
        return [Choice.model_validate(c) for c in _agencies(langs, agencies)]
    if name not in BUILDERS:
        raise FormError(N_("unknown code list {name}"), name=name)
    return list(_cached(name, tuple(langs)))
