"""Bindings: form answers that are also fields of the person, the case, a consent or the
consultation itself, so a fact is entered once (issue 18, "forms are connected to the case").

A question declares its binding in the definition with XLSForm's custom bind attribute
``bind::kimdesk:field`` (YAML: ``bind: {kimdesk:field: case.rechtskreise}``). The targets are a
fixed list (:data:`TARGETS`, documented in docs/forms.md, "Bindings"): each names the question
types it accepts and, for coded fields, the codes a choice may have. Both directions live here:

- :func:`prefill` — opening a form for a case fills bound questions from the case and person
  (only questions without an answer; a draft's answers win);
- :func:`apply` — saving writes bound answers back (inside the consultation's transaction):
  lists are merged, never shortened; a consent is created from ``consent.*`` answers; the case is
  closed from ``case.closure_reason``; ``consultation.*`` answers become the consultation's
  fields (:func:`consultation_fields`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kimdesk.domain import codes
from kimdesk.errors import ValidationError
from kimdesk.forms.definition import Field, Form
from kimdesk.i18n import N_, current_language
from kimdesk.i18n import later as _

if TYPE_CHECKING:
    from kimdesk.domain.models import Case, Consent, Person
    from kimdesk.vault.vault import Vault

#: The bind attribute (``bind::kimdesk:field`` in XLSForm) naming a question's target.
ATTRIBUTE = "kimdesk:field"

_ONE = frozenset({"select_one"})
_MANY = frozenset({"select_multiple"})
_SELECT = _ONE | _MANY
_TEXT = frozenset({"text", "calculate"})


@dataclass(frozen=True)
class Target:
    """A bindable field: the question types it takes and the codes a choice may have (an enum,
    ``"country"``/``"language"`` for ISO codes, or None for free values)."""

    types: frozenset[str]
    codes: type[StrEnum] | str | None = None
    prefilled: bool = False


#: Every bindable target (docs/forms.md, "Bindings", explains each).
TARGETS: dict[str, Target] = {
    "person.nationalities": Target(_SELECT, "country", prefilled=True),
    "person.residence_status": Target(_ONE, codes.ResidenceStatus, prefilled=True),
    "person.languages": Target(_SELECT, "language", prefilled=True),
    "person.preferred_language": Target(_ONE, "language", prefilled=True),
    "case.rechtskreise": Target(_MANY, codes.Rechtskreis, prefilled=True),
    "case.handlungsfelder": Target(_MANY, codes.Handlungsfeld, prefilled=True),
    "case.closure_reason": Target(_ONE, codes.ClosureReason),
    "case.closed_on": Target(frozenset({"date"})),
    "case.closure_comment": Target(_TEXT),
    "consent.on_file": Target(_ONE, prefilled=True),
    "consent.purposes": Target(_MANY, codes.ConsentPurpose),
    "consent.recipients": Target(_MANY),
    "consent.data_categories": Target(_MANY),
    "consent.special_categories": Target(_MANY),
    "consent.given_on": Target(frozenset({"date"})),
    "consent.form": Target(_ONE),
    "consultation.date": Target(frozenset({"date"})),
    "consultation.title": Target(_TEXT),
    "consultation.summary": Target(_TEXT),
    "consultation.duration_minutes": Target(frozenset({"integer"})),
    "consultation.place": Target(_ONE, codes.ConsultationPlace),
    "consultation.interpreter_language": Target(_ONE, "language"),
}


def bindings(form: Form) -> dict[str, Field]:
    """Target -> the question bound to it (the checker makes each target bound at most once)."""
    out: dict[str, Field] = {}
    for f in form.walk():
        target = f.row.bind.get(ATTRIBUTE, "").strip()
        if target and target not in out:
            out[target] = f
    return out


# -- checking ----------------------------------------------------------------------------------
def check_bindings(form: Form, add: Callable[..., None]) -> None:
    """Report unknown targets, questions of the wrong type, repeats and foreign codes."""
    seen: dict[str, str] = {}
    for f in form.walk():
        for attr in f.row.bind:
            if attr != ATTRIBUTE:
                add(f.name, _("unknown bind attribute '{attribute}' (KIMdesk knows"
                              " '{known}')").format(attribute=attr, known=ATTRIBUTE))
        target = f.row.bind.get(ATTRIBUTE, "").strip()
        if not target:
            continue
        spec = TARGETS.get(target)
        if spec is None:
            add(f.name, _("unknown binding target '{target}'; bindable are: {targets}").format(
                target=target, targets=", ".join(TARGETS)))
            continue
        if target in seen:
            add(f.name, _("'{target}' is already bound to '{other}'").format(
                target=target, other=seen[target]))
        seen[target] = f.name
        if f.kind not in spec.types:
            add(f.name, _("a '{type}' question cannot be bound to '{target}' (it takes"
                          " {types})").format(type=f.kind, target=target,
                                              types=", ".join(sorted(spec.types))))
        if f.repeat is not None:
            add(f.name, _("a question inside a repeat cannot be bound to '{target}' (one value"
                          " per case)").format(target=target))
        foreign = [c.name for c in form.choice_list(f) if not _valid_code(spec, c.name)]
        if f.kind in _SELECT and foreign:
            add(f.name, _("the choices {choices} are not codes of '{target}'").format(
                choices=", ".join(foreign[:5]), target=target))


def _valid_code(spec: Target, name: str) -> bool:
    from kimdesk.domain.iso import check_country, check_language

    if spec.codes is None:
        return True
    try:
        if spec.codes == "country":
            check_country(name)
        elif spec.codes == "language":
            check_language(name)
        elif isinstance(spec.codes, type):
            spec.codes(name)
    except ValueError:
        return False
    return True


# -- case -> form ------------------------------------------------------------------------------
def prefill(form: Form, answers: dict[str, Any], person: Person, case: Case,
            consent_on_file: bool) -> dict[str, Any]:
    """The answers with every empty bound question filled from the person and case."""
    out = dict(answers)
    for target, f in bindings(form).items():
        if f.repeat is not None or out.get(f.name) not in (None, "", []):
            continue
        value = _current(target, person, case, consent_on_file)
        if isinstance(value, list) and f.kind == "select_one":
            value = value[0] if value else None
        elif isinstance(value, str) and f.kind == "select_multiple":
            value = [value]
        names = {c.name for c in form.choice_list(f)}
        if isinstance(value, list):
            value = [v for v in value if v in names]
        elif value not in names:
            value = None
        if value not in (None, []):
            out[f.name] = value
    return out


def _current(target: str, person: Person, case: Case, consent_on_file: bool) -> Any:
    unknown = codes.ResidenceStatus.UNKNOWN
    values: dict[str, Any] = {
        "person.nationalities": list(person.nationalities),
        "person.residence_status": (None if person.residence_status == unknown
                                    else str(person.residence_status)),
        "person.languages": list(person.languages),
        "person.preferred_language": person.preferred_language,
        "case.rechtskreise": [str(r) for r in case.rechtskreise],
        "case.handlungsfelder": [str(h) for h in case.handlungsfelder],
        "consent.on_file": "yes" if consent_on_file else None,
    }
    return values.get(target)


# -- form -> case ------------------------------------------------------------------------------
@dataclass
class Applied:
    """What saving changed besides the consultation; ``followup`` names a form to fill next
    (an Erstgespräch saying the consent was filled in, with no consent recorded yet)."""

    person: bool = False
    case: bool = False
    consent: Consent | None = None
    closed: bool = False
    followup: str | None = None
    notes: list[str] = field(default_factory=list)


def bound_values(form: Form, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Target -> answer, for the bound questions that have an answer."""
    return {t: cleaned[f.name] for t, f in bindings(form).items()
            if cleaned.get(f.name) not in (None, "", [])}


def consultation_fields(form: Form, cleaned: dict[str, Any], ui_language: str) -> dict[str, Any]:
    """The consultation's own fields from the answers: date, duration, place, interpreter
    language, summary, and the title: the bound ``consultation.title`` or else the form's title
    in the counselor's language (one line, cut to :data:`~kimdesk.domain.models.TITLE_MAX`
    characters; the full answer stays in the answers). No duration answer leaves the duration
    unrecorded (None), never an assumed hour."""
    from kimdesk.domain.models import TITLE_MAX

    values = bound_values(form, cleaned)
    out: dict[str, Any] = {}
    if "consultation.date" in values:
        out["date"] = date.fromisoformat(str(values["consultation.date"]))
    if "consultation.duration_minutes" in values:
        out["duration_minutes"] = int(values["consultation.duration_minutes"])
    if "consultation.place" in values:
        out["place"] = values["consultation.place"]
    if "consultation.interpreter_language" in values:
        out["interpreter_used"] = True
        out["interpreter_language"] = values["consultation.interpreter_language"]
    title = " ".join(str(values.get("consultation.title") or form.title(ui_language)).split())
    out["title"] = title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "\u2026"
    out["summary"] = " ".join(str(values.get("consultation.summary") or "").split())
    return out


def apply(vault: Vault, form: Form, cleaned: dict[str, Any], case_id: str, *,
          language: str = "de") -> Applied:
    """Write bound answers to the person, the case and a new consent. Call inside the
    consultation's transaction: a refused change (say, a closure the phase rules forbid) raises
    and nothing is stored."""
    values = bound_values(form, cleaned)
    done = Applied()
    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    person_update = _person_update(person, values)
    if person_update:
        vault.people.update(person.model_copy(update=person_update))
        done.person = True
    legal = [*case.rechtskreise, *(codes.Rechtskreis(r)
                                   for r in values.get("case.rechtskreise", []))]
    fields = [*case.handlungsfelder, *(codes.Handlungsfeld(h)
                                       for h in values.get("case.handlungsfelder", []))]
    if legal != case.rechtskreise or fields != case.handlungsfelder:
        vault.cases.update(case.model_copy(update={
            "rechtskreise": list(dict.fromkeys(legal)),
            "handlungsfelder": list(dict.fromkeys(fields))}))
        done.case = True
    if "consent.purposes" in values:
        done.consent = vault.consents.add(_consent(form, values, person.id, case_id, language))
    elif values.get("consent.on_file") == "yes" and not _consent_on_file(vault, person.id):
        done.followup = "einwilligung"
    if "case.closure_reason" in values and case.phase != codes.Phase.ABSCHLUSS:
        on = date.fromisoformat(values.get("case.closed_on") or date.today().isoformat())
        if on < case.opened_on:
            raise ValidationError(N_("The case cannot close before it was opened ({date})."),
                                  field="case.closed_on", date=_day(case.opened_on))
        vault.cases.transition(
            case_id, codes.Phase.ABSCHLUSS,
            closure_reason=codes.ClosureReason(values["case.closure_reason"]), on=on,
            comment=str(values.get("case.closure_comment", "")))
        done.closed = True
    return done


def _day(day: date) -> str:
    from babel.dates import format_date

    try:
        return str(format_date(day, "medium", locale=current_language()))
    except Exception:  # an unknown locale: the ISO date still reads
        return day.isoformat()


def _person_update(person: Person, values: dict[str, Any]) -> dict[str, Any]:
    update: dict[str, Any] = {}
    nat = values.get("person.nationalities")
    if nat:
        new = [nat] if isinstance(nat, str) else list(nat)
        merged = list(dict.fromkeys([*new, *person.nationalities]))
        if merged != person.nationalities:
            update["nationalities"] = merged
    status = values.get("person.residence_status")
    if status and status != person.residence_status:
        update["residence_status"] = codes.ResidenceStatus(status)
    langs = values.get("person.languages")
    preferred = values.get("person.preferred_language")
    if langs or preferred:
        new = [langs] if isinstance(langs, str) else list(langs or [])
        merged = list(dict.fromkeys([*person.languages, *new, *([preferred] if preferred
                                                                 else [])]))
        if merged != person.languages:
            update["languages"] = merged
        if preferred and preferred != person.preferred_language:
            update["preferred_language"] = preferred
    return update


def consent_on_file(vault: Vault, person_id: str, day: date | None = None) -> bool:
    """Whether the person has a consent in force (for the ``consent.on_file`` prefill)."""
    return _consent_on_file(vault, person_id, day)


def _consent_on_file(vault: Vault, person_id: str, day: date | None = None) -> bool:
    consents = vault.consents.where("person_id = ?", (person_id,))
    return any(c.active_on(day or date.today()) for c in consents)


def _consent(form: Form, values: dict[str, Any], person_id: str, case_id: str,
             language: str) -> Consent:
    """A ``Consent`` from the ``consent.*`` answers; recipients by name (§ 67b SGB X names
    them), the special categories also as data categories."""
    from kimdesk.domain.models import Consent

    bound = bindings(form)
    recipients_field = bound.get("consent.recipients")
    recipients = [form.choice_label(recipients_field, a, form.default_language)
                  if recipients_field else a for a in values.get("consent.recipients", [])]
    special = list(values.get("consent.special_categories", []))
    given = values.get("consent.given_on")
    return Consent(
        person_id=person_id, case_id=case_id,
        purposes=[codes.ConsentPurpose(p) for p in values["consent.purposes"]],
        recipients=recipients,
        data_categories=[*values.get("consent.data_categories", []), *special],
        special_categories=bool(special),
        given_on=date.fromisoformat(given) if given else date.today(),
        form=values.get("consent.form", "written"), language=language,
        text_id=form.form_id, text_version=form.version)
