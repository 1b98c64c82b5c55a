"""The Auskunft's second half: a person's data that lies in the vault outside its live records.

:func:`kimdesk.vault.subject_access.collect` lists the person's live records. A review of the
vault (2026-12-07, as a data-protection officer would read it: "where else can a value about
her lie?") found six further places, and this module reads each for one person:

- **deleted records** (``deleted = 1`` in the record tables): a note or consultation deleted in
  the app is a tombstone that keeps every field until its case is purged, so that the deletion
  syncs; the live listing skips it, yet its words are stored. The records of a deleted case
  count here too, deleted themselves or not: the live listing walks live cases only;
- **unsaved entries** (``vault_meta``, :mod:`kimdesk.vault.drafts`): the entries of a case kept
  when the vault locked, those of a save refused after the counselor had left the case, and form
  drafts; typed about the person, never saved as a record;
- **sync conflicts** (``sync_conflicts``): a field changed on two devices; the losing value
  (``mine``) and the value both started from (``base``) are nowhere else;
- **earlier versions** (``sync_base``): the server's last version of a record edited here since.
  Only the fields whose value differs from the record as listed: a base equal to the record (or
  ``data IS NULL``, "the row is the base") is a technical copy of what is already listed;
- **unsent changes** (``sync_outbox``): a batch stored before it is sent, until its receipt.
  Only the values that differ from the record as listed (it was edited again after the batch
  was built): the rest is the listed value a second time;
- **changes the server refused** (``sync_state``, ``refused:<kind>/<id>``,
  :mod:`kimdesk.vault.sync.refusals`): the server's reason, which may quote a value of hers (a
  refused day), and when it was told; the record itself is listed above (not found in the
  Auskunft until 2026-12-07);
- parked records (``sync_parked``) are read by :func:`kimdesk.vault.sync.parked.of_person`.

Left out on purpose, as copies or as no data about her: the search index (terms derived from the
listed names, case numbers and notes), the audit log's own rows (listed as the access log), the
ids and revisions of dropped parked records (``sync_state``), the desktop client's resume point
(a case id), archived form definitions and reference data (the same for every client), and the
deletion records of purged cases (target id, date, legal basis: nothing links them to her once
the case is gone; docs/privacy.md, "Auskunft").

Nothing about another person: a record counts as hers by her person id, her cases (live or
deleted) and her own consents, as in the live listing; a household member's consent that names
her case is that member's.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kimdesk.vault.drafts import FORM_DRAFTS, REFUSED_SAVES, kept_for

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: Record tables whose rows hang on a case (``case_id``) and are the case person's.
CASE_KINDS = ("phase_transitions", "consultations", "goals", "referrals", "notes",
              "structural_gaps", "attachments")
#: Fields that say nothing about the person (bookkeeping): a base or an unsent change that
#: differs from the record only in these is a technical copy.
TECHNICAL = frozenset({"revision", "pending", "updated_at"})

#: (kind, id) -> the record as stored, tombstone or not (without revision/pending)
Records = dict[tuple[str, str], dict[str, Any]]


def records_of(vault: Vault, person_id: str) -> Records:
    """Every stored record of the person, deleted ones too: the person, their cases, what hangs
    on those cases, their own consents."""
    from kimdesk.vault.sync.records import synced_repositories

    repos = synced_repositories(vault)
    found: Records = {}

    def read(kind: str, where: str, params: list[str]) -> list[dict[str, Any]]:
        repo = repos[kind]
        rows = vault.conn.execute(f"{repo.select_sql} WHERE {where} ORDER BY seq", params)
        out = []
        for row in rows:
            data = repo.row_as_json(row)
            data.pop("revision", None)
            data.pop("pending", None)
            found[(kind, str(data["id"]))] = data
            out.append(data)
        return out

    read("persons", "id = ?", [person_id])
    cases = [c["id"] for c in read("cases", "person_id = ?", [person_id])]
    read("consents", "person_id = ?", [person_id])
    for start in range(0, len(cases), 500):
        chunk = cases[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for kind in CASE_KINDS:
            read(kind, f"case_id IN ({marks})", chunk)
    return found


def traces(vault: Vault, person_id: str) -> dict[str, list[dict[str, Any]]]:
    """The six places as the Auskunft's JSON lists them (see the module docstring)."""
    records = records_of(vault, person_id)
    cases = [rid for kind, rid in records if kind == "cases"]
    # a deleted case hides what hangs on it from the live listing, deleted or not
    gone = {rid for (kind, rid), data in records.items() if kind == "cases" and data["deleted"]}
    return {
        "deleted_records": [{"kind": kind, "id": rid, "data": data}
                            for (kind, rid), data in records.items()
                            if data.get("deleted") or data.get("case_id") in gone],
        "unsaved_entries": unsaved_entries(vault, cases),
        "sync_conflicts": conflicts(vault, records),
        "earlier_versions": earlier_versions(vault, records),
        "unsent_changes": unsent_changes(vault, records),
        "refused_changes": refused_changes(vault, records),
    }


def _stamp(key: str) -> str | None:
    """A refused save's time from its key (``<case>:<%Y%m%dT%H%M%S%f>-<random>``), ISO."""
    try:
        return datetime.strptime(key.rsplit(":", 1)[1].split("-")[0], "%Y%m%dT%H%M%S%f") \
            .isoformat(timespec="seconds")
    except (IndexError, ValueError):
        return None


def unsaved_entries(vault: Vault, case_ids: list[str]) -> list[dict[str, Any]]:
    """The entries typed for her cases and kept unsaved on this device: ``source`` ``lock``
    (kept when the vault locked), ``refused_save`` (a save refused after the counselor had
    left the case) or ``form_draft`` (a form being filled); ``entries`` the document as kept."""
    out: list[dict[str, Any]] = []
    for case_id in case_ids:
        for key, document in kept_for(vault, case_id):
            refused = key.startswith(REFUSED_SAVES)
            out.append({"case_id": case_id, "source": "refused_save" if refused else "lock",
                        "saved_at": _stamp(key) if refused else None,
                        "entries": document.get("draft", {}) if refused else document})
        rows = vault.conn.execute(
            "SELECT value FROM vault_meta WHERE key >= ? AND key < ? ORDER BY key",
            (f"{FORM_DRAFTS}{case_id}:", f"{FORM_DRAFTS}{case_id};")).fetchall()
        for (text,) in rows:
            document = json.loads(text)
            out.append({"case_id": case_id, "source": "form_draft",
                        "saved_at": document.get("saved_at"), "entries": document})
    return out


def conflicts(vault: Vault, records: Records) -> list[dict[str, Any]]:
    """Every stored conflict on one of her records, with its three values (and the one chosen,
    while that travels to the server): open ones and decided ones alike, since both keep the
    losing value."""
    ids = sorted({rid for _, rid in records})
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for kind, rid, field, status, created, base, theirs, mine, resolution in \
                vault.conn.execute(
                    "SELECT kind, record_id, field, status, created_at, base, theirs, mine,"
                    f" resolution FROM sync_conflicts WHERE record_id IN ({marks})"
                    " ORDER BY created_at, id", chunk):
            if (kind, rid) not in records:
                continue
            out.append({"kind": kind, "id": rid, "field": field, "status": status,
                        "created_at": created, "base": json.loads(base),
                        "theirs": json.loads(theirs), "mine": json.loads(mine),
                        "resolution": json.loads(resolution) if resolution else None})
    return sorted(out, key=lambda c: (c["created_at"] or "", c["id"], c["field"]))


def _differing(values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items()
            if name not in TECHNICAL and current.get(name) != value}


def earlier_versions(vault: Vault, records: Records) -> list[dict[str, Any]]:
    """The server's last version of her records edited here since, the differing fields only
    (``server_revision``: which version)."""
    out: list[dict[str, Any]] = []
    for kind, rid, rev, text in vault.conn.execute(
            "SELECT kind, id, rev, data FROM sync_base WHERE data IS NOT NULL ORDER BY kind, id"):
        current = records.get((str(kind), str(rid)))
        if current is None:
            continue
        fields = _differing(json.loads(text), current)
        if fields:
            out.append({"kind": kind, "id": rid, "server_revision": int(rev), "fields": fields})
    return out


def unsent_changes(vault: Vault, records: Records) -> list[dict[str, Any]]:
    """Values of her records in batches not yet acknowledged that differ from the records as
    listed (edited again after the batch was built), by batch, oldest first."""
    out: list[dict[str, Any]] = []
    for created, payload in vault.conn.execute(
            "SELECT created_at, payload FROM sync_outbox ORDER BY batch_seq").fetchall():
        body = gzip.decompress(payload) if isinstance(payload, bytes) else payload.encode()
        for change in json.loads(body).get("changes", []):
            current = records.get((str(change.get("kind")), str(change.get("id"))))
            if current is None:
                continue
            fields = _differing(change.get("changed") or {}, current)
            if fields:
                out.append({"kind": change["kind"], "id": change["id"],
                            "batch_created_at": created, "fields": fields})
    return out


def refused_changes(vault: Vault, records: Records) -> list[dict[str, Any]]:
    """The server's refusals of her records' changes, as kept: the reason (the server's text,
    unmasked: it is her own data that it may quote), the local revision refused and when."""
    from kimdesk.vault.sync.refusals import SyncRefusals

    return [{"kind": r.kind, "id": r.record_id, "revision": r.revision, "reason": r.reason,
             "at": r.at}
            for r in SyncRefusals(vault, {}).stored() if (r.kind, r.record_id) in records]
