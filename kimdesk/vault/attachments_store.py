"""Attachments (issue 16, item 8): files a form question asked for, encrypted in the vault.

The bytes live in the ``attachments`` table as a BLOB (schema step 12), inside the SQLCipher
file like every other record: never in a temporary file, a cache or the answers' JSON (a form
answer names only the attachment's id and file name, :mod:`kimdesk.forms.attachments`). The
record model carries the content as base64, the form it has in the sync protocol's JSON; this
repository converts at the table's edge, so the vault holds the raw bytes (a third smaller).

Limits (docs/forms.md, "Attachments"): at most :data:`MAX_BYTES` per file; the media types a
question accepts come from its ``accept`` column. Removing an attachment tombstones it *and*
drops its bytes (the tombstone syncs, so the server and every device drop them too); purging a
case deletes its attachments' rows (:mod:`kimdesk.vault.purge`).
"""

from __future__ import annotations

import base64
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kimdesk.domain.attachment_bytes import decode, digest, encode
from kimdesk.domain.models import Attachment, Consultation
from kimdesk.errors import ValidationError
from kimdesk.i18n import N_
from kimdesk.vault.repository import Repository

MAX_BYTES = Attachment.MAX_BYTES

#: Columns read for listings: everything but the bytes.
_INFO = "id, case_id, consultation_id, question, file_name, media_type, size, sha256, created_at"


@dataclass(frozen=True)
class AttachmentInfo:
    """What a list of attachments shows: no bytes."""

    id: str
    case_id: str
    consultation_id: str
    question: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    created_at: str


def too_large(size: int) -> ValidationError:
    """The translated refusal of a file over the limit (the client's; the server has its own
    reason in the receipt, kimdesk/server/plausibility.py)."""
    return ValidationError(
        N_("The file is too large ({size} MiB); at most {limit} MiB can be attached."),
        field="attachment", size=f"{size / 1048576:.1f}", limit=str(MAX_BYTES // 1048576))


class AttachmentRepository(Repository[Attachment]):
    """Attachments: the model's base64 content is a BLOB in the table."""

    def __init__(self, vault: typing.Any) -> None:
        super().__init__(vault, Attachment, audited=True)
        self._content_at = self.columns.index("content")

    # -- conversion at the table's edge ---------------------------------------------------------
    def to_row(self, record: Attachment) -> list[Any]:
        row = super().to_row(record)
        row[self._content_at] = decode(row[self._content_at])
        return row

    def received_row(self, row: list[Any]) -> list[Any]:
        row[self._content_at] = decode(row[self._content_at])
        return row

    def _as_text(self, row: Sequence[Any]) -> list[Any]:
        values = list(row)
        blob = values[self._content_at]
        values[self._content_at] = base64.b64encode(bytes(blob or b"")).decode("ascii")
        return values

    def from_row(self, row: Sequence[Any]) -> Attachment:
        return super().from_row(self._as_text(row))

    def row_as_json(self, row: Sequence[Any]) -> dict[str, Any]:
        return super().row_as_json(self._as_text(row))

    # -- the API the rest of the app uses ------------------------------------------------------
    def store(self, *, case_id: str, consultation_id: str, question: str, file_name: str,
              media_type: str, content: bytes, attachment_id: str | None = None) -> AttachmentInfo:
        """Keep a file (refused over :data:`MAX_BYTES`, nothing written then)."""
        if len(content) > MAX_BYTES:
            raise too_large(len(content))
        fields: dict[str, Any] = {
            "case_id": case_id, "consultation_id": consultation_id, "question": question,
            "file_name": file_name, "media_type": media_type or "application/octet-stream",
            "size": len(content), "sha256": digest(content), "content": encode(content)}
        if attachment_id:
            fields["id"] = attachment_id
        stored = self.add(Attachment(**fields))
        return self._info_of(stored)

    def infos(self, clause: str, params: Sequence[Any]) -> list[AttachmentInfo]:
        rows = self._vault.conn.execute(
            f"SELECT {_INFO} FROM attachments WHERE deleted = 0 AND ({clause})"
            " ORDER BY created_at, seq", tuple(params)).fetchall()
        return [AttachmentInfo(*r) for r in rows]

    def for_consultation(self, consultation_id: str) -> list[AttachmentInfo]:
        return self.infos("consultation_id = ?", (consultation_id,))

    def for_case_infos(self, case_id: str) -> list[AttachmentInfo]:
        return self.infos("case_id = ?", (case_id,))

    def content(self, attachment_id: str) -> bytes:
        """The file's bytes (checked against the stored SHA-256; an audited read)."""
        record = self.get(attachment_id)
        data = decode(record.content)
        if digest(data) != record.sha256:
            raise ValidationError(N_("The stored file is damaged (its checksum differs)."),
                                  field="attachment")
        return data

    def delete(self, record_id: str) -> Attachment:
        """Tombstone the attachment and drop its bytes (the tombstone syncs, so the server and
        every device drop them too)."""
        record = self.get(record_id)
        return self.update(record.model_copy(update={"deleted": True, "content": ""}))

    def remove(self, attachment_id: str) -> None:
        self.delete(attachment_id)

    def remove_for_consultation(self, consultation_id: str) -> int:
        """Remove every attachment of a consultation (the consultation was deleted)."""
        found = self.for_consultation(consultation_id)
        with self._vault.transaction():
            for info in found:
                self.remove(info.id)
        return len(found)

    @staticmethod
    def _info_of(record: Attachment) -> AttachmentInfo:
        return AttachmentInfo(record.id, record.case_id, record.consultation_id, record.question,
                              record.file_name, record.media_type, record.size, record.sha256,
                              record.created_at.isoformat().replace("+00:00", "Z"))


class ConsultationRepository(Repository[Consultation]):
    """Consultations: deleting one removes its attachments with it (tombstoned, bytes dropped,
    in the same transaction), so a file never outlives the answers that named it."""

    def delete(self, record_id: str) -> Consultation:
        with self._vault.transaction():
            record = super().delete(record_id)
            self._vault.attachments.remove_for_consultation(record_id)
        return record
