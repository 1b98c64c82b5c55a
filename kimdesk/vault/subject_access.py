"""Auskunft (Art. 15 DSGVO, § 83 SGB X): everything the vault holds about one person.

A client may ask what is stored about them. :func:`collect` gathers it from the vault: the
person, each of their cases with phase changes, consultations (form answers included), goals,
referrals with the receiving agencies, notes, the structural gaps recorded on the case, their
consents with the consent text's id and version, the files form questions asked for
(attachments: name, media type, size, date and the file itself as base64 in ``content``, a copy
of the data under Art. 15 (3) DSGVO; the PDF lists them without their bytes), the audit trail
of who read or wrote which of these records and when, the date each case is due for
deletion under the municipality's Löschfrist, the records of theirs that sync received but
holds back (``sync_parked``: waiting for their case, or for an app update), as received, and
what else the vault holds of theirs outside the live records (:mod:`.subject_traces`: deleted
records, unsaved entries, sync conflicts, earlier versions, unsent changes).
Nothing about another person is added: a household member appears only where a record of this
person itself names them. The export itself is audited.

``kimdesk subject-export`` writes it as JSON (machine-readable; Art. 20 portability does not
apply to public tasks, the file is offered anyway) and as a bilingual PDF
(:mod:`kimdesk.handouts.auskunft`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from kimdesk.domain.retention import due_date, policy_for
from kimdesk.i18n import N_
from kimdesk.vault.errors import RecordNotFound, VaultError

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

LEGAL_BASIS = "Art. 15 DSGVO, § 83 SGB X"
_LOCAL = {"revision", "pending"}
_CASE_PARTS = ("phase_transitions", "consultations", "goals", "referrals", "notes",
               "structural_gaps", "attachments")


class PersonNotFound(RecordNotFound):
    """No person fits what was given (an id, a case number or a name)."""

    def __init__(self, ident: str) -> None:
        VaultError.__init__(self, N_("Nobody matches \"{name}\" (a person id, a case number or "
                                     "a name)."), name=ident)


class AmbiguousPerson(VaultError):
    """A name that fits several people: the counselor must give a case number."""

    def __init__(self, name: str, count: int) -> None:
        super().__init__(N_("{count} people match \"{name}\"; give a case number instead."),
                         name=name, count=count)


def resolve_person(vault: Vault, ident: str) -> str:
    """A person id from a person id, a case id or number, or a name that fits one person."""
    ident = ident.strip()
    row = vault.conn.execute(
        "SELECT id FROM persons WHERE id = ? AND deleted = 0 UNION ALL"
        " SELECT person_id FROM cases WHERE (id = ? OR case_number = ?) AND deleted = 0",
        (ident, ident, ident)).fetchone()
    if row is not None:
        return str(row[0])
    people = {vault.cases.get(hit.case_id).person_id for hit in vault.search(ident)} \
        if ident else set()
    if len(people) == 1:
        return people.pop()
    if people:
        raise AmbiguousPerson(ident, len(people))
    raise PersonNotFound(ident)


def _plain(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json", exclude=_LOCAL)
    return data


def collect(vault: Vault, person_id: str, *, today: date | None = None) -> dict[str, Any]:
    """The whole Auskunft as plain JSON-able data (records as stored, dates ISO)."""
    from kimdesk.vault.retention import case_facts, policies
    from kimdesk.vault.statsremains import remains_of
    from kimdesk.vault.subject_traces import traces
    from kimdesk.vault.sync.parked import of_person

    today = today or date.today()
    person = vault.people.get(person_id)
    facts = {f.case_id: f for f in case_facts(vault)}
    rules = policies(vault)
    cases = []
    touched = {person_id}
    agencies = {a.id: _plain(a) for a in vault.agencies.where()}
    for case in vault.cases.where("person_id = ?", (person_id,), order="opened_on, seq"):
        entry = _plain(case)
        touched.add(case.id)
        for part in _CASE_PARTS:
            repo = getattr(vault, _REPOS[part])
            records = repo.where("case_id = ?", (case.id,))
            touched.update(r.id for r in records)
            entry[part] = [_plain(r) for r in records]
        for referral in entry["referrals"]:
            referral["agency"] = agencies.get(referral.get("agency_id") or "")
        fact = facts.get(case.id)
        policy = policy_for(case.municipality, rules)
        due = due_date(fact, policy) if fact else None
        entry["retention"] = {
            "due_on": due.isoformat() if due else None,
            "months": policy.months, "start": policy.start.value,
            "legal_basis": policy.legal_basis, "legal_hold": case.legal_hold,
        }
        cases.append(entry)
    consents = [_plain(c) for c in vault.consents.where("person_id = ?", (person_id,))]
    touched.update(c["id"] for c in consents)
    elsewhere = traces(vault, person_id)
    deleted_cases = {r["id"] for r in elsewhere["deleted_records"] if r["kind"] == "cases"}
    # who read or wrote her deleted records is hers too
    touched.update(r["id"] for r in elsewhere["deleted_records"])
    audit = _audit(vault, touched)
    meta = vault.meta
    with vault.transaction():
        vault.audit.record("export", "persons", person_id, detail=f"Auskunft ({LEGAL_BASIS})")
    return {
        "auskunft": {
            "legal_basis": LEGAL_BASIS,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "controller": {"municipality": meta.municipality, "team": meta.team},
            "counselor": meta.counselor,
        },
        "person": _plain(person),
        "cases": cases,
        "consents": consents,
        # purged cases of this person that the statistics still count, while the person lives
        "statistical_remains": remains_of(vault, person_id),
        # received records of theirs that wait for a parent or an update (kimdesk.vault.sync.parked)
        "parked": of_person(vault, person_id, {c["id"] for c in cases} | deleted_cases),
        # the rest of what the vault holds of hers outside the live records
        # (kimdesk.vault.subject_traces): deleted records, unsaved entries, sync conflicts,
        # earlier versions, unsent changes
        **elsewhere,
        "audit": audit,
    }


_REPOS = {"phase_transitions": "transitions", "consultations": "consultations",
          "goals": "goals", "referrals": "referrals", "notes": "notes",
          "structural_gaps": "gaps", "attachments": "attachments"}


def _audit(vault: Vault, ids: set[str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        events += [
            {"at": r[0], "actor": r[1], "action": r[2], "record": r[3], "record_id": r[4],
             "detail": r[5]}
            for r in vault.conn.execute(
                "SELECT at, actor, action, subject_kind, subject_id, detail FROM audit_events"
                f" WHERE subject_id IN ({marks})", chunk)
        ]
    return sorted(events, key=lambda e: (e["at"], e["record_id"]))
