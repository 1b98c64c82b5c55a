"""The counselor's own name, phone number and office hours are typed once and kept for every
later sheet, in the GUI and on the command line (kimdesk/vault/contact.py).

Before 2026-12-07 the contact card printed the case owner's login name ("k.nowak") and the
dialog asked for the phone number and the office hours anew for every sheet."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt

from kimdesk.handouts.data import load_case_data
from kimdesk.vault.contact import MAX_CHARS, keep_contact, kept_contact
from tests.conftest import PASSPHRASE
from tests.rawscan import files_holding

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtPdf")

NAME = "Katarzyna Nowakowska-Quelle"
PHONE = "05241 85-739164"
HOURS = "Mo-Do 9-12 Uhr, Raum 214"


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _type_into(qtbot: Any, dialog: Any, name: str, text: str) -> None:
    edit = dialog.detail_edits[name]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


@pytest.mark.gui
def test_her_details_typed_once_are_printed_on_the_next_sheet(
        qtbot: Any, demo_vault: Any, tmp_path: Path) -> None:
    from kimdesk.gui.handouts import open_handout_dialog

    mine = [c for c in demo_vault.cases.where(order="seq")
            if c.owner == demo_vault.meta.counselor]
    first, second = mine[0].id, mine[1].id
    dialog = open_handout_dialog(None, demo_vault, first)  # deletes itself on close
    qtbot.waitUntil(lambda: bool(dialog.data.values.get("case_number")), timeout=15000)
    login = dialog.data.values["counselor"]
    assert dialog.detail_edits["counselor"].text() == login  # nothing kept yet: the login
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("contact", "ar", "de")
    for name, text in (("counselor", NAME), ("counselor_phone", PHONE), ("office_hours", HOURS)):
        _type_into(qtbot, dialog, name, text)
    qtbot.waitUntil(lambda: dialog.pdf is not None and PHONE in _text(dialog.pdf)
                    and HOURS in _text(dialog.pdf), timeout=15000)
    dialog.save_to(tmp_path / "card-1.pdf")
    qtbot.waitUntil(lambda: kept_contact(demo_vault).get("counselor_phone") == PHONE,
                    timeout=15000)
    dialog.close()

    again = open_handout_dialog(None, demo_vault, second)
    qtbot.waitUntil(lambda: bool(again.data.values.get("case_number")), timeout=15000)
    assert {n: again.detail_edits[n].text() for n in ("counselor", "counselor_phone",
                                                     "office_hours")} == {
        "counselor": NAME, "counselor_phone": PHONE, "office_hours": HOURS}
    with qtbot.waitSignal(again.rendered, timeout=15000):
        again.choose("contact", "uk", "de")
    printed = _text(again.pdf or b"")
    assert NAME in printed and PHONE in printed and HOURS in printed and login not in printed
    again.close()

    # a colleague's case: the colleague's login, lines for phone and hours; what she types as
    # the name there is not kept as hers
    theirs = next(c for c in demo_vault.cases.where(order="seq")
                  if c.owner != demo_vault.meta.counselor)
    other = open_handout_dialog(None, demo_vault, theirs.id)
    qtbot.waitUntil(lambda: bool(other.data.values.get("case_number")), timeout=15000)
    assert other.detail_edits["counselor"].text() == theirs.owner
    assert other.detail_edits["counselor_phone"].text() == ""
    with qtbot.waitSignal(other.rendered, timeout=15000):
        other.choose("contact", "de", None)
    assert PHONE not in _text(other.pdf or b"") and theirs.owner in _text(other.pdf or b"")
    _type_into(qtbot, other, "counselor", "Vertretung Becker")
    qtbot.waitUntil(lambda: "Vertretung" in _text(other.pdf or b""), timeout=15000)
    other.save_to(tmp_path / "card-2.pdf")
    done: list[object] = []
    other.worker.submit(lambda w: None, done.append)  # after any write the save queued
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    assert kept_contact(demo_vault)["counselor"] == NAME
    other.close()

    # kept in the vault only: no other file holds them (the saved sheets are the ones wanted)
    demo_vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert files_holding(tmp_path, [PHONE.encode(), NAME.encode()],
                         skip=[tmp_path / "card-1.pdf", tmp_path / "card-2.pdf"]) == []


def test_the_command_line_prints_the_kept_details(demo_vault: Any, tmp_path: Path) -> None:
    case = next(c for c in demo_vault.cases.where(order="seq")
                if c.owner == demo_vault.meta.counselor)
    keep_contact(demo_vault, {"counselor": NAME, "counselor_phone": PHONE,
                              "office_hours": HOURS, "client_name": "not kept"})
    assert kept_contact(demo_vault) == {"counselor": NAME, "counselor_phone": PHONE,
                                        "office_hours": HOURS}
    demo_vault.close()
    out = tmp_path / "card.pdf"
    env = {"KIMDESK_PASSPHRASE": PASSPHRASE, "KIMDESK_LANG": "en", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "kimdesk.cli", "handout", "contact", "--lang",
                           "tr", "--case", case.case_number, "--vault",
                           str(tmp_path / "demo.kdb"), "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    printed = _text(out.read_bytes())
    assert NAME in printed and PHONE in printed and HOURS in printed


def test_kept_details_are_one_line_and_an_empty_value_keeps_the_old(demo_vault: Any) -> None:
    keep_contact(demo_vault, {"counselor_phone": PHONE})
    keep_contact(demo_vault, {"counselor_phone": "  ", "office_hours": "Mo\n9-12\x00 " + "x" * 500})
    kept = kept_contact(demo_vault)
    assert kept["counselor_phone"] == PHONE
    assert kept["office_hours"].startswith("Mo 9-12") and len(kept["office_hours"]) <= MAX_CHARS
    assert "\n" not in kept["office_hours"] and "\x00" not in kept["office_hours"]
    own = next(c for c in demo_vault.cases.where() if c.owner == demo_vault.meta.counselor)
    assert load_case_data(demo_vault, own.id).values["counselor_phone"] == PHONE
