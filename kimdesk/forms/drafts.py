"""Drafts of forms being filled, and saving finished answers as a consultation.

A draft is saved on every pause in typing so that a crash or the auto-lock loses nothing. Drafts
live in the encrypted vault as device-local documents (JSON with form id, version and answers;
:mod:`kimdesk.vault.drafts`): they must not sync. :class:`DraftStore` is what the form widget
needs, so tests and previews can keep drafts in memory instead.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from kimdesk.forms.attachments import FormFiles, drop_missing, file_answers
from kimdesk.forms.definition import Form
from kimdesk.forms.engine import FormState, Issue, fill_metadata

if TYPE_CHECKING:
    from kimdesk.domain.models import Consultation
    from kimdesk.forms.binding import Applied
    from kimdesk.forms.registry import FormRegistry
    from kimdesk.vault.vault import Vault


class DraftStore(Protocol):
    def save(self, key: str, payload: dict[str, Any]) -> None: ...
    def load(self, key: str) -> dict[str, Any] | None: ...
    def discard(self, key: str) -> None: ...


def draft_key(case_id: str, form_id: str, consultation_id: str | None = None) -> str:
    """One draft per case and form (per consultation when editing a stored one)."""
    return f"{case_id}:{form_id}:{consultation_id or 'new'}"


def draft_payload(
    form: Form, answers: dict[str, Any], client_language: str | None
) -> dict[str, Any]:
    return {
        "form_id": form.form_id,
        "form_version": form.version,
        "answers": answers,
        "client_language": client_language,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class VaultDraftStore:
    """Drafts in the vault (encrypted with everything else, written in one transaction each)."""

    def __init__(self, vault: Vault) -> None:
        from kimdesk.vault.drafts import form_drafts

        self.vault = vault
        self._drafts = form_drafts(vault)

    def save(self, key: str, payload: dict[str, Any]) -> None:
        self._drafts.save(key, payload)

    def load(self, key: str) -> dict[str, Any] | None:
        return self._drafts.load(key)

    def discard(self, key: str) -> None:
        self._drafts.discard(key)

    def keys(self) -> list[str]:
        return self._drafts.keys()


class MemoryDraftStore:
    """Drafts in a dict (tests, previews)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def save(self, key: str, payload: dict[str, Any]) -> None:
        self.data[key] = json.loads(json.dumps(payload, default=str))

    def load(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def discard(self, key: str) -> None:
        self.data.pop(key, None)


def save_consultation(
    vault: Vault,
    case_id: str,
    form: Form,
    answers: dict[str, Any],
    *,
    on: date | None = None,
    draft_store: DraftStore | None = None,
    draft: str | None = None,
    consultation: Consultation | None = None,
    language: str | None = None,
    ui_language: str | None = None,
    applied: list[Applied] | None = None,
    files: FormFiles | None = None,
    **fields: Any,
) -> tuple[Consultation | None, list[Issue]]:
    """Store answers as a :class:`Consultation` with the form's id and version.

    Returns ``(consultation, [])``, or ``(None, issues)`` without writing when the answers are
    not valid. The draft, if named, is discarded in the same transaction. Bound answers
    (:mod:`kimdesk.forms.binding`) give the consultation its date, duration, title and summary
    and, for a new consultation, are written to the person, case and a new consent in the same
    transaction; what changed is appended to ``applied``. ``language`` is the client's (the
    consent records it), ``ui_language`` the counselor's (the title is written in it). The
    files chosen for file questions (``files.pending``) are stored with the consultation in the
    same transaction (:mod:`kimdesk.forms.attachments`)."""
    from kimdesk.domain.models import Consultation
    from kimdesk.forms.binding import apply, consultation_fields
    from kimdesk.i18n import current_language

    stored_files = ({a.id for a in vault.attachments.for_consultation(consultation.id)}
                    if consultation is not None else set())
    answers = copy.deepcopy(answers)
    drop_missing(form, answers, stored_files | set(files.pending if files else ()))
    state = FormState(form, answers)
    issues = state.issues()
    if issues:
        return None, issues
    cleaned = state.cleaned()
    fill_metadata(form, cleaned, username=vault.meta.counselor, deviceid=vault.meta.device_tag)
    bound = consultation_fields(form, cleaned, ui_language or current_language())
    if on is not None:
        bound["date"] = on
    with vault.transaction():
        archive_definition(vault, form)
        if consultation is not None:
            record = consultation.model_copy(update={"answers": cleaned, **bound, **fields})
            stored = vault.consultations.update(Consultation.model_validate(record.model_dump()))
        else:
            stored = vault.consultations.add(Consultation(**{
                "case_id": case_id, "date": date.today(), "form_id": form.form_id,
                "form_version": form.version, "answers": cleaned, **bound, **fields}))
            done = apply(vault, form, cleaned, case_id, language=language or stored.language)
            if applied is not None:
                applied.append(done)
        _store_files(vault, form, stored, files, stored_files)
        if draft_store is not None and draft:
            draft_store.discard(draft)
    return stored, []


def _store_files(vault: Vault, form: Form, stored: Consultation, files: FormFiles | None,
                 before: set[str]) -> None:
    """Store the chosen files the answers name; remove the stored ones they no longer name."""
    named = {aid: question for question, aid, _ in file_answers(form, stored.answers)}
    for aid, chosen in (files.pending.items() if files else ()):
        if aid in named and aid not in before:
            vault.attachments.store(
                case_id=stored.case_id, consultation_id=stored.id, question=named[aid],
                file_name=chosen.file_name, media_type=chosen.media_type,
                content=chosen.content, attachment_id=aid)
    for aid in before - set(named):
        vault.attachments.remove(aid)


def draft_form(registry: FormRegistry, store: DraftStore, key: str) -> Form | None:
    """The form version a draft was started with (a newer version may have arrived by sync since;
    the draft is finished in its own version). None when there is no usable draft."""
    from kimdesk.forms.registry import FormUnavailable

    payload = store.load(key)
    if not payload:
        return None
    try:
        form: Form = registry.get(str(payload.get("form_id")), str(payload.get("form_version")))
    except FormUnavailable:
        return None
    return form


def archive_definition(vault: Vault, form: Form) -> None:
    """Keep a copy of the form version in the vault the first time answers are saved with it, so
    the answers render with their own version even if that file is later gone from the device."""
    from kimdesk.vault.drafts import form_definitions

    definitions = form_definitions(vault)
    key = f"{form.form_id}@{form.version}"
    if not definitions.exists(key):
        definitions.save(key, form.definition.to_data())


def archived_definitions(vault: Vault) -> list[dict[str, Any]]:
    """Every form version archived in the vault, as plain data (for ``FormRegistry.add``)."""
    from kimdesk.vault.drafts import form_definitions

    return form_definitions(vault).documents()
