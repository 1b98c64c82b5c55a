"""The cell-key method: the perturbation table's documented parameters, consistent perturbation from
record keys kept secret in the vault, and the method chosen per export (API, CLI, view)."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from kimdesk.stats import build_report
from kimdesk.stats.cellkey import (
    MAX_DEVIATION,
    PTABLE,
    SECRET_META,
    SMALLEST_PUBLISHED,
    deviation,
    vault_secret,
)
from kimdesk.stats.export import FORMATS, write
from kimdesk.vault.statsqueries import StatsQueries
from tests.conftest import PASSPHRASE
from tests.stats.conftest import periods


def test_perturbation_table_has_the_documented_parameters() -> None:
    for value, row in PTABLE.items():
        shares = [p for _d, p in row]
        assert sum(shares) == 1 and all(p > 0 for p in shares)
        assert [d for d, _p in row] == sorted(d for d, _p in row)
        assert sum(d * p for d, p in row) == 0, value  # unbiased
        for d, _p in row:
            assert abs(d) <= MAX_DEVIATION
            assert value + d == 0 or value + d >= SMALLEST_PUBLISHED  # no 1 or 2
            assert value + d >= 0
        variance = sum(d * d * p for d, p in row)
        assert variance == {0: 0, 1: 2, 2: 2, 3: 0}.get(value, Fraction(1)), value
    assert PTABLE[0] == [(0, 1)]
    assert deviation(1, 0) == -1 and deviation(1, 2**32 - 1) == 2
    assert deviation(1000, 0) == -2 and deviation(1000, 2**31) == 0


@pytest.fixture(scope="module")
def keyed(stats_vault: object) -> tuple[Any, Any, bytes]:
    secret = vault_secret(stats_vault)  # type: ignore[arg-type]
    period = periods()[1]
    db = StatsQueries.of(stats_vault)  # type: ignore[arg-type]
    return (build_report(db, period, method="cell-key", secret=secret),
            build_report(db, period, method="cell-key", secret=secret), secret)


def test_cell_key_report_perturbs_every_count_a_little(keyed: tuple[Any, Any, bytes],
                                                       stats_vault: object) -> None:
    report, again, secret = keyed
    p = report.protection
    assert p.method == "cell-key" and not p.suppressed
    changed = 0
    for t in report.tables:
        for r in t.all_rows:
            for c in t.all_columns:
                true, shown = t.cell(r, c).value, p.shown(t, r, c)
                assert isinstance(shown, int) and shown not in (1, 2)
                assert abs(shown - true) <= MAX_DEVIATION
                assert true != 0 or shown == 0
                changed += shown != true
                assert again.protection.shown(t, r, c) == shown  # the same records, the same
    assert changed > 100
    assert stats_vault.get_meta(SECRET_META) == secret.hex()  # type: ignore[attr-defined]
    assert vault_secret(stats_vault) == secret  # type: ignore[arg-type]
    other = build_report(StatsQueries.of(stats_vault), report.period,  # type: ignore[arg-type]
                         method="cell-key", secret=b"another deployment")
    assert other.protection.perturbed != p.perturbed


def test_cell_key_exports_say_so_and_hold_no_secret(keyed: tuple[Any, Any, bytes],
                                                    tmp_path: Path) -> None:
    from kimdesk.i18n import language
    from tests.stats.test_exports import file_text

    report, _again, secret = keyed
    for fmt in FORMATS:
        with language("en"):
            text = file_text(write(report, tmp_path / f"ck.{fmt}"))
        assert "cell-key method" in " ".join(text.split()), fmt
        assert secret.hex() not in text
    doc = json.loads((tmp_path / "ck.json").read_text("utf-8"))
    assert all(v != "." for t in doc["tables"] for r in t["rows"] for v in r["values"].values())
    assert doc["disclosure"]["method"] == "cell-key"
    assert doc["disclosure"]["cell_key"] == {"max_deviation": 2, "variance": 1,
                                             "smallest_published": 3}


def test_cli_method_option(stats_vault: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    from kimdesk.cli import main

    vault_file = tmp_path / "v.kdb"
    shutil.copy(stats_vault.path, vault_file)  # type: ignore[attr-defined]
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    p = periods()[1]
    args = ["--lang", "en", "stats", "--vault", str(vault_file), "--from", p.start.isoformat(),
            "--to", p.end.isoformat()]
    assert main([*args, "--method", "cell-key", "-o", str(tmp_path / "ck.json")]) == 0
    doc = json.loads((tmp_path / "ck.json").read_text("utf-8"))
    assert doc["disclosure"]["method"] == "cell-key"
    capsys.readouterr()
    assert main([*args, "--method", "cell-key", "--min-cell", "5", "-o",
                 str(tmp_path / "x.json")]) == 2
    assert "--min-cell applies to suppression only" in capsys.readouterr().err
    assert main([*args, "--method", "suppression", "--min-cell", "5", "-o",
                 str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["disclosure"]["method"] == "suppression"


@pytest.mark.gui
def test_view_offers_the_cell_key_method(qtbot: Any, stats_vault: object) -> None:
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import Qt

    from kimdesk.gui.stats import open_statistics
    from kimdesk.i18n import set_language

    set_language("en")
    d: Any = open_statistics(None, stats_vault, period=periods()[1])  # type: ignore[arg-type]
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
    assert d.report.protection.method == "suppression" and d.min_cell.isEnabled()
    qtbot.keyClick(d.method, Qt.Key.Key_Down)
    assert d.method.currentData() == "cell-key" and not d.min_cell.isEnabled()
    before = d.report
    qtbot.mouseClick(d.calculate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.report is not before, timeout=10_000)
    assert d.report.protection.method == "cell-key"
    assert "cell-key method" in d.status.text()
