"""The Auskunft (Art. 15 DSGVO) as a readable PDF: the person's language beside German.

The content is :func:`kimdesk.vault.subject_access.collect`'s data, every category of it (the
attachments' bytes are named, not printed; what lies outside the live records is laid out by
:mod:`kimdesk.handouts.auskunft_places`). The sheet is built as a handout
template in code (title, explanations, one section per case) and drawn by the handout engine, so it
gets the same bilingual columns, right-to-left line layout and fonts as every handout. Labels come
from the handout texts (``auskunft.*``, 16 languages, drafts marked as such); what was recorded
(summaries, notes, agency names) is printed as recorded, in both columns; field names and coded
values (phases, places, countries, yes/no) in each column's language
(:mod:`kimdesk.handouts.auskunft_terms`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from kimdesk.handouts.auskunft_places import add_places, add_remains
from kimdesk.handouts.auskunft_terms import (
    Phrase,
    Term,
    field_key,
    field_term,
    join,
    value_phrase,
)
from kimdesk.handouts.data import HandoutData, handout_language, printable_name
from kimdesk.handouts.sheet import Sheet
from kimdesk.handouts.sheet import day as _day
from kimdesk.handouts.sheet import size as _size
from kimdesk.handouts.templates import SOURCE_LANGUAGE, Template, load_texts


def _name(person: dict[str, Any]) -> str:
    """As on a handout (:func:`~kimdesk.handouts.data.printable_name`); the JSON beside the
    sheet keeps the name as written, also in a script the fonts lack."""
    return printable_name(
        f"{person.get('given_name', '')} {person.get('family_name', '')}".strip(),
        f"{person.get('given_name_latin', '')} {person.get('family_name_latin', '')}".strip())


def _join(values: list[str] | None) -> Phrase:
    """Recorded values (a consent's recipients) as a list: each its own piece, isolated when
    said (:func:`~kimdesk.handouts.auskunft_terms.say`), so the ``, `` between them follows
    the column and not an Arabic recipient's direction."""
    return join([v for v in values or [] if v], ", ")


def _minutes(value: Any) -> str:
    """"45 min", or nothing where the duration was not recorded (None)."""
    return f"{value} min" if value is not None else ""


def _v(kind: str, record: dict[str, Any], name: str) -> Phrase:
    """A stored value as the sheet prints it (codes, countries, languages, yes/no worded by
    each column; dates as the sheet's dates)."""
    return value_phrase(kind, name, record.get(name))


def _labelled(kind: str, record: dict[str, Any], name: str) -> Phrase:
    """``label: value`` where the field holds something (a value that needs its name to be
    understood: a withdrawal date, the interpreter)."""
    value = _v(kind, record, name)
    return (field_term(name), ": ", *value) if value else ()


def _answers(consultation: dict[str, Any]) -> Phrase:
    """The form's answers, ``question: answer; ...``, named by the form's own labels
    (:func:`kimdesk.handouts.auskunft_forms.answers_phrase`)."""
    from kimdesk.handouts.auskunft_forms import answers_phrase

    return answers_phrase(consultation.get("form_id"), consultation.get("form_version"),
                          consultation.get("answers") or {})


def _case_lines(case: dict[str, Any]) -> dict[str, list[Phrase]]:
    consultations = [
        # as recorded: the title when there is one, the duration only when it was recorded
        join([_day(c["date"]), c.get("title", ""), _v("consultations", c, "place"),
              c.get("place_detail", ""), _minutes(c.get("duration_minutes")),
              _labelled("consultations", c, "interpreter_language")
              or (_labelled("consultations", c, "interpreter_used")
                  if c.get("interpreter_used") else ()),
              c.get("summary", ""), _answers(c)])
        for c in case["consultations"]
    ]
    goals = [join([g.get("goal", ""), g.get("steps", ""), g.get("responsible", ""),
                   _v("goals", g, "handlungsfeld"), _labelled("goals", g, "review_on"),
                   _v("goals", g, "status")])
             for g in case["goals"]]
    referrals = [join([_day(r.get("referred_on")), r.get("agency_name", ""),
                       _v("referrals", r, "agency_type"), _v("referrals", r, "status"),
                       r.get("note", "")])
                 for r in case["referrals"]]
    notes: list[Phrase] = [(f"{_day(n.get('created_at'))}: {n.get('text', '')}",)
                           for n in case["notes"]]
    # the files are in the JSON (base64); the sheet names them
    files: list[Phrase] = [(" · ".join((a.get("file_name", ""), a.get("media_type", ""),
                                        _size(int(a.get("size") or 0)),
                                        _day(a.get("created_at")))),)
                           for a in case.get("attachments", [])]
    # the phase changes and structural gaps are in the JSON too (the sheet showed only the
    # current phase until 2026-12-07); ">" as the bundled fonts have no arrow
    transitions = [join([_day(t.get("at")), join([_v("phase_transitions", t, "from_phase"),
                                                  _v("phase_transitions", t, "to_phase")], " > "),
                         t.get("by", ""), _v("phase_transitions", t, "closure_reason"),
                         t.get("comment", "")])
                   for t in case.get("phase_transitions", [])]
    gaps = [join([_day(g.get("observed_on")), _v("structural_gaps", g, "category"),
                  _v("structural_gaps", g, "agencies"), _v("structural_gaps", g, "rechtskreise"),
                  g.get("description", "")])
            for g in case.get("structural_gaps", [])]
    return {"auskunft.consultations": consultations, "auskunft.goals": goals,
            "auskunft.referrals": referrals, "auskunft.notes": notes,
            "auskunft.attachments": files, "auskunft.transitions": transitions,
            "auskunft.gaps": gaps}


def _person(sheet: Sheet, person: dict[str, Any]) -> None:
    sheet.field("common.name", _name(person))
    sheet.field("auskunft.birth", _day(person.get("birth_date"))
                or str(person.get("birth_year") or ""))
    for name in ("gender", "nationalities", "languages", "preferred_language",
                 "residence_status"):
        value = _v("persons", person, name)
        if value or name in ("nationalities", "languages", "residence_status"):
            sheet.field(field_key(name) or name, value)
    sheet.field("auskunft.contact", " · ".join(p for p in (person.get("phone"),
                                                            person.get("email")) if p))
    sheet.field("auskunft.address", person.get("address", ""))
    if person.get("municipality"):
        sheet.field("contact.municipality", person["municipality"])


def _case(sheet: Sheet, case: dict[str, Any]) -> None:
    sheet.block("heading", "auskunft.case")
    sheet.field("common.case_number", case["case_number"])
    sheet.field("auskunft.opened", _day(case.get("opened_on")))
    sheet.field("auskunft.closed", _day(case.get("closed_on")) or "—")
    sheet.field("auskunft.phase", _v("cases", case, "phase"))
    # what else the case record holds, where it holds something (until 2026-12-07 the sheet
    # left out the closure reason, the Rechtskreise and Handlungsfelder, who keeps the case)
    for name in ("closure_reason", "rechtskreise", "handlungsfelder", "review_on",
                 "referral_source", "owner", "team", "municipality"):
        value = _v("cases", case, name)
        if value:
            sheet.field(field_key(name) or name, value)
    if case.get("next_appointment_on"):  # issue 18: the next appointment is stored data too
        sheet.field("auskunft.appointment", ", ".join(p for p in (
            f"{_day(case['next_appointment_on'])} {case.get('next_appointment_time', '')}"
            .strip(), case.get("next_appointment_place", "")) if p))
    retention = case["retention"]
    if retention.get("legal_hold"):
        sheet.block("paragraph", "auskunft.hold")
    # an open case has no date yet: the period starts when it closes
    sheet.field("auskunft.deletion", _day(retention.get("due_on")) or "—")
    for heading, lines in _case_lines(case).items():
        sheet.section(heading, lines)


def build(auskunft: dict[str, Any]) -> tuple[Template, HandoutData]:
    """The sheet's template and its values."""
    sheet = Sheet()
    for kind, key in (("title", "auskunft.title"), ("paragraph", "auskunft.intro"),
                      ("paragraph", "auskunft.purpose"), ("heading", "auskunft.person")):
        sheet.block(kind, key)
    _person(sheet, auskunft["person"])
    for case in auskunft["cases"]:
        _case(sheet, case)
    sheet.section("auskunft.consents", [
        join([_day(c.get("given_on")), _v("consents", c, "purposes"), _join(c.get("recipients")),
              _labelled("consents", c, "data_categories"),
              _labelled("consents", c, "special_categories")
              if c.get("special_categories") else (),
              f"{c.get('text_id', '')} {c.get('text_version', '')}".strip(),
              _labelled("consents", c, "withdrawn_on")])
        for c in auskunft["consents"]])
    add_remains(sheet, auskunft.get("statistical_remains") or {})
    add_places(sheet, auskunft)
    access = Counter((e["at"][:10], e["actor"], e["action"]) for e in auskunft["audit"])
    sheet.section("auskunft.access", [
        join([_day(day), actor, (Term("code", action, "AuditAction"), f" ×{count}")])
        for (day, actor, action), count in sorted(access.items())])
    sheet.block("paragraph", "auskunft.rights")
    template = Template(id="auskunft", title="auskunft.title", blocks=tuple(sheet.blocks),
                        path=Path())
    return template, HandoutData(values=sheet.values, phrases=sheet.phrases)


def auskunft_language(auskunft: dict[str, Any]) -> str:
    person = auskunft["person"]
    return handout_language(person.get("preferred_language"),
                            person.get("languages") or []) or SOURCE_LANGUAGE


def render_auskunft(auskunft: dict[str, Any], lang: str | None = None) -> bytes:
    """The PDF: the person's language (or ``lang``) beside German."""
    from kimdesk.handouts.render import prepare_template, render_pdf

    lang = lang or auskunft_language(auskunft)
    template, data = build(auskunft)
    second = load_texts(SOURCE_LANGUAGE) if lang != SOURCE_LANGUAGE else None
    return render_pdf(prepare_template(template, load_texts(lang), second, data))


def check_folder(folder: Path) -> None:
    """Raise :class:`HandoutError` if ``folder`` exists and is not a folder (``-o
    auskunft.pdf``: the export writes two files, so it takes a folder)."""
    from kimdesk.handouts.templates import HandoutError
    from kimdesk.i18n import N_

    if folder.exists() and not folder.is_dir():
        raise HandoutError(N_("{path} is not a folder: the Auskunft writes a PDF and a JSON "
                              "file into a folder."), path=str(folder))


def write_auskunft(auskunft: dict[str, Any], folder: Path, lang: str | None = None
                   ) -> tuple[Path, Path]:
    """``folder/auskunft-<case number>.pdf`` and ``.json`` (0600, written atomically; the folder
    is created 0700 if it is new; the case number as a safe file name). Returns both paths.
    The PDF is made before the folder is touched (an unknown language leaves nothing); a folder
    that cannot be made or written is a one-line error, not a traceback.

    Both files are written in full to their temporary files before either is renamed, and no
    signal is taken between the two renames (:func:`~kimdesk.vault.files.signals_held`): until
    2026-12-07 the JSON was finished first, and a full disk, a Ctrl-C or a SIGTERM while the PDF
    was written left the JSON with everything about the person behind, the command having
    failed. A folder this call created is removed again when nothing could be written into it."""
    import json

    from kimdesk.vault.files import atomic_file, file_stem, new_private_dir, signals_held

    numbers = [c["case_number"] for c in auskunft["cases"]]
    named = numbers[-1] if numbers else auskunft["person"]["id"][:8]
    stem = f"auskunft-{file_stem(named, 'person')}"
    pdf = render_auskunft(auskunft, lang)
    check_folder(folder)
    pdf_path, json_path = folder / f"{stem}.pdf", folder / f"{stem}.json"
    text = json.dumps(auskunft, ensure_ascii=False, indent=1) + "\n"
    with new_private_dir(folder), signals_held() as hold, \
            atomic_file(json_path) as json_temp, atomic_file(pdf_path) as pdf_temp:
        json_temp.write_text(text, encoding="utf-8")
        pdf_temp.write_bytes(pdf)
        hold()
    return pdf_path, json_path

