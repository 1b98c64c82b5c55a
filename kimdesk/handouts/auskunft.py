"""The Auskunft (Art. 15 DSGVO) as a readable PDF: the person's language beside German.

The content is :func:`kimdesk.vault.subject_access.collect`'s data, every category of it (the
attachments' bytes are named, not printed; what lies outside the live records is laid out by
:mod:`kimdesk.handouts.auskunft_places`). The sheet is built as a handout
template in code (title, explanations, one section per case) and drawn by the handout engine, so it
gets the same bilingual columns, right-to-left line layout and fonts as every handout. Labels come
from the handout texts (``auskunft.*``, 16 languages, drafts marked as such); what was recorded
(summaries, notes, agency names) is printed as recorded, in both columns.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from kimdesk.handouts.auskunft_places import add_places, add_remains
from kimdesk.handouts.data import HandoutData, handout_language, printable_name
from kimdesk.handouts.sheet import Sheet
from kimdesk.handouts.sheet import code as _code
from kimdesk.handouts.sheet import day as _day
from kimdesk.handouts.sheet import size as _size
from kimdesk.handouts.templates import SOURCE_LANGUAGE, Template, load_texts


def _name(person: dict[str, Any]) -> str:
    """As on a handout (:func:`~kimdesk.handouts.data.printable_name`); the JSON beside the
    sheet keeps the name as written, also in a script the fonts lack."""
    return printable_name(
        f"{person.get('given_name', '')} {person.get('family_name', '')}".strip(),
        f"{person.get('given_name_latin', '')} {person.get('family_name_latin', '')}".strip())


def _join(values: list[str] | None) -> str:
    return ", ".join(v for v in values or [] if v)


def _codes(values: list[str] | None) -> str:
    return ", ".join(_code(v) for v in values or [] if v)


def _minutes(value: Any) -> str:
    """"45 min", or nothing where the duration was not recorded (None)."""
    return f"{value} min" if value is not None else ""


def _case_lines(case: dict[str, Any]) -> dict[str, list[str]]:
    consultations = [
        # as recorded: the title when there is one, the duration only when it was recorded
        " · ".join(p for p in (_day(c["date"]), c.get("title", ""), _code(c.get("place")),
                               _minutes(c.get("duration_minutes")), c.get("summary", ""))
                   if p)
        + (" · " + "; ".join(f"{k}: {v}" for k, v in sorted(c["answers"].items()))
           if c.get("answers") else "")
        for c in case["consultations"]
    ]
    goals = [" · ".join(p for p in (g.get("goal", ""), g.get("steps", ""),
                                    g.get("responsible", ""), _code(g.get("status"))) if p)
             for g in case["goals"]]
    referrals = [" · ".join(p for p in (_day(r.get("referred_on")), r.get("agency_name", ""),
                                        _code(r.get("agency_type")), _code(r.get("status")),
                                        r.get("note", "")) if p)
                 for r in case["referrals"]]
    notes = [f"{_day(n.get('created_at'))}: {n.get('text', '')}" for n in case["notes"]]
    # the files are in the JSON (base64); the sheet names them
    files = [" · ".join((a.get("file_name", ""), a.get("media_type", ""),
                         _size(int(a.get("size") or 0)), _day(a.get("created_at"))))
             for a in case.get("attachments", [])]
    # the phase changes and structural gaps are in the JSON too (the sheet showed only the
    # current phase until 2026-12-07); ">" as the bundled fonts have no arrow
    transitions = [" · ".join(p for p in (_day(t.get("at")), " > ".join(
        _code(v) for v in (t.get("from_phase"), t.get("to_phase")) if v), t.get("by", ""),
        _code(t.get("closure_reason")), t.get("comment", "")) if p)
        for t in case.get("phase_transitions", [])]
    gaps = [" · ".join(p for p in (_day(g.get("observed_on")), _code(g.get("category")),
                                   _codes(g.get("agencies")), _codes(g.get("rechtskreise")),
                                   g.get("description", "")) if p)
            for g in case.get("structural_gaps", [])]
    return {"auskunft.consultations": consultations, "auskunft.goals": goals,
            "auskunft.referrals": referrals, "auskunft.notes": notes,
            "auskunft.attachments": files, "auskunft.transitions": transitions,
            "auskunft.gaps": gaps}


def build(auskunft: dict[str, Any]) -> tuple[Template, HandoutData]:
    """The sheet's template and its values."""
    sheet = Sheet()
    person = auskunft["person"]
    for kind, key in (("title", "auskunft.title"), ("paragraph", "auskunft.intro"),
                      ("paragraph", "auskunft.purpose"), ("heading", "auskunft.person")):
        sheet.block(kind, key)
    sheet.field("common.name", _name(person))
    sheet.field("auskunft.birth", _day(person.get("birth_date"))
                or str(person.get("birth_year") or ""))
    sheet.field("auskunft.nationality", _join(person.get("nationalities")))
    sheet.field("auskunft.languages", _join(person.get("languages")))
    sheet.field("auskunft.residence", _code(person.get("residence_status")))
    sheet.field("auskunft.contact", " · ".join(p for p in (person.get("phone"),
                                                            person.get("email")) if p))
    sheet.field("auskunft.address", person.get("address", ""))
    for case in auskunft["cases"]:
        sheet.block("heading", "auskunft.case")
        sheet.field("common.case_number", case["case_number"])
        sheet.field("auskunft.opened", _day(case.get("opened_on")))
        sheet.field("auskunft.closed", _day(case.get("closed_on")) or "—")
        sheet.field("auskunft.phase", _code(case.get("phase")))
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
    sheet.section("auskunft.consents", [
        " · ".join(p for p in (_day(c.get("given_on")), _codes(c.get("purposes")),
                               _join(c.get("recipients")),
                               f"{c.get('text_id', '')} {c.get('text_version', '')}".strip(),
                               _day(c.get("withdrawn_on"))) if p)
        for c in auskunft["consents"]])
    add_remains(sheet, auskunft.get("statistical_remains") or {})
    add_places(sheet, auskunft)
    access = Counter((e["at"][:10], e["actor"], e["action"]) for e in auskunft["audit"])
    sheet.section("auskunft.access", [f"{_day(day)} · {actor} · {action} ×{count}"
                                      for (day, actor, action), count in sorted(access.items())])
    sheet.block("paragraph", "auskunft.rights")
    template = Template(id="auskunft", title="auskunft.title", blocks=tuple(sheet.blocks),
                        path=Path())
    return template, HandoutData(values=sheet.values)


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

