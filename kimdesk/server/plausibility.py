"""Limits a record must keep to be accepted by the server (issue 14, point 5).

Domain validation (:mod:`kimdesk.domain.models`) says what a record may contain; these limits
protect the team from one device's bad or hostile data, which would otherwise go to every device
of the team:

- **record id**: a canonical lowercase UUID. Another spelling of the same UUID would be a
  second record under a key different from its ``data.id`` (shadow duplicates).
- **record size**: at most 64 KiB of JSON. A note is text a counselor types; a 10 MB "note" is
  an attack on every device of the team. An attachment (a photo, a scanned letter a form asked
  for) may carry a file of up to 10 MiB as base64 besides those 64 KiB; a larger file is refused
  with its size in the reason (:func:`attachment_problem`), before any merge.
- **timestamps**: from 2000-01-01 to one day after the server's clock. ``updated_at`` decides
  merges; a year-9999 stamp would win every one.
- **dates** (a birth date, a case's opening or closing day, a consultation's day, the moment
  of a phase change, ...): from 1900-01-01 to 2100-12-31. A case closed on 9999-12-31 broke the
  Löschfrist run of every team (its deadline lay past the calendar's end); nobody's records
  hold such a day.
- **no NUL character** in any text. PostgreSQL's JSON functions refuse one, and a single note
  with one in its ``case_id`` made every later case deletion of its team fail (a review).
- **references**: ``case_id``, ``person_id``, ``consultation_id`` and a deletion's ``target_id``
  point into the same team; a team A case must not hang on a team B person. They are looked up
  as meant (:func:`canonical`): without the whitespace validation strips off, and a UUID in any
  spelling in its canonical form. Looked up as written, an id padded with a space was stored as
  another team's id, and an uppercase one pointed at it (found by the same review). A reference
  in another spelling than the canonical lowercase UUID is then refused: the purge compares
  stored references as text (:func:`reference_spelling_problem`).
- **parents**: a record's case (a case's or consent's person: :data:`PARENTS`) must be a record
  the server holds, or one written earlier in the same batch (:func:`parent_problem`). Accepted, a
  note for a case the server never had went to every device of the team and waited there in
  ``sync_parked`` for good: a text nobody could read or delete (a review). The app
  sends parents first (kind by kind, in batch order), and a refused change stays pending on the
  device and is sent again with its parent at the next run.

Each violation rejects that change with a reason in the receipt; the rest of the batch applies.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from functools import lru_cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

#: A record's identity: (kind, id).
Key = tuple[str, str]

MAX_RECORD_BYTES = 64 * 1024
#: The file an attachment record may carry (the client's limit too: kimdesk/domain/models.py).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
#: The JSON of an attachment record: its file as base64 and the usual record.
MAX_ATTACHMENT_RECORD_BYTES = MAX_RECORD_BYTES + 4 * -(-MAX_ATTACHMENT_BYTES // 3)
EARLIEST = "2000-01-01"
#: The plausible range of a date field (ISO dates compare as text).
EARLIEST_DAY, LATEST_DAY = "1900-01-01", "2100-12-31"
#: A NUL character as JSON writes it: after an even number of backslashes (one more would
#: make it the text "\u0000").
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Fields that point at another record of the team, and the kinds of record each can point at
#: (``target_id``: what a deletion removes, a case or a person; looked up as both whatever the
#: change's ``target_kind`` says: a later change can set another ``target_kind`` without
#: naming the target again).
REFERENCES: dict[str, tuple[str, ...]] = {
    "case_id": ("cases",), "person_id": ("persons",),
    "consultation_id": ("consultations",), "target_id": ("cases", "persons"),
}


#: The parent each kind's record must have on the server before it (field, parent kind): the
#: references the device's vault keeps as foreign keys, where a record whose parent is missing is
#: parked (``sync_parked``) instead of stored. Other links are left out on purpose: a consent's
#: or a structural gap's case is optional and no foreign key (the record is stored and shown,
#: and a purge of the case unlinks it), an attachment's consultation is no foreign key either
#: (the file is stored with its case, listed in the Auskunft and purged with the case), and a
#: deletion's target may be a case that never reached the server: it is deleted there too, and
#: its id is refused for good from then on (:mod:`.purge`).
PARENTS: dict[str, tuple[str, str]] = {
    "cases": ("person_id", "persons"), "consents": ("person_id", "persons"),
    **{kind: ("case_id", "cases") for kind in (
        "phase_transitions", "consultations", "goals", "referrals", "notes", "attachments")},
}
NOT_HELD = "{field} refers to a record the server does not hold; send that record first"


def id_problem(record_id: str) -> str | None:
    if _UUID.fullmatch(record_id):
        return None
    return "id must be a UUID in its canonical lowercase form"


def reference_spelling_problem(changed: Iterable[str], data: dict[str, Any]) -> str | None:
    """A reference (:data:`REFERENCES`) among the ``changed`` fields whose value, as it will be
    stored (``data``: the validated record), is not the id it names in its canonical spelling
    (:func:`canonical`): a UUID in upper case, in braces, as ``urn:uuid:``, or with a control
    character around it that validation keeps and :func:`canonical` strips. The purge finds
    what hangs on a case or person by comparing stored references as text; a note naming its
    case that way outlived the case's purge, and a deletion naming its target that way purged
    nothing (two reviews, 2026-12-06). Checked on the stored value, not the one sent: validation
    strips whitespace (a padded id is stored canonical), but not ``\x1c``-``\x1f``, which
    Python's ``strip`` also removes. A reference that is no UUID at all names no record."""
    for field in REFERENCES:
        if field in changed:
            value = data.get(field)
            if isinstance(value, str) and value and canonical(value) != value:
                return f"{field} must be a UUID in its canonical lowercase form"
    return None


def attachment_problem(kind: str, changed: dict[str, Any]) -> str | None:
    """An attachment whose file is over the limit (judged from its declared size and from its
    base64 content, whichever is larger: a forged size does not let a large file through)."""
    if kind != "attachments":
        return None
    content = changed.get("content")
    declared = changed.get("size")
    size = max(int(declared) if isinstance(declared, int) else 0,
               len(content) * 3 // 4 - content[-2:].count("=") if isinstance(content, str)
               else 0)
    if size > MAX_ATTACHMENT_BYTES:
        return (f"attachment too large ({size} bytes; at most {MAX_ATTACHMENT_BYTES} bytes"
                " per file)")
    return None


@lru_cache(maxsize=8)
def _latest(stamp: str) -> str:
    """The latest plausible timestamp for a push stamped ``stamp``: one day later. Cached
    because every record of a batch shares the stamp (parsing it per record was a tenth of the
    plausibility check's cost)."""
    return (datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(days=1)
            ).astimezone(UTC).isoformat()


@lru_cache(maxsize=64)
def date_fields(kind: str) -> tuple[str, ...]:
    """The fields of a record kind that hold a day or a moment, besides its own stamps."""
    from kimdesk.domain.models import RECORD_BY_KIND

    model = RECORD_BY_KIND.get(kind)
    if model is None:
        return ()
    found = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        types = (get_args(annotation) if get_origin(annotation) in (Union, UnionType)
                 else (annotation,))
        # a day, or a moment other than the record's own stamps (a phase change's ``at``),
        # judged by its day (a datetime is a date too)
        if any(isinstance(t, type) and issubclass(t, Date) for t in types) and name not in (
                "created_at", "updated_at"):
            found.append(name)
    return tuple(found)


def record_problem(text: str, data: dict[str, Any], stamp: str, kind: str = "") -> str | None:
    """Size, timestamps, dates and NUL characters of a merged record (``text`` is its
    JSON)."""
    limit = MAX_ATTACHMENT_RECORD_BYTES if kind == "attachments" else MAX_RECORD_BYTES
    # UTF-8 takes at most 4 bytes per character: a text that short cannot be too large, and
    # the encoding (a copy of every record) is only made for the long ones.
    if len(text) * 4 > limit and (size := len(text.encode())) > limit:
        return f"record too large ({size} bytes; at most {limit})"
    latest = _latest(stamp)
    for field in ("created_at", "updated_at"):
        value = str(data.get(field) or "")
        if value and not (EARLIEST <= value <= latest):
            return f"{field} {value[:40]} lies outside {EARLIEST} .. one day from now"
    for field in date_fields(kind):
        day = data.get(field)
        if isinstance(day, str) and not (EARLIEST_DAY <= day[:10] <= LATEST_DAY):
            return f"{field} {day[:40]} lies outside {EARLIEST_DAY} .. {LATEST_DAY}"
    if "\\u0000" in text and _NUL.search(text):  # the search only where one may be
        return "a text contains a NUL character"
    return None


def canonical(value: str) -> str:
    """An id as it may be meant: without the whitespace validation strips off (the stored value),
    and a UUID in any spelling (upper case, braces, ``urn:uuid:``) in its canonical form. A
    reference is looked up this way: an id padded with a space or a newline was stored as
    another team's id after the lookup by its raw text found nothing (found by a review)."""
    if _UUID.fullmatch(value):
        return value
    value = value.strip()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def reference_problem(changed: dict[str, Any], team: str, teams: dict[tuple[str, str], str]
                      ) -> str | None:
    """A reference to a record the server holds for another team (``teams``: the team of each
    referred ``(kind, id)`` the server holds). The push asks only when some record the batch
    refers to is another team's at all (:mod:`kimdesk.server.push_plan`)."""
    for field, kinds in REFERENCES.items():
        target = changed.get(field)
        if isinstance(target, str):
            target = canonical(target)
            for kind in kinds:
                if teams.get((kind, target), team) != team:
                    return f"{field} refers to a record of another team"
    return None


def parent_problem(kind: str, changed: dict[str, Any], held: Callable[[Key], bool]
                   ) -> str | None:
    """The parent reference (:data:`PARENTS`), if the change sets it, when it names no record
    the server holds (``held``: stored for the team, or written earlier in this batch). Only a
    field the change sets is looked at: a change to a note's text does not name its case again.
    An empty value names nothing and is refused like an unknown id (the device's foreign key
    refuses it too); a value that is no text is left to validation."""
    field, parent = PARENTS.get(kind, ("", ""))
    value = changed.get(field) if field else None
    if isinstance(value, str) and not held((parent, canonical(value))):
        return NOT_HELD.format(field=field)
    return None


def referenced_ids(changes: list[Any]) -> dict[str, set[str]]:
    """The ids a batch's changes point at, by the kind each can be (to look up their teams),
    minus the batch's own records (their stored team is known already). Each is looked up in
    its own kind only: a person id among the persons, not also among cases and consultations
    (three index lookups an id, and a record of another kind under the same id could decide
    the team). Pointing ``person_id`` at a case is not a reference to that case: nothing on
    the server or a device follows ``person_id`` anywhere but to a person. A deletion's target
    is looked up among cases and persons both (:data:`REFERENCES`)."""
    own = {(c.kind, c.id) for c in changes}
    found: dict[str, set[str]] = {}
    for c in changes:
        changed = c.changed
        for field, kinds in REFERENCES.items():
            value = changed.get(field)
            # Only text can be an id: a list or an object there (a malformed or hostile change)
            # is left for validation to refuse; unhashable, it broke the set (a 500, fuzzer).
            if isinstance(value, str) and value:
                value = canonical(value)
                for kind in kinds:
                    if (kind, value) not in own:
                        found.setdefault(kind, set()).add(value)
    return found
