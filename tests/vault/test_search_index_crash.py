"""Issue 14, point 3: a bulk insert killed between its chunks leaves every committed case
searchable, and ``integrity_check`` (``kimdesk check``) compares the search index with the rows."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE

FILLER = """
import sys
from kimdesk.demo.generator import fill
from kimdesk.vault import Vault

vault = Vault.open(sys.argv[1], sys.argv[2])
def progress(done: int, total: int) -> None:
    print(done, flush=True)
    if done >= 400:
        sys.stdin.readline()  # killed here, after the second chunk committed
fill(vault, 1000, seed=4, chunk=200, progress=progress)
"""


def test_killed_bulk_insert_leaves_committed_cases_searchable(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    Vault.create(path, PASSPHRASE, counselor="anna").close()
    proc = subprocess.Popen([sys.executable, "-c", FILLER, str(path), PASSPHRASE],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    reported = [proc.stdout.readline() for _ in range(2)]
    assert [int(x) for x in reported] == [200, 400]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    with Vault.open(path, PASSPHRASE) as vault:
        assert vault.cases.count() == 400
        assert vault.count_matches("") == 400
        number = vault.cases.where()[0].case_number
        assert [s.case_number for s in vault.search(number)] == [number]
        assert vault.integrity_check() == []


def test_check_compares_the_search_index_with_the_rows(make_vault) -> None:
    from kimdesk.demo.generator import fill

    vault = make_vault()
    fill(vault, 30, seed=2)
    assert vault.integrity_check() == []
    seq = vault.last_case_seq()
    with vault.transaction():
        vault.conn.execute("DELETE FROM case_search WHERE rowid = ?", (seq,))
    assert vault.integrity_check() == ["search index: 1 cases have no entry"]
    with vault.transaction():
        vault.rebuild_search_index()
        vault.conn.execute("INSERT INTO case_search (rowid, text) VALUES (999999, 'ghost')")
    assert vault.integrity_check() == ["search index: 1 entries for cases that are gone"]
