"""The Auskunft sheet's sections for what the vault holds of the person outside the live records.

The JSON lists them (:mod:`kimdesk.vault.subject_traces`, ``parked``, ``statistical_remains``);
the client receives the PDF, so it lists them too (a review of 2026-12-07 found the PDF silent on
all of them). Each section appears only when the vault holds something there, after a heading
and a paragraph that say what these places are, so an Auskunft of a person with nothing held back
stays as short as before. A record's kind is named by the label of its section above (Notizen,
Fall, ...) in the reader's language, its field names by their labels and its coded values by
theirs, in each column's language (:mod:`kimdesk.handouts.auskunft_terms`; until 2026-12-07
printed as stored: ``interpreter_used: True``). A file's bytes (``content``) are named by the
attachment's name and size only, as above.
"""

from __future__ import annotations

from typing import Any

from kimdesk.handouts.auskunft_terms import Phrase, field_term, fields_phrase, join, value_phrase
from kimdesk.handouts.sheet import Sheet, day

#: A record kind's label: the heading of its section in the live listing.
KIND_LABELS = {
    "persons": "auskunft.person", "cases": "auskunft.case", "consents": "auskunft.consents",
    "consultations": "auskunft.consultations", "goals": "auskunft.goals",
    "referrals": "auskunft.referrals", "notes": "auskunft.notes",
    "attachments": "auskunft.attachments", "phase_transitions": "auskunft.transitions",
    "structural_gaps": "auskunft.gaps",
}
#: Where unsaved entries were kept (``unsaved_entries[].source``).
SOURCE_LABELS = {"lock": "auskunft.unsaved_lock", "refused_save": "auskunft.unsaved_refused",
                 "form_draft": "auskunft.unsaved_form"}
#: Fields that are links or bookkeeping, not data about the person (an attachment's
#: consultation and checksum too); the file's bytes, which the JSON carries and the sheet does
#: not print.
HIDDEN = frozenset({"id", "case_id", "person_id", "agency_id", "consultation_id", "revision",
                    "pending", "updated_at", "created_at", "deleted", "content", "sha256"})


def _listed(value: Any) -> Any:
    """The statistical remains keep lists as JSON text (``'["sgb2"]'``): as a list."""
    if isinstance(value, str) and value[:1] == "[" and value[-1:] == "]":
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def fields_text(kind: str, values: dict[str, Any]) -> Phrase:
    """``label: value; ...`` of the fields that hold data (empty ones and :data:`HIDDEN` left
    out), field names and codes worded by each column."""
    return fields_phrase(kind, {k: _listed(v) for k, v in values.items()}, HIDDEN)


def _record(sheet: Sheet, kind: str, text: Phrase) -> None:
    label = KIND_LABELS.get(kind)
    if label is None:  # a kind a later release brought: named as the server sent it
        sheet.line((f"{kind}: ", *text))
    else:
        sheet.field(label, text or "—")


def _dated(stamp: str | None, text: Phrase | str) -> Phrase:
    return join([day(stamp), text])


def add_remains(sheet: Sheet, remains: dict[str, list[dict[str, Any]]]) -> None:
    """Statistical remains of purged cases, while they are linked to the living person."""
    rows = [*remains.get("cases", []), *remains.get("events", [])]
    if rows:
        sheet.section("auskunft.remains", [fields_text("remains", row) for row in rows])


def _unsaved(sheet: Sheet, entry: dict[str, Any]) -> None:
    document = entry.get("entries") or {}
    label = SOURCE_LABELS.get(str(entry.get("source")), "auskunft.unsaved_lock")
    if entry.get("source") == "form_draft":
        from kimdesk.handouts.auskunft_forms import answers_phrase

        sheet.field(label, _dated(entry.get("saved_at"),
                                  value_phrase("", "form_id", document.get("form_id"))))
        sheet.line(answers_phrase(document.get("form_id"), document.get("form_version"),
                                  document.get("answers") or {}) or "—")
        return
    sheet.field(label, day(entry.get("saved_at")) or "—")
    parts = [("persons", document.get("person")), ("cases", document.get("case")),
             *((str(r.get("kind")), r) for r in document.get("records") or [] if r)]
    for kind, part in parts:
        if not part:
            continue
        _record(sheet, kind, fields_text(kind, part.get("changed") or {}))
        before = fields_text(kind, {k: v for k, v in (part.get("base") or {}).items()
                                    if (part.get("changed") or {}).get(k) != v})
        if before:
            sheet.field("auskunft.before", before)


def _conflict(sheet: Sheet, conflict: dict[str, Any]) -> None:
    kind, name = str(conflict.get("kind")), str(conflict.get("field", ""))
    _record(sheet, kind, (field_term(name),))
    status = "auskunft.conflict_open" if conflict.get("status") == "open" \
        else "auskunft.conflict_decided"
    sheet.field(status, day(conflict.get("created_at")) or "—")
    for label, key in (("auskunft.theirs", "theirs"), ("auskunft.mine", "mine"),
                       ("auskunft.before", "base")):
        value = conflict.get(key)
        if name == "content":
            value = "…" if value else ""  # a file: named by its attachment, not printed
        sheet.field(label, value_phrase(kind, name, value) or "—")


def add_places(sheet: Sheet, auskunft: dict[str, Any]) -> None:
    """The places outside the live records, each under its heading, or nothing at all."""
    parked = auskunft.get("parked") or []
    deleted = auskunft.get("deleted_records") or []
    unsaved = auskunft.get("unsaved_entries") or []
    conflicts = auskunft.get("sync_conflicts") or []
    earlier = auskunft.get("earlier_versions") or []
    unsent = auskunft.get("unsent_changes") or []
    refused = auskunft.get("refused_changes") or []
    if not any((parked, deleted, unsaved, conflicts, earlier, unsent, refused)):
        return
    sheet.block("heading", "auskunft.places_heading")
    sheet.block("paragraph", "auskunft.places")
    if unsaved:
        sheet.block("heading", "auskunft.unsaved")
        for entry in unsaved:
            _unsaved(sheet, entry)
    for heading, records in (("auskunft.deleted", deleted), ("auskunft.parked", parked)):
        if records:  # whole records, as stored or as received
            sheet.block("heading", heading)
            for record in records:
                data = record.get("data") or {}
                _record(sheet, record["kind"],
                        _dated(data.get("created_at"), fields_text(record["kind"], data)))
    if conflicts:
        sheet.block("heading", "auskunft.conflicts")
        for conflict in conflicts:
            _conflict(sheet, conflict)
    if earlier:
        sheet.block("heading", "auskunft.earlier")
        for version in earlier:
            _record(sheet, version["kind"],
                    fields_text(version["kind"], version.get("fields") or {}))
    if unsent:
        sheet.block("heading", "auskunft.unsent")
        for change in unsent:
            _record(sheet, change["kind"], _dated(
                change.get("batch_created_at"), fields_text(change["kind"],
                                                            change.get("fields") or {})))
    if refused:  # the record is listed above; here what the server said about it
        sheet.block("heading", "auskunft.refused")
        for refusal in refused:
            _record(sheet, refusal["kind"], _dated(refusal.get("at"),
                                                   str(refusal.get("reason") or "")))
