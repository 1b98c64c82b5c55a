"""Which case search entries a written record feeds, and refreshing them.

Each case has one entry in ``case_search`` (its number, its person's names, its notes; see
:meth:`Vault.reindex_case`). A person feeds the entries of all their cases, a case its own, a
note the entry of its case. The repositories refresh the entry after each local write; sync
refreshes the entries of received records one by one for a few, in bulk for many.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kimdesk.vault.search import index_text

if TYPE_CHECKING:
    from kimdesk.vault.connection import Connection
    from kimdesk.vault.vault import Vault

#: SQLite allows 999 parameters per statement in older builds; 500 ids leave room.
CHUNK = 500


class SearchEntries:
    """Refresh the case search entries that persons, cases and notes feed."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def refresh_person(self, person_id: str) -> None:
        """The entries of every case of this person (their names changed)."""
        for (seq,) in self._vault.conn.execute(
            "SELECT seq FROM cases WHERE person_id = ?", (person_id,)
        ).fetchall():
            self._vault.reindex_case(seq)

    def refresh_case(self, case_id: str) -> None:
        """The entry of this case, if it is stored here (a note may arrive before its case)."""
        found = self._vault.conn.execute(
            "SELECT seq FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        if found:
            self._vault.reindex_case(found[0])

    def refresh_many(self, case_ids: Iterable[str], person_ids: Iterable[str]) -> None:
        """The entries of these cases and of every case of these persons, in bulk: one query per
        500 affected cases, not one join per record (a pull of thousands of records)."""
        conn = self._vault.conn
        cases = set(case_ids)
        persons = list(person_ids)
        for start in range(0, len(persons), CHUNK):
            chunk = persons[start : start + CHUNK]
            marks = ",".join("?" for _ in chunk)
            cases.update(r[0] for r in conn.execute(
                f"SELECT id FROM cases WHERE person_id IN ({marks})", chunk))
        ids = list(cases)
        rows: list[Any] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" for _ in chunk)
            rows += conn.execute(
                "SELECT c.seq, c.deleted, c.case_number, p.given_name, p.family_name,"
                " p.given_name_latin, p.family_name_latin, n.texts FROM cases c"
                " JOIN persons p ON p.id = c.person_id LEFT JOIN (SELECT case_id,"
                " group_concat(text, ' ') AS texts FROM notes WHERE deleted = 0"
                f" AND case_id IN ({marks}) GROUP BY case_id) n ON n.case_id = c.id"
                f" WHERE c.id IN ({marks})", chunk + chunk,
            ).fetchall()
        # In ascending rowid order: FTS5 writes its pending terms out as a new segment whenever
        # a rowid is not above the last one written, so 10k entries in id order made thousands
        # of tiny segments (0.27 s of a 10k pull; in order, 0.05 s).
        rows.sort(key=operator.itemgetter(0))
        conn.executemany("DELETE FROM case_search WHERE rowid = ?", [(r[0],) for r in rows])
        conn.executemany(
            "INSERT INTO case_search (rowid, text) VALUES (?, ?)",
            [(r[0], index_text(r[2], r[3], r[4], r[5], r[6], r[7] or ""))
             for r in rows if not r[1]],
        )


def reindex_case(vault: Vault, seq: int) -> None:
    """Rebuild one case's search entry from its case number, person names and notes."""
    row = vault.conn.execute(
        "SELECT c.case_number, c.deleted, p.given_name, p.family_name, p.given_name_latin,"
        " p.family_name_latin, (SELECT group_concat(n.text, ' ') FROM notes n"
        "  WHERE n.case_id = c.id AND n.deleted = 0)"
        " FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.seq = ?",
        (seq,),
    ).fetchone()
    vault.conn.execute("DELETE FROM case_search WHERE rowid = ?", (seq,))
    if row is None or row[1]:
        return
    number, _, given, family, given_latin, family_latin, notes = row
    text = index_text(number, given, family, given_latin, family_latin, notes or "")
    vault.conn.execute("INSERT INTO case_search (rowid, text) VALUES (?, ?)", (seq, text))


def rebuild_index(conn: Connection, after_seq: int | None = None) -> int:
    """Rebuild the whole index, or (``after_seq``) add the entries of the cases added after
    that row number: a bulk insert calls this in the transaction of its rows, so a crash
    never leaves committed cases unsearchable (issue 14). The caller holds the transaction."""
    new_only = "" if after_seq is None else " AND c.seq > :after"
    if after_seq is None:
        conn.execute("DELETE FROM case_search")
    rows = conn.execute(
        "SELECT c.seq, c.case_number, p.given_name, p.family_name, p.given_name_latin,"
        " p.family_name_latin, n.texts FROM cases c JOIN persons p ON p.id = c.person_id"
        " LEFT JOIN (SELECT case_id, group_concat(text, ' ') AS texts FROM notes"
        "  WHERE deleted = 0 GROUP BY case_id) n ON n.case_id = c.id WHERE c.deleted = 0"
        f"{new_only} ORDER BY c.seq",  # FTS5 starts a new segment at every rowid out of order
        {"after": after_seq or 0},
    ).fetchall()
    conn.executemany(
        "INSERT INTO case_search (rowid, text) VALUES (?, ?)",
        ((r[0], index_text(r[1], r[2], r[3], r[4], r[5], r[6] or "")) for r in rows),
    )
    return len(rows)
