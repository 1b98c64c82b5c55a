"""Real deletion of a case (and its person, with their last case): every personal field goes.

A tombstone (``deleted = 1``) keeps every field, which meets no Löschfrist. Purging removes the
rows themselves, in one transaction per call (a crash leaves all of a case or none of it):

- the case, its phase changes, consultations (with form answers), goals, referrals, notes,
  consents and attachments (the files' bytes); the person and their remaining consents when no
  other case of theirs stays;
- their search-index entries (FTS5 ``delete``; :func:`optimize_search` then merges the index
  segments so the terms leave the index's pages too: FTS5 keeps a deleted entry's terms in its
  pages, ``case_search_data``, until a merge). The merge is a transaction of its own, once per
  run after all purges, so a purge marks it due (:data:`SEARCH_MERGE_DUE` in ``vault_meta``, in
  the purge's own transaction) and the merge clears the mark in its transaction: a run killed in
  between leaves the mark, and the next purge run, ``kimdesk check`` and the next unlock
  (:func:`merge_search_if_due`) see it. Found by a fault-injection review: 27 of 73 purged
  persons' names were still in the decrypted index pages after a kill, and the next run, finding
  nothing due, never merged;
- their merge bases (``sync_base``), the server's refusals of their changes
  (:mod:`kimdesk.vault.sync.refusals`), parked pulls (also those parked under a parked case of
  theirs: :func:`kimdesk.vault.sync.parked.drop_children`), sync conflicts (which hold losing
  values), form and case drafts (:func:`kimdesk.vault.drafts.forget_case`), and their changes
  in a batch waiting in the outbox;
- structural gaps that named the case stay (they are the programme's, reported without persons)
  but lose the link to the case.

A case the statistics counted leaves its statistical remains (month, categories, no personal
field: :mod:`kimdesk.vault.statsremains`), so the counts of past periods stay as they were.

SQLCipher's ``secure_delete`` (on by default) overwrites the freed space in the pages. What
remains is a :class:`~kimdesk.domain.models.Deletion` record per case (and per person) without
personal data; it is pending, so the next sync tells the server and through it every device
(docs/privacy.md). The audit log keeps its events (ids and actions, no personal data) and gets
one ``delete`` event per purged record.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from kimdesk.domain.models import Deletion, deletion_id
from kimdesk.vault.drafts import forget_case
from kimdesk.vault.statsremains import keep_remains, unlink_persons
from kimdesk.vault.sync.parked import drop_children
from kimdesk.vault.sync.refusals import forget as forget_refusals

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: ``vault_meta`` key present while purged search entries wait for the index merge (value: when
#: the first of them was purged); see the module docstring.
SEARCH_MERGE_DUE = "search.merge_due"

#: Tables whose rows belong to one case (``case_id``), purged with it.
CASE_TABLES = ("phase_transitions", "consultations", "goals", "referrals", "notes", "consents",
               "attachments")


@dataclass
class PurgeReport:
    """What one purge removed: counts per table, and the deletion records written."""

    cases: int = 0
    persons: int = 0
    remains: int = 0  # cases that left statistical remains (kimdesk/vault/statsremains.py)
    rows: dict[str, int] = field(default_factory=dict)
    deletions: list[str] = field(default_factory=list)

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count


@dataclass(frozen=True)
class PurgeOrder:
    """Why and on whose order records are deleted (written into the deletion record)."""

    legal_basis: str
    ordered_by: str
    reason: str = "counselor"  # retention | counselor | subject_request
    on: date = field(default_factory=date.today)


def _marks(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


def purge_cases(vault: Vault, case_ids: Iterable[str], order: PurgeOrder) -> PurgeReport:
    """Purge the cases (and each person whose every case goes), in one transaction."""
    report = PurgeReport()
    wanted = list(dict.fromkeys(case_ids))
    if not wanted:
        return report
    conn = vault.conn
    with vault.transaction():
        rows = conn.execute(
            f"SELECT id, seq, person_id FROM cases WHERE id IN ({_marks(wanted)})", wanted
        ).fetchall()
        cases = [r[0] for r in rows]
        if not cases:
            return report
        people = {r[2] for r in rows}
        staying = {
            r[0] for r in conn.execute(
                f"SELECT DISTINCT person_id FROM cases WHERE person_id IN ({_marks(people)})"
                f" AND id NOT IN ({_marks(cases)})", [*people, *cases])
        }
        persons = sorted(people - staying)
        report.remains = keep_remains(vault, cases, persons)
        gone: dict[str, list[str]] = {"cases": cases, "persons": persons}
        for table in CASE_TABLES:
            where = f"case_id IN ({_marks(cases)})"
            params: list[str] = list(cases)
            if table == "consents":
                # the case persons' own consents; a household member's consent that names the
                # case is theirs: it stays, without the link (below)
                where = f"({where} AND person_id IN ({_marks(people)}))"
                params += sorted(people)
                if persons:
                    where += f" OR person_id IN ({_marks(persons)})"
                    params += persons
            gone[table] = [r[0] for r in conn.execute(
                f"SELECT id FROM {table} WHERE {where}", params)]
        for seq in (r[1] for r in rows):
            conn.execute("DELETE FROM case_search WHERE rowid = ?", (seq,))
        _mark_merge_due(vault)
        _detach_gaps(vault, cases)
        _detach_consents(vault, cases)
        for table in (*CASE_TABLES, "cases", "persons"):
            ids = gone[table]
            for chunk in _chunks(ids):
                conn.execute(f"DELETE FROM {table} WHERE id IN ({_marks(chunk)})", chunk)
            report.add(table, len(ids))
        _forget_sync_traces(vault, gone, report)
        for case_id in cases:
            report.add("drafts", forget_case(vault, case_id))
        for kind in ("cases", "persons"):
            for target in gone[kind]:
                report.deletions.append(_deletion(vault, kind, target, order))
                vault.audit.record("delete", kind, target,
                                   detail=f"purged ({order.reason}): {order.legal_basis}")
        report.cases, report.persons = len(cases), len(persons)
    return report


def purge_person(vault: Vault, person_id: str, order: PurgeOrder) -> PurgeReport:
    """Purge a person with every case of theirs (a person without cases: the person alone)."""
    cases = [r[0] for r in vault.conn.execute(
        "SELECT id FROM cases WHERE person_id = ?", (person_id,))]
    if cases:
        return purge_cases(vault, cases, order)
    report = PurgeReport()
    with vault.transaction():
        consents = [r[0] for r in vault.conn.execute(
            "SELECT id FROM consents WHERE person_id = ?", (person_id,))]
        vault.conn.execute("DELETE FROM consents WHERE person_id = ?", (person_id,))
        unlink_persons(vault, [person_id])
        found = vault.conn.execute("DELETE FROM persons WHERE id = ?", (person_id,)).rowcount
        if not found:
            return report
        report.add("consents", len(consents))
        report.add("persons", 1)
        _forget_sync_traces(vault, {"persons": [person_id], "cases": [],
                                    "consents": consents}, report)
        report.deletions.append(_deletion(vault, "persons", person_id, order))
        vault.audit.record("delete", "persons", person_id,
                           detail=f"purged ({order.reason}): {order.legal_basis}")
        report.persons = 1
    return report


def purge_deleted_targets(vault: Vault) -> PurgeReport:
    """Purge what the vault's deletion records name and the vault still holds: the deletion
    records another device or the server wrote arrive by sync, and this is what carries them
    out. Idempotent and cheap when there is nothing to do (run after every pulled page that
    brought a deletion record, and after unlock), so a crash between receiving a deletion and
    carrying it out is repaired by the next run."""
    report = PurgeReport()
    rows = vault.conn.execute(
        "SELECT d.target_kind, d.target_id, d.legal_basis, d.ordered_by, d.reason, d.deleted_on"
        " FROM deletions d WHERE d.deleted = 0 AND ("
        " (d.target_kind = 'cases' AND EXISTS (SELECT 1 FROM cases c WHERE c.id = d.target_id))"
        " OR (d.target_kind = 'persons'"
        "  AND EXISTS (SELECT 1 FROM persons p WHERE p.id = d.target_id)))"
    ).fetchall()
    for kind, target, basis, by, reason, day in rows:
        order = PurgeOrder(legal_basis=basis, ordered_by=by, reason=reason,
                           on=date.fromisoformat(day))
        done = (purge_cases(vault, [target], order) if kind == "cases"
                else purge_person(vault, target, order))
        report.cases += done.cases
        report.remains += done.remains
        report.persons += done.persons
        for table, count in done.rows.items():
            report.add(table, count)
    if vault.conn.execute("SELECT 1 FROM sync_parked LIMIT 1").fetchone():
        # pulls parked for a parent that was deleted before it arrived
        gone = {r[0] for r in vault.conn.execute("SELECT target_id FROM deletions")}
        with vault.transaction():
            report.add("sync_parked", drop_children(vault, gone))
    if report.cases or report.persons or search_merge_due(vault):
        optimize_search(vault)
    return report


def optimize_search(vault: Vault) -> None:
    """Merge the search index's segments, so purged terms leave its pages (FTS5 ``optimize``);
    once per purge run, after the purges (it rewrites the whole index). Clears the mark the
    purges set, in the same transaction: the mark goes exactly when the terms do."""
    with vault.transaction():
        vault.conn.execute("INSERT INTO case_search (case_search) VALUES ('optimize')")
        vault.conn.execute("DELETE FROM vault_meta WHERE key = ?", (SEARCH_MERGE_DUE,))


def search_merge_due(vault: Vault) -> bool:
    """Whether purged search entries still wait for the index merge (a run killed before it)."""
    return vault.conn.execute("SELECT 1 FROM vault_meta WHERE key = ?",
                              (SEARCH_MERGE_DUE,)).fetchone() is not None


def merge_search_if_due(vault: Vault) -> bool:
    """Merge the search index if a purge run was killed before its merge (see the module
    docstring); True if it merged. Called at unlock, so the purged terms leave the pages even
    when no further purge comes: a lookup when there is nothing to do."""
    if not search_merge_due(vault):
        return False
    optimize_search(vault)
    return True


def search_merge_problems(vault: Vault) -> list[str]:
    """For ``kimdesk check`` (:meth:`Vault.integrity_check`): a merge that is due means
    purged names are still readable in the decrypted index pages."""
    row = vault.conn.execute("SELECT value FROM vault_meta WHERE key = ?",
                             (SEARCH_MERGE_DUE,)).fetchone()
    if row is None:
        return []
    return [f"search index: entries purged since {row[0]} are still in the index pages (the"
            " merge after the purge did not run; the next unlock or purge run merges them)"]


def _mark_merge_due(vault: Vault) -> None:
    """Mark the index merge due, inside the caller's purge transaction; an earlier mark (and its
    time) stays."""
    from kimdesk.vault.repository import now_iso

    vault.conn.execute("INSERT INTO vault_meta (key, value) VALUES (?, ?)"
                       " ON CONFLICT(key) DO NOTHING", (SEARCH_MERGE_DUE, now_iso()))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _detach_gaps(vault: Vault, cases: list[str]) -> None:
    """Structural gaps are reported without persons; they lose the case link and stay."""
    from kimdesk.vault.repository import now_iso

    vault.conn.execute(
        f"UPDATE structural_gaps SET case_id = NULL, pending = 1, updated_at = ?"
        f" WHERE case_id IN ({_marks(cases)})", [now_iso(), *cases])


def _detach_consents(vault: Vault, cases: list[str]) -> None:
    """Another person's consent that named a purged case (what is left after the case persons'
    own consents went) keeps its evidence and loses the link."""
    from kimdesk.vault.repository import now_iso

    vault.conn.execute(
        f"UPDATE consents SET case_id = NULL, pending = 1, updated_at = ?"
        f" WHERE case_id IN ({_marks(cases)})", [now_iso(), *cases])


def _forget_sync_traces(vault: Vault, gone: dict[str, list[str]], report: PurgeReport) -> None:
    """Bases, refusals, parked pulls, conflicts and outbox changes of the purged records."""
    conn = vault.conn
    pairs = [(kind, rid) for kind, ids in gone.items() for rid in ids]
    ids = {rid for _, rid in pairs}
    report.add("sync_base", sum(conn.execute(
        "DELETE FROM sync_base WHERE kind = ? AND id = ?", pair).rowcount for pair in pairs))
    report.add("sync_parked", sum(conn.execute(
        "DELETE FROM sync_parked WHERE kind = ? AND id = ?", pair).rowcount for pair in pairs))
    for chunk in _chunks(sorted(ids)):
        report.add("sync_conflicts", conn.execute(
            f"DELETE FROM sync_conflicts WHERE record_id IN ({_marks(chunk)})", chunk).rowcount)
    report.add("sync_parked", drop_children(
        vault, set(gone["cases"]) | set(gone["persons"])))
    report.add("sync_refused", forget_refusals(vault, pairs))
    for batch_id, payload in conn.execute(
            "SELECT batch_id, payload FROM sync_outbox").fetchall():
        if _mentions(payload, ids):
            # Dropped, not rewritten: the server knows a batch id by its payload's hash and
            # answers a changed payload under the same id with 409. Its other records are still
            # pending (a receipt clears them), so the next push sends them in a new batch.
            conn.execute("DELETE FROM sync_outbox WHERE batch_id = ?", (batch_id,))
            report.add("sync_outbox", 1)


def _mentions(payload: bytes | str, ids: set[str]) -> bool:
    """Whether a stored batch carries a change of one of these records."""
    body = gzip.decompress(payload) if isinstance(payload, bytes) else payload.encode()
    return any(c.get("id") in ids for c in json.loads(body).get("changes", []))


def _deletion(vault: Vault, kind: str, target: str, order: PurgeOrder) -> str:
    rid = deletion_id(kind, target)
    exists = vault.conn.execute("SELECT 1 FROM deletions WHERE id = ?", (rid,)).fetchone()
    if exists is None:
        vault.deletions.add(Deletion(
            id=rid, target_kind=kind, target_id=target, deleted_on=order.on,
            legal_basis=order.legal_basis, ordered_by=order.ordered_by, reason=order.reason))
    return rid
