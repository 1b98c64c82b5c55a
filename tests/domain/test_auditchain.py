"""The audit chain's hash lives in ``kimdesk.domain.auditchain``, shared by the device's log and
the server's trail: a vault written by an earlier release (the v1 fixture, its events hashed by
the function as it was in ``kimdesk.vault.audit``) and the demo vault verify with it, row by row,
and an altered event is found."""

from __future__ import annotations

import shutil
from pathlib import Path

from kimdesk.domain.auditchain import GENESIS, event_hash
from kimdesk.vault import Vault

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CHAINED = ("id", "at", "actor", "action", "subject_kind", "subject_id", "detail")


def _recomputed(vault: Vault) -> int:
    """Every event's hash recomputed with the shared function; how many events."""
    prev, count = GENESIS, 0
    for row in vault.conn.execute(
            f"SELECT prev_hash, hash, {', '.join(CHAINED)} FROM audit_events ORDER BY seq"):
        prev_hash, digest, *values = row
        assert prev_hash == prev
        assert event_hash(prev, dict(zip(CHAINED, values, strict=True))) == digest
        prev, count = digest, count + 1
    return count


def test_an_existing_vaults_chain_verifies_with_the_shared_function(tmp_path: Path) -> None:
    copy = tmp_path / "old.kdb"
    shutil.copy(FIXTURES / "vault_v1.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert _recomputed(v) > 0
        assert v.audit.verify() is None


def test_the_demo_vaults_chain_verifies_and_a_change_is_found(demo_vault: Vault) -> None:
    first = demo_vault.conn.execute("SELECT min(seq) FROM audit_events").fetchone()[0]
    assert _recomputed(demo_vault) >= 1
    assert demo_vault.audit.verify() is None
    demo_vault.conn.execute("UPDATE audit_events SET detail = 'x' WHERE seq = ?", (first,))
    assert demo_vault.audit.verify() == first
