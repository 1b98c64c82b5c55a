"""Whether a vault is healthy: SQLCipher's page HMACs, SQLite's integrity check, and the search
index against the rows.

Apart from :mod:`kimdesk.vault.vault` because it only reads; ``kimdesk check`` and the GUI after
unlock call it through ``Vault.integrity_check``. Reading the whole file takes seconds for a large
vault, so it runs on request, never on every unlock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.vault.connection import DatabaseError
from kimdesk.vault.purge import search_merge_problems

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


def integrity_problems(vault: Vault) -> list[str]:
    """Problems found by SQLCipher's page HMACs and SQLite's integrity check ([] = healthy)."""
    try:
        problems = [r[0] for r in vault.conn.execute("PRAGMA cipher_integrity_check")]
        if problems:
            return problems
        result = [r[0] for r in vault.conn.execute("PRAGMA integrity_check")]
        index = search_index_problems(vault) + search_merge_problems(vault)
    except DatabaseError as exc:
        return [str(exc)]
    return [r for r in result if r != "ok"] + index


def search_index_problems(vault: Vault) -> list[str]:
    """The search index against the rows: every live case has an entry, and no entry is
    left for a case that is gone (the index is contentless: its rowids are compared)."""
    missing, stale = vault.conn.execute(
        "SELECT (SELECT count(*) FROM cases c WHERE c.deleted = 0 AND NOT EXISTS"
        "  (SELECT 1 FROM case_search s WHERE s.rowid = c.seq)),"
        " (SELECT count(*) FROM case_search s WHERE NOT EXISTS"
        "  (SELECT 1 FROM cases c WHERE c.seq = s.rowid AND c.deleted = 0))").fetchone()
    problems = []
    if missing:
        problems.append(f"search index: {missing} cases have no entry")
    if stale:
        problems.append(f"search index: {stale} entries for cases that are gone")
    return problems
