"""The sync protocol's typed messages, shared by the client engine and the server.

One set of pydantic models validates both ends, so a field renamed on one side fails the tests of
the other instead of silently dropping data. Everything here is plain data: no I/O, no Qt.

Versioning: ``PROTOCOL_VERSION`` is sent in the ``KIMdesk-Protocol`` header of every request; the
server answers 400 ``unsupported_protocol`` for a version it does not speak (it speaks every
version in ``SERVER_PROTOCOLS``: one today; a later release speaks the old and the new side by
side while devices update, docs/planned.md). Requests refuse fields they do not know, answers
ignore them (:class:`_Message`, :class:`_Answer`): a later server may add fields to its answers
without breaking the devices of the release before.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from kimdesk.domain.models import RECORD_BY_KIND

PROTOCOL_VERSION = 1
#: The versions a server of this release answers.
SERVER_PROTOCOLS: frozenset[int] = frozenset({PROTOCOL_VERSION})
PROTOCOL_HEADER = "KIMdesk-Protocol"

#: Record kinds that travel. The audit log stays on the device: it records who read what on this
#: machine, and its hash chain is local (the privacy work decides whether it is ever uploaded).
SYNC_KINDS: tuple[str, ...] = tuple(k for k in RECORD_BY_KIND if k != "audit_events")

#: Record metadata that is not merged field by field: ``revision``/``pending`` are local,
#: ``id`` identifies, timestamps are set by whoever writes last.
NON_FIELDS = frozenset({"id", "revision", "pending", "created_at", "updated_at"})

#: Default batch bounds (the server enforces the hard limits below).
BATCH_MAX_CHANGES = 2500
BATCH_MAX_BYTES = 4 * 1024 * 1024
#: The first batch of a run and the first page of a pull are smaller: while the other side
#: works on them, the next (full-sized) one is already being prepared, so a big sync starts
#: overlapping at once instead of after a full batch. Batches then grow threefold, pull pages
#: double (:mod:`kimdesk.sync.pacing`, the engine's ``_pull_all``). 200 rather than 500: the server
#: starts about 10 ms sooner, a tenth of an incremental push of 1,000 changes (median of 12
#: runs on loopback: 0.135 s against 0.145 s; a 10k push is the same either way).
FIRST_BATCH_CHANGES = 200
FIRST_PAGE = 1000
#: Hard server limits: a request larger than these is answered 413.
MAX_CHANGES_PER_BATCH = 5000
MAX_BODY_BYTES = 16 * 1024 * 1024  # compressed or not, as received
MAX_INFLATED_BYTES = 64 * 1024 * 1024
PULL_PAGE_DEFAULT = 5000
PULL_PAGE_MAX = 5000


#: The largest cursor a client may send: PostgreSQL's ``bigint`` (the change counters' type).
MAX_CURSOR = 2**63 - 1
#: Identifiers travel as text into both databases; PostgreSQL's text cannot hold NUL.
_NO_NUL = r"^[^\x00]*$"


class _Message(BaseModel):
    """A request: a field the other side does not know is refused (``422 malformed``), so a
    device never believes a field of a later release was acted on by an older server."""

    model_config = ConfigDict(extra="forbid")


class _Answer(BaseModel):
    """An answer: fields it does not know are ignored. A later server adds fields to its
    answers (docs/planned.md: the cases a pull page ends, the protocol versions a hello lists);
    until 2026-12-07 answers refused them like requests, and every device of the release before
    would have refused every answer of such a server. Ignoring is safe only for additions that
    an older device may overlook; a change in meaning needs a new protocol version."""

    model_config = ConfigDict(extra="ignore")


class ErrorCode(StrEnum):
    """Machine-readable reasons in every 4xx answer (``{"error": code, "detail": text}``), and
    in the 503 of a database outage (``unavailable``: retry later; :mod:`kimdesk.server.outage`).
    """

    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    BAD_ENCODING = "bad_encoding"
    UNAUTHORIZED = "unauthorized"
    DEVICE_REVOKED = "device_revoked"
    INVALID_CODE = "invalid_code"
    OUT_OF_ORDER = "out_of_order"
    BATCH_REUSED = "batch_reused"
    #: 409: a batch sent again whose stored receipt the server has emptied (older than it keeps
    #: receipts, :mod:`kimdesk.server.receipts`): applied long ago, never applied again; the
    #: device drops it and pulls in full.
    BATCH_EXPIRED = "batch_expired"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class ErrorBody(_Answer):
    error: ErrorCode
    detail: str = ""
    expected: int | None = None


# -- enrollment ---------------------------------------------------------------------------------
class EnrollRequest(_Message):
    """No NUL character in any field: PostgreSQL refuses one in text (a 500 before, and a
    stored NUL on SQLite; found by a review)."""

    code: str = Field(min_length=4, max_length=64, pattern=_NO_NUL)
    device_name: str = Field(default="", max_length=200, pattern=_NO_NUL)
    vault_id: str = Field(default="", max_length=64, pattern=_NO_NUL)


#: A device token: visible ASCII, as ``secrets.token_urlsafe`` makes it. It goes into every
#: request's header; one that a header cannot carry (a line break, a NUL, an umlaut) made every
#: later run fail, and the message quoted it (a review of the device against a hostile server).
_TOKEN = r"^[\x21-\x7e]+$"


class EnrollResponse(_Answer):
    device_id: str = Field(max_length=64, pattern=_NO_NUL)
    token: str = Field(min_length=16, max_length=512, pattern=_TOKEN)
    team: str = Field(max_length=200, pattern=_NO_NUL)
    server_id: str = Field(max_length=64, pattern=_NO_NUL)


# -- push ---------------------------------------------------------------------------------------
class Change(_Message):
    """One record's local change. ``changed`` holds only the fields that differ from the base,
    the record at ``base_rev``, the server revision this edit started from (0 = new record; all
    fields then). The server reads the base from its history when it needs it; ``base`` (those
    fields' values at ``base_rev``) is still accepted from older clients, and not used."""

    kind: str = Field(max_length=64, pattern=_NO_NUL)
    id: str = Field(min_length=1, max_length=64, pattern=_NO_NUL)
    base_rev: int = Field(ge=0, le=MAX_CURSOR)
    changed: dict[str, Any]
    base: dict[str, Any] = Field(default_factory=dict)
    updated_at: str = Field(default="", max_length=64)
    created_at: str = Field(default="", max_length=64)
    #: Conflict ids this change resolves (the counselor picked mine/theirs/merged).
    resolves: list[Annotated[str, Field(max_length=64, pattern=_NO_NUL)]] = Field(
        default_factory=list, max_length=1000)


class PushRequest(_Message):
    """A batch: idempotent by ``batch_id``; ``batch_seq`` numbers a device's batches 1, 2, 3..."""

    batch_id: str = Field(min_length=8, max_length=64, pattern=_NO_NUL)
    batch_seq: int = Field(ge=1, le=MAX_CURSOR)
    changes: list[Change] = Field(max_length=MAX_CHANGES_PER_BATCH)


class ChangeStatus(StrEnum):
    APPLIED = "applied"  # fast-forward: nobody else changed the record since base_rev
    MERGED = "merged"  # others changed other fields; combined field by field
    CONFLICT = "conflict"  # the same field changed on both sides; the server kept its value
    REJECTED = "rejected"  # not accepted (e.g. another team's record); see ``reason``


class ConflictInfo(_Answer):
    """The same field changed on two sides. ``theirs`` stays in the record until a counselor
    resolves the conflict; ``mine`` (the losing value) is kept here and in the record history."""

    id: str
    kind: str
    record_id: str
    field: str
    base: Any = None
    theirs: Any = None
    mine: Any = None
    device_id: str = ""
    status: str = "open"  # open | resolved
    created_at: str = ""


class ChangeResult(_Answer):
    kind: str
    id: str
    status: ChangeStatus
    rev: int = 0
    seq: int = 0
    deleted: bool = False
    #: The record as the server now holds it; left out when ``same`` (stored exactly as sent).
    data: dict[str, Any] | None = None
    same: bool = False
    reason: str = ""


class TeamState(_Answer):
    """Divergence check: ``digest`` is sha256 over the sorted lines ``kind/id/rev`` (empty when
    the device asked for count and change number only: ``GET /v1/state?digest=false``)."""

    count: int
    digest: str
    seq: int


class PushReceipt(_Answer):
    batch_id: str
    batch_seq: int
    results: list[ChangeResult]
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    server_seq: int = 0
    #: The team's count and change number read right after this batch (as ``GET /v1/state?
    #: digest=false`` would), when the device asked (``POST /v1/push?state=true``, on the last
    #: batch of a run): its quick divergence check then needs no request of its own. Not
    #: stored with the receipt: a batch sent again gets the state of then.
    state: TeamState | None = None


# -- pull ---------------------------------------------------------------------------------------
class RemoteRecord(_Answer):
    kind: str
    id: str
    rev: int
    seq: int
    deleted: bool
    data: dict[str, Any]


class PullPage(_Answer):
    records: list[RemoteRecord]
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    next_cursor: int
    more: bool
    #: Not sent: by kind, the ids of the records whose model validated their data on this
    #: device (:mod:`kimdesk.sync.received`); the vault writes those without pydantic. Per page,
    #: not per record: a private attribute read through pydantic costs 4 us a record.
    _checked: dict[str, set[str]] = PrivateAttr(default_factory=dict)

    @property
    def checked(self) -> dict[str, set[str]]:
        return self._checked


#: How often a device runs the full divergence check (hashing every record on both ends); the
#: syncs in between compare count and change number only (kimdesk/sync/engine.py).
FULL_CHECK_SECONDS = 24 * 3600.0


class ReferenceItem(_Answer):
    """Reference data that flows down only: form definitions, code lists, the agency directory,
    handout templates."""

    kind: str  # form | codelist | agency | handout_template
    key: str
    version: int
    seq: int
    team: str = ""
    data: Any = None
    deleted: bool = False


class ReferencePage(_Answer):
    items: list[ReferenceItem]
    next_cursor: int
    more: bool


class Hello(_Answer):
    protocol: int
    server_id: str
    server_time: str


REFERENCE_KINDS = ("form", "codelist", "agency", "handout_template", "retention_policy")


def state_digest(lines: list[str]) -> str:
    """The divergence digest over ``kind/id/rev`` lines (sorted here, so both ends agree).
    Hashed as one text: the same digest as line by line, at a fraction of the calls."""
    import hashlib

    text = "\n".join(sorted(lines)) + "\n"  # every line ends with a newline
    return hashlib.sha256(text.encode()).hexdigest()
