"""The handout dialog, offscreen: preview, languages, save, print, off-thread generation."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pypdf
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtPdf")

from kimdesk.handouts.data import GoalRow, HandoutData

pytestmark = pytest.mark.gui


def data() -> HandoutData:
    return HandoutData({"client_name": "ሳባ ተስፋይ (Saba Tesfay)", "case_number": "2026-X-1"},
                       goals=(GoalRow("Deutschkurs B1", "Anmeldung", "Klientin", "01.03.2027"),),
                       preferred_language="ti")


def open_dialog(qtbot: Any, source: Any = None, case_id: str | None = None) -> Any:
    from kimdesk.gui.handouts import open_handout_dialog

    dialog = open_handout_dialog(None, source if source is not None else data(), case_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.pdf is not None and dialog.page_count > 0, timeout=15000)
    return dialog


def test_preview_is_rendered_off_the_gui_thread(qtbot: Any) -> None:
    dialog = open_dialog(qtbot)
    assert dialog.selection() == ("appointment", "ti", "de")  # the client's preferred language
    assert dialog.render_threads and threading.get_ident() not in dialog.render_threads
    image = dialog.render_page(0, 40)
    assert not image.isNull() and image.width() > 200
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()
    assert dialog.draft_label.text()  # Tigrinya is a draft translation


def test_changing_choices_re_renders(qtbot: Any) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("goals", "ar", None)
    reader = pypdf.PdfReader(io.BytesIO(dialog.pdf))
    text = reader.pages[0].extract_text()
    assert "Deutschkurs B1" in text and "Zielvereinbarung" not in text  # no German column
    assert dialog.draft_label.text()
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("goals", "de", "en")
    assert not dialog.draft_label.text()


def test_the_dialog_says_when_a_placeholder_prints(qtbot: Any) -> None:
    """A goal with Chinese letters (no bundled font) prints "[…]": the dialog says so beside the
    preview, for the templates that print it."""
    chinese = HandoutData({"client_name": "Xiaoming Wang", "case_number": "2026-X-2"},
                          goals=(GoalRow("Zeugnis aus 北京 übersetzen lassen"),))
    dialog = open_dialog(qtbot, chinese)
    assert dialog.script_label.text() == ""  # the appointment prints no goal
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("goals", "de", None)
    assert "[…]" in dialog.script_label.text()
    page = pypdf.PdfReader(io.BytesIO(dialog.pdf)).pages[0]
    assert "Zeugnis aus […] übersetzen" in page.extract_text()
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("contact", "de", None)
    assert dialog.script_label.text() == ""


def test_save_as_pdf(qtbot: Any, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot)
    out = tmp_path / "handout.pdf"
    dialog.save_to(out)
    assert out.read_bytes() == dialog.pdf
    assert "handout.pdf" in dialog.status_label.text().replace("\u200b", "")


def test_saved_path_wraps_inside_the_dialog(qtbot: Any, tmp_path: Path) -> None:
    """A long folder path (no spaces: nowhere to wrap a word) was cut at the default size; it now
    breaks after its separators, and the label keeps the path's characters as they are."""
    dialog = open_dialog(qtbot)
    dialog.show()
    folder = tmp_path / "Beratung_Handouts_Ausgedruckt_fuer_Klientinnen_und_Klienten_2026"
    folder.mkdir()
    out = folder / "Termin_Erstgespraech_Tigrinya_Deutsch_Klientin_Saba_Tesfay.pdf"
    dialog.save_to(out)
    qtbot.wait(50)
    label = dialog.status_label
    assert label.minimumSizeHint().width() <= label.width(), label.minimumSizeHint()
    assert label.text().replace("\u200b", "").endswith(str(out))
    assert label.toolTip() == str(out)


def test_print_to_a_pdf_printer(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    dialog = open_dialog(qtbot)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    dialog.print_to(printer)
    assert out.is_file() and len(pypdf.PdfReader(out).pages) == dialog.page_count


def test_errors_are_shown_not_raised(qtbot: Any, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignal(dialog.failed, timeout=5000):
        dialog.save_to(tmp_path / "missing" / "x.pdf")
    assert str(tmp_path / "missing" / "x.pdf") in dialog.status_label.text()


def test_case_read_through_the_database_worker(qtbot: Any, demo_vault_file: Path) -> None:
    """The main window's hook: open_handout_dialog(parent, worker, case_id)."""
    from kimdesk.gui.worker import DbWorker
    from kimdesk.vault import Vault
    from tests.conftest import PASSPHRASE

    worker = DbWorker()

    def open_job(w: Any) -> str:
        w.vault = Vault.open(demo_vault_file, PASSPHRASE)
        return next(c.id for c in w.vault.cases.where() if w.vault.goals.for_case(c.id))

    ids: list[str] = []
    worker.submit(open_job, ids.append)
    qtbot.waitUntil(lambda: bool(ids), timeout=15000)
    try:
        dialog = open_dialog(qtbot, worker, ids[0])
        qtbot.waitUntil(lambda: bool(dialog.data.values.get("case_number")), timeout=15000)
        with qtbot.waitSignal(dialog.rendered, timeout=15000):
            dialog.choose("goals")
        text = pypdf.PdfReader(io.BytesIO(dialog.pdf)).pages[0].extract_text()
        assert dialog.data.values["case_number"] in text
    finally:
        worker.stop()


def test_bundled_fonts_register_with_qt(qtbot: Any) -> None:
    from PySide6.QtGui import QFontDatabase

    from kimdesk.gui.handouts import register_fonts

    expected = {"Noto Sans", "Noto Naskh Arabic", "Noto Sans Ethiopic", "Noto Sans Georgian",
                "Noto Sans Armenian", "Noto Sans Hebrew"}
    # the returned names come from the bundled files (a system may have Noto installed too)
    assert set(register_fonts()) == expected
    assert set(register_fonts()) == expected  # idempotent
    assert expected <= set(QFontDatabase.families())


def test_main_window_hook_resolves_to_the_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desktop client's Case -> Handout action calls this exact function."""
    from types import SimpleNamespace

    import kimdesk.gui.handouts
    from kimdesk.gui.mainwindow import MainWindow

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(kimdesk.gui.handouts, "open_handout_dialog", lambda *a: calls.append(a))
    window = SimpleNamespace(unlocked=True, worker=object(),
                             workspace=SimpleNamespace(case_view=SimpleNamespace(case_id="c-1")),
                             _open_dialog=lambda opener, *args: opener(*args))
    MainWindow.open_handout(window)  # type: ignore[arg-type]
    assert calls == [(window, window.worker, "c-1")]


def test_typed_details_are_printed(qtbot: Any) -> None:
    dialog = open_dialog(qtbot)
    assert dialog.detail_edits["appointment_date"].isVisibleTo(dialog)
    assert not dialog.detail_edits["office_hours"].isVisibleTo(dialog)  # not on this template
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.detail_edits["appointment_date"].setText("02.12.2026")
        dialog.detail_edits["appointment_place"].setText("Kreishaus, Raum 214")
    text = pypdf.PdfReader(io.BytesIO(dialog.pdf)).pages[0].extract_text()
    assert "02.12.2026" in text and "Raum 214" in text
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("contact")
    assert dialog.detail_edits["office_hours"].isVisibleTo(dialog)


def test_layout_choice(qtbot: Any) -> None:
    dialog = open_dialog(qtbot)
    side_pages = dialog.page_count
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose("consent", "ar", "de", "stacked")
    reader = pypdf.PdfReader(io.BytesIO(dialog.pdf))
    assert "Einwilligung" not in reader.pages[0].extract_text()
    assert "Einwilligung" in reader.pages[-1].extract_text()
    assert dialog.layout_box.isEnabled() and side_pages >= 1
    with qtbot.waitSignal(dialog.rendered, timeout=15000):
        dialog.choose(second=None)
    assert not dialog.layout_box.isEnabled()  # one language: nothing to arrange


@pytest.mark.parametrize(("ui", "client", "second"), [("de", "ar", "de"), ("en", "de", "en"),
                                                      ("de", "uk", "de")])
def test_a_case_sets_the_second_language_too(qtbot: Any, demo_vault: Any, ui: str, client: str,
                                             second: str) -> None:
    """Case -> Handout… reads the case after the dialog has opened: the client's language was
    set from it, the second language stayed the one chosen for the interface language. In a
    German interface an Arabic client's sheet came out Arabic beside English (review,
    2026-12-07); a German client's in an English one, German alone (German beside German)."""
    from kimdesk.i18n import language

    if client == "de":  # the demo's clients prefer their first language: make one German
        person = demo_vault.people.get(demo_vault.cases.where(order="seq")[0].person_id)
        demo_vault.people.update(person.model_copy(update={
            "languages": [*person.languages, "de"], "preferred_language": "de"}))
    case = next(c for c in demo_vault.cases.where()
                if demo_vault.people.get(c.person_id).preferred_language == client)
    with language(ui):
        dialog = open_dialog(qtbot, demo_vault, case.id)
        qtbot.waitUntil(lambda: dialog.data.values.get("case_number") == case.case_number,
                        timeout=15000)
        assert dialog.selection() == ("appointment", client, second)
        with qtbot.waitSignal(dialog.rendered, timeout=15000):
            dialog.choose(second="tr")  # chosen by the counselor: a later case read keeps it
        dialog.set_data(dialog.data)
        assert dialog.selection() == ("appointment", client, "tr")
