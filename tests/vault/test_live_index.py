"""Schema step 10: the case list's first page and its count read an index of the live cases'
numbers instead of every row of the cases table (a kilobyte each; 1.5 s for each at 200,000
cases on a loaded machine), and the Löschfristen read only the old cases through an index the
list's sort by opening date does not take (a plain index there slowed that sort from 2 to 10 s).
The plans are asserted, not timed."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from kimdesk.vault import Vault
from kimdesk.vault.caselist import SORT_KEYS, CaseFilter, CaseList, build_sql
from kimdesk.vault.migrations import LATEST, schema_version
from kimdesk.vault.retention import case_facts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _plan(vault: Vault, sql: str, params: list[object] | tuple[object, ...] = ()) -> str:
    return " | ".join(r[3] for r in vault.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_vault_of_schema_9_upgrades_and_lists_from_the_index(tmp_path: Path) -> None:
    copy = tmp_path / "v9.kdb"
    shutil.copy(FIXTURES / "vault_v9.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST
        sql, params = build_sql(CaseFilter())
        assert "COVERING INDEX cases_live" in _plan(v, sql, params)
        assert "cases_live" in _plan(v, "SELECT count(*) FROM cases WHERE deleted = 0")
        sql, params = build_sql(CaseFilter(sort_column=SORT_KEYS.index("opened_on")))
        assert "cases_retention" not in _plan(v, sql, params)
        assert "INDEX cases_retention" in _plan(
            v, "SELECT c.id FROM cases c WHERE c.opened_on <= ? AND c.deleted >= 0",
            ("2020-01-01",))
        [case] = v.cases.where()
        assert list(CaseList(v).matching_seqs(CaseFilter())) == [
            v.conn.execute("SELECT seq FROM cases WHERE id = ?", (case.id,)).fetchone()[0]]
        assert v.cases.count() == 1
        v.cases.delete(case.id)
        assert list(CaseList(v).matching_seqs(CaseFilter())) == [] and v.cases.count() == 0
        assert [f.case_id for f in case_facts(v, opened_by=date(2200, 1, 1))] == [case.id]
        assert v.integrity_check() == []
