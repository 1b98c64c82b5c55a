"""A form's file questions in the Forms tab (issue 16, item 8): choose a file (the OS dialog is
patched, the rest is driven by keys), see its name, size and thumbnail, save the consultation,
reopen it: the attachment is listed and "Save as…" writes it where the counselor says. A file
over the limit, or of a type the question does not accept, is refused with a clear message and
the answer stays as it was."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.gui.conftest import wait_idle
from tests.rawscan import files_holding

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/kimdesk-attach-shots")


def _definition() -> dict[str, Any]:
    t = lambda de, en: {"de": de, "en": en}  # noqa: E731
    return {
        "settings": {"form_id": "anhang", "version": "1", "title": t("Unterlagen", "Documents"),
                     "default_language": "de", "languages": ["de", "en"]},
        "survey": [
            {"type": "image", "name": "pic", "label": t("Foto des Ausweises", "ID photo"),
             "required": True},
            {"type": "file", "name": "doc", "label": t("Bescheid (PDF)", "Decision (PDF)"),
             "xlsform": {"body::accept": ".pdf"}},
        ],
        "choices": {},
    }


def _png(path: Path) -> bytes:
    from PySide6.QtGui import QColor, QImage

    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#2a7ab0"))
    for x in range(120):  # a line of noise: this run's file, unlike any an earlier run left
        image.setPixel(x, 0, secrets.randbits(24))
    assert image.save(str(path))  # the format from the ending
    return path.read_bytes()


def _editor(widget: Any, name: str) -> Any:
    from kimdesk.gui.forms.fileeditor import FileEditor

    found = widget.editor(name)
    assert isinstance(found, FileEditor)
    return found


def _shown(dialog: Any) -> Any:
    """The read-only view's photo editor (rebuilt once the files are loaded)."""
    from kimdesk.gui.forms.fileeditor import FileEditor

    found = dialog.findChild(FileEditor, "pic")
    assert found is not None
    return found


def _press(qtbot: Any, button: Any) -> None:
    from PySide6.QtCore import Qt

    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def test_choose_save_reopen_and_save_as(qtbot: Any, demo_window: Any, tmp_path: Path,
                                        monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QDialog, QFileDialog

    from kimdesk.gui.forms.fileeditor import FileEditor

    window = demo_window
    ws = window.workspace
    case_id = ws.model.row_at(0).case_id
    ws.open_case(case_id)
    view = ws.case_view
    tab = view.forms_tab
    qtbot.waitUntil(lambda: tab.registry is not None, timeout=10000)
    assert tab.registry.add_archived([_definition()]) == 1
    tab._fill_combo()
    tab.open_form("anhang")
    qtbot.waitUntil(lambda: tab.widget is not None, timeout=10000)
    pic = tab.widget.editor("pic")
    doc = tab.widget.editor("doc")
    assert isinstance(pic, FileEditor) and isinstance(doc, FileEditor)
    window.show()
    view.tabs.setCurrentWidget(tab)

    # refused: over the limit (a sparse file: checked by its size before it is read), and a
    # type the question does not accept; the answers stay empty, the message says why
    big = tmp_path / "scan.pdf"
    with big.open("wb") as fh:
        fh.truncate(10 * 1024 * 1024 + 1)
    chosen: list[str] = [str(big)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (chosen[0], "")))
    _press(qtbot, doc.choose)
    assert "too large (10.0 MiB); at most 10 MiB" in doc.error.text()
    assert tab.widget.answers().get("doc") is None
    chosen[0] = str(tmp_path / "notes.txt")
    Path(chosen[0]).write_text("x")
    _press(qtbot, doc.choose)
    assert doc.error.text() == 'This question accepts .pdf; "notes.txt" is text/plain.'

    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a picture at all")
    chosen[0] = str(fake)
    _press(qtbot, pic.choose)
    assert pic.error.text() == '"fake.png" is not an image this program can read.'
    assert tab.widget.answers().get("pic") is None

    # chosen: name, size and thumbnail shown; the answer names the attachment only
    photo = tmp_path / "ausweis.png"
    content = _png(photo)
    chosen[0] = str(photo)
    _press(qtbot, pic.choose)
    answer = tab.widget.answers()["pic"]
    assert answer.endswith("/ausweis.png") and len(answer) == 36 + 1 + len("ausweis.png")
    assert pic.name.text() == "ausweis.png (1 kB)"
    assert pic.thumb.pixmap() is not None and not pic.thumb.pixmap().isNull()
    assert not pic.remove.isHidden()
    SHOTS.mkdir(exist_ok=True)
    tab.widget.grab().save(str(SHOTS / "form-file-question.png"))

    _press(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: tab.widget is None, timeout=10000)
    wait_idle(qtbot, window)

    def stored(w: Any) -> list[Any]:
        return [(a, w.vault.attachments.content(a.id))
                for a in w.vault.attachments.for_case_infos(case_id)]

    got: list[Any] = []
    window.worker.submit(stored, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    [(info, data)] = got[0]
    assert (info.file_name, info.question, info.media_type) == ("ausweis.png", "pic",
                                                                "image/png")
    assert data == content and info.sha256 == hashlib.sha256(content).hexdigest()
    assert answer.startswith(info.id)

    # nothing holds the file in plaintext but the file itself: not a draft, not a temporary
    # file, not a cache of Qt's (the vault, its WAL and the settings are under tmp_path too)
    import tempfile

    assert files_holding(Path(tempfile.gettempdir()), [content], skip=[photo]) == []

    # reopened: listed with its size and thumbnail, and "Save as…" writes a copy
    view.reload()
    records = view.tab_widgets["consultations"].records
    qtbot.waitUntil(lambda: any(c.form_id == "anhang" for c in
                                view.tab_widgets["consultations"].records), timeout=5000)
    records = view.tab_widgets["consultations"].records
    row = next(i for i, c in enumerate(records) if c.form_id == "anhang")
    dialog = view.edit_record("consultations", row)
    assert isinstance(dialog, QDialog)
    shown = dialog.findChild(FileEditor, "pic")
    assert shown is not None
    qtbot.waitUntil(lambda: _shown(dialog).name.text() == "ausweis.png (1 kB)", timeout=5000)
    shown = _shown(dialog)
    assert shown.choose.isHidden() and shown.remove.isHidden()
    assert not shown.save_as.isHidden() and not shown.thumb.pixmap().isNull()
    dialog.grab().save(str(SHOTS / "form-file-reopened.png"))
    target = tmp_path / "chosen" / "kopie.png"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    _press(qtbot, shown.save_as)
    assert target.read_bytes() == content
    assert sorted(p.name for p in target.parent.iterdir()) == ["kopie.png"]
    dialog.reject()


def test_camera_button_only_with_a_camera_and_its_photo_is_held_in_memory(
        qtbot: Any, monkeypatch: Any, tmp_path: Path) -> None:
    """No camera (this machine: Qt Multimedia does not even load): no button. With one (the
    check patched, the dialog replaced by one that "takes" a picture): the button appears on the
    image question only, and the photo becomes the answer, JPEG-encoded in memory."""
    from PySide6.QtGui import QColor, QImage

    from kimdesk.forms.definition import FormDefinition, compile_form
    from kimdesk.gui.forms import FormWidget, fileeditor
    from kimdesk.gui.forms import camera as camera_module

    form = compile_form(FormDefinition.model_validate(_definition()))
    plain = FormWidget(form, ui_language="en")
    qtbot.addWidget(plain)
    assert fileeditor.camera_available() is False
    assert _editor(plain, "pic").camera is None

    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#c04020"))
    jpeg = camera_module.jpeg_bytes(image)
    assert jpeg[:3] == b"\xff\xd8\xff" and not QImage.fromData(jpeg).isNull()

    class Taken:
        def __init__(self, parent: Any) -> None:
            self.photo = jpeg

        def exec(self) -> int:
            return 1

    monkeypatch.setattr(fileeditor, "camera_available", lambda: True)
    monkeypatch.setattr(camera_module, "CameraDialog", Taken)
    widget = FormWidget(form, ui_language="en")
    qtbot.addWidget(widget)
    pic, doc = _editor(widget, "pic"), _editor(widget, "doc")
    assert pic.camera is not None and doc.camera is None
    before = set(p.name for p in tmp_path.iterdir())
    _press(qtbot, pic.camera)
    aid, name = widget.answers()["pic"].split("/", 1)
    assert name.startswith("camera-") and name.endswith(".jpg")
    assert widget.files.pending[aid].content == jpeg
    assert widget.files.pending[aid].media_type == "image/jpeg"
    assert set(p.name for p in tmp_path.iterdir()) == before  # nothing written
