"""The statistics window's Export publishes a file only with its record, as ``kimdesk stats -o``
does (docs/statistics.md, "File and record together"). Before (2026-12-07) the window wrote the
file on its files lane and recorded it afterwards: a record the vault refused left the
published file in the folder with no record, so the next period was protected against the base
pattern only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui

from tests.rawscan import files_holding  # noqa: E402
from tests.stats.test_publish_atomic import _REFUSE, FEB, _names, _records  # noqa: E402
from tests.stats.test_published import _month_vault  # noqa: E402


def test_a_record_the_vault_refuses_leaves_no_file_from_the_window(
        qtbot: Any, make_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from kimdesk.gui.stats import open_statistics
    from kimdesk.i18n import set_language

    set_language("en")
    vault = _month_vault(make_vault)
    with vault.transaction():
        vault.conn.execute(_REFUSE)
    names = _names(vault)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, _title, text, *a: warnings.append(text))
    out = tmp_path / "out"
    out.mkdir()
    d = open_statistics(None, vault, period=FEB)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.report is not None, timeout=10_000)
    d.export_to(out / "feb.json")
    qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)
    assert len(warnings) == 1  # the failure said once
    assert list(out.iterdir()) == []  # no file, no temporary file
    with vault.transaction():
        vault.conn.execute("DROP TRIGGER refuse_record")
    with qtbot.waitSignal(d.export_done, timeout=20_000):
        d.export_to(out / "feb.json")
    assert [p.name for p in out.iterdir()] == ["feb.json"]
    d.close()
    qtbot.waitUntil(lambda: d._own_worker_stopped, timeout=10_000)
    assert _records(vault) == 1
    assert files_holding(out, names) == []
