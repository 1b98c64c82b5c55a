"""The Auskunft's field names and coded values, printed in each column's language.

The JSON beside the PDF is the machine-readable copy and keeps every key and value as stored.
The sheet is for people (Art. 12 DSGVO: "concise, transparent, intelligible"): until
2026-12-07 it printed stored names and codes (``interpreter_used: True``, ``place: shelter``,
``RO``) in both columns. Now a value that the columns word differently is a :data:`Phrase`, a
sequence of plain text (what was recorded, dates, numbers: the same in both columns) and
:class:`Term` s, each worded by the column that prints it (:func:`say`):

- **field names**: the handout texts, 16 languages, drafts marked as every handout text is;
  a field reuses a label the handouts already have where it fits (``goals.goal``,
  ``auskunft.birth``), the others are ``field.<name>``. A field without a label (one a later
  release brought) is printed by its stored name, never dropped;
- **codes of the KIM code lists**: the consent purposes by the consent handout's checklist (the
  words the client signed, 16 languages); every other code by the label the app shows
  (:data:`kimdesk.domain.codes.LABELS`, :data:`~kimdesk.domain.codes.LIST_LABELS`, the
  statistics' bands and regions) from the gettext catalogs of the seven interface languages.
  The other nine handout languages have no catalog: their handout texts carry the same labels
  as ``code.<list>.<code>`` (drafts), and where one is missing the column prints the German
  label. A code no list knows is printed as stored;
- **countries and languages** (ISO codes): CLDR's names (Babel) in every handout language;
- **yes and no**: ``auskunft.yes`` / ``auskunft.no``; **dates** as the sheet prints dates
  (day.month.year; a month of the statistical remains as month.year).

Field names depend on the record kind only where one name means two things (a goal's and a
referral's ``status`` are different code lists); the label is the same.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kimdesk.domain import codes

if TYPE_CHECKING:
    from kimdesk.handouts.templates import Texts


@dataclass(frozen=True)
class Term:
    """A word each column says in its own language: ``kind`` is ``field`` (a field name),
    ``code`` (``scope`` names the code list), ``country``, ``language``, ``yes_no`` (``value``
    ``"1"`` or ``""``), ``key`` (a handout text key), ``form`` (a form id), ``answer`` or
    ``choice`` (a form's question or stored answer; ``scope`` names the form, its version and
    the question: :mod:`kimdesk.handouts.auskunft_forms`)."""

    kind: str
    value: str
    scope: str = ""


Piece = str | Term
Phrase = tuple[Piece, ...]

#: Field names whose label the handouts already have (the same meaning, in 16 languages).
SHARED_KEYS: dict[str, str] = {
    "case_number": "common.case_number", "birth_date": "auskunft.birth",
    "nationalities": "auskunft.nationality", "languages": "auskunft.languages",
    "residence_status": "auskunft.residence", "address": "auskunft.address",
    "opened_on": "auskunft.opened", "closed_on": "auskunft.closed", "phase": "auskunft.phase",
    "next_appointment_on": "auskunft.appointment", "goal": "goals.goal",
    "steps": "goals.steps", "responsible": "goals.responsible", "review_on": "goals.review",
    "agency_name": "referral.agency", "phone": "referral.phone",
    "recipients": "consent.recipients", "owner": "contact.counselor",
    "counselor": "contact.counselor", "team": "contact.team",
    "municipality": "contact.municipality", "date": "appointment.date",
    "place": "appointment.place",
    # the statistical remains (stats_cases, stats_events)
    "opened": "auskunft.opened", "closed": "auskunft.closed", "code": "field.category",
}
#: Field names with a label of their own (``field.<name>`` in every handout text).
OWN_LABELS: frozenset[str] = frozenset({
    # persons
    "given_name", "family_name", "given_name_latin", "family_name_latin", "birth_year",
    "gender", "preferred_language", "email",
    # cases
    "closure_reason", "rechtskreise", "handlungsfelder", "referral_source", "legal_hold",
    "next_appointment_time", "next_appointment_place",
    # consents
    "purposes", "data_categories", "special_categories", "given_on", "form", "language",
    "text_id", "text_version", "withdrawn_on",
    # consultations
    "title", "duration_minutes", "place_detail", "interpreter_used", "interpreter_language",
    "form_id", "form_version", "answers", "summary",
    # goals, referrals, notes, attachments
    "handlungsfeld", "status", "agency_type", "rechtskreis", "referred_on", "note", "text",
    "author", "question", "file_name", "media_type", "size",
    # phase changes, structural gaps
    "from_phase", "to_phase", "at", "by", "comment", "category", "agencies", "description",
    "observed_on",
    # statistical remains
    "duration", "birth_month", "region", "kind", "month", "n", "outreach", "interpreter",
})

#: Dates (ISO day or timestamp) and months (``YYYY-MM``, the statistical remains).
DATES = frozenset({"birth_date", "opened_on", "closed_on", "review_on", "next_appointment_on",
                   "date", "at", "referred_on", "given_on", "withdrawn_on", "observed_on"})
MONTHS = frozenset({"opened", "closed", "birth_month", "month"})
COUNTRIES = frozenset({"nationalities"})
LANGUAGES = frozenset({"languages", "preferred_language", "interpreter_language", "language"})
#: The code list of a coded field (``status`` by record kind below).
CODE_LISTS: dict[str, str] = {
    "gender": "Gender", "residence_status": "ResidenceStatus", "phase": "Phase",
    "from_phase": "Phase", "to_phase": "Phase", "closure_reason": "ClosureReason",
    "rechtskreise": "Rechtskreis", "rechtskreis": "Rechtskreis",
    "handlungsfelder": "Handlungsfeld", "handlungsfeld": "Handlungsfeld",
    "place": "ConsultationPlace", "agency_type": "AgencyType", "agencies": "AgencyType",
    "purposes": "ConsentPurpose", "category": "GapCategory", "form": "ConsentForm",
    "action": "AuditAction", "duration": "band", "region": "region", "code": "AgencyType",
    "kind": "event",
}
STATUS_LISTS = {"goals": "GoalStatus", "referrals": "ReferralStatus"}
#: Codes the handouts already word in 16 languages: the consent purposes of the consent
#: handout's checklist (what the client signed), the kinds of the statistical remains' events.
CODE_KEYS: dict[tuple[str, str], str] = {
    ("ConsentPurpose", "case_management"): "consent.case_management",
    ("ConsentPurpose", "share_with_agency"): "consent.share",
    ("ConsentPurpose", "case_conference"): "consent.conference",
    ("ConsentPurpose", "special_categories"): "consent.special",
    ("ConsentPurpose", "contact"): "consent.contact",
    ("event", "consultation"): "auskunft.consultations",
    ("event", "referral"): "auskunft.referrals",
}
#: Language codes a person record may carry that CLDR names under another code.
LANGUAGE_ALIASES = {"prs": "fa_AF", "kmr": "ku", "fa-AF": "fa_AF"}


def field_key(name: str) -> str | None:
    """The handout text key of a field's label, or None (printed by its stored name)."""
    if name in SHARED_KEYS:
        return SHARED_KEYS[name]
    return f"field.{name}" if name in OWN_LABELS else None


def field_term(name: str) -> Term:
    return Term("field", name)


def value_phrase(kind: str, name: str, value: Any) -> Phrase:
    """A stored value of field ``name`` of a ``kind`` record as the sheet prints it."""
    from kimdesk.handouts.sheet import code, day

    if value is None or value == "":
        return ()
    if isinstance(value, bool):
        return (Term("yes_no", "1" if value else ""),)
    if isinstance(value, list):
        out: list[Piece] = []
        for item in value:
            part = value_phrase(kind, name, item)
            if part:
                out += [", "] * bool(out) + list(part)
        return tuple(out)
    if isinstance(value, dict):
        import json

        return (json.dumps(value, ensure_ascii=False, separators=(", ", ": ")),)
    text = str(value)
    scope = STATUS_LISTS.get(kind) if name == "status" else CODE_LISTS.get(name)
    if name in DATES:
        return (day(text),)
    if name in MONTHS and len(text) == 7 and text[4] == "-":
        return (f"{text[5:]}.{text[:4]}",)
    if name == "size" and isinstance(value, int):
        from kimdesk.handouts.sheet import size

        return (size(value),)
    if name in COUNTRIES:
        return (Term("country", text),)
    if name in LANGUAGES:
        return (Term("language", text),)
    if name == "form_id":  # by the form's title
        return (Term("form", text),)
    if scope:
        return (Term("code", text, scope),)
    if isinstance(value, str):  # a field the sheet does not know: a code by its German label
        return (code(text),)
    return (text,)


def fields_phrase(kind: str, values: dict[str, Any], hidden: frozenset[str]) -> Phrase:
    """``label: value; ...`` of the fields that hold data (``hidden`` ones left out)."""
    out: list[Piece] = []
    for name, value in values.items():
        if name in hidden:
            continue
        if name == "answers" and isinstance(value, dict):
            from kimdesk.handouts.auskunft_forms import answers_phrase

            shown = answers_phrase(values.get("form_id"), values.get("form_version"), value)
        else:
            shown = value_phrase(kind, name, value)
        if not shown:
            continue
        out += ["; "] * bool(out) + [field_term(name), ": ", *shown]
    return tuple(out)


def join(parts: list[Phrase | str], sep: str = " · ") -> Phrase:
    """Non-empty parts joined by ``sep``."""
    out: list[Piece] = []
    for part in parts:
        pieces = (part,) if isinstance(part, str) else part
        if not any(pieces):
            continue
        out += [sep] * bool(out) + list(pieces)
    return tuple(out)


def codes_phrase(scope: str, values: list[str] | None) -> Phrase:
    return join([(Term("code", v, scope),) for v in values or [] if v], ", ")


#: The pieces of a phrase that join its terms and values: laid out in the column's direction.
SEPARATORS = frozenset({": ", "; ", ", ", " · "})


def say(phrase: Phrase, texts: Texts) -> str:
    """The phrase in ``texts``' language, every term and value a bidi isolate between the
    :data:`SEPARATORS` (:func:`~kimdesk.handouts.layout.isolate`): a German value in an Arabic
    column, or an Arabic one in the German column, no longer decides where the ``: `` or ``, ``
    after it goes. Before (2026-12-07) a separator between two values took their direction:
    where the line broke after it, it stood at the wrong end of that value on the line (docs/
    handouts.md, "Mixed lines"). The phrase is laid out in the column's direction
    (:meth:`~kimdesk.handouts.data.HandoutData.worded`)."""
    from kimdesk.handouts.layout import isolate

    return "".join(p if isinstance(p, str) and p in SEPARATORS else
                   isolate(p if isinstance(p, str) else word(p, texts)) for p in phrase)


def word(term: Term, texts: Texts) -> str:
    """One term in ``texts``' language (the stored value where there is no label)."""
    if term.kind == "field":
        key = field_key(term.value)
        return texts.texts.get(key, term.value) if key else term.value
    if term.kind == "key":
        return texts.texts.get(term.value, term.value)
    if term.kind == "yes_no":
        return texts.texts.get("auskunft.yes" if term.value else "auskunft.no",
                               "+" if term.value else "-")
    if term.kind in ("answer", "choice", "form"):  # a form's title, question or answer
        from kimdesk.handouts.auskunft_forms import choice_label, form_title, question_label

        say_it = {"answer": question_label, "choice": choice_label, "form": form_title}
        return say_it[term.kind](term, texts.lang)
    if term.kind == "country":
        return _country(term.value.upper(), texts.lang)
    if term.kind == "language":
        return _language(term.value, texts.lang)
    key = CODE_KEYS.get((term.scope, term.value))
    if key and key in texts.texts:
        return texts.texts[key]
    own = texts.texts.get(f"code.{term.scope}.{term.value}")  # the nine without a catalog
    if own and code_msgid(term.scope, term.value) is not None:
        return own
    return _catalog(term.scope, term.value, texts.lang)


def _catalog_lang(lang: str) -> str:
    """The catalog a column's labels come from: its own, or German for the nine handout
    languages without one."""
    from kimdesk.i18n import UI_LANGUAGES

    return lang if lang in UI_LANGUAGES else "de"


@functools.lru_cache(maxsize=1)
def _lists() -> dict[str, type[StrEnum]]:
    return {e.__name__: e for e in codes.LIST_LABELS} | {
        e.__name__: e for e in (codes.Gender, codes.ResidenceStatus, codes.Phase,
                                codes.ClosureReason, codes.Rechtskreis, codes.Handlungsfeld)}


def code_msgid(scope: str, code: str) -> str | None:
    """The catalog message of a code in its list, or None where it has no label."""
    if scope == "band":
        from kimdesk.stats.labels import LABELS as BANDS

        return BANDS.get(code)
    if scope == "region":
        from kimdesk.stats.regions import LABELS as REGIONS

        return REGIONS.get(code)
    enum = _lists().get(scope)
    if enum is None or code not in {m.value for m in enum}:
        return None
    return codes.LIST_LABELS.get(enum, {}).get(code) or codes.LABELS.get(code)


def _catalog(scope: str, code: str, lang: str) -> str:
    from kimdesk.i18n import gettext, language

    msgid = code_msgid(scope, code)
    if msgid is None:
        return code
    with language(_catalog_lang(lang)):
        return gettext(msgid)


def _country(code: str, lang: str) -> str:
    from babel import Locale

    from kimdesk.domain.iso import EXTRA_COUNTRIES

    name = Locale.parse(lang).territories.get(code)
    if name:
        return str(name)
    if code in EXTRA_COUNTRIES:  # stateless, unknown: the app's words
        from kimdesk.i18n import gettext, language

        with language(_catalog_lang(lang)):
            return gettext(EXTRA_COUNTRIES[code])
    return code


def _language(code: str, lang: str) -> str:
    from babel import Locale

    names = Locale.parse(lang).languages
    return str(names.get(code) or names.get(LANGUAGE_ALIASES.get(code, "")) or code)
