"""Render the main screens offscreen from a demo vault: ``kimdesk screenshots DIR``.

Used for docs/screenshots/ (shown in the README) and as a visual check of right-to-left layouts
and translations: de (the default), ar (mirrored) and uk (Cyrillic) by default.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kimdesk.config import DEMO_PASSPHRASE

SIZE = (1400, 860)


def _spin(app: Any, until: Callable[[], bool], timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if until():
            return True
        time.sleep(0.01)
    return until()


def render(out: Path, langs: list[str], cases: int = 300, seed: int = 7) -> list[Path]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # reproducible pictures, no window flashes
    from PySide6.QtWidgets import QDialog

    from kimdesk.demo.generator import fill
    from kimdesk.gui.app import application, build_window
    from kimdesk.gui.settings import AppSettings
    from kimdesk.vault import Vault

    app = application()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kimdesk-shots-") as tmp:
        vault_path = Path(tmp) / "KIMdesk" / "vault.kdb"
        with Vault.create(vault_path, DEMO_PASSPHRASE, counselor="a.becker",
                          team="Team Nord", municipality="Gütersloh") as vault:
            fill(vault, cases, seed=seed)

        def shot(widget: Any, name: str) -> None:
            app.processEvents()
            path = out / name
            widget.grab().save(str(path))
            written.append(path)

        def one(lang: str) -> None:
            settings = AppSettings(Path(tmp) / f"{lang}.ini")
            window = build_window(argparse.Namespace(vault=str(vault_path), lang=lang),
                                  settings=settings)
            window.resize(*SIZE)
            window.show()
            _spin(app, lambda: window.isVisible(), 2)
            shot(window, f"unlock-{lang}.png")

            window.show_create()
            create = window.create_screen
            create.ui.counselorEdit.setText("a.becker")
            create.ui.teamEdit.setText("Team Nord")
            create.ui.passphraseEdit.setText("Kaffee Fahrrad Wolke")
            create.ui.repeatEdit.setText("Kaffee Fahrrad Wolke")
            shot(window, f"create-{lang}.png")
            create.reset()
            window.show_unlock()

            window.unlock_screen.passphrase.setText(DEMO_PASSPHRASE)
            window.unlock_screen.try_unlock()
            _spin(app, lambda: window.unlocked)
            ws = window.workspace
            _spin(app, lambda: ws.queries_done > 0 and not window.worker.busy)
            target = next(
                (r for r in range(min(ws.model.rowCount(), 60))
                 if (row := ws.model.row_at(r)) is not None
                 and row.phase in ("umsetzung", "hilfeplanung")
                 and row.display_name != row.name_latin),
                0,
            )
            ws.table.selectRow(target)
            row = ws.model.row_at(target)
            if row is not None:
                ws.open_case(row.case_id)
            _spin(app, lambda: ws.case_view.bundle is not None and not window.worker.busy)
            view = ws.case_view
            view.tabs.setCurrentWidget(view.tab_widgets["consultations"])
            shot(window, f"cases-{lang}.png")

            view.tabs.setCurrentIndex(0)
            view.person_form.inputs["family_name"].setText("")
            view.person_form.inputs["email"].setText("kein-at-zeichen")
            view.save()
            shot(window, f"case-validation-{lang}.png")
            view.revert()
            window.statusBar().clearMessage()  # the next screens show no leftover line

            view.tabs.setCurrentWidget(view.tab_widgets["goals"])
            shot(window, f"goals-{lang}.png")
            _more_screens(app, window, lang, shot)

            dialog = window.open_settings()
            dialog.ui.tabs.setCurrentIndex(2)
            _spin(app, lambda: not window.worker.busy)
            dialog.resize(640, 420)
            shot(dialog, f"settings-{lang}.png")
            dialog.reject()

            for child in window.findChildren(QDialog):
                child.reject()
            view.person_form.mark_clean()
            view.case_form.mark_clean()
            window.close()
            _spin(app, lambda: not window.isVisible(), 2)
            window.deleteLater()
            app.processEvents()

        for lang in langs:
            one(lang)
    return written


def _more_screens(app: Any, window: Any, lang: str, shot: Callable[[Any, str], None]) -> None:
    """The Forms tab (the Erstgespräch beside the client's language, prefilled from the case),
    the appointments agenda of the week, the manual page of the case view, and About."""
    from kimdesk.gui.about import show_about
    from kimdesk.gui.help import open_help

    view = window.workspace.case_view
    tab = view.forms_tab
    if tab is not None:
        view.tabs.setCurrentWidget(tab)
        tab.open_form("erstgespraech")
        _spin(app, lambda: tab.widget is not None and not window.worker.busy)
        shot(window, f"forms-{lang}.png")
    agenda = window.appointments.open()
    if agenda is not None:
        agenda.resize(760, 460)
        _spin(app, lambda: not window.worker.busy)
        shot(agenda, f"appointments-{lang}.png")
        agenda.close()
    manual = open_help(window, "case")
    manual.resize(720, 520)
    shot(manual, f"help-{lang}.png")
    manual.close()
    about = show_about(window)
    about.resize(640, 520)
    shot(about, f"about-{lang}.png")
    about.close()


def cmd_screenshots(args: argparse.Namespace) -> int:
    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    for path in render(Path(args.directory), langs, cases=args.cases):
        print(path)
    return 0
