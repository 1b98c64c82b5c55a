"""What the server keeps about a deleted person or case, for its Auskunft (docs/privacy.md,
"Auskunft about a deleted person").

Deleting a person or case in KIMdesk is purging it (:mod:`kimdesk.server.purge`): their records,
earlier versions and conflicts go, receipts are scrubbed, and what stays is the deletion record
(which record went, when, on what legal basis, by whose order) and the ``purged`` notes (kind,
id, since revision 0005 a keyed hash of a case's number and its person). A tombstone
(``deleted``, not purged yet) still holds every field. A data-protection officer asked about
such a client must get that answer plainly: :func:`gone` gathers the ``purged`` notes of the
person, and :func:`status` says in one statement (in every interface language: the officer's
German, and the person's language where it is one) whether they were deleted, when and on
which basis, and what remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from kimdesk.i18n import N_, UI_LANGUAGES, current_language, gettext, language
from kimdesk.server import db
from kimdesk.server.purge import case_key
from kimdesk.server.store import placeholder

_PURGED = N_("The person was deleted on {day} ({basis}). The server holds no data about them "
             "any more. What remains, listed in this file: deletion records without personal "
             "data: {deletions}; record ids noted as deleted: {ids}; stored receipts still "
             "naming them: {receipts}; records still naming a deleted case: {linked}.")
_CASE_PURGED = N_("The case was deleted on {day} ({basis}); whose case it was is not noted "
                  "(deleted before 2026-12-07). What remains, listed in this file: deletion "
                  "records without personal data: {deletions}; record ids noted as deleted: "
                  "{ids}; stored receipts still naming them: {receipts}; records still naming "
                  "the deleted case: {linked}.")
_TOMBSTONE = N_("The person is marked deleted (since {day}) but not purged yet: the server "
                "keeps every field of the record until the deletion is carried out, and this "
                "file lists all of it.")
_SOME_CASES = N_("Cases of theirs deleted: {count} (the last on {day}, {basis}); of those the "
                 "server keeps only what is listed under status.deleted_cases and deletions.")


def gone(conn: Connection, team: str, person_id: str, purged_case: str | None,
         asked: str = "") -> list[dict[str, Any]]:
    """The ``purged`` notes of the person's records: the person, their cases (by the person
    noted beside a case since revision 0005, or the one case asked about), and what each of
    those deletions purged with them (a case's notes, consultations, ...). The server keeps no
    case number after a purge, only its keyed hash: a case's ``case_number`` is the one
    ``asked`` where it is that case's, else None."""
    m = placeholder(conn)
    where, args = [], []
    if person_id:
        where += [f"(kind = 'persons' AND id = {m})", f"(kind = 'cases' AND person_id = {m})"]
        args += [person_id, person_id]
    if purged_case:
        where.append(f"(kind = 'cases' AND id = {m})")
        args.append(purged_case)
    if not where:
        return []
    deletions = {str(d) for (d,) in conn.exec_driver_sql(
        f"SELECT deletion_id FROM {db.purged.name} WHERE team = {m} AND ({' OR '.join(where)})",
        (team, *args))}
    found: list[dict[str, Any]] = []
    asked_key = case_key(conn, team, asked) if asked.strip() else None
    ordered = sorted(deletions)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found += [{"kind": str(k), "id": str(i), "deletion_id": str(d), "purged_at": at,
                   "case_number": asked.strip() if key and key == asked_key else None,
                   "person_id": person}
                  for k, i, d, at, key, person in conn.exec_driver_sql(
                      "SELECT kind, id, deletion_id, purged_at, case_key, person_id"
                      f" FROM {db.purged.name} WHERE team = {m}"
                      f" AND deletion_id IN ({', '.join(m for _ in chunk)})", (team, *chunk))]
    return sorted(found, key=lambda r: (r["purged_at"], r["kind"], r["id"]))


def status(person: dict[str, Any] | None, purged: Sequence[dict[str, Any]],
           deletions: Sequence[dict[str, Any]], remains: dict[str, int]) -> dict[str, Any]:
    """``state`` (``present``, ``deleted``: a tombstone, ``purged``), when and on which basis
    the person (or the case asked about) was deleted, the deleted cases with their numbers,
    and the statement in each interface language (``None`` for a person with nothing deleted)."""
    records = {str(d["deletion_record"]["id"]): d["deletion_record"]["data"]
               for d in deletions if "deletion_record" in d}

    def facts(row: dict[str, Any]) -> dict[str, Any]:
        order = records.get(row["deletion_id"], {})
        return {"deleted_on": order.get("deleted_on") or str(row["purged_at"])[:10],
                "legal_basis": order.get("legal_basis"), "reason": order.get("reason"),
                "ordered_by": order.get("ordered_by"), "purged_at": row["purged_at"],
                "deletion_id": row["deletion_id"]}

    cases = [{"case_id": r["id"], "case_number": r["case_number"], **facts(r)}
             for r in purged if r["kind"] == "cases"]
    whole = [r for r in purged if r["kind"] == "persons"]
    result: dict[str, Any] = {"state": "present", "deleted_cases": cases, "statement": None}
    if person is None and (whole or cases):
        target = facts(whole[0]) if whole else cases[-1]
        result |= {"state": "purged", **target}
        message = _PURGED if whole else _CASE_PURGED
        params = {"day": target["deleted_on"], "basis": target["legal_basis"] or "-",
                  "ids": len(purged), **remains}
    elif person is not None and person["deleted"]:
        result |= {"state": "deleted", "deleted_on": str(person["updated_at"])[:10]}
        message, params = _TOMBSTONE, {"day": result["deleted_on"]}
    elif cases:
        message = _SOME_CASES
        params = {"count": len(cases), "day": cases[-1]["deleted_on"],
                  "basis": cases[-1]["legal_basis"] or "-"}
    else:
        return result
    result["statement"] = {}
    for lang in UI_LANGUAGES:  # the officer's German, and the person's language where it is one
        with language(lang):
            result["statement"][lang] = gettext(message).format(**params)
    return result


def said(auskunft: dict[str, Any]) -> str | None:
    """The statement in the interface's language (what the command prints), or None."""
    statement = auskunft["status"]["statement"]
    return None if statement is None else str(statement.get(current_language(),
                                                            statement["en"]))
