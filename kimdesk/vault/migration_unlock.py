"""Schema step: indexes that keep the work after every unlock from reading whole rows.

At 200,000 cases (issue 18: first page of the list <= 0.5 s after the passphrase), two jobs ran
after every unlock and every save that read far more than they need:

- the **Löschfristen** (:mod:`kimdesk.vault.retention`) read the old cases' rows (about a
  kilobyte each) and, for each, its consultations and phase changes to find the last contact:
  150 ms with a cold page cache, before the list was shown. Now ``cases_retention`` holds every
  column the plan needs, and the last contact comes from ``consultations_contact`` and
  ``transitions_contact``: the query reads index pages only (about 20 ms);
- the **review reminder** in the status bar counted the open cases whose review is due by reading
  every case (0.6-0.9 s after every unlock and every save, holding up the vault's queue).
  ``cases_review`` answers the count from the index.

Both case indexes are partial on ``deleted >= 0`` (always true): a condition the case list's
``deleted = 0`` does not imply, so the list's own plans stay as measured (its review filter, sort
by opening date and by review date chose plain indexes on these columns and got slower:
docs/vault.md). Queries that want them say ``deleted >= 0``.
"""

from __future__ import annotations

from kimdesk.vault.connection import Connection

STATEMENTS = (
    "DROP INDEX cases_retention",
    "CREATE INDEX cases_retention ON cases(opened_on, closed_on, municipality, legal_hold,"
    " case_number, person_id, id, deleted) WHERE deleted >= 0",
    "CREATE INDEX cases_review ON cases(review_on, phase, deleted) WHERE deleted >= 0",
    "CREATE INDEX consultations_contact ON consultations(case_id, date) WHERE deleted = 0",
    "CREATE INDEX transitions_contact ON phase_transitions(case_id, at) WHERE deleted = 0",
)


def step(conn: Connection) -> None:
    """Create the indexes (see the module docstring)."""
    for statement in STATEMENTS:
        conn.execute(statement)
