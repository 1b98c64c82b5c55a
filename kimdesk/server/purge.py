"""Purging on the server: a deletion record removes its case or person everywhere, for good.

When a device pushes a :class:`~kimdesk.domain.models.Deletion` (or the server's own Löschfrist
run writes one), the server deletes, inside the same transaction:

- the target's current records and those that hang on it: for a case its phase changes,
  consultations, goals, referrals, notes, consents and attachments; for a person all their
  cases (with what hangs on them) and consents;
- every old version of them in ``record_history`` and their ``conflicts`` (which hold the losing
  values);
- their results and conflicts in the stored push receipts (``batches``), which would otherwise
  keep a copy of the data for idempotent replays;

and notes each id in ``purged`` (kind, id, team, deletion record, when: no personal data). A later
push of a purged id, or of a record that hangs on a purged case or person, is refused with a
reason (:func:`refusals`): a stale device cannot bring the data back. The deletion record itself
stays and is pulled by every device of the team, which then purges its own copy.

Structural gaps that named the case are left to the device that purged it (it pushes them without
the link). Storage: on SQLite the server enables ``secure_delete`` so freed pages are zeroed; on
PostgreSQL deleted row versions stay in the data files until ``VACUUM`` reuses the space and in
the WAL until it is recycled (docs/privacy.md says what to run).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine

from kimdesk.server import db, remains
from kimdesk.server.checkpoints import checkpoint
from kimdesk.server.plausibility import canonical
from kimdesk.server.store import placeholder

#: Record kinds that belong to one case through ``case_id``.
CASE_KINDS = ("phase_transitions", "consultations", "goals", "referrals", "notes", "consents",
              "attachments")
REFUSED = "purged: this record was deleted ({basis}); it cannot be sent again"


def record_field(conn: Connection, name: str) -> str:
    """SQL for a top-level text field of a row of ``records``: the column the database keeps
    of it for a link (``case_id``, ``person_id``; revision 0012: indexed and, on PostgreSQL,
    stored, so that finding a case's or a person's records reads no JSON), else
    :func:`json_field`. ``record_history`` has no such columns: its rows take
    :func:`json_field`."""
    return name if name in db.LINK_COLUMNS else json_field(conn, name)


def json_field(conn: Connection, name: str) -> str:
    """SQL for a top-level text field of a record's JSON ``data``."""
    if conn.dialect.name == "postgresql":
        return f"(data::json ->> '{name}')"
    return f"json_extract(data, '$.{name}')"


def _ids_where(conn: Connection, team: str, kinds: Iterable[str], field: str,
               values: list[str]) -> list[tuple[str, str]]:
    if not values:
        return []
    kinds = list(kinds)
    m = placeholder(conn)
    found: list[tuple[str, str]] = []
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        rows = conn.exec_driver_sql(
            f"SELECT kind, id FROM {db.records.name} WHERE team = {m}"
            f" AND kind IN ({', '.join(m for _ in kinds)})"
            f" AND {record_field(conn, field)} IN ({', '.join(m for _ in chunk)})",
            (team, *kinds, *chunk))
        found += [(str(r[0]), str(r[1])) for r in rows]
    return found


def targets(conn: Connection, team: str, target_kind: str, target_id: str
            ) -> list[tuple[str, str]]:
    """Every (kind, id) a deletion of ``target_kind/target_id`` removes, the target first."""
    if target_kind == "persons":
        cases = [i for _, i in _ids_where(conn, team, ["cases"], "person_id", [target_id])]
        keys = [("persons", target_id)] + [("cases", c) for c in cases]
        keys += _ids_where(conn, team, ["consents"], "person_id", [target_id])
    else:
        cases = [target_id]
        keys = [("cases", target_id)]
    keys += _ids_where(conn, team, [k for k in CASE_KINDS if k != "consents"], "case_id", cases)
    owners = _owners(conn, team, cases)
    keys += [(k, i) for k, i in _ids_where(conn, team, ["consents"], "case_id", cases)
             if _consent_person(conn, i) in owners]
    return list(dict.fromkeys(keys))


def _owners(conn: Connection, team: str, cases: list[str]) -> set[str]:
    """The persons the cases belong to (a consent naming the case but given by someone else,
    a household member, is theirs and stays)."""
    m = placeholder(conn)
    owners = set()
    for case in cases:
        row = conn.exec_driver_sql(
            f"SELECT data FROM {db.records.name} WHERE kind = 'cases' AND id = {m}"
            f" AND team = {m}", (case, team)).first()
        if row is not None:
            owners.add(str(json.loads(row[0]).get("person_id", "")))
    return owners


def _consent_person(conn: Connection, consent_id: str) -> str:
    m = placeholder(conn)
    row = conn.exec_driver_sql(
        f"SELECT data FROM {db.records.name} WHERE kind = 'consents' AND id = {m}",
        (consent_id,)).first()
    return str(json.loads(row[0]).get("person_id", "")) if row is not None else ""


#: A purged target as the history scan needs it: its cases, the person (None for a case) and the
#: cases' owners (:func:`versions_that_hung_there`).
Hung = tuple[list[str], str | None, set[str]]


def purge(conn: Connection, team: str, target_kind: str, target_id: str, deletion_id: str,
          stamp: str, *, defer_history: list[Hung] | None = None) -> list[tuple[str, str]]:
    """Delete the target with everything hanging on it; returns what went. ``defer_history``:
    the scan for versions that hung on the target then (:func:`delete_versions_that_hung_there`)
    is left to the caller, who runs it once for several targets (a push with many deletions)."""
    keys = targets(conn, team, target_kind, target_id)
    cases = [i for k, i in keys if k == "cases"]
    hung: Hung = (cases, target_id if target_kind == "persons" else None,
                  _owners(conn, team, cases))
    if defer_history is None:
        delete_versions_that_hung_there(conn, team, [hung])
    else:
        defer_history.append(hung)
    # the statistical remains first, from the records about to go (kimdesk/server/remains.py)
    remains.keep(conn, team, keys, target_id if target_kind == "persons" else None)
    m = placeholder(conn)
    pairs = [(k, i) for k, i in keys]
    named = _case_names(conn, team, cases)
    for table in (db.records.name, db.history.name):  # never another team's rows
        conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE kind = {m} AND id = {m} AND team = {m}",
            [(k, i, team) for k, i in pairs])
    ids = [i for _, i in keys]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.exec_driver_sql(
            f"DELETE FROM {db.conflicts.name} WHERE team = {m}"
            f" AND record_id IN ({', '.join(m for _ in chunk)})", (team, *chunk))
    known = purged_ids(conn, pairs)
    fresh = [(k, i, team, deletion_id, stamp,
              *(named.get(i, (None, None)) if k == "cases" else (None, None)))
             for k, i in pairs if (k, i) not in known]
    if fresh:
        conn.exec_driver_sql(
            f"INSERT INTO {db.purged.name} (kind, id, team, deletion_id, purged_at,"
            f" case_key, person_id) VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m})", fresh)
    scrub_receipts(conn, team, set(ids))
    return keys


def case_key(conn: Connection, team: str, number: str) -> str | None:
    """The keyed hash a ``purged`` row keeps of a case number (revision 0005): HMAC-SHA256 of
    team and number under the server's ``case_number_key``. The number itself stays off the
    server after the purge (tests/sync/test_purge_sync.py scans for it), yet the officer who
    has it finds the deletion. None before revision 0005 made the key."""
    row = conn.exec_driver_sql(
        f"SELECT value FROM {db.server_meta.name} WHERE key = 'case_number_key'").first()
    if row is None:
        return None
    return hmac.new(bytes.fromhex(str(row[0])), f"{team}\0{number.strip()}".encode(),
                    hashlib.sha256).hexdigest()


def _case_names(conn: Connection, team: str, cases: list[str]
                ) -> dict[str, tuple[str | None, str | None]]:
    """Case id -> (:func:`case_key` of its number, person id), read before the purge: a
    ``purged`` row keeps them so that an Auskunft asked by case number or person finds the
    deleted case (the person id: a pseudonym the person's deletion record keeps anyway)."""
    found: dict[str, tuple[str | None, str | None]] = {}
    m = placeholder(conn)
    for start in range(0, len(cases), 500):
        chunk = cases[start:start + 500]
        for rid, number, person in conn.exec_driver_sql(
                f"SELECT id, {json_field(conn, 'case_number')}, {record_field(conn, 'person_id')}"
                f" FROM {db.records.name} WHERE team = {m} AND kind = 'cases'"
                f" AND id IN ({', '.join(m for _ in chunk)})", (team, *chunk)):
            key = case_key(conn, team, str(number)) if number else None
            found[str(rid)] = (key, str(person) if person else None)
    return found


def delete_versions_that_hung_there(conn: Connection, team: str, purged: list[Hung]) -> None:
    """Delete the history rows of records that hung on a purged case or person in that version
    and hang elsewhere now: a note moved to another case, a case moved to another person.
    :func:`targets` finds what hangs on a case by where it hangs now, so a note moved off the
    case kept its versions from its time there (a review, 2026-12-06). The record itself stays
    with its later versions: it is the other case's now."""
    found = versions_that_hung_there(conn, team, purged)
    if found:
        conn.exec_driver_sql(f"DELETE FROM {db.history.name} WHERE hid = {placeholder(conn)}",
                             [(hid,) for hid in found])


def versions_that_hung_there(conn: Connection, team: str, purged: list[Hung]) -> list[int]:
    """The ``hid`` of those versions (the server's Auskunft lists them as the person's too:
    :mod:`kimdesk.server.subject_access`). Only a version whose own link (``case_id``, or
    ``person_id`` of a case or consent) named a purged case or person counts, not one that
    merely mentions the id in a text; a consent version naming the case counts only if it is
    the case owner's, as for current records.

    This reads the team's history of those kinds with a text filter on the ids (a scan: the
    history has no index by link; :func:`scrub_receipts` scans the receipts the same way),
    then checks each hit's JSON: once for all the targets of a push (a review measured 50
    deletions in one push at 69 ms each on 100,000 versions, scanned one by one)."""
    names = sorted({name for cases, person, _ in purged
                    for name in (*cases, *([person] if person else []))})
    if not names:
        return []
    kinds = [*CASE_KINDS, *(["cases"] if any(p for _, p, _ in purged) else [])]
    m = placeholder(conn)
    # SQLite: ``+kind`` keeps it from reading the kinds' rows through the record index one by
    # one, which took twice as long as reading the table in order (45,000 versions: 0.23 s
    # against 0.11 s); PostgreSQL plans the scan itself (0.06 s)
    contains, kind_column = (("strpos", "kind") if conn.dialect.name == "postgresql"
                             else ("instr", "+kind"))
    found: set[int] = set()
    for start in range(0, len(names), 100):
        chunk = names[start:start + 100]
        rows = conn.exec_driver_sql(
            f"SELECT hid, kind, data FROM {db.history.name} WHERE team = {m}"
            f" AND {kind_column} IN ({', '.join(m for _ in kinds)})"
            f" AND ({' OR '.join(f'{contains}(data, {m}) > 0' for _ in chunk)})",
            (team, *kinds, *chunk))
        for hid, kind, text in rows:
            data = json.loads(text)
            if any(_hung_there(kind, data, target) for target in purged):
                found.add(int(hid))
    return sorted(found)


def _hung_there(kind: str, data: dict[str, Any], target: Hung) -> bool:
    cases, person, owners = target
    case, owner = data.get("case_id"), data.get("person_id")
    if kind == "cases":
        return person is not None and owner == person
    if kind == "consents":
        return (person is not None and owner == person) or (case in cases and owner in owners)
    return case in cases


def purged_ids(conn: Connection, keys: Iterable[tuple[str, str]], team: str | None = None
               ) -> dict[tuple[str, str], str]:
    """Which of these (kind, id) were purged (``team``: by that team), with the deletion
    record's id."""
    wanted = list(dict.fromkeys(keys))
    m = placeholder(conn)
    of_team = "" if team is None else f" AND team = {m}"
    found: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, rid in wanted:
        by_kind.setdefault(kind, []).append(rid)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = conn.exec_driver_sql(
                f"SELECT kind, id, deletion_id FROM {db.purged.name} WHERE kind = {m}"
                f" AND id IN ({', '.join(m for _ in chunk)}){of_team}",
                (kind, *chunk, *(() if team is None else (team,))))
            found.update({(str(r[0]), str(r[1])): str(r[2]) for r in rows})
    return found


#: The fields of a change that name the record it hangs on, and that record's kind.
_PARENTS = (("case_id", "cases"), ("person_id", "persons"))


def refusals(conn: Connection, team: str, changes: Iterable[tuple[str, str, dict[str, Any]]]
             ) -> dict[tuple[str, str], str]:
    """Changes (kind, id, changed fields) that name a purged record, as themselves or as the
    case or person they hang on, with the reason for the receipt. A team that never purged
    anything costs one indexed look-up per push."""
    m = placeholder(conn)
    if conn.exec_driver_sql(f"SELECT 1 FROM {db.purged.name} WHERE team = {m} LIMIT 1",
                            (team,)).first() is None:
        return {}
    # references as they will be stored (whitespace stripped), in canonical spelling
    items = [(kind, rid, {(parent, canonical(v)) for field, parent in _PARENTS
                          if isinstance(v := changed.get(field), str) and v})
             for kind, rid, changed in changes]
    asked = [key for kind, rid, parents in items for key in ((kind, rid), *parents)]
    # only this team's purges: another team's record of the same id is none of its business
    # (before, a team that knew another team's id learnt the legal basis of its deletion)
    purged = purged_ids(conn, asked, team)
    if not purged:
        return {}
    reasons = _reasons(conn, set(purged.values()))
    refused: dict[tuple[str, str], str] = {}
    for kind, rid, parents in items:
        hit = purged.get((kind, rid)) or next(
            (purged[key] for key in sorted(parents) if key in purged), None)
        if hit is not None:
            refused[(kind, rid)] = REFUSED.format(basis=reasons.get(hit, "Löschfrist"))
    return refused


def purge_written_deletions(conn: Connection, team: str, rows: Iterable[tuple[Any, ...]],
                            stamp: str) -> set[tuple[str, str]]:
    """After a push wrote its records (rows in ``store.RECORD_COLUMNS`` order): purge the
    target of every deletion record among them. Returns the records purged, kind and id (the
    push's own receipt leaves them out too: :func:`without_purged`; the push's audit row names
    them)."""
    gone: set[tuple[str, str]] = set()
    scan: list[Hung] = []
    for row in rows:
        kind, rid, data = row[0], row[1], row[6]
        if kind != "deletions" or row[5]:
            continue
        deletion = json.loads(data)
        gone.update(purge(conn, team, deletion["target_kind"], deletion["target_id"], rid,
                          stamp, defer_history=scan))
    delete_versions_that_hung_there(conn, team, scan)
    return gone


def without_purged(results: list[dict[str, Any]], conflicts: list[Any], ids: set[str]
                   ) -> tuple[list[dict[str, Any]], list[Any]]:
    """A receipt's results and conflicts without the records purged by the same push, as
    :func:`scrub_receipts` leaves the stored receipts of earlier batches. Before, the receipt
    of the batch that carried the deletion kept them (a record of the purged case merged in the
    same batch, its data included) in ``batches``, with no deadline (found by a review). The
    device treats a change without a result as not acknowledged: its record is gone there too,
    and a later push of it is refused as purged."""
    if not ids:
        return results, conflicts
    return ([r for r in results if r.get("id") not in ids],
            [c for c in conflicts if c.record_id not in ids])


def flush_freed_pages(engine: Engine) -> None:
    """After a purge or an attachment's removal on SQLite: move the WAL into the database and
    truncate it. The WAL keeps old page images (the purged rows or the removed file among them)
    until its frames are reused; the database file
    itself has the freed space zeroed (``secure_delete``). It waits for a push's checkpoint
    still running, and for up to a few seconds for a reader holding an old snapshot
    (:mod:`kimdesk.server.checkpoints`); failing that it logs a warning, and the daily
    retention run tries again."""
    checkpoint(engine, "TRUNCATE")


def _reasons(conn: Connection, deletion_ids: set[str]) -> dict[str, str]:
    m = placeholder(conn)
    out: dict[str, str] = {}
    for did in deletion_ids:
        row = conn.exec_driver_sql(
            f"SELECT data FROM {db.records.name} WHERE kind = 'deletions' AND id = {m}",
            (did,)).first()
        if row is not None:
            data = json.loads(row[0])
            out[did] = f"{data.get('deleted_on', '')}, {data.get('legal_basis', '')}"
    return out


def scrub_receipts(conn: Connection, team: str, ids: set[str]) -> None:
    """Take the purged records out of the stored receipts of the team's devices."""
    if not ids:
        return
    m = placeholder(conn)
    rows = conn.exec_driver_sql(
        f"SELECT b.device_id, b.batch_id, b.receipt FROM {db.batches.name} b"
        f" JOIN {db.devices.name} d ON d.id = b.device_id WHERE d.team = {m}", (team,)).all()
    for device_id, batch_id, receipt in rows:
        if not any(i in receipt for i in ids):
            continue
        data = json.loads(receipt)
        data["results"] = [r for r in data.get("results", []) if r.get("id") not in ids]
        data["conflicts"] = [c for c in data.get("conflicts", [])
                             if c.get("record_id") not in ids]
        # not over a receipt emptied since it was read (another process's retention run,
        # kimdesk.server.receipts, takes no team lock): it would be full again for a day
        conn.exec_driver_sql(
            f"UPDATE {db.batches.name} SET receipt = {m} WHERE device_id = {m}"
            f" AND batch_id = {m} AND receipt <> {m}",
            (json.dumps(data, ensure_ascii=False, separators=(",", ":")), device_id, batch_id,
             ""))
