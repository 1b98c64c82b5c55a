"""Synthetic demo data: realistic clients of many origins with cases in every phase.

Everything is generated from a seed (``random.Random``), relative to today's date so the demo
looks current. Records go through the domain models' validation, then into the vault in chunks,
one transaction per chunk; the search index is rebuilt once at the end.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kimdesk.demo.names import ORIGINS, Origin
from kimdesk.domain.codes import (
    AgencyType,
    ClosureReason,
    ConsentPurpose,
    ConsultationPlace,
    GapCategory,
    Gender,
    GoalStatus,
    Handlungsfeld,
    Phase,
    Rechtskreis,
    ReferralStatus,
    ResidenceStatus,
)
from kimdesk.domain.models import (
    Agency,
    Case,
    Consent,
    Consultation,
    Goal,
    Note,
    Person,
    PhaseTransition,
    Record,
    Referral,
    StructuralGap,
)
from kimdesk.vault.repository import Repository
from kimdesk.vault.vault import Vault

MUNICIPALITIES = (
    "Gütersloh",
    "Rheda-Wiedenbrück",
    "Verl",
    "Harsewinkel",
    "Halle (Westf.)",
    "Rietberg",
    "Steinhagen",
    "Versmold",
    "Schloß Holte-Stukenbrock",
    "Herzebrock-Clarholz",
)
COUNSELORS = ("a.becker", "m.yilmaz", "s.haddad", "k.nowak", "j.schulz", "l.petrenko")
TEAMS = ("Team Nord", "Team Süd")
STATUS_BY_ORIGIN = {
    "SY": (
        ResidenceStatus.HUMANITARIAN,
        ResidenceStatus.GESTATTUNG,
        ResidenceStatus.SETTLEMENT,
        ResidenceStatus.GERMAN,
    ),
    "IQ": (ResidenceStatus.GESTATTUNG, ResidenceStatus.DULDUNG, ResidenceStatus.HUMANITARIAN),
    "AF": (ResidenceStatus.GESTATTUNG, ResidenceStatus.HUMANITARIAN, ResidenceStatus.DULDUNG),
    "IR": (ResidenceStatus.GESTATTUNG, ResidenceStatus.HUMANITARIAN, ResidenceStatus.WORK_STUDY),
    "TR": (ResidenceStatus.SETTLEMENT, ResidenceStatus.WORK_STUDY, ResidenceStatus.GESTATTUNG),
    "UA": (ResidenceStatus.TEMPORARY_PROTECTION,),
    "RU": (ResidenceStatus.GESTATTUNG, ResidenceStatus.WORK_STUDY),
    "ER": (ResidenceStatus.HUMANITARIAN, ResidenceStatus.GESTATTUNG),
    "SO": (ResidenceStatus.HUMANITARIAN, ResidenceStatus.DULDUNG, ResidenceStatus.GESTATTUNG),
    "XK": (ResidenceStatus.WORK_STUDY, ResidenceStatus.DULDUNG, ResidenceStatus.SETTLEMENT),
}
AGENCIES = (
    ("Jobcenter Kreis Gütersloh", AgencyType.JOBCENTER, Rechtskreis.SGB_II),
    (
        "Agentur für Arbeit Bielefeld, Geschäftsstelle Gütersloh",
        AgencyType.EMPLOYMENT_AGENCY,
        Rechtskreis.SGB_III,
    ),
    ("Jugendamt Kreis Gütersloh", AgencyType.YOUTH_OFFICE, Rechtskreis.SGB_VIII),
    ("Sozialamt Stadt Gütersloh", AgencyType.SOCIAL_OFFICE, Rechtskreis.SGB_XII),
    ("Ausländerbehörde Kreis Gütersloh", AgencyType.FOREIGNERS_OFFICE, Rechtskreis.AUFENTHG),
    ("Einbürgerungsstelle Kreis Gütersloh", AgencyType.NATURALISATION_OFFICE, Rechtskreis.STAG),
    ("Volkshochschule Gütersloh – Integrationskurse", AgencyType.INTEGRATION_COURSE, None),
    ("IQ Anerkennungsberatung OWL", AgencyType.RECOGNITION_COUNSELLING, None),
    ("Migrationsberatung für Erwachsene (MBE) Caritas", AgencyType.MIGRATION_COUNSELLING, None),
    ("Schuldnerberatung Diakonie Gütersloh", AgencyType.DEBT_COUNSELLING, None),
    ("Gesundheitsamt Kreis Gütersloh", AgencyType.HEALTH, None),
)
GOALS = {
    Handlungsfeld.LANGUAGE: "Integrationskurs B1 beginnen",
    Handlungsfeld.WORK_TRAINING: "Ausbildungsplatz im Handwerk finden",
    Handlungsfeld.RECOGNITION: "Berufsabschluss anerkennen lassen",
    Handlungsfeld.HOUSING: "Eigene Wohnung finden",
    Handlungsfeld.RESIDENCE: "Aufenthaltserlaubnis verlängern",
    Handlungsfeld.KITA_SCHOOL: "Kita-Platz für das jüngste Kind",
    Handlungsfeld.HEALTH: "Hausarzt und Krankenversicherung klären",
    Handlungsfeld.DEBTS_BENEFITS: "Leistungsbescheid prüfen lassen",
    Handlungsfeld.FAMILY: "Familiennachzug vorbereiten",
    Handlungsfeld.EDUCATION: "Schulabschluss nachholen",
    Handlungsfeld.ORIENTATION: "Orientierung in Behörden und Alltag",
}
NOTES = (
    "Termin beim Jobcenter vereinbart, Unterlagen vollständig.",
    "Dolmetscherin für nächstes Gespräch angefragt.",
    "Klient wartet seit drei Monaten auf Termin bei der Ausländerbehörde.",
    "Zeugnisse liegen nur im Original vor, Übersetzung beantragt.",
    "Wohnungssuche schwierig, Mietobergrenze beachten.",
    "Rückruf der Kita-Leitung abwarten.",
)
#: Consultation titles, one per entry of NOTES (the title goes with the note drawn, so the demo's
#: random sequence, and every vault generated from a seed, stays what it was).
TITLES = (
    "Termin Jobcenter vorbereitet",
    "Folgegespräch mit Dolmetscherin",
    "Ausländerbehörde nachgefragt",
    "Anerkennung der Zeugnisse",
    "Wohnungssuche",
    "",  # a consultation without a title: the lists show the date and place only
)
PHASE_WEIGHTS = (
    (Phase.ERSTKONTAKT, 12),
    (Phase.ASSESSMENT, 15),
    (Phase.HILFEPLANUNG, 13),
    (Phase.UMSETZUNG, 35),
    (Phase.ABSCHLUSS, 25),
)
PHASE_ORDER = (Phase.ERSTKONTAKT, Phase.ASSESSMENT, Phase.HILFEPLANUNG, Phase.UMSETZUNG)


@dataclass
class DemoBatch:
    """The records of one chunk of cases, in insertion order (parents first)."""

    records: dict[type[Record], list[Record]] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records.setdefault(type(record), []).append(record)


class DemoGenerator:
    def __init__(self, seed: int | None = None, today: date | None = None) -> None:
        self.rng = random.Random(seed)
        #: Draws added later (which consultations have no recorded duration) come from their
        #: own sequence, so that the main one stays as it was for a seed.
        self.extra = random.Random(seed)
        self.today = today or date.today()
        self._origins = [o for o in ORIGINS]
        self._weights = [o.weight for o in ORIGINS]

    def _date_between(self, start: date, end: date) -> date:
        span = max((end - start).days, 0)
        return start + timedelta(days=self.rng.randint(0, span))

    def person(self) -> Person:
        rng = self.rng
        origin: Origin = rng.choices(self._origins, self._weights)[0]
        gender = rng.choices(
            (Gender.FEMALE, Gender.MALE, Gender.DIVERSE, Gender.NOT_STATED), (48, 48, 1, 3)
        )[0]
        given = rng.choice(origin.female if gender is Gender.FEMALE else origin.male)
        family = rng.choice(origin.family)
        age_days = rng.randint(16 * 365, 70 * 365)
        born = self.today - timedelta(days=age_days)
        only_year = rng.random() < 0.1
        langs = list(origin.languages) + (["de"] if rng.random() < 0.3 else [])
        nationalities = [origin.code]
        if origin.code == "SY" and rng.random() < 0.05:
            nationalities = ["XX"]  # stateless (e.g. Kurds without papers)
        municipality = rng.choice(MUNICIPALITIES)
        return Person(
            given_name=given[0],
            family_name=family[0],
            given_name_latin=given[1],
            family_name_latin=family[1],
            birth_date=None if only_year else born,
            birth_year=born.year,
            gender=gender,
            nationalities=nationalities,
            languages=langs,
            preferred_language=langs[0],
            residence_status=rng.choice(
                STATUS_BY_ORIGIN.get(origin.code, (ResidenceStatus.OTHER,))
            ),
            phone=f"+49 15{rng.randint(1, 7)} {rng.randint(1000000, 9999999)}",
            address=f"{rng.choice(('Hauptstr.', 'Bahnhofstr.', 'Lindenweg', 'Am Markt'))} "
            f"{rng.randint(1, 120)}, {municipality}",
            municipality=municipality,
        )

    def agencies(self) -> list[Agency]:
        return [
            Agency(
                name=name,
                agency_type=kind,
                rechtskreis=rk,
                municipality="Kreis Gütersloh",
                address=f"Musterstraße {i + 1}, 33330 Gütersloh",
                opening_hours="Mo–Fr 8:30–12:00, Do 14:00–17:30",
                what_to_bring="Ausweis oder Aufenthaltsdokument, Meldebescheinigung",
            )
            for i, (name, kind, rk) in enumerate(AGENCIES)
        ]

    def case_bundle(self, number: str, agencies: list[Agency], batch: DemoBatch) -> None:
        rng = self.rng
        person = self.person()
        batch.add(person)
        owner = rng.choice(COUNSELORS)
        phase = rng.choices([p for p, _ in PHASE_WEIGHTS], [w for _, w in PHASE_WEIGHTS])[0]
        opened = self._date_between(self.today - timedelta(days=3 * 365), self.today)
        fields = rng.sample(list(Handlungsfeld), rng.randint(1, 4))
        legal = rng.sample(list(Rechtskreis), rng.randint(1, 3))
        closed_on = reason = None
        if phase is Phase.ABSCHLUSS:
            closed_on = self._date_between(opened, self.today)
            reason = rng.choices(list(ClosureReason), (30, 35, 15, 12, 8))[0]
        case = Case(
            case_number=number,
            person_id=person.id,
            owner=owner,
            team=TEAMS[COUNSELORS.index(owner) % 2],
            municipality=person.municipality,
            phase=phase,
            opened_on=opened,
            closed_on=closed_on,
            closure_reason=reason,
            rechtskreise=legal,
            handlungsfelder=fields,
            review_on=None
            if closed_on
            else self._date_between(
                self.today - timedelta(days=30), self.today + timedelta(days=60)
            ),
            referral_source=rng.choice(
                (
                    "Jobcenter",
                    "Ausländerbehörde",
                    "Selbstmelder",
                    "Schule",
                    "Unterkunft",
                    "Beratungsstelle",
                )
            ),
        )
        batch.add(case)
        self._history(case, batch)
        end = closed_on or self.today
        for _ in range(rng.randint(1, 6)):
            place = rng.choices(list(ConsultationPlace), (50, 15, 10, 10, 10, 5))[0]
            interp = rng.random() < 0.4
            day = self._date_between(opened, end)
            minutes = rng.choice((30, 45, 60, 90))
            interpreter_language = person.preferred_language if interp else None
            language = person.preferred_language if interp else "de"
            note = rng.choice(NOTES)
            batch.add(
                Consultation(
                    case_id=case.id,
                    date=day,
                    title=TITLES[NOTES.index(note)],
                    # about one in ten without a recorded duration (issue 18.6)
                    duration_minutes=None if self.extra.random() < 0.1 else minutes,
                    place=place,
                    interpreter_used=interp,
                    interpreter_language=interpreter_language,
                    language=language,
                    summary=note,
                    counselor=owner,
                )
            )
        if phase not in (Phase.ERSTKONTAKT, Phase.ASSESSMENT):
            for hf in fields[: rng.randint(1, 3)]:
                batch.add(
                    Goal(
                        case_id=case.id,
                        goal=GOALS[hf],
                        handlungsfeld=hf,
                        steps="Unterlagen sammeln; Termin vereinbaren; Rückmeldung im Gespräch",
                        responsible=rng.choice(("Klient/in", "Case Management", "beide")),
                        review_on=self._date_between(opened, self.today + timedelta(days=90)),
                        status=rng.choice(list(GoalStatus)),
                    )
                )
        for _ in range(rng.randint(0, 2)):
            agency = rng.choice(agencies)
            batch.add(
                Referral(
                    case_id=case.id,
                    agency_id=agency.id,
                    agency_name=agency.name,
                    agency_type=agency.agency_type,
                    rechtskreis=agency.rechtskreis,
                    status=rng.choice(list(ReferralStatus)),
                    referred_on=self._date_between(opened, end),
                )
            )
        purposes = [ConsentPurpose.CASE_MANAGEMENT]
        recipients: list[str] = []
        if rng.random() < 0.6:
            purposes.append(ConsentPurpose.SHARE_WITH_AGENCY)
            recipients = [rng.choice(agencies).name]
        batch.add(
            Consent(
                person_id=person.id,
                case_id=case.id,
                purposes=purposes,
                recipients=recipients,
                data_categories=["Stammdaten", "Aufenthaltsstatus"],
                given_on=opened,
                language=person.preferred_language or "de",
                withdrawn_on=self._date_between(opened, end) if rng.random() < 0.03 else None,
            )
        )
        for _ in range(rng.randint(0, 2)):
            batch.add(Note(case_id=case.id, text=rng.choice(NOTES), author=owner))
        if rng.random() < 0.08:
            batch.add(
                StructuralGap(
                    case_id=case.id,
                    category=rng.choice(list(GapCategory)),
                    agencies=[rng.choice(list(AgencyType))],
                    rechtskreise=legal[:1],
                    description="Lange Wartezeiten, keine Übergabe zwischen den Stellen.",
                    observed_on=self._date_between(opened, end),
                    municipality=person.municipality,
                )
            )

    def _history(self, case: Case, batch: DemoBatch) -> None:
        target = PHASE_ORDER.index(case.phase) if case.phase in PHASE_ORDER else 3
        steps: list[Phase | None] = [None, *PHASE_ORDER[: target + 1]]
        if case.phase is Phase.ABSCHLUSS:
            steps.append(Phase.ABSCHLUSS)
        day = datetime.combine(case.opened_on, datetime.min.time(), tzinfo=UTC)
        for before, after in itertools.pairwise(steps):
            batch.add(
                PhaseTransition(
                    case_id=case.id,
                    from_phase=before,
                    to_phase=after,
                    by=case.owner,
                    at=day,
                    closure_reason=case.closure_reason if after is Phase.ABSCHLUSS else None,
                )
            )
            day += timedelta(days=self.rng.randint(3, 40))


def fill(
    vault: Vault,
    cases: int,
    seed: int | None = None,
    *,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add ``cases`` demo cases (with people and everything around them) to ``vault``."""
    gen = DemoGenerator(seed)
    repos: dict[type[Record], Repository[Any]] = {
        Person: vault.people,
        Case: vault.cases,
        PhaseTransition: vault.transitions,
        Consultation: vault.consultations,
        Goal: vault.goals,
        Referral: vault.referrals,
        Consent: vault.consents,
        Note: vault.notes,
        StructuralGap: vault.gaps,
    }
    with vault.transaction():
        agencies = vault.agencies.where() or gen.agencies()
        if not vault.agencies.count():
            vault.agencies.insert_many(agencies)
    with vault.bulk():
        done = _fill_chunks(vault, gen, repos, agencies, cases, chunk, progress)
        with vault.transaction():
            vault.audit.record("create", "demo", detail=f"{cases} demo cases, seed {seed}")
    return done


def _fill_chunks(
    vault: Vault,
    gen: DemoGenerator,
    repos: dict[type[Record], Repository[Any]],
    agencies: list[Agency],
    cases: int,
    chunk: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    done = 0
    counter = int(vault.get_meta("case_counter", "0"))
    while done < cases:
        size = min(chunk, cases - done)
        batch = DemoBatch()
        for _ in range(size):
            counter += 1
            number = f"{gen.today.year}-{vault.meta.device_tag}-{counter:06d}"
            gen.case_bundle(number, agencies, batch)
        with vault.transaction():
            last = vault.last_case_seq()
            for model, repo in repos.items():
                repo.insert_many(_stamped(batch.records.get(model, [])))
            vault.rebuild_search_index(after_seq=last)  # searchable in the same commit
            vault.set_meta("case_counter", str(counter))
        done += size
        if progress:
            progress(done, cases)
    return done


def _stamped(records: list[Record]) -> Iterator[Record]:
    stamp = datetime.now(UTC)
    for record in records:
        yield record.model_copy(update={"revision": 1, "created_at": stamp, "updated_at": stamp})
