"""Schema migrations: the schema matches the models, and old vault files upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

from kimdesk.domain.models import RECORD_TYPES
from kimdesk.vault import Vault
from kimdesk.vault.migrations import LATEST, schema_version

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_every_model_field_has_a_column(vault: Vault) -> None:
    for model in RECORD_TYPES:
        columns = {r[1] for r in vault.conn.execute(f"PRAGMA table_info({model.KIND})")}
        missing = set(model.model_fields) - columns
        assert not missing, (model.KIND, missing)


def test_new_vault_is_at_latest_schema(vault: Vault) -> None:
    assert schema_version(vault.conn) == LATEST


def test_vault_written_by_schema_1_opens_and_upgrades(tmp_path: Path) -> None:
    copy = tmp_path / "old.kdb"
    shutil.copy(FIXTURES / "vault_v1.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST
        hits = v.search("shevch")
        assert [h.family_name for h in hits] == ["Шевченко"]
        case = v.cases.get(hits[0].case_id)
        assert case.phase == "assessment"
        assert [n.text for n in v.notes.for_case(case.id)] == [
            "Fixture note: Integrationskurs angemeldet"
        ]
        assert len(v.consultations.for_case(case.id)) == 1
        assert v.audit.verify() is None
        assert v.integrity_check() == []
    with Vault.open(copy, "fixture-v1") as v:  # and opens again after the upgrade
        assert schema_version(v.conn) == LATEST
