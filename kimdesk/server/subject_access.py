"""Auskunft (Art. 15 DSGVO, § 83 SGB X) of what the sync server holds about one person.

A counselor's ``kimdesk subject-export`` answers an access request from one device. The
municipality, the controller, also runs the sync server, and the server holds more than any
device: every record of the team, every earlier version of each record (``record_history``),
the conflicts with their losing values (``conflicts``), the stored push receipts, which can
carry a merged record's data and a conflict's values (``batches``), and which device wrote what.
:func:`collect` gathers all of that for one person, for the data-protection officer; the
``kimdesk server subject-export`` command writes it as JSON (:mod:`kimdesk.cli.server`).

What is the person's, as on the device and as the purge decides it (:mod:`.purge`):
the person record; their cases (``data.person_id``); what hangs on a case (``case_id``: the
kinds of :data:`kimdesk.server.plausibility.PARENTS` whose parent is a case, and the structural
gaps recorded on it); their consents (``data.person_id``; a household member's consent that
names the case is the member's). Tombstones are listed (a deleted record keeps every field until
it is purged). For each record its earlier versions, except a version that hung on another case
or person then (a note typed into the wrong case and moved: that version is the other person's),
and the versions of records that hung on the person's case or person then and hang elsewhere now
(the purge deletes exactly those with the person, so they are hers). Devices are named with
their registered names: they are the sources and recipients of Art. 15 (1)(c).

Only records of the person's team are read. Nothing is written (:mod:`.subject_lookup`, which
also finds the person).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from kimdesk.domain.retention import CaseFacts, RetentionPolicy, due_date, policy_for
from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import db, purge, remains, subject_deleted
from kimdesk.server.plausibility import PARENTS
from kimdesk.server.retention import policies
from kimdesk.server.store import placeholder

LEGAL_BASIS = "Art. 15 DSGVO, § 83 SGB X"
#: The kinds that hang on a case: the server's parent links, and the structural gaps, whose
#: ``case_id`` is optional (no parent check) but names the case when set.
CASE_PARTS: tuple[str, ...] = (
    *(kind for kind, (_field, parent) in PARENTS.items() if parent == "cases"),
    "structural_gaps")
#: The field that makes a record (or one of its versions) hang on a case or person.
_LINK = {"cases": "person_id", "consents": "person_id",
         **{kind: "case_id" for kind in CASE_PARTS}}
_COLUMNS = "kind, id, rev, deleted, data, updated_at, updated_by, batch_id, written_at"
_CHUNK = 500
#: ids per text search of the history and the receipts (an ``OR`` of ``instr`` each)
_TEXT_CHUNK = 100

Key = tuple[str, str]


class _Reader:
    """The queries of one Auskunft, on one connection, for one team."""

    def __init__(self, conn: Connection, team: str) -> None:
        self.conn = conn
        self.team = team
        self.m = placeholder(conn)
        self.names = {str(i): str(n) for i, n in conn.exec_driver_sql(
            f"SELECT id, name FROM {db.devices.name} WHERE team = {self.m}", (team,))}

    def who(self, device_id: Any) -> dict[str, Any] | None:
        """A device by id and its registered name (a version written by the server's own
        Löschfrist run or before devices were recorded has none)."""
        if not device_id:
            return None
        return {"device_id": str(device_id), "device_name": self.names.get(str(device_id))}

    def records(self, kinds: Sequence[str], field: str, values: Sequence[str]
                ) -> list[dict[str, Any]]:
        """The team's records of ``kinds`` whose ``data.<field>`` is one of ``values``."""
        found: list[dict[str, Any]] = []
        m = self.m
        for start in range(0, len(values), _CHUNK):
            chunk = list(values[start:start + _CHUNK])
            found += [self.entry(row) for row in self.conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM {db.records.name} WHERE team = {m}"
                f" AND kind IN ({', '.join(m for _ in kinds)})"
                f" AND {purge.record_field(self.conn, field)} IN ({', '.join(m for _ in chunk)})"
                " ORDER BY kind, id", (self.team, *kinds, *chunk))]
        return found

    def person(self, person_id: str) -> dict[str, Any] | None:
        row = self.conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM {db.records.name} WHERE kind = 'persons' AND id = {self.m}"
            f" AND team = {self.m}", (person_id, self.team)).first()
        return None if row is None else self.entry(row)

    def entry(self, row: Sequence[Any]) -> dict[str, Any]:
        kind, rid, rev, deleted, data, updated_at, updated_by, batch_id, written_at = row
        return {"kind": str(kind), "id": str(rid), "rev": int(rev), "deleted": bool(deleted),
                "data": json.loads(data), "updated_at": updated_at,
                "written_at": written_at or None, "written_by": self.who(updated_by),
                "batch_id": batch_id or None, "earlier_versions": []}

    def history(self, keys: Iterable[Key]) -> list[dict[str, Any]]:
        """Every stored earlier version of the records ``keys``."""
        by_kind: dict[str, list[str]] = {}
        for kind, rid in keys:
            by_kind.setdefault(kind, []).append(rid)
        m = self.m
        rows: list[Sequence[Any]] = []
        for kind, ids in sorted(by_kind.items()):
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                rows += self.conn.exec_driver_sql(
                    f"SELECT hid, kind, id, rev, data, device_id, batch_id, at, superseded_at"
                    f" FROM {db.history.name} WHERE team = {m} AND kind = {m}"
                    f" AND id IN ({', '.join(m for _ in chunk)})",
                    (self.team, kind, *chunk)).all()
        return [self.version(row) for row in rows]

    def versions(self, hids: Sequence[int]) -> list[dict[str, Any]]:
        rows: list[Sequence[Any]] = []
        for start in range(0, len(hids), _CHUNK):
            chunk = hids[start:start + _CHUNK]
            rows += self.conn.exec_driver_sql(
                f"SELECT hid, kind, id, rev, data, device_id, batch_id, at, superseded_at"
                f" FROM {db.history.name} WHERE hid IN ({', '.join(self.m for _ in chunk)})",
                tuple(chunk)).all()
        return [self.version(row) for row in rows]

    def version(self, row: Sequence[Any]) -> dict[str, Any]:
        hid, kind, rid, rev, data, device_id, batch_id, at, superseded_at = row
        return {"hid": int(hid), "kind": str(kind), "id": str(rid), "rev": int(rev),
                "data": json.loads(data), "written_at": at, "written_by": self.who(device_id),
                "batch_id": batch_id or None, "superseded_at": superseded_at}

    def conflicts(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The conflicts, open and decided, on the records ``ids``: base, theirs, mine."""
        m = self.m
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start:start + _CHUNK])
            for row in self.conn.exec_driver_sql(
                    "SELECT id, kind, record_id, field, base, theirs, mine, device_id,"
                    f" batch_id, status, created_at, resolved_at FROM {db.conflicts.name}"
                    f" WHERE team = {m} AND record_id IN ({', '.join(m for _ in chunk)})",
                    (self.team, *chunk)):
                (cid, kind, record_id, field, base, theirs, mine, device_id, batch_id, status,
                 created_at, resolved_at) = row
                found.append({
                    "id": cid, "kind": kind, "record_id": record_id, "field": field,
                    "base": json.loads(base), "theirs": json.loads(theirs),
                    "mine": json.loads(mine), "mine_from": self.who(device_id),
                    "batch_id": batch_id or None, "status": status,
                    "created_at": created_at, "resolved_at": resolved_at})
        return sorted(found, key=lambda c: (c["created_at"], c["id"]))

    def receipts(self, ids: set[str], belongs: Callable[[Any, dict[str, Any]], bool]
                 ) -> list[dict[str, Any]]:
        """The stored push receipts of the team's devices that name one of ``ids``: what each
        holds of those records (its results and conflicts on them), nothing of other records.
        Found by a text search first, as :func:`kimdesk.server.purge.scrub_receipts` does."""
        contains = "strpos" if self.conn.dialect.name == "postgresql" else "instr"
        ordered = sorted(ids)
        m = self.m
        seen: set[tuple[str, str]] = set()
        found: list[dict[str, Any]] = []
        for start in range(0, len(ordered), _TEXT_CHUNK):
            chunk = ordered[start:start + _TEXT_CHUNK]
            for device_id, batch_id, batch_seq, created_at, receipt in self.conn.exec_driver_sql(
                    "SELECT b.device_id, b.batch_id, b.batch_seq, b.created_at, b.receipt"
                    f" FROM {db.batches.name} b JOIN {db.devices.name} d ON d.id = b.device_id"
                    f" WHERE d.team = {m}"
                    f" AND ({' OR '.join(f'{contains}(b.receipt, {m}) > 0' for _ in chunk)})",
                    (self.team, *chunk)):
                if (device_id, batch_id) in seen:
                    continue
                seen.add((device_id, batch_id))
                data = json.loads(receipt)
                results = [r for r in data.get("results", []) if r.get("id") in ids
                           and (not r.get("data") or belongs(r.get("kind"), r["data"]))]
                conflicts = [c for c in data.get("conflicts", []) if c.get("record_id") in ids]
                if results or conflicts:
                    found.append({"batch_id": batch_id, "batch_seq": int(batch_seq),
                                  "stored_at": created_at, "sent_by": self.who(device_id),
                                  "results": results, "conflicts": conflicts})
        return sorted(found, key=lambda r: (r["stored_at"], r["batch_id"]))

    def devices(self) -> list[dict[str, Any]]:
        """The team's devices ever enrolled (names, never tokens)."""
        return [{"device_id": i, "device_name": n, "enrolled_at": c, "revoked_at": r,
                 "last_seen": s} for i, n, c, r, s in self.conn.exec_driver_sql(
            f"SELECT id, name, created_at, revoked_at, last_seen FROM {db.devices.name}"
            f" WHERE team = {self.m} ORDER BY created_at, id", (self.team,))]

    def deletions(self, ids: set[str]) -> list[dict[str, Any]]:
        """Deletion records and purge notes that still name one of ``ids``."""
        m = self.m
        found: list[dict[str, Any]] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start:start + _CHUNK]
            marks = ", ".join(m for _ in chunk)
            found += [{"deletion_record": self.entry(row)} for row in self.conn.exec_driver_sql(
                f"SELECT {_COLUMNS} FROM {db.records.name} WHERE team = {m}"
                f" AND kind = 'deletions'"
                f" AND {purge.json_field(self.conn, 'target_id')} IN ({marks})",
                (self.team, *chunk))]
            found += [{"purged": {"kind": k, "id": i, "deletion_id": d, "purged_at": at}}
                      for k, i, d, at in self.conn.exec_driver_sql(
                          f"SELECT kind, id, deletion_id, purged_at FROM {db.purged.name}"
                          f" WHERE team = {m} AND id IN ({marks})", (self.team, *chunk))]
        return found


def collect(conn: Connection, team: str, person_id: str, *, server_id: str | None = None,
            purged_case: str | None = None, asked: str = "") -> dict[str, Any]:
    """The server's Auskunft about ``person_id`` of ``team`` as plain JSON-able data; for a
    deleted person also what remains of them (:mod:`.subject_deleted`). ``purged_case``: the
    case asked about where it was purged before its person was noted (``person_id`` empty);
    ``asked``: what the officer gave (a purged case's number is known only from it)."""
    read = _Reader(conn, team)
    person = read.person(person_id) if person_id else None
    purged = subject_deleted.gone(conn, team, person_id, purged_case, asked)
    gone_cases = [r["id"] for r in purged if r["kind"] == "cases"]
    cases = sorted(read.records(["cases"], "person_id", [person_id]),
                   key=lambda c: (str(c["data"].get("opened_on", "")),
                                  str(c["data"].get("case_number", "")), c["id"]))
    case_ids = [c["id"] for c in cases]
    parts = read.records(CASE_PARTS, "case_id", case_ids)
    consents = read.records(["consents"], "person_id", [person_id])
    listed = [*([person] if person else []), *cases, *parts, *consents]
    keys = {(r["kind"], r["id"]) for r in listed}
    hung = (case_ids, person_id, {person_id})
    own_cases = set(case_ids) | set(gone_cases)

    def belongs(kind: Any, data: dict[str, Any]) -> bool:
        """Whether this version of a record hung on her cases or on her then."""
        field = _LINK.get(str(kind))
        value = data.get(field) if field else None
        if not value:  # a person, or a gap on no case: it is hers by its own id
            return True
        return str(value) == person_id if field == "person_id" else str(value) in own_cases

    by_key = {(r["kind"], r["id"]): r for r in listed}
    left_out = 0
    for version in read.history(keys):
        if belongs(version["kind"], version["data"]):
            by_key[(version["kind"], version["id"])]["earlier_versions"].append(version)
        else:
            left_out += 1
    for record in listed:
        record["earlier_versions"].sort(key=lambda v: v["rev"])
    known = {v["hid"] for r in listed for v in r["earlier_versions"]}
    moved = [v for v in read.versions(purge.versions_that_hung_there(conn, team, [hung]))
             if v["hid"] not in known and belongs(v["kind"], v["data"])]
    ids = {i for _, i in keys} | {r["id"] for r in purged}
    gone_keys = {(r["kind"], r["id"]) for r in purged}
    linked = read.records(CASE_PARTS, "case_id", gone_cases)  # a gap not yet unlinked
    receipts = read.receipts(ids, belongs)
    deletions = read.deletions(ids | ({person_id} if person_id else set()))
    rules = policies(conn, team)
    for case in cases:
        case.update({part: [r for r in parts if r["kind"] == part
                            and r["data"].get("case_id") == case["id"]] for part in CASE_PARTS})
        case["retention"] = _retention(case, rules)
    return {
        "auskunft": {
            "legal_basis": LEGAL_BASIS,
            "source": "sync server",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "server_id": server_id,
            "team": team,
            "person_id": person_id or None,
            **({"case_id": purged_case} if purged_case else {}),
        },
        # deleted or not, when, on what basis, and a plain statement of what remains
        "status": subject_deleted.status(person, purged, deletions, {
            "deletions": sum("deletion_record" in d for d in deletions),
            "receipts": len(receipts), "linked": len(linked)}),
        "person": person,
        "cases": cases,
        "consents": consents,
        # versions of records that hang elsewhere now but hung on her case or on her then
        "versions_moved_away": sorted(moved, key=lambda v: (v["kind"], v["id"], v["rev"])),
        # versions of her records from when they hung on another person's case: theirs
        "versions_left_out": left_out,
        "conflicts": read.conflicts(sorted(ids)),
        "receipts": receipts,
        "recipients": read.devices(),
        "deletions": deletions,
        # of deleted records: ids noted as purged, versions and records still naming them
        "deleted_records": purged,
        "versions_of_deleted_records": sorted(
            read.history(gone_keys), key=lambda v: (v["kind"], v["id"], v["rev"])),
        "records_naming_deleted_cases": linked,
        # what purged cases of hers left for the statistics, while it is linked to her
        "statistical_remains": remains.of_person(conn, team, person_id),
    }


def _retention(case: dict[str, Any], rules: dict[str, RetentionPolicy]) -> dict[str, Any]:
    """The Löschfrist (deletion period) the server applies to the case, as its daily run
    decides it (:mod:`kimdesk.server.retention`): the due day, or None for an open case under
    a period that runs from the closure."""
    data = case["data"]
    policy = policy_for(str(data.get("municipality", "")), rules)
    contacts = [_day(r["data"].get(field)) for kind, field in (("consultations", "date"),
                                                              ("phase_transitions", "at"))
                for r in case[kind] if not r["deleted"]]
    opened = _day(data.get("opened_on"))
    due = None
    if opened is not None:
        due = due_date(CaseFacts(
            case_id=case["id"], case_number=str(data.get("case_number", "")),
            person_id=str(data.get("person_id", "")),
            municipality=str(data.get("municipality", "")), opened_on=opened,
            closed_on=_day(data.get("closed_on")),
            last_contact=max((d for d in contacts if d), default=None),
            legal_hold=str(data.get("legal_hold", "") or "")), policy)
    return {"due_on": due.isoformat() if due and due != date.max else None,
            "months": policy.months, "start": policy.start.value,
            "legal_basis": policy.legal_basis,
            "legal_hold": str(data.get("legal_hold", "") or "")}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def counts(auskunft: dict[str, Any]) -> dict[str, int]:
    """How many entries each category holds (what the command prints; no content)."""
    cases = auskunft["cases"]
    records = [*([auskunft["person"]] if auskunft["person"] else []), *cases,
               *(r for c in cases for part in CASE_PARTS for r in c[part]),
               *auskunft["consents"]]
    return {
        "persons": int(auskunft["person"] is not None),
        "cases": len(cases),
        "case_records": sum(len(c[part]) for c in cases for part in CASE_PARTS),
        "consents": len(auskunft["consents"]),
        "earlier_versions": sum(len(r["earlier_versions"]) for r in records)
        + len(auskunft["versions_moved_away"]),
        "conflicts": len(auskunft["conflicts"]),
        "receipts": len(auskunft["receipts"]),
        "recipients": len(auskunft["recipients"]),
        "deletions": len(auskunft["deletions"]),
        "deleted_records": len(auskunft["deleted_records"]),
        "remains_of_deleted": len(auskunft["versions_of_deleted_records"])
        + len(auskunft["records_naming_deleted_cases"]),
    }


def file_name(auskunft: dict[str, Any]) -> str:
    """``server-auskunft-<case number>.json``, the number of her latest case, as the device
    names its ``auskunft-<case number>.json`` (so the officer keeps the two side by side), else
    the person id's first 8 characters as there. A case number is what a device sent: any
    character but letters, digits, ``.``, ``_`` and ``-`` becomes ``_`` (no ``/`` or ``..``
    can lead the file out of the folder)."""
    numbers = [str(c["data"].get("case_number") or "") for c in auskunft["cases"]] or [
        str(c["case_number"] or "") for c in auskunft["status"]["deleted_cases"]]
    about = auskunft["auskunft"]
    stem = numbers[-1] if numbers and numbers[-1] else (
        about["person_id"] or about.get("case_id") or "")[:8]
    from kimdesk.vault.files import file_stem

    return f"server-auskunft-{file_stem(stem, 'person')}.json"


def write(auskunft: dict[str, Any], folder: Path) -> Path:
    """The Auskunft as ``folder/`` :func:`file_name` (0600, written atomically; the folder is
    created 0700 if it is new). Returns the path. A folder that cannot be made or written
    (``-o`` naming a file, no permission) is one translated line, not a traceback."""
    from kimdesk.vault.files import atomic_write, new_private_dir

    path = folder / file_name(auskunft)
    try:
        with new_private_dir(folder):
            return atomic_write(path, json.dumps(auskunft, ensure_ascii=False, indent=1) + "\n")
    except KimdeskError:
        raise
    except OSError as exc:
        raise KimdeskError(N_("Cannot write {path}: {reason}"), path=str(path),
                           reason=exc.strerror or type(exc).__name__) from None
