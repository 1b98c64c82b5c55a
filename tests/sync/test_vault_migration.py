"""Schema step 2 (sync tables) upgrades a vault written by version 1 and keeps its data."""

from __future__ import annotations

import shutil
from pathlib import Path

from kimdesk.sync.store import SyncStore
from kimdesk.vault import Vault
from kimdesk.vault.migrations import LATEST, schema_version

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_v1_vault_upgrades_to_v2(tmp_path):
    copy = tmp_path / "v1.kdb"
    shutil.copy(FIXTURES / "vault_v1.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST >= 2
        tables = {r[0] for r in v.conn.execute("SELECT name FROM sqlite_master")}
        assert {"sync_state", "sync_base", "sync_outbox", "sync_conflicts", "sync_parked",
                "sync_reference"} <= tables
        store = SyncStore(v)
        assert not store.enrolled and store.cursor == 0
        # every record written before sync existed is pending: the first sync sends it all
        assert store.pending_count() == v.people.count() + v.cases.count() + \
            v.notes.count() + v.consultations.count() + v.transitions.count()
        [person] = v.people.where()
        assert person.family_name == "Шевченко"


def test_v2_fixture_opens(tmp_path):
    copy = tmp_path / "v2.kdb"
    shutil.copy(FIXTURES / "vault_v2.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST
        assert SyncStore(v).get("cursor") == "0"
