"""Review (fault injection, 2026-12): siblings of issue 14's unsearchable-after-kill bug.

Each test kills a real process with SIGKILL at a counted point (the child waits on stdin
there), then reopens the vault the way the app would."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from kimdesk.vault import Vault
from kimdesk.vault.errors import VaultError
from tests.conftest import PASSPHRASE

#: Only the case closed in 2015 is due then (the demo cases open from 2023 on).
TODAY = date(2019, 6, 1)

RETENTION_KILLED_BEFORE_OPTIMIZE = """
import sys
from datetime import date
import kimdesk.vault.retention as retention
from kimdesk.vault import Vault

def killed_here(vault):
    print("inside", flush=True)
    sys.stdin.readline()

retention.optimize_search = killed_here  # the kill lands after the last purge committed
vault = Vault.open(sys.argv[1], sys.argv[2])
retention.apply_retention(vault, date.fromisoformat(sys.argv[3]), ordered_by="crash")
"""

CREATE_KILLED_AFTER_MIGRATIONS = """
import sys
import kimdesk.vault.vault as vault_mod
from kimdesk.vault import Vault

real = vault_mod.migrate
def migrate_then_wait(conn, *a, **k):
    done = real(conn, *a, **k)
    print("inside", flush=True)
    sys.stdin.readline()
    return done

vault_mod.migrate = migrate_then_wait  # the kill lands before the vault_meta rows are written
Vault.create(sys.argv[1], sys.argv[2], counselor="crash")
"""


def _run_and_kill(script: str, *args: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"inside\n", proc.communicate(timeout=60)[1].decode()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


def _index_pages(vault: Vault) -> bytes:
    return b"".join(bytes(r[0]) for r in vault.conn.execute(
        "SELECT block FROM case_search_data") if r[0])


def test_retention_killed_before_the_index_merge_leaves_no_purged_name_behind(
        tmp_path: Path) -> None:
    """A retention run killed after its last purge committed and before ``optimize_search``:
    the purged names stay in the search index's pages (FTS5 keeps deleted terms until a
    merge), and the next unlock's retention run, finding nothing due, never merges."""
    from kimdesk.demo.generator import fill
    from kimdesk.domain.models import Person
    from kimdesk.vault.intake import open_case_for_new_person
    from kimdesk.vault.retention import apply_retention

    path = tmp_path / "v.kdb"
    with Vault.create(path, PASSPHRASE, counselor="crash") as v:
        fill(v, 150, seed=29)  # none of them due on TODAY
        case = open_case_for_new_person(v, Person(
            given_name="Ogiven", family_name="Xkpurgedname", given_name_latin="Ogiven",
            family_name_latin="Xkpurgedname"), {"opened_on": date(2015, 1, 5)})
        from kimdesk.domain.codes import ClosureReason, Phase
        v.cases.transition(case.id, Phase.ABSCHLUSS,
                           closure_reason=next(iter(ClosureReason)), on=date(2015, 2, 1))
        fill(v, 50, seed=30)  # later entries: the purged one is not in the last segment alone
        assert b"purgedname" in _index_pages(v)
    _run_and_kill(RETENTION_KILLED_BEFORE_OPTIMIZE, str(path), PASSPHRASE, TODAY.isoformat())
    with Vault.open(path, PASSPHRASE) as v:
        assert v.conn.execute("SELECT count(*) FROM cases WHERE id = ?",
                              (case.id,)).fetchone()[0] == 0, "the purge had committed"
        apply_retention(v, TODAY, ordered_by="crash")  # what the next unlock runs
        assert v.integrity_check() == []
        assert b"purgedname" not in _index_pages(v), "a purged name is still in the index pages"


def test_vault_creation_killed_midway_leaves_no_unusable_file(tmp_path: Path) -> None:
    """``kimdesk init`` (and the GUI's "create vault", and ``kimdesk --demo``) killed after the
    schema steps and before the vault_meta rows: the file stays, ``init`` refuses it as
    existing, and opening it fails with a KeyError instead of a clear message (and keeps the
    process lock)."""
    path = tmp_path / "v.kdb"
    _run_and_kill(CREATE_KILLED_AFTER_MIGRATIONS, str(path), PASSPHRASE)
    if not path.exists():
        return  # nothing left behind: a retry starts afresh
    try:
        Vault.open(path, PASSPHRASE).close()
    except VaultError:
        pass  # a clear, translated error; then creating again must be possible
    else:
        return
    Vault.create(path, PASSPHRASE, counselor="crash").close()
