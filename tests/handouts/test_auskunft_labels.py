"""The Auskunft PDF names fields and coded values in the reader's language (2026-12-07).

Before, the sheet printed stored names and codes in both columns: ``interpreter_used: True``,
``place: shelter``, ``RO``, ``in_progress``, a deleted note as ``text: …``; the client and the
data-protection officer learned little from them (Art. 12 DSGVO: "intelligible form"). The JSON
beside it keeps every key and value as stored.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml

from kimdesk.domain.codes import (
    AgencyType,
    ConsentPurpose,
    ConsultationPlace,
    GapCategory,
    GoalStatus,
    Handlungsfeld,
    Phase,
    Rechtskreis,
    ReferralStatus,
    ResidenceStatus,
)
from kimdesk.domain.models import (
    Consent,
    Consultation,
    Goal,
    Note,
    Person,
    Referral,
    StructuralGap,
)
from kimdesk.i18n import resources_dir
from tests.handouts.helpers import norm, pdftotext

TEXTS = resources_dir() / "handouts" / "texts"
#: What the sheet printed as stored before; none of it may be on the sheet now.
RAW = ("interpreter_used", "interpreter_language", "residence_status", "par24", "shelter",
       "in_progress", "foreigners_office", "share_with_agency", "case_conference", "sgb2",
       "aufenthg", "waiting_time", "work_training", "text:", "region:", "western_asia",
       "hilfeplanung", "household_size", "erstgespraech")


def _person_with_everything(vault: Any) -> str:
    """A person with a record of every kind, a deleted one, form answers and a purged case."""
    from kimdesk.vault.purge import PurgeOrder, purge_cases

    person = vault.people.add(Person(
        given_name="Lejla", family_name="Quorvandt", gender="female", nationalities=["SY"],
        languages=["ar", "uk"], preferred_language="ar",
        residence_status=ResidenceStatus.TEMPORARY_PROTECTION, phone="0170 555"))
    gone = vault.cases.open_case(person.id, opened_on=date(2024, 2, 5))
    case = vault.cases.open_case(person.id, opened_on=date(2026, 1, 12),
                                 rechtskreise=[Rechtskreis.SGB_II, Rechtskreis.AUFENTHG],
                                 handlungsfelder=[Handlungsfeld.WORK_TRAINING])
    vault.cases.transition(case.id, Phase.ASSESSMENT)
    vault.cases.transition(case.id, Phase.HILFEPLANUNG, comment="Ziele besprochen")
    answers = {"interpreter": "yes", "residence_status": "par24", "household_size": 4,
               "arrival_date": "2025-03-01"}
    talk = vault.consultations.add(Consultation(
        case_id=case.id, date=date(2026, 2, 2), place=ConsultationPlace.OUTREACH_SHELTER,
        interpreter_used=True, interpreter_language="ar", summary="Gespräch Xurbelweg",
        form_id="erstgespraech", form_version="2", answers=answers))
    vault.attachments.store(case_id=case.id, consultation_id=talk.id, question="pass",
                            file_name="pass.jpg", media_type="image/jpeg", content=b"\xff" * 50)
    vault.goals.add(Goal(case_id=case.id, goal="Sprachkurs Zelmtor",
                         status=GoalStatus.IN_PROGRESS, handlungsfeld=Handlungsfeld.LANGUAGE))
    vault.referrals.add(Referral(case_id=case.id, agency_name="ABH Musterkreis",
                                 agency_type=AgencyType.FOREIGNERS_OFFICE,
                                 status=ReferralStatus.SENT, referred_on=date(2026, 2, 3)))
    vault.gaps.add(StructuralGap(case_id=case.id, category=GapCategory.WAITING_TIME,
                                 agencies=[AgencyType.FOREIGNERS_OFFICE],
                                 description="Wartezeit Quappendamm"))
    vault.consents.add(Consent(person_id=person.id, case_id=case.id, given_on=date(2026, 1, 12),
                               purposes=[ConsentPurpose.SHARE_WITH_AGENCY,
                                         ConsentPurpose.CASE_CONFERENCE],
                               recipients=["ABH Musterkreis"], special_categories=True))
    kept = vault.notes.add(Note(case_id=case.id, text="Notiz Pelzfinger"))
    vault.notes.delete(vault.notes.add(Note(case_id=case.id, text="Notiz Gallwitz")).id)
    # a deleted consultation keeps every field (answers, interpreter) until the case goes
    vault.consultations.delete(vault.consultations.add(Consultation(
        case_id=case.id, date=date(2026, 2, 9), interpreter_used=True,
        form_id="erstgespraech", form_version="2", answers=answers)).id)
    assert kept
    purge_cases(vault, [gone.id], PurgeOrder(legal_basis="Art. 17 DSGVO", ordered_by="anna"))
    return str(person.id)


def _texts(lang: str) -> dict[str, str]:
    data = yaml.safe_load((TEXTS / f"{lang}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data["texts"].items()}


@pytest.fixture
def exported(make_vault: Any, tmp_path: Path) -> tuple[dict[str, Any], dict[str, str], Path]:
    """The Auskunft written as the command writes it, in German alone and beside Arabic and
    Ukrainian: the JSON, each PDF's text, the folder."""
    from kimdesk.handouts.auskunft import write_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    data = collect(vault, _person_with_everything(vault))
    texts: dict[str, str] = {}
    for lang in ("de", "ar", "uk"):
        pdf, json_path = write_auskunft(data, tmp_path / lang, lang)
        texts[lang] = norm(pdftotext(pdf))
        if lang == "ar":
            for page in (1, 2, 3):
                subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(page), "-l",
                                str(page), "-singlefile", str(pdf),
                                f"/tmp/auskunft-labels-ar-{page}"], check=True, timeout=300)
    stored = json.loads(json_path.read_text(encoding="utf-8"))
    return stored, texts, tmp_path


def test_the_pdf_names_fields_and_codes_in_german_arabic_and_ukrainian(
        exported: tuple[dict[str, Any], dict[str, str], Path]) -> None:
    _json, texts, _folder = exported
    de, ar, uk = texts["de"], texts["ar"], texts["uk"]
    # what was recorded, in every column
    for marker in ("Xurbelweg", "Zelmtor", "Quappendamm", "Pelzfinger", "Gallwitz"):
        assert all(marker in t for t in texts.values()), marker
    # no stored field name or code, in any language
    for lang, text in texts.items():
        assert [raw for raw in RAW if re.search(rf"(?<!\w){re.escape(raw)}", text)] == [], lang
        assert re.search(r"\bSY\b", text) is None, lang  # the country code
    # German: labels of fields, codes, countries, languages, yes/no
    for word in ("Geschlecht", "weiblich", "Syrien", "Arabisch", "Ukrainisch",
                 "Vorübergehender Schutz (§ 24 AufenthG)", "Aufsuchend: Unterkunft",
                 "Sprache der Dolmetschung: Arabisch", "in Bearbeitung", "Ausländerbehörde",
                 "vermittelt", "Wartezeit", "Notiz: Notiz Gallwitz", "Mit Dolmetschung: Ja",
                 "Wurde gedolmetscht?: Ja", "Ankunft in Deutschland: 01.03.2025",
                 "Aufenthaltsstatus: Vorübergehender Schutz", "Personen im Haushalt: 4",
                 "Herkunftsregion: Westasien (einschl. Türkei)",
                 "Umfasst besondere Kategorien von Daten: Ja",
                 "Weitergabe der nötigen Daten an die unten genannten Stellen",
                 "Rechtskreise", "SGB II (Jobcenter)", "Arbeit und Ausbildung",
                 "Sprache / Integrationskurs", "Zielvereinbarung",
                 "Formular: Erstgespräch / Clearing"):
        assert word in de, word
    # the reader's column: the same labels in Arabic and in Ukrainian
    for lang, text in (("ar", ar), ("uk", uk)):
        own = _texts(lang)
        for key in ("field.gender", "field.interpreter_used", "field.text", "field.region",
                    "field.special_categories", "field.rechtskreise", "auskunft.yes",
                    "consent.share", "consent.conference"):
            label = norm(own[key])
            # a right-to-left line wrapped in the middle of a label comes out of pdftotext in
            # pieces: there, every word of it
            assert label in text if lang == "uk" else all(
                w.strip("()") in text for w in label.split()), (lang, key)
    for word in ("سوريا", "العربية", "الأوكرانية", "هل كان هناك مترجم؟"):
        assert word in ar, word
    for word in ("Сирія", "арабська", "українська", "жіноча", "Виїзна робота: місце проживання",
                 "Чи був присутній перекладач?: Так", "Прибуття до Німеччини: 01.03.2025",
                 "Західна Азія (зокрема Туреччина)", "виконується"):
        assert word in uk, word
    # German stays beside them
    assert "Mit Dolmetschung: Ja" in ar and "Mit Dolmetschung: Ja" in uk


def test_the_json_keeps_keys_and_values_as_stored(
        exported: tuple[dict[str, Any], dict[str, str], Path]) -> None:
    stored = exported[0]
    assert stored["person"]["residence_status"] == "par24"
    assert stored["person"]["nationalities"] == ["SY"]
    [case] = stored["cases"]
    [talk] = case["consultations"]
    assert (talk["place"], talk["interpreter_used"], talk["answers"]["interpreter"]) == (
        "shelter", True, "yes")
    assert case["goals"][0]["status"] == "in_progress"
    deleted = {r["kind"]: r["data"] for r in stored["deleted_records"]}
    assert deleted["notes"]["text"] == "Notiz Gallwitz"
    assert deleted["consultations"]["answers"]["residence_status"] == "par24"
    assert stored["statistical_remains"]["cases"][0]["region"] == "western_asia"


def test_a_field_or_code_without_a_label_prints_as_stored(make_vault: Any,
                                                         tmp_path: Path) -> None:
    """A field a later release brings (held back by sync, or in a deleted record) and a code no
    list knows are printed by their stored names: nothing is dropped, nothing fails."""
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    data = collect(vault, _person_with_everything(vault))
    note = next(r for r in data["deleted_records"] if r["kind"] == "notes")
    note["data"]["kommt_spaeter"] = "Wert Fenkrath"
    note["data"]["place"] = "boot"
    data["cases"][0]["consultations"][0]["answers"]["neue_frage"] = "Antwort Kolbrand"
    data["cases"][0]["consultations"][0]["place"] = "kahn"
    for lang in ("de", "ps"):
        pdf = tmp_path / f"{lang}.pdf"
        pdf.write_bytes(render_auskunft(data, lang))
        text = norm(pdftotext(pdf))
        for raw in ("kommt_spaeter: Wert Fenkrath", "boot", "neue_frage: Antwort Kolbrand",
                    "kahn"):
            assert raw in text, (lang, raw)


def test_every_field_a_record_can_hold_has_a_label_in_every_language(make_vault: Any) -> None:
    """A field the schema gains shows up here: it needs a label (``field.<name>``, or a handout
    label it shares) in all 16 languages, or a place among the links and bookkeeping the sheet
    leaves out (:data:`~kimdesk.handouts.auskunft_places.HIDDEN`)."""
    from kimdesk.handouts.auskunft_places import HIDDEN
    from kimdesk.handouts.auskunft_terms import field_key
    from kimdesk.handouts.templates import LANGUAGES
    from kimdesk.vault.subject_traces import CASE_KINDS
    from kimdesk.vault.sync.records import synced_repositories

    vault = make_vault()
    repos = synced_repositories(vault)
    names: set[str] = set()
    for kind in ("persons", "cases", "consents", *CASE_KINDS):
        names |= set(repos[kind].model.model_fields) - HIDDEN
    for table in ("stats_cases", "stats_events"):  # the statistical remains
        names |= {row[1] for row in vault.conn.execute(f"PRAGMA table_info({table})")
                  } - {"seq", "person"}
    assert len(names) > 60
    missing = sorted(n for n in names if field_key(n) is None)
    assert missing == []
    for lang in LANGUAGES:
        texts = _texts(lang)
        assert sorted(n for n in names if not texts.get(str(field_key(n)), "").strip()) == [], \
            lang
    # real translations, not copies: the drafts differ from English in nearly every label
    english = _texts("en")
    own = [k for k in english if k.startswith("field.")]
    for lang in LANGUAGES:
        if lang in ("de", "en"):
            continue
        same = [k for k in own if _texts(lang)[k] == english[k]]
        assert len(same) <= len(own) // 10, (lang, same)
        assert yaml.safe_load((TEXTS / f"{lang}.yaml").read_text("utf-8"))["status"] == "draft"


def test_every_code_the_sheet_words_has_a_label() -> None:
    """Every code of the lists the sheet prints has a label in the app's catalogs (the seven
    interface languages) and in the handout texts of the nine other languages
    (``code.<list>.<code>``)."""
    from kimdesk.handouts.auskunft_terms import CODE_KEYS, CODE_LISTS, STATUS_LISTS, code_msgid
    from kimdesk.i18n import UI_LANGUAGES, translations

    listed: tuple[type[StrEnum], ...] = (
        AgencyType, ConsentPurpose, ConsultationPlace, GapCategory, GoalStatus, Handlungsfeld,
        Phase, Rechtskreis, ReferralStatus, ResidenceStatus)
    enums = {e.__name__: e for e in listed}
    from kimdesk.domain import codes

    enums |= {e.__name__: e for e in (codes.Gender, codes.ClosureReason, codes.ConsentForm,
                                      codes.AuditAction)}
    lists = {*CODE_LISTS.values(), *STATUS_LISTS.values()} - {"band", "region", "event"}
    assert lists <= set(enums)
    missing = [(scope, m.value) for scope in sorted(lists) for m in enums[scope]
               if code_msgid(scope, m.value) is None and (scope, m.value) not in CODE_KEYS]
    assert missing == []
    for lang in UI_LANGUAGES:
        if lang == "en":
            continue
        catalog = translations(lang)._catalog  # type: ignore[attr-defined]
        untranslated = [(scope, m.value) for scope in sorted(lists) for m in enums[scope]
                        if (msgid := code_msgid(scope, m.value)) and not catalog.get(msgid)]
        assert untranslated == [], lang
    from kimdesk.handouts.templates import LANGUAGES
    from kimdesk.stats.labels import LABELS as BANDS
    from kimdesk.stats.regions import LABELS as REGIONS

    wanted = [(scope, m.value) for scope in sorted(lists) for m in enums[scope]
              if (scope, m.value) not in CODE_KEYS]
    wanted += [("band", b) for b in ("under_3m", "3_6m", "6_12m", "12m_plus") if b in BANDS]
    wanted += [("region", r) for r in REGIONS]
    for lang in LANGUAGES:
        if lang in UI_LANGUAGES:
            continue
        texts = _texts(lang)
        assert [f"code.{s}.{c}" for s, c in wanted if not texts.get(f"code.{s}.{c}")] == [], lang


def test_a_language_without_a_catalog_prints_its_own_code_labels(make_vault: Any,
                                                                tmp_path: Path) -> None:
    """Pashto, Somali and the other languages without an interface catalog word the codes
    from their handout texts (they printed the German label before)."""
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    data = collect(vault, _person_with_everything(vault))
    for lang, words in (("so", ("Ilaalin ku meel gaar ah (§ 24 AufenthG)", "Socda",
                                "Booqasho: hoyga", "Galbeedka Aasiya")),
                        ("fr", ("Protection temporaire (§ 24 AufenthG)", "en cours",
                                "Visite : hébergement", "Asie occidentale"))):
        pdf = tmp_path / f"{lang}.pdf"
        pdf.write_bytes(render_auskunft(data, lang))
        text = norm(pdftotext(pdf))
        assert [w for w in words if w not in text] == [], lang


def test_form_answers_in_a_language_the_form_lacks(make_vault: Any, tmp_path: Path) -> None:
    """The shipped forms have de, en, ar, fa, tr, uk, ru. A Tigrinya or Somali column prints the
    form's question, answer and title in English, Pashto in Persian, Kurmanji in Turkish; the
    German column German (docs/privacy.md, "Form answers in a language the form lacks").
    Before (2026-12-07) all nine printed the German labels in both columns."""
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    data = collect(vault, _person_with_everything(vault))
    german = ("Wurde gedolmetscht?", "Personen im Haushalt", "Erstgespräch / Clearing")
    for lang, words in (
            ("ti", ("Was an interpreter present?", "People in the household",
                    "Initial interview / clearing")),
            ("so", ("Was an interpreter present?", "People in the household")),
            # (a Persian label may wrap: its words)
            ("ps", (*norm("آیا مترجم حضور داشت؟").split(), norm("تعداد افراد خانوار"))),
            ("ku", ("Tercüman var mıydı?", "Hanedeki kişi sayısı")),
            ("ro", ("Was an interpreter present?",))):
        pdf = tmp_path / f"{lang}.pdf"
        pdf.write_bytes(render_auskunft(data, lang))
        text = norm(pdftotext(pdf))
        assert [w for w in words if w not in text] == [], (lang, text[:600])
        assert [w for w in german if w not in text] == [], lang  # the counselor's column


def test_the_form_language_of_a_form_with_only_german_and_english() -> None:
    """A form of the deployment's own with de and en only: every column but German prints
    English, also Persian and Turkish (which the shipped forms have); one with German alone
    prints German."""
    from types import SimpleNamespace

    from kimdesk.handouts.auskunft_forms import form_language

    def form(*langs: str) -> Any:
        return SimpleNamespace(definition=SimpleNamespace(
            settings=SimpleNamespace(languages=list(langs))), default_language="de")

    both = form("de", "en")
    assert {lang: form_language(both, lang) for lang in ("de", "en", "ti", "ps", "ku", "fa",
                                                          "tr", "ar")} == {
        "de": "de", "en": "en", "ti": "en", "ps": "en", "ku": "en", "fa": "en", "tr": "en",
        "ar": "en"}
    shipped = form("de", "en", "ar", "fa", "tr", "uk", "ru")
    assert [form_language(shipped, lang) for lang in ("ps", "ku", "ti", "so", "bg", "ar")] == [
        "fa", "tr", "en", "en", "en", "ar"]
    assert form_language(form("de"), "ti") == "de"
    assert form_language(form(), "ti") == "de"  # no languages listed: the default
