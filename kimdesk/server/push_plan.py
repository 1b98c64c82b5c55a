"""The decision step of a push, with no database: what each change of a batch does.

Given the records as stored (loaded before) and the merge bases the server needs, every change
is checked, merged field by field, validated and numbered; the result is a :class:`PushPlan`:
the rows to write and the receipt's entries. Being pure, it is the part with the rules, and the
part the tests can reason about; :mod:`kimdesk.server.push` loads what it needs and writes it.

Numbering follows the order of the batch: each written change takes the next change number of
the team, each new conflict the one after; resolved conflicts are numbered last, in id order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json, to_json  # from_json: 2-3x json.loads on a record

from kimdesk.domain.models import RECORD_BY_KIND
from kimdesk.server import plausibility, removed_files
from kimdesk.server.common import Device, canonical_json
from kimdesk.sync.merge import FieldConflict, merge_fields
from kimdesk.sync.protocol import (
    NON_FIELDS,
    SYNC_KINDS,
    Change,
    ChangeStatus,
    ConflictInfo,
    PushRequest,
)

#: A record's identity in a batch: (kind, id).
Key = tuple[str, str]

#: Changes of one record in one batch beyond this many are refused, before anything is parsed.
#: The app never sends a record twice in a batch (its outbox takes each pending record once);
#: the server merges a few in order. Without a bound, 5,000 copies of one change to a 10 MB
#: attachment (half a megabyte sent) made the server parse, hold and answer the record 5,000
#: times: 50 GB in memory and in the receipt, and as many versions in the history when the
#: copies alternate a field (found by two reviews, 2026-12-06).
MAX_CHANGES_PER_RECORD = 3

#: A set (not a frozenset) because pydantic's ``exclude`` takes one; never changed.
_LOCAL_FIELDS: Final[set[str]] = {"revision", "pending"}


@dataclass(frozen=True)
class StoredRecord:
    """A record as the server holds it (``data`` is its JSON text; the last three: who wrote
    this version, in which batch, when; what its history row keeps once it is superseded)."""

    kind: str
    id: str
    team: str
    rev: int
    data: str
    deleted: bool
    updated_at: str
    updated_by: str = ""
    batch_id: str = ""
    written_at: str = ""


@dataclass
class PushPlan:
    """What a batch does: rows to write (in ``store.RECORD_COLUMNS`` / ``HISTORY_COLUMNS``
    order) and the receipt's results and new conflicts."""

    first_seq: int
    #: The last change number used; below ``first_seq`` when nothing was numbered.
    seq: int
    stamp: str
    results: list[dict[str, Any]] = field(default_factory=list)
    #: One row per written record: several changes to one record in a batch, the last wins.
    records: dict[Key, tuple[Any, ...]] = field(default_factory=dict)
    #: Records that did not exist before this batch (inserted; the others are updated).
    new_keys: set[Key] = field(default_factory=set)
    #: The versions this batch wrote and superseded itself (a record changed more than once).
    #: The versions stored before the batch move into the history as they are overwritten
    #: (:func:`kimdesk.server.store.update_records`).
    history: list[tuple[Any, ...]] = field(default_factory=list)
    conflicts: list[ConflictInfo] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    #: Conflict ids the batch resolves and the change number each gets.
    resolutions: list[tuple[str, int]] = field(default_factory=list)
    #: The case and the person each written record names (``case_id``, ``person_id`` of its
    #: data), for the link columns of ``records`` (:data:`kimdesk.server.db.LINK_COLUMNS`).
    links: dict[Key, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class _Merge:
    """One change merged into the stored record: the validated data and what it took."""

    data: dict[str, Any]
    merged: dict[str, Any]
    stored: dict[str, Any] | None
    changed: dict[str, Any]
    fast: bool
    conflicts: list[FieldConflict]


def touched_keys(request: PushRequest) -> tuple[dict[str, list[str]], set[Key]]:
    """The record ids a batch touches, by kind, and the records it changes more than once."""
    wanted: dict[str, list[str]] = {}
    seen: set[Key] = set()
    repeated: set[Key] = set()
    for c in request.changes:
        wanted.setdefault(c.kind, []).append(c.id)
        if (c.kind, c.id) in seen:
            repeated.add((c.kind, c.id))
        seen.add((c.kind, c.id))
    return wanted, repeated


def decide(device: Device, request: PushRequest, current: dict[Key, StoredRecord],
           bases: dict[Key, dict[str, Any]], repeated: set[Key], first_seq: int,
           stamp: str, refused: dict[Key, str] | None = None,
           ref_teams: dict[Key, str] | None = None,
           resolvable: set[str] | None = None, creations: set[Key] | None = None) -> PushPlan:
    """Decide every change of the batch. ``current`` holds the stored records the batch touches
    (it is updated for records the batch changes more than once, ``repeated``: a later change
    builds on the earlier one); ``bases`` the merge bases read from the history; ``refused``
    the changes refused with a reason before any merge (records purged under a Löschfrist,
    :mod:`kimdesk.server.purge`); ``ref_teams`` the team of each record the batch refers to
    that the server holds (:mod:`kimdesk.server.plausibility`; a parent it does not hold, nor
    this batch writes before its child, refuses the child); ``resolvable`` the conflict ids
    named in ``resolves`` that are open conflicts of the team (others are ignored: they cost
    no change number and no write; a review held the write lock for 16 s with 150,000 made-up
    ids); ``creations`` the records changed with ``base_rev`` 0 whose base in ``bases`` is
    their first revision, written by this device (:func:`kimdesk.server.push.load_bases`)."""
    decision = _Decision(device, request.batch_id, current, bases, repeated,
                         PushPlan(first_seq=first_seq, seq=first_seq - 1, stamp=stamp),
                         refused or {}, ref_teams or {}, resolvable or set(),
                         creations or set())
    for change in request.changes:
        decision.change(change)
    plan = decision.plan
    for conflict_id in sorted(decision.resolved):
        plan.seq += 1
        plan.resolutions.append((conflict_id, plan.seq))
    return plan


def result(kind: str, rid: str, status: ChangeStatus, *, rev: int = 0, seq: int = 0,
           deleted: bool = False, data: dict[str, Any] | None = None, same: bool = False,
           reason: str = "") -> dict[str, Any]:
    """One ``ChangeResult`` as the dict its JSON is written from (all fields, in order)."""
    return {"kind": kind, "id": rid, "status": status.value, "rev": rev, "seq": seq,
            "deleted": deleted, "data": data, "same": same, "reason": reason}


class _Decision:
    """The running state of :func:`decide` over one batch."""

    def __init__(self, device: Device, batch_id: str, current: dict[Key, StoredRecord],
                 bases: dict[Key, dict[str, Any]], repeated: set[Key], plan: PushPlan,
                 refused: dict[Key, str], ref_teams: dict[Key, str],
                 resolvable: set[str], creations: set[Key]) -> None:
        self.refused = refused
        self.creations = creations
        self.resolvable = resolvable
        self.ref_teams = ref_teams
        #: Whether any record the batch refers to is another team's: if none is, no change can
        #: refer across teams, and the check is skipped record by record.
        self.foreign_refs = any(team != device.team for team in ref_teams.values())
        self.device = device
        self.batch_id = batch_id
        self.current = current
        self.bases = bases
        self.repeated = repeated
        self.plan = plan
        self.resolved: set[str] = set()
        #: How many changes of each record the batch brought so far.
        self.times: dict[Key, int] = {}

    def change(self, change: Change) -> None:
        key = (change.kind, change.id)
        self.times[key] = times = self.times.get(key, 0) + 1
        if times > MAX_CHANGES_PER_RECORD:
            self._reject(change, f"record changed more than {MAX_CHANGES_PER_RECORD} times"
                                 " in one batch")
            return
        model = RECORD_BY_KIND.get(change.kind)
        if change.kind not in SYNC_KINDS or model is None:
            self._reject(change, "unknown record kind")
            return
        problem = (self.refused.get(key) or plausibility.id_problem(change.id)
                   or plausibility.attachment_problem(change.kind, change.changed)
                   or (self.foreign_refs and plausibility.reference_problem(
                       change.changed, self.device.team, self.ref_teams))
                   or plausibility.parent_problem(change.kind, change.changed, self._held))
        if problem:
            self._reject(change, problem)
            return
        row = self.current.get(key)
        if row is not None and row.team != self.device.team:
            self._reject(change, "record belongs to another team")
            return
        merge = self._merge(change, key, row, model)
        if merge is None:
            return
        # Serialised once (pydantic-core: json.dumps at a fifth of the cost), for the size check
        # and as the text that is stored.
        text = to_json(merge.data).decode()
        problem = (plausibility.record_problem(text, merge.data, self.plan.stamp, change.kind)
                   or plausibility.reference_spelling_problem(change.changed, merge.data))
        if problem:
            self._reject(change, problem)
            return
        if row is not None and merge.data == merge.stored and not merge.conflicts:
            # nothing changes: the device learns the stored record, no change number is used
            self.plan.results.append(result(change.kind, change.id, ChangeStatus.APPLIED,
                                            rev=row.rev, deleted=bool(row.deleted),
                                            data=merge.stored))
            self.resolved.update(self.resolvable.intersection(change.resolves))
            return
        self._write(change, key, row, merge, text)

    def _held(self, key: Key) -> bool:
        """Whether the server holds the record (stored for the team: another team's was refused
        before) or this batch wrote it already. A parent later in the batch, or refused in it,
        is not held: the app sends parents first, and keeps the refused child pending."""
        return key in self.ref_teams or key in self.plan.records

    def _reject(self, change: Change, reason: str) -> None:
        self.plan.results.append(result(change.kind, change.id, ChangeStatus.REJECTED,
                                        reason=reason))

    def _merge(self, change: Change, key: Key, row: StoredRecord | None,
               model: type[BaseModel]) -> _Merge | None:
        """Merge the change into the stored record and validate; None when rejected."""
        stamp = self.plan.stamp
        stored = from_json(row.data) if row is not None else None
        changed = change.changed
        if not NON_FIELDS.isdisjoint(changed):
            changed = {k: v for k, v in changed.items() if k not in NON_FIELDS}
        fast = row is None or change.base_rev >= row.rev
        base = self.bases.get(key, {})  # never the device's own ``base``: push.load_bases
        if key in self.creations:
            # base_rev 0 for a record this device created on the server (a vault restored
            # from a backup taken before its first push): it sent every field; what it
            # changed is what differs from that creation. A field it left as created keeps
            # the server's value, a colleague's edit included (before: the backup's won).
            changed = {k: v for k, v in changed.items() if base.get(k) != v}
        merged, conflicts = merge_fields(stored, changed, base, fast_forward=fast)
        conflicts = removed_files.forget_file(change.kind, merged, conflicts)
        merged["id"] = change.id
        merged["created_at"] = (stored or {}).get("created_at") or change.created_at or stamp
        merged["updated_at"] = max(
            (stored or {}).get("updated_at") or "", change.updated_at or stamp
        )
        merged.pop("revision", None)
        merged.pop("pending", None)
        # pydantic-core's validator and serializer of the model, called directly: the same
        # checks as model_validate / model_dump without their Python layer, 1 us a record
        validator, serializer = model.__pydantic_validator__, model.__pydantic_serializer__
        try:
            checked = validator.validate_python(merged | {"revision": 0, "pending": False})
        except ValidationError as exc:
            if stored is None or not changed or fast:
                # A new record, or the device's own version (nothing merged in from others):
                # invalid as sent. Before, an invalid value on a record the server held went to
                # every device of the team as an open conflict (found by a review).
                self._reject(change, _first_error(exc))
                return None
            # The merge produced an inconsistent record (e.g. one side closed the case, the
            # other changed its phase): every differing field of mine becomes a conflict.
            merged = dict(stored)
            conflicts = removed_files.forget_file(change.kind, merged, [
                fc for fc in (
                    _conflict(f, base.get(f, stored.get(f)), stored.get(f), v)
                    for f, v in changed.items()
                ) if fc is not None
            ])
            checked = validator.validate_python(merged | {"revision": 0, "pending": False})
        if conflicts and stored is not None:
            # my values of the conflicting fields go to the team outside any record: only if
            # my own version of the record is a valid one
            problem = self._own_version_problem(change.kind, model, stored, base, changed)
            if problem:
                self._reject(change, problem)
                return None
        data = serializer.to_python(checked, mode="json", exclude=_LOCAL_FIELDS)
        return _Merge(data, merged, stored, changed, fast, conflicts)

    def _own_version_problem(self, kind: str, model: type[BaseModel], stored: dict[str, Any],
                             base: dict[str, Any], changed: dict[str, Any]) -> str | None:
        """Why the device's own version of the record (its base with its changes) is not a
        valid record, if it is not: such a change is refused instead of going to every device
        of the team as conflicts. Before, an unknown field, a birth year 5000, a NUL character
        or a megabyte of nested JSON travelled that way, and a field name over 100 characters
        answered 500 on PostgreSQL (found by a review). A version that is valid on its own but
        clashes with the other side's (one closed the case, the other moved its phase) still
        becomes conflicts."""
        validator, serializer = model.__pydantic_validator__, model.__pydantic_serializer__
        own = {k: v for k, v in base.items() if v is not None or k not in changed}
        try:
            checked = validator.validate_python(
                stored | own | changed | {"revision": 0, "pending": False})
        except ValidationError as exc:
            return _first_error(exc)
        data = serializer.to_python(checked, mode="json", exclude=_LOCAL_FIELDS)
        return plausibility.record_problem(to_json(data).decode(), data, self.plan.stamp, kind)

    def _write(self, change: Change, key: Key, row: StoredRecord | None, merge: _Merge,
               text: str) -> None:
        """Number the change, plan its record and history rows, its conflicts and result
        (``text``: the JSON of ``merge.data``)."""
        plan = self.plan
        data = merge.data
        plan.seq += 1
        rev = (row.rev if row is not None else 0) + 1
        deleted = bool(data.get("deleted"))
        team, device_id = self.device.team, self.device.id
        if row is None:
            plan.new_keys.add(key)
        earlier = plan.records.get(key)
        if earlier is not None:  # this batch changed the record before: that version is history
            plan.history.append((*earlier[:4], earlier[6], *earlier[8:], plan.stamp))
        plan.records[key] = (change.kind, change.id, team, rev, plan.seq, deleted, text,
                             data["updated_at"], device_id, self.batch_id, plan.stamp)
        plan.links[key] = (data.get("case_id"), data.get("person_id"))
        self._conflicts(change, merge.conflicts)  # numbered after the record
        status = (ChangeStatus.CONFLICT if merge.conflicts
                  else ChangeStatus.APPLIED if merge.fast else ChangeStatus.MERGED)
        as_sent = status is ChangeStatus.APPLIED and _as_sent(change, row, merge)
        # the result carries the last number this change used (its last conflict's, if any)
        plan.results.append(result(change.kind, change.id, status, rev=rev, seq=plan.seq,
                                   deleted=deleted, data=None if as_sent else data,
                                   same=as_sent))
        self.resolved.update(self.resolvable.intersection(change.resolves))
        if key in self.repeated:  # a later change to the same record in this batch builds on it
            self.current[key] = StoredRecord(change.kind, change.id, team, rev, text, deleted,
                                             data["updated_at"])

    def _conflicts(self, change: Change, conflicts: list[FieldConflict]) -> None:
        """A numbered open conflict per field both sides changed (the stored value stays)."""
        plan = self.plan
        for fc in conflicts:
            plan.seq += 1
            info = ConflictInfo(
                id=uuid.uuid4().hex, kind=change.kind, record_id=change.id, field=fc.field,
                base=fc.base, theirs=fc.theirs, mine=fc.mine, device_id=self.device.id,
                status="open", created_at=plan.stamp,
            )
            plan.conflicts.append(info)
            plan.conflict_rows.append(dict(
                id=info.id, team=self.device.team, kind=info.kind, record_id=info.record_id,
                field=info.field, base=canonical_json(fc.base),
                theirs=canonical_json(fc.theirs), mine=canonical_json(fc.mine),
                device_id=self.device.id, batch_id=self.batch_id, status="open",
                seq=plan.seq, created_at=plan.stamp,
            ))


def _as_sent(change: Change, row: StoredRecord | None, merge: _Merge) -> bool:
    """A plain fast-forward stored exactly what the device sent: the receipt leaves the data
    out (the device has it), which halves a big push's response."""
    data = merge.data
    return ((row is None or change.base_rev == row.rev)
            and data["updated_at"] == change.updated_at
            and data["created_at"] == change.created_at
            and (data == merge.merged
                 or all(data.get(k) == v for k, v in merge.changed.items())))


def _conflict(field: str, base: Any, theirs: Any, mine: Any) -> FieldConflict | None:
    return None if theirs == mine else FieldConflict(field, base, theirs, mine)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg')}"[:300]
