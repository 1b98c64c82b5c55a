"""Parked records: received records the vault holds back, whose they are, and when they go.

A pulled record whose parent is not here (a note before its case: the vault keeps ``case_id``
and ``person_id`` as foreign keys) or that this app version cannot read (a newer client's
field, or a kind it does not know) waits in ``sync_parked`` (:mod:`.inbox`), as the server
sent it, and is tried again after every pulled page. It holds personal data (a note's text)
that no screen shows, so it is treated like any other record of its person:

- the **Auskunft** (Art. 15 DSGVO) lists those of the person and their cases
  (:func:`of_person`; :mod:`kimdesk.vault.subject_access`);
- a **purge** (Art. 17, Löschfrist) of their case or person drops them, and with a parked case
  the records parked under it (:func:`drop_children`; :mod:`kimdesk.vault.purge`);
- a record whose parent **will not come** is dropped and counted (:func:`drop_orphans`): after
  a full pull, or a full check that found the vault holding exactly what the server holds, a
  parent that is neither here nor parked is not on the server either. Before, such a record
  (a note the server had taken for a case it never had) stayed parked for good on every device
  of the team; the server refuses such records now (``kimdesk/server/plausibility.py``). A
  record parked for another reason, whose parent is here or parked, stays: it applies once the
  app is updated;
- ``kimdesk check`` says how many wait, by kind and reason, and how many were dropped
  (:func:`summary`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: Each kind's foreign key to its parent: (field, the parent's table). Kept in step with the
#: schema's ``REFERENCES`` (``kimdesk/vault/migrations.py``); a test compares them.
PARENT_OF: dict[str, tuple[str, str]] = {
    "cases": ("person_id", "persons"), "consents": ("person_id", "persons"),
    **{kind: ("case_id", "cases") for kind in (
        "phase_transitions", "consultations", "goals", "referrals", "notes", "attachments")},
}
#: ``sync_state`` key: the records dropped for a parent that did not come, as
#: ``{"kind/id": rev}`` (ids and revisions only: what ``kimdesk check`` counts).
DROPPED_KEY = "parked_dropped"


def _link(data: dict[str, Any], name: str) -> str | None:
    """A parked record's ``case_id`` or ``person_id`` where it is an id. Records of a kind this
    version does not know are parked unchecked: a later release's may hold a list or an object
    there, which looked up in a set of ids raised TypeError in the purge run of every pulled
    page (tests/sync/test_parked_unknown_kinds.py)."""
    value = data.get(name)
    return value if isinstance(value, str) else None


def _parked(vault: Vault) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(k), str(i)): json.loads(d) for k, i, d in vault.conn.execute(
        "SELECT kind, id, data FROM sync_parked")}


def of_person(vault: Vault, person_id: str, case_ids: set[str]) -> list[dict[str, Any]]:
    """The parked records of a person: their own (the person's newer version, their cases and
    consents), those of their cases (``case_ids``, here) and those of their parked cases. Each
    as ``{"kind", "id", "reason", "data"}``, the data as the server sent it."""
    rows = vault.conn.execute("SELECT kind, id, reason, data FROM sync_parked").fetchall()
    records = [(str(k), str(i), str(r), json.loads(d)) for k, i, r, d in rows]
    cases = set(case_ids) | {i for k, i, _, d in records
                             if k == "cases" and _link(d, "person_id") == person_id}
    return [{"kind": k, "id": i, "reason": r, "data": d} for k, i, r, d in records
            if (k == "persons" and i == person_id) or _link(d, "person_id") == person_id
            or _link(d, "case_id") in cases or (k == "cases" and i in cases)]


def drop_children(vault: Vault, parents: set[str]) -> int:
    """Drop the parked records whose case or person is one of ``parents`` (purged, or dropped
    here), and then those parked under a parked case or person dropped so (a note parked under
    a parked case): they would wait for ever. Returns how many went."""
    parked = _parked(vault)
    gone: set[tuple[str, str]] = set()
    parents = set(parents)
    while True:
        found = [key for key, data in parked.items() if key not in gone and (
            _link(data, "case_id") in parents or _link(data, "person_id") in parents)]
        if not found:
            break
        gone.update(found)
        parents.update(rid for kind, rid in found if kind in ("cases", "persons"))
    _delete(vault, gone)
    return len(gone)


def drop_orphans(vault: Vault) -> int:
    """After a full pull (or a full check that agreed with the server): drop the parked records
    whose parent is neither in the vault nor parked, and those parked under them; remember them
    by kind, id and revision (:data:`DROPPED_KEY`). Returns how many went. The caller holds
    the transaction."""
    parked = _parked(vault)
    missing = _missing_parents(vault, parked)
    if not missing:
        return 0
    revs = {(str(kind), str(rid)): int(rev) for kind, rid, rev in vault.conn.execute(
        "SELECT kind, id, rev FROM sync_parked")}
    before = set(parked)
    dropped = drop_children(vault, missing)
    left = set(_parked(vault))
    noted = json.loads(_state(vault, DROPPED_KEY) or "{}")
    noted.update({f"{k}/{i}": revs.get((k, i), 0) for k, i in before - left})
    vault.conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (DROPPED_KEY, json.dumps(noted, sort_keys=True)))
    return dropped


def _missing_parents(vault: Vault, parked: dict[tuple[str, str], dict[str, Any]]) -> set[str]:
    """The parents that parked records wait for and that are neither here nor parked."""
    missing: set[str] = set()
    for (kind, _rid), data in parked.items():
        field, table = PARENT_OF.get(kind, ("", ""))
        parent = data.get(field) if field else None
        if not isinstance(parent, str) or (table, parent) in parked:
            continue
        if vault.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (parent,)).fetchone() \
                is None:
            missing.add(parent)
    return missing


def waiting_for_nothing(vault: Vault) -> bool:
    """Whether a parked record waits for a parent that is neither here nor parked: after a
    pull, that parent is not on the server either, unless the vault missed records. The sync
    engine then runs the full check at once (:mod:`kimdesk.sync.divergence`): agreeing, it
    proves the parent will not come, and the record is dropped in the same run, not after a
    day (nor, as before 2026-12-07, after a full resync of the whole team)."""
    return bool(_missing_parents(vault, _parked(vault)))


def held_back(vault: Vault) -> dict[tuple[str, str], int]:
    """(kind, id) -> revision of each record the server holds that this vault holds back: the
    parked ones at the revision received, and those dropped for a parent on neither side
    (:data:`DROPPED_KEY`) at the revision they had. The divergence check counts them beside the
    acknowledged records (:meth:`kimdesk.vault.sync.SyncTables.revisions`): without them a
    device holding one back never agreed with the server and pulled the whole team again at
    every run (tests/sync/test_held_back_count.py)."""
    out: dict[tuple[str, str], int] = {}
    for key, rev in json.loads(_state(vault, DROPPED_KEY) or "{}").items():
        kind, _, rid = str(key).partition("/")
        out[(kind, rid)] = int(rev)
    out.update({(str(k), str(i)): int(r) for k, i, r in vault.conn.execute(
        "SELECT kind, id, rev FROM sync_parked")})
    return out


def forget_unseen(vault: Vault, seen: set[tuple[str, str]]) -> int:
    """After a full pull: the parked records and dropped notes the server did not send (it no
    longer holds them) go; a parked one is personal data nobody would ever see. Returns how
    many parked records went. The caller holds the transaction."""
    gone = {key for key in _parked(vault) if key not in seen}
    _delete(vault, gone)
    noted = json.loads(_state(vault, DROPPED_KEY) or "{}")
    kept = {key: rev for key, rev in noted.items()
            if tuple(str(key).partition("/")[::2]) in seen}
    if kept != noted:
        vault.conn.execute("UPDATE sync_state SET value = ? WHERE key = ?",
                           (json.dumps(kept, sort_keys=True), DROPPED_KEY))
    return len(gone)


def summary(vault: Vault) -> tuple[dict[tuple[str, str], int], int]:
    """How many records wait in ``sync_parked``, by (kind, reason); and how many were dropped
    for a parent that did not come. No personal data: kinds, counts and the reasons, which
    name a field or a missing parent, not a value."""
    waiting: dict[tuple[str, str], int] = {}
    for kind, reason, count in vault.conn.execute(
            "SELECT kind, reason, count(*) FROM sync_parked GROUP BY kind, reason"):
        waiting[(str(kind), _reason(str(reason)))] = int(count)
    return waiting, len(json.loads(_state(vault, DROPPED_KEY) or "{}"))


def _reason(reason: str) -> str:
    """A parking reason without values: a foreign key failing is "parent missing"; a
    validation error keeps its first line (the field and the rule, e.g. ``1 validation error
    for Consultation``)."""
    if "FOREIGN KEY" in reason.upper():
        return "parent missing"
    return reason.splitlines()[0][:120] if reason else ""


def _state(vault: Vault, key: str) -> str:
    row = vault.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else ""


def _delete(vault: Vault, keys: set[tuple[str, str]]) -> None:
    vault.conn.executemany("DELETE FROM sync_parked WHERE kind = ? AND id = ?", sorted(keys))
