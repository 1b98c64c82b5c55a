"""The editor of a file question (``image``/``photo``/``file``, issue 16 item 8).

"Choose file…" opens the system's file dialog in the user's documents folder (not the working
folder: a counselor's scans are there, and the program's folder says nothing to them). The
chosen file is checked (size, the media types the question accepts; an image must decode as one)
and held in memory in the form's :class:`~kimdesk.forms.attachments.FormFiles` until the
consultation is saved; the answer names it (``<id>/<file name>``). A refused file leaves the
previous answer as it was and says why, translated. The editor shows the file's name and size,
an image as a small thumbnail decoded in memory (``QImageReader`` on a ``QBuffer``, at the
thumbnail's size: no temporary file), and
offers "Remove" and "Save as…" (written only where the counselor chooses).

An ``image`` question also offers "Camera…", only where Qt Multimedia loads and lists a camera
(:func:`camera_available`); the photo is taken into memory (:mod:`.camera`).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QStandardPaths, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from kimdesk.errors import KimdeskError
from kimdesk.forms.attachments import (
    ChosenFile,
    FormFiles,
    accepted,
    answer_value,
    check_size,
    check_type,
    parse_answer,
)
from kimdesk.forms.definition import Field
from kimdesk.gui.filedialogs import open_file, save_file
from kimdesk.gui.tone import say
from kimdesk.i18n import N_
from kimdesk.i18n import gettext as _

THUMB = 96
#: Endings offered in the dialog's filter for a media type pattern.
_IMAGE_ENDINGS = "*.jpg *.jpeg *.png *.gif *.bmp *.webp *.tif *.tiff"
MSG_NOT_IMAGE = N_("\"{name}\" is not an image this program can read.")
MSG_UNREADABLE = N_("The file \"{name}\" cannot be read.")
MSG_NOT_SAVED = N_("The file could not be written to \"{path}\".")


def documents_dir() -> str:
    """Where the file dialogs open: the user's documents folder (home if there is none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return found if found and os.path.isdir(found) else str(Path.home())


def camera_available() -> bool:
    """True only when Qt Multimedia loads and lists at least one camera."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:  # not installed, or its system libraries are missing
        return False
    return bool(QMediaDevices.videoInputs())


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{size} MB").format(size=f"{size / 1048576:.1f}")
    return _("{size} kB").format(size=max(1, round(size / 1024)))


def dialog_filter(f: Field) -> str:
    """The file dialog's filter from the question's accepted types, then "All files"."""
    patterns = accepted(f)
    endings: list[str] = []
    for p in patterns:
        if p.startswith("."):
            endings.append(f"*{p}")
        elif p == "image/*":
            endings.extend(_IMAGE_ENDINGS.split())
        else:
            import mimetypes

            endings.extend(f"*{e}" for e in mimetypes.guess_all_extensions(p, strict=False))
    everything = _("All files (*)")
    if not endings:
        return everything
    label = _("Accepted files")
    return f"{label} ({' '.join(dict.fromkeys(endings))});;{everything}"


def thumbnail(content: bytes) -> QImage:
    """The image at most :data:`THUMB` pixels wide and high, decoded in memory at that size
    (a JPEG decodes scaled: a 24-megapixel photo never becomes a 96 MB bitmap); a null image
    when the bytes are none this program can read."""
    buffer = QBuffer()
    buffer.setData(QByteArray(content))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)  # a phone photo's EXIF orientation
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class FileEditor(QWidget):
    """Choose, show, remove and save the file of one question."""

    def __init__(self, f: Field, value: Any, commit: Callable[[Any], None], files: FormFiles,
                 read_only: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = f
        self.files = files
        self._commit = commit
        self.read_only = read_only
        self.value: str | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.thumb = QLabel()
        self.thumb.setObjectName("file-thumbnail")
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setObjectName("file-name")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose = QPushButton(_("Choose file…"))
        self.choose.setObjectName("file-choose")
        self.remove = QPushButton(_("Remove"))
        self.remove.setObjectName("file-remove")
        self.save_as = QPushButton(_("Save as…"))
        self.save_as.setObjectName("file-save")
        self.error = QLabel()
        self.error.setObjectName("file-error")
        self.error.setWordWrap(True)
        buttons = QHBoxLayout()
        self.camera: QPushButton | None = None
        if not read_only and f.kind == "image" and camera_available():
            self.camera = QPushButton(_("Camera…"))
            self.camera.setObjectName("file-camera")
            self.camera.clicked.connect(self.take_photo)
        for button in (self.choose, self.camera, self.remove, self.save_as):
            if button is not None:
                buttons.addWidget(button)
        buttons.addStretch(1)
        grid.addWidget(self.thumb, 0, 0, 3, 1)
        grid.addWidget(self.name, 0, 1)
        grid.addLayout(buttons, 1, 1)
        grid.addWidget(self.error, 2, 1)
        grid.setColumnStretch(1, 1)
        self.choose.clicked.connect(self.choose_file)
        self.remove.clicked.connect(self.clear)
        self.save_as.clicked.connect(self.save_file)
        self.show_value(value)

    # -- showing -----------------------------------------------------------------------------------
    def show_value(self, value: Any) -> None:
        parsed = parse_answer(value)
        self.value = value if parsed else None
        self.thumb.clear()
        self.thumb.setVisible(self.field.kind == "image" and parsed is not None)
        self.error.hide()
        if parsed is None:
            self.name.setText(_("No file chosen"))
        else:
            aid, name = parsed
            chosen = self.files.get(aid)
            self.name.setText(f"{name} ({size_text(len(chosen.content))})" if chosen else name)
            if chosen is not None and self.field.kind == "image":
                image = thumbnail(chosen.content)
                if not image.isNull():
                    self.thumb.setPixmap(QPixmap.fromImage(image))
        stored = parsed is not None and self.files.get(parsed[0]) is not None
        self.choose.setEnabled(not self.read_only)
        self.choose.setVisible(not self.read_only)
        self.remove.setVisible(not self.read_only and parsed is not None)
        self.save_as.setVisible(stored)

    def _fail(self, text: str) -> None:
        say(self.error, text, error=True)
        self.error.show()

    # -- actions -----------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = open_file(self, _("Choose file"), documents_dir(), dialog_filter(self.field))
        if path:
            self.take(Path(path))

    def take_photo(self) -> None:
        from kimdesk.gui.forms.camera import CameraDialog

        dialog = CameraDialog(self)
        if dialog.exec() and dialog.photo:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.take_bytes(f"camera-{stamp}.jpg", dialog.photo)

    def take(self, path: Path) -> None:
        """Check and hold the file at ``path``; a refusal keeps the previous answer."""
        name = path.name
        try:
            check_size(path.stat().st_size)  # before reading a huge file into memory
            content = path.read_bytes()
        except KimdeskError as exc:
            self._fail(exc.translated())
            return
        except OSError:
            self._fail(_(MSG_UNREADABLE).format(name=name))
            return
        self.take_bytes(name, content)

    def take_bytes(self, name: str, content: bytes) -> None:
        """Check and hold a file's bytes (chosen or photographed)."""
        try:
            kind = check_type(self.field, name)
            check_size(len(content))
        except KimdeskError as exc:
            self._fail(exc.translated())
            return
        if self.field.kind == "image" and thumbnail(content).isNull():
            self._fail(_(MSG_NOT_IMAGE).format(name=name))
            return
        previous = parse_answer(self.value)
        if previous is not None:
            self.files.pending.pop(previous[0], None)
        aid = str(uuid.uuid4())
        self.files.pending[aid] = ChosenFile(self.field.name, name, kind, content)
        value = answer_value(aid, name)
        self.show_value(value)
        self._commit(value)

    def clear(self) -> None:
        previous = parse_answer(self.value)
        if previous is not None:
            self.files.pending.pop(previous[0], None)
        self.show_value(None)
        self._commit(None)

    def save_file(self) -> None:
        parsed = parse_answer(self.value)
        chosen = self.files.get(parsed[0]) if parsed else None
        if chosen is None:
            return
        target = save_file(self, _("Save attachment"),
                           str(Path(documents_dir()) / chosen.file_name))
        if not target:
            return
        from kimdesk.vault.files import atomic_write

        try:
            atomic_write(target, chosen.content)
        except OSError:
            self._fail(_(MSG_NOT_SAVED).format(path=target))
            return
        with contextlib.suppress(RuntimeError):
            say(self.error, _("Saved to \"{path}\".").format(path=target), error=False)
            self.error.show()
