"""What a handout prints from a case: plain values, read from the vault in one go.

:class:`HandoutData` is a plain, picklable snapshot (no vault, no Qt), so the GUI can read it on its
database worker and render on another thread, and a blank handout is simply ``HandoutData()``.
Values are printed as the counselor recorded them (a goal written in German stays German in both
columns); the client's name is printed as written and, where it differs, in Latin letters too,
because the client recognises the first and the offices use the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kimdesk.domain.models import Person
    from kimdesk.handouts.auskunft_terms import Phrase
    from kimdesk.handouts.templates import Texts
    from kimdesk.vault.vault import Vault


@dataclass(frozen=True)
class GoalRow:
    goal: str
    steps: str = ""
    responsible: str = ""
    review: str = ""


@dataclass(frozen=True)
class ReferralRow:
    agency: str
    address: str = ""
    hours: str = ""
    phone: str = ""
    bring: str = ""


@dataclass(frozen=True)
class HandoutData:
    values: dict[str, str] = field(default_factory=dict)
    goals: tuple[GoalRow, ...] = ()
    referrals: tuple[ReferralRow, ...] = ()
    preferred_language: str | None = None
    #: whether the case is this vault's counselor's own (or there is none): the dialog keeps the
    #: name typed as hers only then (kimdesk/vault/contact.py)
    own_case: bool = True
    #: values worded by each column (the Auskunft's field names and codes)
    phrases: dict[str, Phrase] = field(default_factory=dict)

    def value(self, name: str | None) -> str:
        return self.values.get(name, "") if name else ""

    def worded(self, name: str | None) -> bool:
        """Whether ``name`` is a phrase each column words: laid out in the column's direction,
        its terms and values isolated (:func:`~kimdesk.handouts.auskunft_terms.say`)."""
        return bool(name) and name in self.phrases

    def text(self, name: str | None, texts: Texts) -> str:
        """The value in the language of ``texts`` (a plain value is the same in every one)."""
        if name and name in self.phrases:
            from kimdesk.handouts.auskunft_terms import say

            return say(self.phrases[name], texts)
        return self.value(name)


def format_date(day: date | None) -> str:
    """Day.month.year: what German offices write, and unambiguous for every reader."""
    return day.strftime("%d.%m.%Y") if day else ""


def client_name(person: Person) -> str:
    return printable_name(f"{person.given_name} {person.family_name}".strip(),
                          f"{person.given_name_latin} {person.family_name_latin}".strip())


def printable_name(written: str, latin: str) -> str:
    """The name as written with its Latin form in brackets where they differ. Where the written
    form has letters no bundled font draws (Chinese, Japanese, Korean: the fonts cover Latin,
    Cyrillic, Greek, Arabic, Ethiopic, Georgian, Armenian and Hebrew), the Latin form alone: the
    sheet would print a row of empty boxes, or placeholders, before it, of use to no one (a
    review of 2026-12-07; Georgian and Armenian names printed so until their fonts were
    bundled). A vault never holds such a name without its Latin form
    (:class:`~kimdesk.domain.models.Person`)."""
    if not latin or latin == written:
        return written
    from kimdesk.handouts.fonts import uncovered

    if uncovered(written) or uncovered(written, bold=True):
        return latin
    return f"{written} ({latin})"


#: Codes a person record may carry, mapped to the handout language that serves them.
ALIASES = {"prs": "fa", "kmr": "ku", "fa-AF": "fa"}


def handout_language(preferred: str | None, languages: list[str] | tuple[str, ...]) -> str | None:
    """The first of the person's languages (preferred first) that has a handout text: a Sorani
    speaker who also reads Arabic gets Arabic, a Dari speaker Persian."""
    from kimdesk.handouts.templates import LANGUAGES

    for code in (preferred, *languages):
        code = ALIASES.get(code or "", code)
        if code in LANGUAGES:
            return code
    return None


def load_case_data(vault: Vault, case_id: str) -> HandoutData:
    """Everything the templates print about one case (run this on the vault's thread), with the
    counselor's own contact details kept in the vault (:mod:`kimdesk.vault.contact`) where the
    case is hers (its owner is this vault's counselor)."""
    from kimdesk.vault.casefile import consents_of

    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    recipients: list[str] = []
    for consent in consents_of(vault, person.id):
        if consent.active_on(date.today()):
            recipients.extend(r for r in consent.recipients if r not in recipients)
    goals = tuple(
        GoalRow(g.goal, g.steps, g.responsible, format_date(g.review_on))
        for g in vault.goals.for_case(case_id)
        if not g.deleted
    )
    referrals = []
    for ref in vault.referrals.for_case(case_id):
        if ref.deleted or str(ref.status) in ("completed", "declined"):
            continue
        agency = None
        if ref.agency_id:
            try:
                agency = vault.agencies.get(ref.agency_id)
            except Exception:  # an agency removed from the directory: print what the referral has
                agency = None
        referrals.append(
            ReferralRow(
                agency=ref.agency_name,
                address=getattr(agency, "address", "") or "",
                hours=getattr(agency, "opening_hours", "") or "",
                phone=getattr(agency, "phone", "") or "",
                bring=getattr(agency, "what_to_bring", "") or "",
            )
        )
    from kimdesk.vault.contact import kept_contact

    # her own details, kept from the dialog, on her own cases; a colleague's case prints the
    # colleague's login and lines for the phone and the hours, as before
    mine = case.owner in ("", vault.meta.counselor)
    contact = kept_contact(vault) if mine else {}
    values = {
        **contact,
        "client_name": client_name(person),
        "case_number": case.case_number,
        "counselor": contact.get("counselor") or case.owner,
        "team": case.team,
        "municipality": case.municipality or person.municipality,
        "recipients": ", ".join(recipients),
        "today": format_date(date.today()),
        # the case's next appointment (issue 18): the appointment handout prints it
        "appointment_date": format_date(case.next_appointment_on),
        "appointment_time": case.next_appointment_time,
        "appointment_place": case.next_appointment_place,
    }
    language = handout_language(person.preferred_language, person.languages)
    return HandoutData(values, goals, tuple(referrals), language, own_case=mine)


def resolve_case_id(vault: Vault, ident: str) -> str:
    """A case id from an id or a case number (what ``kimdesk show`` accepts too)."""
    from kimdesk.vault.casefile import case_id_of

    return case_id_of(vault, ident)
