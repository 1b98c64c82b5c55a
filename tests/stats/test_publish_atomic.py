"""A published statistics file always has its record in the vault, and a record always its file
(docs/statistics.md, "Published exports", "File and record together").

Faults are injected into a real vault and real files: the record refused by the database (a
trigger that aborts the INSERT, as a full disk or a locked vault would), the rename refused, the
writer failing half-way. Before (2026-12-07): ``kimdesk stats -o`` wrote the file first and
recorded it afterwards, so a failed record left a published JSON file of 2,000+ bytes with no
record; the next month was then protected against the base pattern only.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from kimdesk.stats import Period
from kimdesk.vault.statsqueries import StatsQueries
from tests.conftest import PASSPHRASE
from tests.rawscan import files_holding
from tests.stats.test_published import _month_vault

FEB = Period.month(2026, 2)
_REFUSE = ("CREATE TRIGGER refuse_record BEFORE INSERT ON stats_exports "
           "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def _names(vault: Any) -> list[bytes]:
    rows = vault.conn.execute("SELECT given_name, family_name FROM persons").fetchall()
    return [v.encode() for row in rows for v in row if len(v) > 3]


def _records(vault: Any) -> int:
    return len(StatsQueries.of(vault).exports_of(FEB.start, FEB.end))


def _cli(vault_path: Path, out: Path) -> int:
    from kimdesk.cli import main

    return main(["--lang", "en", "stats", "--vault", str(vault_path), "--from",
                 FEB.start.isoformat(), "--to", FEB.end.isoformat(), "-o", str(out)])


def test_a_record_the_vault_refuses_publishes_no_file(
        make_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``kimdesk stats -o`` whose record fails: exit 1 with one line, no file (an older file of
    that name unchanged), no temporary file left, no record; once the fault is gone the same
    command writes both."""
    from kimdesk.vault import Vault

    vault = _month_vault(make_vault)
    with vault.transaction():
        vault.conn.execute(_REFUSE)
    names, path = _names(vault), Path(vault.path)
    vault.close()
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    fresh, older = out_dir / "feb.json", out_dir / "old.json"
    older.write_bytes(b'{"older": true}')

    assert _cli(path, fresh) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _cli(path, older) == 1
    capsys.readouterr()
    assert sorted(p.name for p in out_dir.iterdir()) == ["old.json"]  # no .part left either
    assert older.read_bytes() == b'{"older": true}'
    with Vault.open(path, PASSPHRASE) as vault:
        assert _records(vault) == 0
        with vault.transaction():
            vault.conn.execute("DROP TRIGGER refuse_record")
    assert _cli(path, fresh) == 0
    assert fresh.stat().st_size > 1000
    with Vault.open(path, PASSPHRASE) as vault:
        assert _records(vault) == 1
    assert files_holding(out_dir, [*names, b'"counts":{']) == []


def test_a_rename_that_fails_takes_the_record_back(
        make_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record is committed, then the rename fails (the folder removed, a network drive
    gone): the record is taken back and the audit log says so; no file, no temporary file."""
    import kimdesk.vault.files as files
    from kimdesk.errors import FileError
    from kimdesk.stats import build_report
    from kimdesk.stats.published import publish

    vault = _month_vault(make_vault)
    report = build_report(StatsQueries.of(vault), FEB, 3)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    committed: list[int] = []
    real_replace = os.replace

    def refuse(src: Any, dst: Any) -> None:
        committed.append(_records(vault))  # the record is there when the rename is tried
        raise OSError(errno.EIO, "Input/output error", str(src))

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(FileError):
        publish(vault, report, out_dir / "feb.csv", "csv")
    monkeypatch.setattr(files.os, "replace", real_replace)
    assert committed == [1]
    assert _records(vault) == 0
    assert list(out_dir.iterdir()) == []
    details = [d for (d,) in vault.conn.execute(
        "SELECT detail FROM audit_events WHERE subject_kind = 'statistics' ORDER BY seq")]
    assert details == ["csv 2026-02-01..2026-02-28",
                       "csv 2026-02-01..2026-02-28 not written, withdrawn"]
    assert vault.audit.verify() is None  # the chain intact
    # and without the fault: both
    publish(vault, report, out_dir / "feb.csv", "csv")
    assert _records(vault) == 1 and (out_dir / "feb.csv").stat().st_size > 1000
    assert files_holding(out_dir, [*_names(vault), b'"counts":{']) == []


@pytest.mark.parametrize("fmt", ["json", "pdf", "xlsx"])
def test_a_writer_that_fails_records_nothing(
        make_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """The disk fills while the file is written (every format): no record, no file."""
    from kimdesk.stats import build_report, export
    from kimdesk.stats.published import publish

    vault = _month_vault(make_vault)
    report = build_report(StatsQueries.of(vault), FEB, 3)

    def full(_report: Any, path: Path, progress: Any) -> None:
        path.write_bytes(b"half a file")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(export, "_write_json", full)
    monkeypatch.setattr("kimdesk.stats.pdf.write_pdf", full)
    monkeypatch.setattr("kimdesk.stats.xlsx.write_xlsx", full)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(OSError):
        publish(vault, report, out_dir / f"feb.{fmt}", fmt)
    assert _records(vault) == 0
    assert list(out_dir.iterdir()) == []
