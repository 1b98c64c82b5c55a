"""The case view's Forms tab around the forms package's widget: drafts survive a lock, invalid
answers are not saved."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import unlock, wait_idle

pytestmark = pytest.mark.gui


def test_forms_tab_draft_survives_lock(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                       tmp_path: Path) -> None:
    pytest.importorskip("kimdesk.gui.forms")
    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy)
    unlock(qtbot, window)
    ws = window.workspace
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    view = ws.case_view
    tab = view.forms_tab
    assert tab is not None and view.tabs.indexOf(tab) == 1
    qtbot.waitUntil(lambda: tab.registry is not None and tab.combo.count() > 1, timeout=10000)
    tab.open_form("erstgespraech")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    tab.widget.set_value("household_size", 4)
    tab.save()
    assert "Not saved" in tab.status.text()  # required answers are missing
    window.lock()  # flushes the draft through the worker before the vault closes
    wait_idle(qtbot, window)
    unlock(qtbot, window)
    ws.open_case(case_id)
    qtbot.waitUntil(lambda: tab.registry is not None and tab.case_id == case_id, timeout=10000)
    tab.open_form("erstgespraech")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    assert tab.widget.answers().get("household_size") == 4
    assert tab.status.text() == "Draft restored."


def test_form_consultation_opens_read_only(qtbot: Any, make_window: Any, demo_vault_file: Path,
                                           tmp_path: Path) -> None:
    pytest.importorskip("kimdesk.gui.forms")
    from PySide6.QtWidgets import QDialog

    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    window = make_window(copy)
    unlock(qtbot, window)
    ws = window.workspace
    view = ws.case_view
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    qtbot.waitUntil(lambda: view.forms_tab.registry is not None, timeout=10000)
    form = view.forms_tab.registry.get("verlauf")

    def add(w: Any) -> None:
        from datetime import date

        from kimdesk.domain.models import Consultation

        w.vault.consultations.add(Consultation(
            case_id=case_id, date=date.today(), form_id=form.form_id,
            form_version=form.version, answers={"summary": "Termin beim Jobcenter"}))

    window.worker.submit(add)
    view.reload()
    qtbot.waitUntil(lambda: any(c.form_id for c in view.tab_widgets["consultations"].records),
                    timeout=5000)
    found = next(i for i, c in enumerate(view.tab_widgets["consultations"].records)
                 if c.form_id)
    qtbot.waitUntil(lambda: view.forms_tab.registry is not None, timeout=10000)
    dialog = view.edit_record("consultations", found)
    assert isinstance(dialog, QDialog) and dialog.objectName() == "formAnswersDialog"
    dialog.reject()
