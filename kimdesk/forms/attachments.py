"""Form questions that ask for a file (issue 16, item 8): ``image`` (``photo``) and ``file``.

The answer names the attachment, never holds it: ``"<attachment id>/<file name>"`` (a string, as
ODK's answer is the file name, so ``${pic} != ''`` works in expressions). The bytes go into the
vault's ``attachments`` table with the consultation (:mod:`kimdesk.vault.attachments_store`).
While a form is being filled, a chosen file is held in memory only (:class:`FormFiles`): it is
written to the vault with the consultation, in the same transaction, never to a temporary file
and never into a draft (drafts are written on every pause in typing; a 10 MiB file each time
would be wasteful). A draft restored after a crash therefore names a file it no longer has: that
answer is dropped on save and the question asks again (docs/forms.md, "Attachments").

Limits: at most :data:`MAX_BYTES` per file; the media types from the question's ``body::accept``
column (``image/*``, ``application/pdf``, ``.pdf``; an ``image`` question without it accepts
images). Each refusal is a translated :class:`~kimdesk.errors.ValidationError`.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kimdesk.domain.models import Attachment
from kimdesk.errors import ValidationError
from kimdesk.forms.definition import Field, Form
from kimdesk.i18n import N_

#: Question types that ask for a file (``photo`` is imported as ``image``).
FILE_TYPES = frozenset({"image", "file"})
MAX_BYTES = Attachment.MAX_BYTES
_ANSWER = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(.+)$",
                     re.DOTALL)


def answer_value(attachment_id: str, file_name: str) -> str:
    return f"{attachment_id}/{file_name}"


def parse_answer(value: Any) -> tuple[str, str] | None:
    """(attachment id, file name) of a file question's answer; None for anything else."""
    if not isinstance(value, str):
        return None
    match = _ANSWER.match(value)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class ChosenFile:
    """A file picked for a question (held in memory until the consultation is saved)."""

    question: str
    file_name: str
    media_type: str
    content: bytes


@dataclass
class FormFiles:
    """The files of one form being filled or shown: chosen ones (``pending``, to be stored on
    save) and stored ones read for display (``loaded``), by attachment id."""

    pending: dict[str, ChosenFile] = field(default_factory=dict)
    loaded: dict[str, ChosenFile] = field(default_factory=dict)

    def get(self, attachment_id: str) -> ChosenFile | None:
        return self.pending.get(attachment_id) or self.loaded.get(attachment_id)


def accepted(f: Field) -> list[str]:
    """The media types (or ``.ext`` endings) a question accepts; [] = any file."""
    text = f.row.xlsform.get("body::accept") or f.row.xlsform.get("control::accept") or ""
    found = [t.strip().lower() for t in text.split(",") if t.strip()]
    if not found and f.kind == "image":
        return ["image/*"]
    return found


def media_type(file_name: str) -> str:
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or "application/octet-stream"


def is_accepted(file_name: str, kind: str, patterns: list[str]) -> bool:
    if not patterns:
        return True
    name = file_name.lower()
    for pattern in patterns:
        if pattern.startswith(".") and name.endswith(pattern):
            return True
        if pattern.endswith("/*") and kind.startswith(pattern[:-1]):
            return True
        if pattern == kind:
            return True
    return False


def check_size(size: int) -> None:
    """Refuse a file over the limit before it is read into memory."""
    if size > MAX_BYTES:
        raise ValidationError(
            N_("The file is too large ({size} MiB); at most {limit} MiB can be attached."),
            field="attachment", size=f"{size / 1048576:.1f}", limit=str(MAX_BYTES // 1048576))


def check_type(f: Field, file_name: str) -> str:
    """The file's media type, or a refusal naming what the question accepts."""
    kind = media_type(file_name)
    patterns = accepted(f)
    if not is_accepted(file_name, kind, patterns):
        raise ValidationError(N_("This question accepts {types}; \"{name}\" is {type}."),
                              field="attachment", types=", ".join(patterns), name=file_name,
                              type=kind)
    return kind


def file_answers(form: Form, answers: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(question, attachment id, file name) of every file answer, repeats included."""
    kinds = {f.name: f.kind for f in form.walk()}
    stack: list[Mapping[str, Any]] = [answers]
    while stack:
        level = stack.pop()
        for name, value in level.items():
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, Mapping))
            elif kinds.get(name) in FILE_TYPES:
                parsed = parse_answer(value)
                if parsed is not None:
                    yield name, *parsed


def drop_missing(form: Form, answers: Any, known: set[str]) -> None:
    """Take out the file answers whose attachment is neither chosen now nor stored (a draft
    restored without its file): the question asks again instead of naming a lost file."""
    kinds = {f.name: f.kind for f in form.walk()}
    stack: list[Any] = [answers]
    while stack:
        level = stack.pop()
        for name in list(level):
            value = level[name]
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, dict))
            elif kinds.get(name) in FILE_TYPES:
                parsed = parse_answer(value)
                if parsed is None or parsed[0] not in known:
                    del level[name]
