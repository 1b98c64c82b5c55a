"""From answers to domain records: the shipped forms whose answers also change the case file.

A consultation stores its answers as they are (``Consultation.answers``); some answers are also
facts of the case record that statistics and sync read: the consent (``Consent``), the
Handlungsfelder and Rechtskreise of an Erstgespräch (``Case``), the closure reason of an Abschluss
(a phase transition). The codes are the domain's own (the shipped forms take them from the code
lists), so the mapping is a copy, validated again by the pydantic models.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from kimdesk.domain.codes import ClosureReason, ConsentPurpose, Handlungsfeld, Phase, Rechtskreis
from kimdesk.domain.models import Case, Consent
from kimdesk.forms.definition import Form

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


def consent_from_answers(form: Form, answers: dict[str, Any], *, person_id: str,
                         case_id: str | None, language: str) -> Consent:
    """A ``Consent`` from the answers of the ``einwilligung`` form.

    Recipients are stored by name (a consent names its recipients, § 67b SGB X); ``text_id`` and
    ``text_version`` record which form version, in which ``language``, the person was shown."""
    agencies = form.by_name.get("recipients")
    recipients = [form.choice_label(agencies, a, form.default_language) if agencies else a
                  for a in answers.get("recipients", [])]
    special = answers.get("special_categories", [])
    return Consent(
        person_id=person_id,
        case_id=case_id,
        purposes=[ConsentPurpose(p) for p in answers.get("purposes", [])],
        recipients=recipients,
        data_categories=[*answers.get("data_categories", []), *special],
        special_categories=bool(special),
        given_on=date.fromisoformat(answers["given_on"]),
        form=answers.get("consent_form", "written"),
        language=language,
        text_id=form.form_id,
        text_version=form.version,
    )


def case_with_erstgespraech(case: Case, answers: dict[str, Any]) -> Case:
    """The case with the Handlungsfelder and Rechtskreise named in an Erstgespräch added."""
    fields = [*case.handlungsfelder, *(Handlungsfeld(h) for h in answers.get("handlungsfelder",
                                                                                []))]
    legal = [*case.rechtskreise, *(Rechtskreis(r) for r in answers.get("rechtskreise", []))]
    return case.model_copy(update={"handlungsfelder": list(dict.fromkeys(fields)),
                                   "rechtskreise": list(dict.fromkeys(legal))})


def close_case(vault: Vault, case_id: str, answers: dict[str, Any]) -> Case:
    """Close a case with the reason and date of an Abschluss form (a validated transition)."""
    result: Case = vault.cases.transition(
        case_id, Phase.ABSCHLUSS, closure_reason=ClosureReason(answers["closure_reason"]),
        on=date.fromisoformat(answers["closing_date"]),
        comment=answers.get("closure_other", ""))
    return result
